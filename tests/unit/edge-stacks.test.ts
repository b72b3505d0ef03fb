/**
 * The edge stacks as `npm run synth` produces them: the real index.ts under mocks, central
 * first, its outputs fed to the edges' StackReferences. Assertions are on what the mocks
 * recorded and on the files written.
 */
import * as fs from "fs";
import * as path from "path";
import { ConfigError, PROJECT } from "../../config/primitives";
import { redactSecrets, runMockStack } from "../../synth/mock-runtime";
import { mockKubeconfigFor } from "../../synth/pulumi-config";
import { synthesize, SynthesizedStack } from "../../synth/synth";
import { EdgeOutcome, mutualTlsOutputs, PLAIN_HTTP_TLS_OUTPUTS, runEdgeAgainstCentral, TEST_CA_PEM } from "../support/edge";
import { expectValidManifest, Manifest } from "../support/k8s-models";
import { committedStackConfig, PROJECT_DIR, resourcesOfType, scratchDir, synthCliFailure, synthStacks } from "../support";
import program = require("../../index");

const EDGES = ["cluster-02", "cluster-03", "cluster-04"];
const RELEASE = "kubernetes:helm.sh/v3:Release";
const PROMETHEUS_AGENT = "kubernetes:monitoring.coreos.com/v1alpha1:PrometheusAgent";
const outDir = scratchDir("edge-stacks-");
let byStack: Record<string, SynthesizedStack>;

beforeAll(async () => {
  const results = await synthesize({ stackDir: PROJECT_DIR, outDir });
  byStack = Object.fromEntries(results.map((r) => [r.stack, r]));
});

const centralUrl = () => byStack["cluster-01"].result.outputs.receiveRemoteWriteUrl as string;
const releaseFile = (stack: string) => {
  const dir = path.join(outDir, stack, "releases");
  const files = fs.readdirSync(dir);
  expect(files).toHaveLength(1);
  return JSON.parse(fs.readFileSync(path.join(dir, files[0]), "utf8"));
};
const childrenOf = (stack: SynthesizedStack, parent: string) => stack.result.resources.filter((r) => r.parent === parent);

describe.each(EDGES)("%s", (stack) => {
  test("installs kube-prometheus-stack in agent mode, without Alertmanager, Grafana or rules", () => {
    const release = releaseFile(stack);
    expect([release.chart, release.version, release.namespace]).toEqual(["kube-prometheus-stack", "88.5.3", "monitoring"]);
    expect(release.values.prometheus.agentMode).toBe(true);
    expect(release.values.alertmanager).toEqual({ enabled: false });
    expect(release.values.grafana).toEqual({ enabled: false });
    expect(release.values.defaultRules).toEqual({ create: false });
    expect(resourcesOfType(byStack[stack], "kubernetes:monitoring.coreos.com/v1:PrometheusRule")).toEqual([]);
  });

  test("writes to exactly the URL cluster-01 exported, as its own tenant, labelled with its cluster", () => {
    const [remoteWrite] = releaseFile(stack).values.prometheus.prometheusSpec.remoteWrite;
    expect(remoteWrite.url).toBe(centralUrl());
    expect(remoteWrite.headers).toEqual({ "THANOS-TENANT": stack });
    expect(releaseFile(stack).values.prometheus.prometheusSpec.externalLabels).toEqual({ cluster: stack });
    expect(byStack[stack].result.outputs.remoteWriteUrl).toBe(centralUrl());
  });
});

test("only cluster-02 runs tenant agents", () => {
  expect(EDGES.map((s) => resourcesOfType(byStack[s], "multicluster:edge:TenantAgent").map((r) => r.name))).toEqual([
    ["cluster-02-tenant-a", "cluster-02-tenant-b"],
    [],
    [],
  ]);
});

describe("cluster-02's tenant agents", () => {
  const tenants = [
    { id: "tenant-a", node: "node-01" },
    { id: "tenant-b", node: "node-02" },
  ];
  const agentOf = (id: string) => resourcesOfType(byStack["cluster-02"], PROMETHEUS_AGENT).find((r) => r.parent === `cluster-02-${id}`)!;
  const children = (id: string) => childrenOf(byStack["cluster-02"], `cluster-02-${id}`);
  /** A tenant's resources with its id and node replaced by placeholders. */
  const generic = (t: { id: string; node: string }) =>
    children(t.id).map((r) =>
      JSON.parse(JSON.stringify({ type: r.type, name: r.name, inputs: redactSecrets(r.inputs, "[secret]") }).replaceAll(t.id, "<tenant>").replaceAll(t.node, "<node>")),
    );

  test("differ only by tenant id and node", () => {
    const [a, b] = tenants.map(generic);
    expect(a.length).toBeGreaterThan(0);
    expect(a).toEqual(b);
  });

  test.each(tenants)("$id's resources carry $id's id and node only", (tenant) => {
    const other = tenants.find((t) => t.id !== tenant.id)!;
    const text = JSON.stringify(children(tenant.id));
    expect(text).not.toContain(other.id);
    expect(text).not.toContain(other.node);
    const spec = agentOf(tenant.id).inputs.spec as any;
    expect(spec.remoteWrite.map((rw: any) => [rw.url, rw.headers])).toEqual([[centralUrl(), { "THANOS-TENANT": tenant.id }]]);
    expect(spec.externalLabels).toEqual({ cluster: "cluster-02", tenant: tenant.id });
    expect(spec.nodeSelector).toEqual({ "kubernetes.io/hostname": tenant.node });
    expect(spec.serviceMonitorNamespaceSelector).toEqual({ matchLabels: { "kubernetes.io/metadata.name": tenant.id } });
    expect((agentOf(tenant.id).inputs.metadata as any).namespace).toBe(tenant.id);
  });

  test.each(tenants)("$id has its own namespace, quota, limit range and network policy", (tenant) => {
    const types = children(tenant.id).map((r) => r.type);
    for (const type of ["core/v1:Namespace", "core/v1:ResourceQuota", "core/v1:LimitRange", "networking.k8s.io/v1:NetworkPolicy", "core/v1:ServiceAccount"]) {
      expect(types).toContain(`kubernetes:${type}`);
    }
    const quota = children(tenant.id).find((r) => r.type === "kubernetes:core/v1:ResourceQuota")!;
    expect((quota.inputs as any).metadata.namespace).toBe(tenant.id);
    expect((quota.inputs as any).spec.hard).toEqual({ "requests.cpu": "2", "requests.memory": "4Gi", "limits.memory": "4Gi", pods: "20" });
  });

  test.each(tenants)("every object $id declares is valid as recorded", (tenant) => {
    for (const r of children(tenant.id)) expectValidManifest(redactSecrets(r.inputs) as Manifest);
  });
});

describe("the remote-write target comes from the central stack's outputs", () => {
  test("a central with another address and tenant header changes every edge agent", async () => {
    const central = structuredClone(committedStackConfig("cluster-01")) as Record<string, any>;
    central["multicluster:central"].receive.service = { loadBalancerIP: "10.0.10.50" };
    central["multicluster:central"].receive.tenantHeader = "X-Scope-OrgID";
    const { byStack: synthesized } = await synthStacks({ "cluster-01": central, "cluster-02": committedStackConfig("cluster-02") });
    const url = synthesized["cluster-01"].result.outputs.receiveRemoteWriteUrl;
    expect(url).toContain("10.0.10.50");
    const edge = synthesized["cluster-02"];
    const [release] = resourcesOfType(edge, RELEASE);
    const clusterWrite = (release.inputs.values as any).prometheus.prometheusSpec.remoteWrite;
    const tenantWrites = resourcesOfType(edge, PROMETHEUS_AGENT).map((r) => (r.inputs.spec as any).remoteWrite[0]);
    expect([clusterWrite[0], ...tenantWrites].map((rw) => [rw.url, rw.headers])).toEqual([
      [url, { "X-Scope-OrgID": "cluster-02" }],
      [url, { "X-Scope-OrgID": "tenant-a" }],
      [url, { "X-Scope-OrgID": "tenant-b" }],
    ]);
  });
});

describe("bad input is one clear error", () => {
  const CENTRAL_STACK = "organization/multicluster/cluster-01";
  const central = { role: "central", receiveRemoteWriteUrl: "http://203.0.113.10:10908/api/v1/receive", tenantHeader: "THANOS-TENANT", receiveOutOfOrderWindow: "6h", ...PLAIN_HTTP_TLS_OUTPUTS };
  const { receiveRemoteWriteUrl: _url, ...withoutUrl } = central;
  const { tenantHeader: _header, ...withoutHeader } = central;
  const { receiveOutOfOrderWindow: _window, ...withoutWindow } = central;
  const mutualTls = { ...central, ...mutualTlsOutputs(["cluster-03"]), receiveRemoteWriteUrl: "https://203.0.113.10:10908/api/v1/receive" };
  const cases = {
    valid: { centralOutputs: central, edge: { centralStack: CENTRAL_STACK } },
    validMutualTls: { centralOutputs: mutualTls, edge: { centralStack: CENTRAL_STACK } },
    withoutUrl: { centralOutputs: withoutUrl, edge: { centralStack: CENTRAL_STACK } },
    withoutHeader: { centralOutputs: withoutHeader, edge: { centralStack: CENTRAL_STACK } },
    noAddress: { centralOutputs: { ...central, receiveRemoteWriteUrl: "http://:10908/api/v1/receive" }, edge: { centralStack: CENTRAL_STACK } },
    tlsOverHttp: { centralOutputs: central, edge: { centralStack: CENTRAL_STACK, remoteWrite: { tls: { caCert: TEST_CA_PEM } } } },
    withoutWindow: { centralOutputs: withoutWindow, edge: { centralStack: CENTRAL_STACK } },
    walBeyondWindow: { centralOutputs: { ...central, receiveOutOfOrderWindow: "3h" }, edge: { centralStack: CENTRAL_STACK } },
    ageLimitBeyondWindow: { centralOutputs: central, edge: { centralStack: CENTRAL_STACK, remoteWrite: { sampleAgeLimit: "8h" } } },
    shorterWalWithinWindow: { centralOutputs: { ...central, receiveOutOfOrderWindow: "3h" }, edge: { centralStack: CENTRAL_STACK, wal: { maxTime: "3h" } } },
    noCertificate: { centralOutputs: { ...mutualTls, ...mutualTlsOutputs(["cluster-02"]) }, edge: { centralStack: CENTRAL_STACK } },
    noTenantCertificate: {
      centralOutputs: mutualTls,
      edge: { centralStack: CENTRAL_STACK, nodes: ["node-01"], tenants: [{ id: "tenant-c", node: "node-01" }] },
    },
    mutualTlsOverHttp: { centralOutputs: { ...mutualTls, receiveRemoteWriteUrl: central.receiveRemoteWriteUrl }, edge: { centralStack: CENTRAL_STACK } },
    withoutReceiveTls: { centralOutputs: (({ receiveTls: _tls, ...rest }) => rest)(central), edge: { centralStack: CENTRAL_STACK } },
  };
  let outcomes: Record<keyof typeof cases, EdgeOutcome>;

  beforeAll(async () => {
    outcomes = await runEdgeAgainstCentral(cases);
  });

  test("the same program runs against a central stack exporting what it needs", () => {
    expect(outcomes.valid).toEqual({ outputs: expect.objectContaining({ remoteWriteUrl: central.receiveRemoteWriteUrl }) });
    expect(outcomes.validMutualTls).toEqual({ outputs: expect.objectContaining({ remoteWriteUrl: mutualTls.receiveRemoteWriteUrl }) });
  });

  test("a tenant the central CA issued no client certificate for: the cluster's own, or a tenant agent's", () => {
    expect(outcomes.noCertificate.error).toMatchObject({
      keyPath: "multicluster:edge.tenantId",
      expected:
        "expected a tenant organization/multicluster/cluster-01 issued a client certificate for, but it has none for cluster-03 (issued: cluster-02); " +
        "the central stack issues one for every tenant of the edge stack files beside it: run pulumi up on organization/multicluster/cluster-01 first, then on this stack",
    });
    expect(outcomes.noTenantCertificate.error).toMatchObject({ keyPath: "multicluster:edge.tenants[0].id", expected: expect.stringMatching(/has none for tenant-c \(issued: cluster-03\)/) });
  });

  test("a central stack requiring client certificates on a plain-http URL, or without the TLS output", () => {
    expect(outcomes.mutualTlsOverHttp.error).toMatchObject({ keyPath: "multicluster:edge.centralStack", expected: expect.stringMatching(/require client certificates, to export an https receiveRemoteWriteUrl/) });
    expect(outcomes.withoutReceiveTls.error).toMatchObject({ keyPath: "multicluster:edge.centralStack", expected: expect.stringMatching(/exporting receiveTls, but .* has no such output/) });
  });

  test("a central stack without the remote-write URL output", () => {
    expect(outcomes.withoutUrl.error).toEqual({
      name: "ConfigError",
      keyPath: "multicluster:edge.centralStack",
      expected:
        "expected a central stack exporting receiveRemoteWriteUrl, but organization/multicluster/cluster-01 has no such output (is it deployed with this program's version? run pulumi up on it)",
      message: expect.stringMatching(/^Pulumi\.cluster-03\.yaml: multicluster:edge\.centralStack: expected a central stack exporting receiveRemoteWriteUrl/),
    });
  });

  test("a central stack without the tenant header output", () => {
    expect(outcomes.withoutHeader.error).toMatchObject({ keyPath: "multicluster:edge.centralStack", expected: expect.stringMatching(/exporting tenantHeader, but organization\/multicluster\/cluster-01 has no such output/) });
  });

  test("a central stack whose LoadBalancer had no address", () => {
    expect(outcomes.noAddress.error).toMatchObject({
      keyPath: "multicluster:edge.centralStack",
      expected: expect.stringMatching(/receiveRemoteWriteUrl as an http\(s\) URL with a host, got "http:\/\/:10908\/api\/v1\/receive"/),
    });
  });

  test("TLS settings for a plain-http receiver", () => {
    expect(outcomes.tlsOverHttp.error).toMatchObject({ keyPath: "multicluster:edge.remoteWrite.tls", expected: expect.stringMatching(/no TLS settings for a plain-http receiver/) });
  });

  test("a central stack that does not say how old a sample its receivers accept", () => {
    expect(outcomes.withoutWindow.error).toMatchObject({
      keyPath: "multicluster:edge.centralStack",
      expected: expect.stringMatching(/exporting receiveOutOfOrderWindow, but organization\/multicluster\/cluster-01 has no such output/),
    });
  });

  test("a WAL that keeps samples longer than central's out-of-order window: both keys named", () => {
    expect(outcomes.walBeyondWindow.error).toEqual({
      name: "ConfigError",
      keyPath: "multicluster:edge.wal.maxTime",
      expected:
        "expected at most 3h, the out-of-order window of organization/multicluster/cluster-01 (its multicluster:central.receive.outOfOrderWindow): " +
        "older samples kept through an outage are rejected when they arrive; shorten this or widen that, got 6h",
      message: expect.stringMatching(/^Pulumi\.cluster-03\.yaml: multicluster:edge\.wal\.maxTime: expected at most 3h/),
    });
  });

  test("a sample age limit beyond central's out-of-order window", () => {
    expect(outcomes.ageLimitBeyondWindow.error).toMatchObject({
      keyPath: "multicluster:edge.remoteWrite.sampleAgeLimit",
      expected: expect.stringMatching(/^expected at most 6h, the out-of-order window of .*multicluster:central\.receive\.outOfOrderWindow.* got 8h$/),
    });
  });

  test("a WAL within a narrower window is accepted, and its age limit follows it", () => {
    expect(outcomes.shorterWalWithinWindow).toEqual({ outputs: expect.objectContaining({ role: "edge" }) });
  });

  test("an edge with no central stack", async () => {
    const edge = { "multicluster:role": "edge", "multicluster:kubeContext": "cluster-03" };
    const err = await synthStacks({ "cluster-01": committedStackConfig("cluster-01"), "cluster-03": edge }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).keyPath).toBe("multicluster:edge.centralStack");
  });

  test("a central stack name that is no stack file: npm run synth prints one error and exits 1", async () => {
    const stackDir = scratchDir("edge-bad-central-");
    fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.cluster-01.yaml"), path.join(stackDir, "Pulumi.cluster-01.yaml"));
    fs.writeFileSync(
      path.join(stackDir, "Pulumi.cluster-03.yaml"),
      "config:\n  multicluster:role: edge\n  multicluster:kubeContext: cluster-03\n  multicluster:edge:\n    centralStack: organization/multicluster/cluster-09\n",
    );
    const failed = await synthCliFailure(stackDir);
    expect(failed?.code).toBe(1);
    expect(failed?.stderr.trim()).toBe(
      "synth: invalid config: Pulumi.cluster-03.yaml: multicluster:edge.centralStack: expected the name of a central stack among the stack files " +
        "(central: cluster-01), but there is no Pulumi.cluster-09.yaml",
    );
  });
});

test("a CA bundle for an https receiver becomes a Secret in every agent's namespace, referenced by its remote write", async () => {
  const result = await runMockStack({
    project: PROJECT,
    stack: "cluster-03",
    config: {
      "multicluster:role": "edge",
      "multicluster:kubeconfig": mockKubeconfigFor(["cluster-03"]),
      "multicluster:edge": JSON.stringify({
        centralStack: "organization/multicluster/cluster-01",
        nodes: ["node-01"],
        // cluster-02's file beside it already has tenant-a and tenant-b: tenant ids are unique in the fleet.
        tenants: [{ id: "tenant-c", node: "node-01" }],
        remoteWrite: { tls: { caCert: TEST_CA_PEM } },
      }),
    },
    secretKeys: ["multicluster:kubeconfig"],
    // An Ingress terminating TLS in front of plain-http lab receivers: the edge brings the CA itself.
    stackOutputs: { "organization/multicluster/cluster-01": { receiveRemoteWriteUrl: "https://receive.example.org/api/v1/receive", tenantHeader: "THANOS-TENANT", receiveOutOfOrderWindow: "6h", ...PLAIN_HTTP_TLS_OUTPUTS } },
    program: () => program(),
  });
  const caSecrets = result.resources.filter((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs as any).metadata.name === "remote-write-ca");
  expect(caSecrets.map((s) => [(s.inputs as any).metadata.namespace, redactSecrets((s.inputs as any).stringData)])).toEqual([
    ["monitoring", { "ca.crt": TEST_CA_PEM }],
    ["tenant-c", { "ca.crt": TEST_CA_PEM }],
  ]);
  const [release] = result.resources.filter((r) => r.type === RELEASE);
  const [agent] = result.resources.filter((r) => r.type === PROMETHEUS_AGENT);
  for (const rw of [(release.inputs.values as any).prometheus.prometheusSpec.remoteWrite[0], (agent.inputs.spec as any).remoteWrite[0]]) {
    expect(rw.url).toBe("https://receive.example.org/api/v1/receive");
    expect(rw.tlsConfig).toEqual({ ca: { secret: { name: "remote-write-ca", key: "ca.crt" } }, insecureSkipVerify: false });
  }
});

describe("with central's mutual TLS, every agent gets its own tenant's certificate and nothing else", () => {
  const CERT = (id: string) => `-----BEGIN CERTIFICATE-----\nY2VydCBvZiA=${id}\n-----END CERTIFICATE-----\n`;
  let result: Awaited<ReturnType<typeof runMockStack>>;

  beforeAll(async () => {
    result = await runMockStack({
      project: PROJECT,
      stack: "cluster-02",
      config: {
        "multicluster:role": "edge",
        "multicluster:kubeconfig": mockKubeconfigFor(["cluster-02"]),
        "multicluster:edge": JSON.stringify(committedStackConfig("cluster-02")["multicluster:edge"]),
      },
      secretKeys: ["multicluster:kubeconfig"],
      stackOutputs: {
        "organization/multicluster/cluster-01": {
          receiveRemoteWriteUrl: "https://203.0.113.10:10908/api/v1/receive",
          tenantHeader: "THANOS-TENANT",
          receiveOutOfOrderWindow: "6h",
          ...mutualTlsOutputs(["cluster-02", "tenant-a", "tenant-b", "cluster-03"], CERT),
        },
      },
      program: () => program(),
    });
  });

  test("a kubeconfig set in the stack file is the provider's, as a secret; the cluster name stays its identity", () => {
    const [provider] = result.resources.filter((r) => r.type === "pulumi:providers:kubernetes");
    expect(redactSecrets(provider.inputs, "[secret]")).toMatchObject({ clusterIdentifier: "cluster-02", context: "cluster-02", kubeconfig: "[secret]" });
  });

  const clientSecrets = () => result.resources.filter((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs as any).metadata.name === "remote-write-client");

  test("one client Secret per agent namespace, holding that namespace's tenant's certificate and key, as a secret", () => {
    expect(clientSecrets().map((s) => [(s.inputs as any).metadata.namespace, (s.inputs as any).type, redactSecrets((s.inputs as any).stringData)])).toEqual([
      ["monitoring", "kubernetes.io/tls", { "tls.crt": CERT("cluster-02"), "tls.key": `key of cluster-02` }],
      ["tenant-a", "kubernetes.io/tls", { "tls.crt": CERT("tenant-a"), "tls.key": `key of tenant-a` }],
      ["tenant-b", "kubernetes.io/tls", { "tls.crt": CERT("tenant-b"), "tls.key": `key of tenant-b` }],
    ]);
    for (const s of clientSecrets()) expect(redactSecrets(s.inputs, "[secret]")).toMatchObject({ stringData: "[secret]" });
    // cluster-03's credentials, also exported by central, reach no object of this cluster.
    expect(JSON.stringify(result.resources.map((r) => redactSecrets(r.inputs)))).not.toContain("cluster-03");
  });

  test("every agent verifies the receivers with central's CA and server name and presents its client certificate", () => {
    const [release] = result.resources.filter((r) => r.type === RELEASE);
    const agents = result.resources.filter((r) => r.type === PROMETHEUS_AGENT);
    for (const rw of [(release.inputs.values as any).prometheus.prometheusSpec.remoteWrite[0], ...agents.map((a) => (a.inputs.spec as any).remoteWrite[0])]) {
      expect(rw.tlsConfig).toEqual({
        ca: { secret: { name: "remote-write-ca", key: "ca.crt" } },
        cert: { secret: { name: "remote-write-client", key: "tls.crt" } },
        keySecret: { name: "remote-write-client", key: "tls.key" },
        serverName: "thanos-receive-remote-write.monitoring.svc.cluster.local",
        insecureSkipVerify: false,
      });
    }
    const caSecrets = result.resources.filter((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs as any).metadata.name === "remote-write-ca");
    expect(caSecrets.map((s) => redactSecrets((s.inputs as any).stringData))).toEqual([0, 1, 2].map(() => ({ "ca.crt": CERT("ca") })));
    // The agent starts only once its certificate is there.
    for (const agent of agents) expect(agent.dependencies).toContain(`${agent.parent}-remote-write-client`);
  });
});
