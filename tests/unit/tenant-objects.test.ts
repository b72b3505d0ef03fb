/** The tenant agents' Kubernetes objects, built from cluster-02's config without the engine. */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { AGENT_SELF_JOB, REMOTE_WRITE_CA_SECRET, TENANT_NAMESPACE_LABEL } from "../../components/shared/conventions";
import { parseQuantity } from "../../config/quantity";
import { NODE_SCRAPE_KEY, tenantObjects, TenantObjects, tenantScrapeConfigs } from "../../components/edge/tenant-objects";
import { CENTRAL, edgeConfig, TEST_CA_PEM } from "../support/edge";
import { expectValidManifest, Manifest, unknownFields, validationError } from "../support/k8s-models";
import { describeWithTool, scratchDir } from "../support";

const config = edgeConfig("cluster-02");
const [tenantA, tenantB] = config.edge.tenants;
const build = (tenant = tenantA, settings = config.edge) => tenantObjects({ cluster: config.cluster, stack: config.stack, tenant, settings, ...CENTRAL });
const manifests = (objects: TenantObjects) => Object.values(objects) as Manifest[];

test("cluster-02's stack file has two tenants on two nodes", () => {
  expect([tenantA.id, tenantA.node, tenantB.id, tenantB.node]).toEqual(["tenant-a", "node-01", "tenant-b", "node-02"]);
});

describe.each([
  ["without TLS", config.edge],
  ["with a CA bundle", edgeConfig("cluster-02", (e) => (e.remoteWrite = { tls: { caCert: TEST_CA_PEM } })).edge],
])("every object, %s, is valid for its kind and sets only fields the schema knows", (_, settings) => {
  test.each(manifests(build(tenantA, settings)).map((m) => [`${m.kind} ${(m as any).metadata.name}`, m]))("%s", (_name, manifest) => {
    expectValidManifest(manifest as Manifest);
  });
});

test("the unknown-field check finds a misspelt field", () => {
  const agent = structuredClone(build().agent) as any;
  agent.spec.serviceMonitorNamespaceSelecter = structuredClone(agent.spec.serviceMonitorNamespaceSelector);
  expect(unknownFields(agent)).toEqual(["spec.serviceMonitorNamespaceSelecter.matchLabels.kubernetes.io/metadata.name"]);
});

test("a field the models predate is still checked as its CRD checks it", () => {
  const agent = structuredClone(build().agent) as any;
  expect(agent.spec.remoteWrite[0].queueConfig.sampleAgeLimit).toBe("6h");
  agent.spec.remoteWrite[0].queueConfig.sampleAgeLimit = "6 hours";
  expect(validationError(agent)).toBe('spec.remoteWrite.0.queueConfig.sampleAgeLimit: invalid value "6 hours"');
});

describe("tenant A's agent carries tenant A's id only", () => {
  const objects = build(tenantA);
  const { agent } = objects;
  const [remoteWrite] = agent.spec.remoteWrite;

  test("nothing of tenant A's mentions tenant B or B's node", () => {
    const text = JSON.stringify(objects);
    expect(text).not.toContain(tenantB.id);
    expect(text).not.toContain(tenantB.node);
  });

  test("header, external labels and the labels enforced on write", () => {
    expect(remoteWrite.url).toBe(CENTRAL.remoteWriteUrl);
    expect(remoteWrite.headers).toEqual({ "THANOS-TENANT": "tenant-a" });
    expect(agent.spec.externalLabels).toEqual({ cluster: "cluster-02", tenant: "tenant-a" });
    expect(remoteWrite.writeRelabelConfigs).toEqual([
      { action: "replace", targetLabel: "cluster", replacement: "cluster-02" },
      { action: "replace", targetLabel: "tenant", replacement: "tenant-a" },
    ]);
  });

  test("it runs in its namespace, on its node", () => {
    for (const m of manifests(objects).filter((m) => m.kind !== "Namespace" && !m.kind.startsWith("Cluster"))) {
      expect((m as any).metadata.namespace).toBe("tenant-a");
    }
    expect(objects.namespace.metadata).toMatchObject({ name: "tenant-a", labels: { [TENANT_NAMESPACE_LABEL]: "tenant-a" } });
    expect(agent.spec.nodeSelector).toEqual({ "kubernetes.io/hostname": "node-01" });
  });

  test("it selects monitors of its own namespace only, which cannot reach other namespaces or override labels", () => {
    const own = { matchLabels: { "kubernetes.io/metadata.name": "tenant-a" } };
    expect(agent.spec.serviceMonitorNamespaceSelector).toEqual(own);
    expect(agent.spec.podMonitorNamespaceSelector).toEqual(own);
    expect(agent.spec.ignoreNamespaceSelectors).toBe(true);
    expect(agent.spec.overrideHonorLabels).toBe(true);
    // No probes or ScrapeConfig objects: those could name any target.
    expect(agent.spec).not.toHaveProperty("probeSelector");
    expect(agent.spec).not.toHaveProperty("scrapeConfigSelector");
  });

  test("its RBAC reads its own namespace and its own node, nothing else", () => {
    expect(objects.role.metadata).toMatchObject({ namespace: "tenant-a" });
    const rules = [...(objects.role.rules as any[]), ...(objects.nodeClusterRole.rules as any[])];
    for (const rule of rules) {
      expect(rule.verbs).not.toContain("*");
      expect(rule.resources).not.toContain("*");
      expect(rule.resources).not.toContain("secrets");
      expect(rule.verbs.every((v: string) => ["get", "list", "watch"].includes(v))).toBe(true);
    }
    for (const rule of objects.nodeClusterRole.rules as any[]) expect(rule.resourceNames).toEqual(["node-01"]);
    expect(objects.roleBinding.subjects).toEqual([{ kind: "ServiceAccount", name: "prometheus-agent", namespace: "tenant-a" }]);
    expect(objects.nodeClusterRoleBinding.subjects).toEqual(objects.roleBinding.subjects);
  });
});

describe("node scrape jobs", () => {
  const jobs = tenantScrapeConfigs(tenantA);

  test("the Secret the agent reads holds exactly these jobs", () => {
    const secret = build().nodeScrapeSecret as any;
    expect(YAML.parse(secret.stringData[NODE_SCRAPE_KEY])).toEqual(jobs);
    expect(build().agent.spec.additionalScrapeConfigs).toEqual({ name: secret.metadata.name, key: NODE_SCRAPE_KEY });
  });

  test("discover the tenant's node only, never honour scraped labels, and include the agent itself", () => {
    expect(jobs.map((j) => j.job_name)).toEqual(["node-exporter", "kubelet", "kubelet-cadvisor", AGENT_SELF_JOB]);
    for (const job of jobs) expect(job.honor_labels).toBe(false);
    for (const job of jobs.filter((j) => j.kubernetes_sd_configs)) {
      expect(job.kubernetes_sd_configs).toEqual([{ role: "node", selectors: [{ role: "node", field: "metadata.name=node-01" }] }]);
    }
    expect(jobs.find((j) => j.job_name === AGENT_SELF_JOB)!.static_configs).toEqual([{ targets: ["localhost:9090"] }]);
  });

  test("keep series of the tenant's namespace or of no namespace, whatever else runs on the node", () => {
    for (const job of jobs.filter((j) => j.kubernetes_sd_configs)) {
      const [keep] = job.metric_relabel_configs!;
      expect(keep).toMatchObject({ source_labels: ["namespace"], action: "keep" });
      // Prometheus anchors relabel regexes at both ends.
      const kept = (ns: string) => new RegExp(`^(?:${keep.regex})$`).test(ns);
      expect(["", "tenant-a"].map(kept)).toEqual([true, true]);
      expect(["tenant-b", "kube-system", "tenant-ab", "xtenant-a"].map(kept)).toEqual([false, false, false, false]);
    }
  });

  describeWithTool("promtool", "promtool", (promtool) => {
    test("accepts them as an agent's config", () => {
      const dir = scratchDir("tenant-scrape-");
      const file = path.join(dir, "prometheus.yml");
      // Debian's promtool is built without Kubernetes discovery: a static target stands in for
      // the discovery block; relabeling, TLS and authorization are checked as written.
      const checkable = jobs.map(({ kubernetes_sd_configs, ...job }) => (kubernetes_sd_configs ? { ...job, static_configs: [{ targets: ["192.0.2.1:10250"] }] } : job));
      fs.writeFileSync(file, YAML.stringify({ global: { external_labels: build().agent.spec.externalLabels }, scrape_configs: checkable }));
      // --syntax-only: the service-account token and CA exist only inside the pod.
      const out = execFileSync(promtool, ["check", "config", "--agent", "--syntax-only", file], { encoding: "utf8" });
      expect(out).toContain("SUCCESS");
    });
  });
});

describe("quota, container defaults and network isolation", () => {
  test("the quota and container defaults come from the tenant's config", () => {
    const objects = build(edgeConfig("cluster-02", (e) => (e.tenants[0].quota = { cpu: "3", memory: "6Gi", pods: 12 })).edge.tenants[0]);
    expect(objects.resourceQuota.spec!.hard).toEqual({ "requests.cpu": "3", "requests.memory": "6Gi", "limits.memory": "6Gi", pods: "12" });
    expect((objects.limitRange.spec as any).limits).toEqual([
      { type: "Container", defaultRequest: { cpu: "100m", memory: "128Mi" }, default: { memory: "256Mi" } },
    ]);
  });

  test("the tenant agent takes the edge's soft memory limit, as the cluster agent does", () => {
    expect(build().agent.spec).not.toHaveProperty("containers");
    const { edge } = edgeConfig("cluster-02", (e) => (e.softMemoryLimit = "300Mi"));
    const limited = build(edge.tenants[0], edge);
    expect(limited.agent.spec.containers).toEqual([{ name: "prometheus", env: [{ name: "GOMEMLIMIT", value: String(300 * 2 ** 20) }] }]);
  });

  test("the agent fits the quota", () => {
    const { agent, resourceQuota } = build();
    const hard = resourceQuota.spec!.hard as Record<string, string>;
    const q = (text: string | undefined) => parseQuantity(text ?? "0")!;
    expect(q(agent.spec.resources.requests?.memory)).toBeLessThanOrEqual(q(hard["requests.memory"]));
    expect(q(agent.spec.resources.limits?.memory)).toBeLessThanOrEqual(q(hard["limits.memory"]));
    expect(q(agent.spec.resources.requests?.cpu)).toBeLessThanOrEqual(q(hard["requests.cpu"]));
  });

  test("no other tenant's pods may reach the tenant's namespace; its own and platform namespaces may", () => {
    const a = build(tenantA);
    const b = build(tenantB);
    const policy = a.networkPolicy.spec as any;
    expect(policy.podSelector).toEqual({});
    expect(policy.policyTypes).toEqual(["Ingress"]);
    const namespaceLabels = (objects: TenantObjects) => ({
      ...(objects.namespace.metadata!.labels as Record<string, string>),
      "kubernetes.io/metadata.name": objects.namespace.metadata!.name as string,
    });
    const admits = (from: Record<string, string>, sameNamespace: boolean) =>
      (policy.ingress as any[]).some((rule) =>
        (rule.from as any[]).some((peer) => (peer.namespaceSelector ? matches(peer.namespaceSelector, from) : sameNamespace && !!peer.podSelector)),
      );
    expect(admits(namespaceLabels(a), true)).toBe(true);
    expect(admits(namespaceLabels(b), false)).toBe(false);
    expect(admits({ "kubernetes.io/metadata.name": "ingress-nginx" }, false)).toBe(true);
    // And the other way round.
    expect(JSON.stringify(b.networkPolicy).replaceAll("tenant-b", "tenant-a")).toBe(JSON.stringify(a.networkPolicy));
  });

  test("the CA bundle goes to a Secret in the tenant's namespace that the remote write references", () => {
    const objects = build(tenantA, edgeConfig("cluster-02", (e) => (e.remoteWrite = { tls: { caCert: TEST_CA_PEM } })).edge);
    expect(objects.caSecret).toMatchObject({ metadata: { name: REMOTE_WRITE_CA_SECRET, namespace: "tenant-a" }, stringData: { "ca.crt": TEST_CA_PEM } });
    expect(objects.agent.spec.remoteWrite[0].tlsConfig).toEqual({ ca: { secret: { name: REMOTE_WRITE_CA_SECRET, key: "ca.crt" } }, insecureSkipVerify: false });
    expect(build().caSecret).toBeUndefined();
  });
});

/** Kubernetes label-selector semantics for the operators this program uses. */
function matches(selector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] }, labels: Record<string, string>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every((e) => {
    switch (e.operator) {
      case "In":
        return e.values!.includes(labels[e.key]);
      case "NotIn":
        return !(e.key in labels) || !e.values!.includes(labels[e.key]);
      case "Exists":
        return e.key in labels;
      case "DoesNotExist":
        return !(e.key in labels);
      default:
        throw new Error(`unknown operator ${e.operator}`);
    }
  });
  return byLabels && byExpressions;
}
