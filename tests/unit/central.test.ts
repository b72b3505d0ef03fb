/**
 * The central stack as `pulumi up` would declare it: the real index.ts with cluster-01's stack
 * file, run under mocks by the offline synth, asserting on what the mocks recorded and on the
 * files the synth writes.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { CHARTS } from "../../components/shared/charts";
import { ConfigError } from "../../config/primitives";
import { GRAFANA_DASHBOARD_LABEL, THANOS_OBJSTORE_KEY, THANOS_OBJSTORE_SECRET } from "../../components/shared/conventions";
import { centralOutputsSchema } from "../../config/outputs";
import { mockBcryptHash, mockPem, mockSecretValue, RecordedResource, redactSecrets } from "../../synth/mock-runtime";
import { mockConfigSecret } from "../../synth/pulumi-config";
import { synthesize, SynthesizedStack } from "../../synth/synth";
import { committedStackConfig, filesUnder, PROJECT_DIR, resourcesOfType, scratchDir, synthStacks } from "../support";

const BUCKETS = { thanos: "thanos-bucket", longhorn: "longhorn-backups", opensearch: "opensearch-logs" };
let central: SynthesizedStack;
let outDir: string;

beforeAll(async () => {
  const synth = await synthStacks({ "cluster-01": committedStackConfig("cluster-01") });
  central = synth.byStack["cluster-01"];
  outDir = synth.outDir;
});

const ofType = (type: string) => resourcesOfType(central, type);
const named = (name: string): RecordedResource => {
  const found = central.result.resources.find((r) => r.name === name);
  if (!found) throw new Error(`no resource ${name}`);
  return found;
};
const release = (chart: string): Record<string, any> => {
  const [found] = ofType("kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.chart === chart);
  return found.inputs.values as Record<string, any>;
};

describe("MinIO", () => {
  test("three buckets, named from config, protected from deletion", () => {
    const buckets = ofType("minio:index/s3Bucket:S3Bucket");
    expect(buckets.map((b) => b.inputs.bucket).sort()).toEqual(Object.values(BUCKETS).sort());
    for (const b of buckets) expect({ bucket: b.name, protect: b.protect, forceDestroy: b.inputs.forceDestroy }).toEqual({ bucket: b.name, protect: true, forceDestroy: false });
  });

  test("every MinIO resource goes through the provider built from config, credentials secret", () => {
    const [provider] = ofType("pulumi:providers:minio");
    // Provider config reaches the engine as strings; the provider runs on the deploy machine, so it gets that endpoint.
    expect(provider.inputs).toMatchObject({ minioServer: "minio.lab.internal:9000", minioSsl: "false", minioRegion: "us-east-1" });
    expect(redactSecrets(provider.inputs, "[secret]")).toMatchObject({ minioUser: "[secret]", minioPassword: "[secret]" });
    const minio = central.result.resources.filter((r) => r.type.startsWith("minio:"));
    expect(minio).toHaveLength(12);
    for (const r of minio) expect(r.provider).toBe(provider.name);
  });

  test("each user is attached to one policy, which names only that user's bucket", () => {
    const policies = new Map(ofType("minio:index/iamPolicy:IamPolicy").map((p) => [p.inputs.name, JSON.parse(String(p.inputs.policy))]));
    const attachments = ofType("minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment");
    expect(attachments.map((a) => a.inputs.userName).sort()).toEqual(Object.values(BUCKETS).sort());
    for (const { inputs } of attachments) {
      const bucket = String(inputs.userName);
      const resources = policies.get(inputs.policyName)!.Statement.flatMap((s: { Resource: string[] }) => s.Resource);
      expect(resources.sort()).toEqual([`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`]);
    }
  });

  test("user secrets are generated and only ever passed as secrets", () => {
    for (const user of ofType("minio:index/iamUser:IamUser")) expect(redactSecrets(user.inputs, "[secret]")).toMatchObject({ secret: "[secret]" });
  });
});

describe("Kubernetes objects declared directly", () => {
  test("are valid Kubernetes objects", () => {
    const models = { ConfigMap, Namespace, Secret, Service } as Record<string, new (data: any) => { validate(): void }>;
    // The logging stack's objects are checked in logging.test.ts.
    const declared = central.result.resources.filter((r) => r.type.startsWith("kubernetes:core/v1:") && !r.read && r.parent !== "cluster-01-logging");
    // Six dashboard ConfigMaps and the Alertmanager config Secret come from MonitoringMixin; the receivers mount the limits ConfigMap and the TLS Secret.
    expect(declared.map((r) => r.inputs.kind).sort()).toEqual([...Array(7).fill("ConfigMap"), "Namespace", ...Array(4).fill("Secret"), "Service"]);
    for (const r of declared) new models[String(r.inputs.kind)](redactSecrets(r.inputs)).validate();
  });

  test("the objstore Secret holds the Thanos S3 config for the Thanos bucket, as a secret", () => {
    const secret = named("cluster-01-central-objstore");
    expect(secret.inputs.metadata).toEqual({ name: THANOS_OBJSTORE_SECRET, namespace: "monitoring" });
    expect(redactSecrets(secret.inputs, "[secret]")).toMatchObject({ stringData: "[secret]" });
    const config = (redactSecrets(secret.inputs) as any).stringData[THANOS_OBJSTORE_KEY];
    expect(config).toContain("type: S3");
    expect(config).toContain(`bucket: ${BUCKETS.thanos}`);
    expect(config).toContain(`secret_key: ${mockSecretValue("cluster-01-buckets-thanos-secret-key")}`);
  });

  test("the receive LoadBalancer exposes only remote write, selecting the receive pods", () => {
    const service = named("cluster-01-central-receive-lb");
    expect(service.inputs.spec).toEqual({
      type: "LoadBalancer",
      selector: { "app.kubernetes.io/component": "receive", "app.kubernetes.io/instance": "cluster-01-central-thanos" },
      ports: [{ name: "remote-write", port: 10908, targetPort: 10908, protocol: "TCP" }],
    });
  });
});

describe("Helm releases", () => {
  test("Thanos Receive: 3 replicas, replication factor 3, tenant header, retention from config", () => {
    const { receive, compactor } = release("thanos");
    expect(receive.replicaCount).toBe(3);
    expect(receive.extraArgs).toContain("--receive.replication-factor=3");
    expect(receive.tenancyHeader).toBe("THANOS-TENANT");
    expect(receive.tsdb.retention).toBe("1d");
    expect(compactor.retention).toEqual({ resolutionRaw: "7d", resolution5m: "30d", resolution1h: "180d" });
  });

  test("one set of Thanos alerts: the thanos chart renders no PrometheusRule of its own", () => {
    const thanos = release("thanos");
    // Its default (global.thanosRules.enabled: true) would repeat the alerts the central
    // Prometheus evaluates from kube-prometheus-stack's values, which it selects anyway.
    expect(thanos.global.thanosRules).toEqual({ enabled: false });
    const alerts = [
      ...Object.values(release("kube-prometheus-stack").additionalPrometheusRulesMap as Record<string, { groups: { rules: { alert?: string }[] }[] }>).flatMap((f) => f.groups),
      // The Ruler's file as Helm's tpl renders it (escapeForHelmTpl undone).
      ...(YAML.parse(thanos.ruler.rules["example-alerts.yaml"].replace(/\{\{"(\{\{|\}\})"\}\}/g, "$1")).groups as { rules: { alert?: string }[] }[]),
    ].flatMap((g) => g.rules.map((r) => r.alert).filter((a): a is string => a !== undefined));
    expect(alerts.filter((a) => a === "ThanosCompactHalted")).toEqual(["ThanosCompactHalted"]);
    expect(alerts.length).toBe(new Set(alerts).size);
  });

  test("rotating the MinIO keys rolls every pod that reads the objstore config: its checksum, not the config, is in their values", async () => {
    const objstore = (stack: SynthesizedStack) => {
      const secret = redactSecrets(stack.result.resources.find((r) => r.name === "cluster-01-central-objstore")!.inputs) as Record<string, any>;
      return secret.stringData[THANOS_OBJSTORE_KEY] as string;
    };
    const annotations = (stack: SynthesizedStack) => {
      const values = (chart: string) => stack.result.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === chart)!.inputs.values as Record<string, any>;
      return [values("thanos").global.podAnnotations, values("kube-prometheus-stack").prometheus.prometheusSpec.podMetadata.annotations];
    };
    const config = objstore(central);
    const checksum = crypto.createHash("sha256").update(config).digest("hex");
    expect(annotations(central)).toEqual([{ "checksum/thanos-objstore": checksum }, { "checksum/thanos-objstore": checksum }]);
    // Neither release's values are a secret, nor hold the secret key.
    const secretKey = YAML.parse(config).config.secret_key;
    expect(secretKey).toBe(mockSecretValue("cluster-01-buckets-thanos-secret-key"));
    for (const chart of ["thanos", "kube-prometheus-stack"]) expect(JSON.stringify(release(chart))).not.toContain(secretKey);

    // Another objstore config (here: another endpoint; in real life: new keys) is another checksum.
    const moved = committedStackConfig("cluster-01") as Record<string, any>;
    moved["multicluster:central"].minio.endpoint = "minio-2.minio.svc.cluster.local:9000";
    const other = (await synthStacks({ "cluster-01": moved })).byStack["cluster-01"];
    const otherChecksum = crypto.createHash("sha256").update(objstore(other)).digest("hex");
    expect(otherChecksum).not.toBe(checksum);
    expect(annotations(other)).toEqual([{ "checksum/thanos-objstore": otherChecksum }, { "checksum/thanos-objstore": otherChecksum }]);
  });

  test("the Prometheus sidecar uploads with the objstore Secret", () => {
    const { prometheus } = release("kube-prometheus-stack");
    expect(prometheus.agentMode).toBe(false);
    expect(prometheus.prometheusSpec.thanos.objectStorageConfig.existingSecret).toEqual({ name: THANOS_OBJSTORE_SECRET, key: THANOS_OBJSTORE_KEY });
  });

  test("Grafana is its own pinned release of the grafana chart, in the central namespace", () => {
    const grafana = named("cluster-01-central-grafana");
    expect(grafana.parent).toBe("cluster-01-central");
    expect(grafana.inputs).toMatchObject({
      chart: CHARTS.grafana.chart,
      version: CHARTS.grafana.version,
      repositoryOpts: { repo: CHARTS.grafana.repo },
      namespace: "monitoring",
      atomic: true,
    });
    // kube-prometheus-stack installs no Grafana of its own, nor its dashboards (cluster-01-only) for this one.
    expect(release("kube-prometheus-stack").grafana).toEqual({ enabled: false, forceDeployDashboards: false, defaultDashboardsEnabled: false });
    expect(release("grafana").sidecar.dashboards).toMatchObject({ label: Object.keys(GRAFANA_DASHBOARD_LABEL)[0], searchNamespace: "ALL" });
  });

  test("Grafana's default datasource is Thanos through the Query Frontend", () => {
    const { datasources } = release("grafana");
    const defaults = datasources["datasources.yaml"].datasources.filter((d: { isDefault?: boolean }) => d.isDefault);
    expect(defaults.map((d: { url: string }) => d.url)).toEqual(["http://thanos-query-frontend.monitoring.svc.cluster.local:9090"]);
  });

  test("Grafana logs in with the admin Secret the component declares, and is scraped by the central Prometheus", () => {
    const values = release("grafana");
    const secret = redactSecrets(named("cluster-01-central-grafana-admin").inputs) as Record<string, any>;
    expect(values.admin.existingSecret).toBe(secret.metadata.name);
    expect(secret.metadata.namespace).toBe("monitoring");
    expect(Object.keys(secret.stringData).sort()).toEqual([values.admin.passwordKey, values.admin.userKey].sort());
    expect(values.serviceMonitor).toEqual({ enabled: true });
    // The central Prometheus selects ServiceMonitors of every release, this one included.
    expect(release("kube-prometheus-stack").prometheus.prometheusSpec.serviceMonitorSelectorNilUsesHelmValues).toBe(false);
  });

  test("with logs on (as committed), the datasource sidecar also reads the logging namespace, and the OpenSearch plugin is installed", () => {
    const values = release("grafana");
    expect(values.sidecar.datasources.searchNamespace).toEqual(["monitoring", "logging"]);
    expect(values.plugins).toEqual(["grafana-opensearch-datasource"]);
  });

  test("Thanos installs after kube-prometheus-stack (whose CRDs its monitors need) and the Secrets, the LoadBalancer after Thanos", () => {
    expect(named("cluster-01-central-thanos").dependencies).toEqual(expect.arrayContaining(["cluster-01-central-kps", "cluster-01-central-objstore"]));
    expect(named("cluster-01-central-kps").dependencies).toContain("cluster-01-central-objstore");
    // Grafana after the admin Secret it reads and after kube-prometheus-stack, whose CRDs its ServiceMonitor needs.
    expect(named("cluster-01-central-grafana").dependencies).toEqual(expect.arrayContaining(["cluster-01-central-grafana-admin", "cluster-01-central-kps"]));
    // Alertmanager starts only with its routing Secret in place.
    expect(named("cluster-01-central-kps").dependencies).toEqual(expect.arrayContaining(["cluster-01-central-alerting-alertmanager-config"]));
    expect(named("cluster-01-central-receive-lb").dependencies).toContain("cluster-01-central-thanos");
    // The objstore config is written only once the Thanos user may use its bucket.
    expect(named("cluster-01-central-objstore").dependencies).toContain("cluster-01-buckets-thanos-policy-attachment");
  });
});

describe("tenant identity and limits", () => {
  const CERTS = "cluster-01-central-receive-certificates";
  const TENANTS = ["cluster-02", "tenant-a", "tenant-b", "cluster-03", "cluster-04"];
  // The whole committed fleet: central issues a client certificate for every tenant of its edges.
  let central: SynthesizedStack;
  beforeAll(async () => {
    const results = await synthesize({ stackDir: PROJECT_DIR, outDir: scratchDir("central-fleet-"), stacks: ["cluster-01"] });
    central = results[0];
  });
  const ofType = (type: string) => resourcesOfType(central, type).filter((r) => r.parent === CERTS);
  const named = (name: string): RecordedResource => central.result.resources.find((r) => r.name === name)!;
  const release = (chart: string): Record<string, any> => resourcesOfType(central, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === chart)!.inputs.values as Record<string, any>;

  test("a CA signs the receivers' certificate and one client certificate per tenant of the fleet's edges, the tenant in its commonName", () => {
    const [ca] = ofType("tls:index/selfSignedCert:SelfSignedCert");
    expect(ca.inputs).toMatchObject({ isCaCertificate: true, validityPeriodHours: 10 * 365 * 24, allowedUses: ["cert_signing", "crl_signing", "digital_signature"] });
    const requests = ofType("tls:index/certRequest:CertRequest");
    const clients = requests.filter((r) => r.name.startsWith(`${CERTS}-client-`));
    expect(clients.map((r) => r.inputs.subject)).toEqual(TENANTS.map((id) => ({ commonName: id, organization: "multicluster" })));
    const [server] = requests.filter((r) => r.name === `${CERTS}-server-csr`);
    expect(server.inputs.subject).toEqual({ commonName: "thanos-receive-remote-write.monitoring.svc.cluster.local", organization: "multicluster" });
    expect(server.inputs.dnsNames).toContain("thanos-receive-remote-write.monitoring.svc");
    const signed = ofType("tls:index/locallySignedCert:LocallySignedCert");
    expect(signed.map((c) => c.name).sort()).toEqual([`${CERTS}-server`, ...TENANTS.map((id) => `${CERTS}-client-${id}`)].sort());
    for (const cert of signed) {
      // Signed by the CA (its mocked PEM), a year long, renewed by pulumi up in its last 30 days.
      expect(cert.inputs).toMatchObject({ caCertPem: mockPem("CERTIFICATE", ca.name), validityPeriodHours: 8760, earlyRenewalHours: 720 });
      expect(cert.inputs.allowedUses).toContain(cert.name.endsWith("-server") ? "server_auth" : "client_auth");
      expect(cert.inputs.allowedUses).not.toContain(cert.name.endsWith("-server") ? "client_auth" : "server_auth");
    }
    const keys = ofType("tls:index/privateKey:PrivateKey");
    expect(keys).toHaveLength(2 + TENANTS.length);
    for (const key of keys) expect(key.inputs).toEqual({ algorithm: "ECDSA", ecdsaCurve: "P256" });
    expect(named(CERTS).parent).toBe("cluster-01-central");
  });

  test("the receivers mount their certificate, key and the client CA from a kubernetes.io/tls Secret, and the limits from a ConfigMap", () => {
    const secret = named("cluster-01-central-receive-tls");
    expect(redactSecrets(secret.inputs, "[secret]")).toMatchObject({ type: "kubernetes.io/tls", stringData: "[secret]" });
    expect((redactSecrets(secret.inputs) as any).stringData).toEqual({
      "tls.crt": mockPem("CERTIFICATE", `${CERTS}-server`),
      "tls.key": mockPem("RSA PRIVATE KEY", `${CERTS}-server-key`),
      "ca.crt": mockPem("CERTIFICATE", `${CERTS}-ca`),
    });
    const limits = named("cluster-01-central-receive-limits");
    const { receive } = release("thanos");
    expect(receive.extraVolumes).toEqual([
      { name: "remote-write-tls", secret: { secretName: (secret.inputs.metadata as any).name } },
      { name: "write-limits", configMap: { name: (limits.inputs.metadata as any).name } },
    ]);
    // Both exist before the receivers start.
    expect(named("cluster-01-central-thanos").dependencies).toEqual(expect.arrayContaining(["cluster-01-central-receive-tls", "cluster-01-central-receive-limits"]));
  });

  test("the limits file holds the defaults sized from the seeds, with the central Prometheus as meta-monitoring", () => {
    const file = YAML.parse((named("cluster-01-central-receive-limits").inputs.data as Record<string, string>)["limits.yaml"]);
    expect(file.write.default).toEqual({ request: { size_bytes_limit: 4194304, series_limit: 10000, samples_limit: 10000 }, head_series_limit: 100000 });
    // kube-prometheus-stack's Prometheus Service: <fullnameOverride>-prometheus.
    expect(file.write.global.meta_monitoring_url).toBe(`http://${release("kube-prometheus-stack").fullnameOverride}-prometheus.monitoring.svc.cluster.local:9090`);
    expect(file.write.tenants).toBeUndefined();
  });

  test("outputs: CA, server name and certificates in the open; each tenant's certificate and key only as a secret", () => {
    const outputs = centralOutputsSchema.parse(central.result.outputs);
    expect(outputs.receiveTls).toEqual({
      enabled: true,
      caCert: mockPem("CERTIFICATE", `${CERTS}-ca`),
      serverName: "thanos-receive-remote-write.monitoring.svc.cluster.local",
      serverCert: mockPem("CERTIFICATE", `${CERTS}-server`),
      clientCerts: Object.fromEntries(TENANTS.map((id) => [id, mockPem("CERTIFICATE", `${CERTS}-client-${id}`)])),
    });
    expect(outputs.tenantCredentials).toEqual(
      Object.fromEntries(TENANTS.map((id) => [id, { certPem: mockPem("CERTIFICATE", `${CERTS}-client-${id}`), keyPem: mockPem("RSA PRIVATE KEY", `${CERTS}-client-${id}-key`) }])),
    );
    expect(central.result.secretOutputs).toContain("tenantCredentials");
    expect(central.result.secretOutputs).not.toContain("receiveTls");
  });

  test("plain-http lab mode: no certificates, an http URL, empty TLS outputs, and a loud warning from pulumi and the synth", async () => {
    const config = committedStackConfig("cluster-01") as Record<string, any>;
    config["multicluster:central"].receive.tls = { enabled: false };
    const stackDir = scratchDir("central-plain-");
    fs.writeFileSync(path.join(stackDir, "Pulumi.cluster-01.yaml"), YAML.stringify({ config }));
    const printed: string[] = [];
    const warn = jest.spyOn(console, "warn").mockImplementation((line: string) => void printed.push(line));
    let stack: SynthesizedStack;
    try {
      [stack] = await synthesize({ stackDir, outDir: path.join(stackDir, "out"), log: (line) => printed.push(line) });
    } finally {
      warn.mockRestore();
    }
    expect(stack.result.resources.filter((r) => r.name.includes("receive-certificates") || r.name === "cluster-01-central-receive-tls")).toEqual([]);
    expect(stack.result.outputs).toMatchObject({
      receiveRemoteWriteUrl: "http://203.0.113.10:10908/api/v1/receive",
      receiveTls: { enabled: false, caCert: "", serverName: "", serverCert: "", clientCerts: {} },
      tenantCredentials: {},
    });
    // Once from the program (what pulumi up shows), once in the synth's summary of the stack.
    expect(printed.filter((line) => line.includes("PLAIN-HTTP REMOTE WRITE"))).toHaveLength(2);
    expect(printed.find((line) => line.startsWith("== cluster-01"))).toMatch(/\n {3}WARNING: PLAIN-HTTP REMOTE WRITE .* can write as any tenant by setting the THANOS-TENANT header/);
  });
});

describe("outputs", () => {
  test("the receive address and URL come from the declared LoadBalancer Service's status, without a read", () => {
    // A read (Service.get) runs during preview once its id is known, and would fail the first
    // preview of a fresh stack, before the Service exists.
    expect(central.result.resources.filter((r) => r.read)).toEqual([]);
    const outputs = centralOutputsSchema.parse(central.result.outputs);
    // The committed stack file sets no fixed IP: this address exists only in the mocked Service status.
    expect(outputs.receiveAddress).toBe("203.0.113.10");
    expect(outputs.receiveRemoteWriteUrl).toBe("https://203.0.113.10:10908/api/v1/receive");
    expect(outputs.queryUrl).toBe("http://thanos-query-frontend.monitoring.svc.cluster.local:9090");
    // The grafana release's Service: the chart names it after the release.
    expect(outputs.grafanaUrl).toBe("http://cluster-01-central-grafana.monitoring.svc.cluster.local");
    expect(outputs.bucketNames).toEqual(BUCKETS);
  });

  test("a fixed LoadBalancer IP and source ranges reach the Service and the exported URL", async () => {
    const config = committedStackConfig("cluster-01") as Record<string, any>;
    config["multicluster:central"].receive.service = { loadBalancerIP: "10.0.10.50", loadBalancerSourceRanges: ["10.0.0.0/8"] };
    const { byStack } = await synthStacks({ "cluster-01": config });
    const stack = byStack["cluster-01"];
    const service = stack.result.resources.find((r) => r.name === "cluster-01-central-receive-lb")!;
    expect(service.inputs.spec).toMatchObject({ loadBalancerIP: "10.0.10.50", loadBalancerSourceRanges: ["10.0.0.0/8"] });
    expect(stack.result.outputs.receiveRemoteWriteUrl).toBe("https://10.0.10.50:10908/api/v1/receive");
    // Agents verify the server name, yet the fixed address is in the receivers' certificate too.
    const csr = stack.result.resources.find((r) => r.name === "cluster-01-central-receive-certificates-server-csr")!;
    expect(csr.inputs.ipAddresses).toEqual(["10.0.10.50"]);
  });

  test("through the Ingress there is no LoadBalancer to wait for: receiveAddress is the Ingress host", async () => {
    const config = committedStackConfig("cluster-01") as Record<string, any>;
    config["multicluster:central"].receive.ingress = { enabled: true, host: "receive.example.com", className: "nginx" };
    const stack = (await synthStacks({ "cluster-01": config })).byStack["cluster-01"];
    expect(stack.result.resources.filter((r) => r.type === "kubernetes:core/v1:Service")).toEqual([]);
    expect(stack.result.outputs).toMatchObject({ receiveAddress: "receive.example.com", receiveRemoteWriteUrl: "https://receive.example.com/api/v1/receive" });
  });

  test("without Grafana there is no admin password to generate, store or export", async () => {
    const config = committedStackConfig("cluster-01") as Record<string, any>;
    config["multicluster:central"].grafana = { enabled: false };
    const stack = (await synthStacks({ "cluster-01": config })).byStack["cluster-01"];
    expect(stack.result.resources.filter((r) => r.name.includes("grafana"))).toEqual([]);
    expect(stack.releases.map((r) => r.chart)).not.toContain("grafana");
    const kps = stack.releases.find((r) => r.chart === "kube-prometheus-stack")!.values as Record<string, any>;
    expect(kps.grafana).toMatchObject({ enabled: false, forceDeployDashboards: false });
    // Nor dashboard ConfigMaps nobody would read; Alertmanager still gets its routing.
    expect(stack.result.resources.filter((r) => r.type === "kubernetes:core/v1:ConfigMap" && r.parent === "cluster-01-central-alerting")).toEqual([]);
    expect(stack.result.resources.map((r) => r.name)).toContain("cluster-01-central-alerting-alertmanager-config");
    expect(stack.result.outputs).toMatchObject({ grafanaUrl: "", grafanaAdminPassword: "" });
    expect(stack.result.secretOutputs).toContain("grafanaAdminPassword");
  });

  test("bucket credentials and the Grafana password are the generated values, exported only as secrets", () => {
    const outputs = centralOutputsSchema.parse(central.result.outputs);
    for (const [consumer, bucket] of Object.entries(BUCKETS)) {
      expect(outputs.bucketCredentials[consumer as keyof typeof BUCKETS]).toEqual({
        accessKey: bucket,
        secretKey: mockSecretValue(`cluster-01-buckets-${consumer}-secret-key`),
      });
    }
    expect(outputs.grafanaAdminPassword).toBe(mockSecretValue("cluster-01-central-grafana-admin-password"));
    expect(central.result.secretOutputs.sort()).toEqual(["bucketCredentials", "grafanaAdminPassword", "tenantCredentials"]);
  });
});

test("no secret value, generated or from config, appears in plan.json or any release file", () => {
  const passwords = ofType("random:index/randomPassword:RandomPassword");
  // Three bucket keys, Grafana's admin, and the logging stack's five users and Dashboards' cookie.
  expect(passwords).toHaveLength(10);
  const generated = [
    ...passwords.flatMap((r) => [mockSecretValue(r.name), mockBcryptHash(r.name)]),
    ...ofType("tls:index/privateKey:PrivateKey").flatMap((r) => [mockPem("RSA PRIVATE KEY", r.name), mockPem("PRIVATE KEY", r.name)].map((pem) => pem.trim())),
  ];
  // Plus the receivers' CA and server keys (no tenant here: this run has no edge stack files).
  expect(generated).toHaveLength(30);
  const secrets = [...generated, mockConfigSecret("minioUser"), mockConfigSecret("minioPassword")];
  const files = filesUnder(path.join(outDir, "cluster-01"));
  expect(files.map((f) => path.relative(outDir, f)).sort()).toEqual([
    "cluster-01/plan.json",
    "cluster-01/releases/cluster-01-central-grafana.json",
    "cluster-01/releases/cluster-01-central-kps.json",
    "cluster-01/releases/cluster-01-central-thanos.json",
    "cluster-01/releases/cluster-01-logging-dashboards.json",
    "cluster-01/releases/cluster-01-logging-fluent-bit.json",
    "cluster-01/releases/cluster-01-logging-opensearch.json",
    "cluster-01/rules/central-prometheus-alerts.yaml",
    "cluster-01/rules/ruler-alerts.yaml",
  ]);
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8");
    for (const secret of secrets) expect({ file, secret, leaks: text.includes(secret) }).toEqual({ file, secret, leaks: false });
    // Certificates are public; no private key of the CA, the receivers or a tenant is written anywhere.
    expect({ file, privateKey: /PRIVATE KEY/.test(text) }).toEqual({ file, privateKey: false });
  }
});

describe("bad input fails before anything is declared", () => {
  test.each([
    ["replication factor above the receive replicas", (c: any) => (c.receive.replicationFactor = 5), "multicluster:central.receive.replicationFactor", /at most receive.replicas \(3\), got 5/],
    ["raw retention too short for downsampling", (c: any) => (c.retention.raw = "36h"), "multicluster:central.retention.raw", /more than 40h/],
    ["5m retention too short for downsampling", (c: any) => (c.retention.fiveMinutes = "10d"), "multicluster:central.retention.fiveMinutes", /more than 10d/],
    ["a bucket name S3 rejects", (c: any) => (c.buckets.longhorn = "Longhorn_Backups"), "multicluster:central.buckets.longhorn", /S3 bucket name/],
  ])("%s", async (_what, patch, keyPath, expected) => {
    const stackDir = scratchDir("central-bad-");
    const config = committedStackConfig("cluster-01") as Record<string, any>;
    patch(config["multicluster:central"]);
    fs.writeFileSync(path.join(stackDir, "Pulumi.cluster-01.yaml"), JSON.stringify({ config }));
    const outDir = path.join(stackDir, "out");
    const error = await synthesize({ stackDir, outDir }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).keyPath).toBe(keyPath);
    expect((error as ConfigError).expected).toMatch(expected);
    // Validation runs before the program: no plan, no release files.
    expect(fs.existsSync(path.join(outDir, "cluster-01"))).toBe(false);
  });
});
