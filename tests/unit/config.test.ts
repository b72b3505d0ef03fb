import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigError } from "../../config/primitives";
import { PROJECT } from "../../config/primitives";
import { loadStackConfig, parseStackConfig, StackConfig } from "../../config/stack";
import { runMockStack } from "../../synth/mock-runtime";
import { mockKubeconfigFor } from "../../synth/pulumi-config";
import { committedStackConfig, ENCRYPTED, PROJECT_DIR, scratchDir, synthCliFailure } from "../support";

const dir = scratchDir("config-");
const kubeconfigPath = path.join(dir, "kubeconfig.yaml");
fs.writeFileSync(kubeconfigPath, mockKubeconfigFor(["cluster-01", "cluster-02", "cluster-03", "cluster-04"]));
const env = { KUBECONFIG: kubeconfigPath, HOME: dir };

const central = (): Record<string, unknown> => ({ ...committedStackConfig("cluster-01"), "multicluster:minioUser": "admin", "multicluster:minioPassword": "admin-password" });
const edge = () => committedStackConfig("cluster-02") as Record<string, any>;

function parse(flat: Record<string, unknown>, stack = "cluster-01", secretKeys?: string[]): StackConfig {
  return parseStackConfig(flat, { stack, projectDir: dir, env, secretKeys });
}

/** Asserts that parsing fails with a ConfigError at exactly `keyPath`, naming the stack file. */
function expectError(flat: Record<string, unknown>, keyPath: string, expected: RegExp, stack = "cluster-01", secretKeys?: string[]): void {
  let error: unknown;
  try {
    parse(flat, stack, secretKeys);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ConfigError);
  const e = error as ConfigError;
  expect(e.file).toBe(`Pulumi.${stack}.yaml`);
  expect(e.keyPath).toBe(keyPath);
  expect(e.expected).toMatch(expected);
  expect(e.message).toBe(`Pulumi.${stack}.yaml: ${keyPath}: ${e.expected}`);
}

function withCentral(patch: (c: any) => void): Record<string, unknown> {
  const flat = central() as Record<string, any>;
  const settings = structuredClone(flat["multicluster:central"]);
  patch(settings);
  return { ...flat, "multicluster:central": settings };
}

function withEdge(patch: (e: any) => void): Record<string, unknown> {
  const flat = edge();
  const settings = structuredClone(flat["multicluster:edge"]);
  patch(settings);
  return { ...flat, "multicluster:edge": settings };
}

describe("valid stack files", () => {
  test("the central stack gets its defaults from the schema", () => {
    const config = parse(central());
    if (config.role !== "central") throw new Error("expected central");
    expect(config.cluster).toBe("cluster-01");
    expect(config.kubeconfig).toMatchObject({ source: kubeconfigPath, context: "cluster-01" });
    expect(config.central.receive).toMatchObject({ replicas: 3, replicationFactor: 3, tenantHeader: "THANOS-TENANT", tenantLabel: "tenant_id" });
    // Mutual TLS unless a lab turns it off; limits sized from the seeds.
    expect(config.central.receive.tls).toEqual({ enabled: true, rotation: 1 });
    expect(config.central.receive.limits).toEqual({
      default: { requestSizeBytes: 4 * 1024 * 1024, requestSeries: 10_000, requestSamples: 10_000, headSeries: 100_000 },
      tenants: {},
    });
    expect(config.central.retention).toEqual({ raw: "7d", fiveMinutes: "30d", oneHour: "180d" });
    expect(config.central.buckets).toEqual({ thanos: "thanos-bucket", longhorn: "longhorn-backups", opensearch: "opensearch-logs" });
    // The committed file turns logs on; everything else about them is the schema's default.
    expect(config.central.logging).toEqual({ enabled: true, namespace: "logging", opensearchReplicas: 3, retentionDays: 30, storageSize: "50Gi", heapSize: "1g" });
    expect(config.central.controlPlane).toEqual({ controllerManager: false, scheduler: false, etcd: false, kubeProxy: false });
  });

  test("logs stay a toggle: without logging.enabled the schema leaves them off", () => {
    const config = parse(withCentral((c) => delete c.logging));
    if (config.role !== "central") throw new Error("expected central");
    expect(config.central.logging.enabled).toBe(false);
  });

  test("an edge stack's tenant id defaults to the cluster name", () => {
    const config = parse(committedStackConfig("cluster-03"), "cluster-03");
    if (config.role !== "edge") throw new Error("expected edge");
    expect(config.edge.tenantId).toBe("cluster-03");
    expect(config.edge.tenants).toEqual([]);
    expect(config.edge.remoteWrite.queue.maxShards).toBeGreaterThan(0);
  });

  test("the agents send everything their WAL keeps, and the receivers accept that old a sample", () => {
    const edgeConfig = parse(committedStackConfig("cluster-03"), "cluster-03");
    const centralConfig = parse(central());
    if (edgeConfig.role !== "edge" || centralConfig.role !== "central") throw new Error("expected edge and central");
    expect(edgeConfig.edge.wal.maxTime).toBe("6h");
    expect(edgeConfig.edge.remoteWrite.sampleAgeLimit).toBe("6h");
    expect(centralConfig.central.receive.outOfOrderWindow).toBe("6h");
    // Unset, the age limit follows the WAL; set, it stays.
    const longerWal = parse(withEdge((e) => (e.wal = { maxTime: "12h" })), "cluster-02");
    const explicit = parse(withEdge((e) => (e.remoteWrite = { sampleAgeLimit: "8h" })), "cluster-02");
    if (longerWal.role !== "edge" || explicit.role !== "edge") throw new Error("expected edge");
    expect(longerWal.edge.remoteWrite.sampleAgeLimit).toBe("12h");
    expect(explicit.edge.remoteWrite.sampleAgeLimit).toBe("8h");
  });

  test("cluster-02 places tenant-a on node-01 and tenant-b on node-02", () => {
    const config = parse(edge(), "cluster-02");
    if (config.role !== "edge") throw new Error("expected edge");
    expect(config.edge.tenants.map((t) => [t.id, t.node])).toEqual([
      ["tenant-a", "node-01"],
      ["tenant-b", "node-02"],
    ]);
  });

  test("an inline kubeconfig is used as is", () => {
    const content = fs.readFileSync(kubeconfigPath, "utf8");
    const config = parse({ ...central(), "multicluster:kubeconfig": content, "multicluster:kubeContext": "cluster-04" });
    expect(config.kubeconfig).toEqual({ source: "inline", content, context: "cluster-04", fromConfig: true });
  });
});

describe("invalid stack files fail with the file, the key path and what was expected", () => {
  test("missing role", () => {
    const { ["multicluster:role"]: _role, ...flat } = central();
    expectError(flat, "multicluster:role", /expected "central" or "edge", got nothing/);
  });

  test("unknown role", () => {
    expectError({ ...central(), "multicluster:role": "hub" }, "multicluster:role", /expected "central" or "edge", got "hub"/);
  });

  test("edge without any edge settings", () => {
    const { ["multicluster:edge"]: _edge, ...flat } = edge();
    expectError(flat, "multicluster:edge.centralStack", /central stack's name/, "cluster-02");
  });

  test("edge settings without the central stack name", () => {
    expectError(withEdge((e) => delete e.centralStack), "multicluster:edge.centralStack", /expected string/, "cluster-02");
  });

  test("duplicate tenant ids", () => {
    expectError(withEdge((e) => (e.tenants[1].id = "tenant-a")), "multicluster:edge.tenants[1].id", /unique tenant id, tenant-a is also tenants\[0\]/, "cluster-02");
  });

  test("a tenant id that is not a valid header, label and namespace value", () => {
    expectError(withEdge((e) => (e.tenants[0].id = "Tenant A")), "multicluster:edge.tenants[0].id", /tenant id usable as header value/, "cluster-02");
  });

  test("a tenant on a node that is not in edge.nodes", () => {
    expectError(withEdge((e) => (e.tenants[1].node = "node-07")), "multicluster:edge.tenants[1].node", /one of the nodes in edge.nodes \(node-01, node-02\), got node-07/, "cluster-02");
  });

  test("an Ingress TLS Secret while the receivers terminate mutual TLS themselves", () => {
    const ingress = { enabled: true, host: "receive.example.com", tlsSecretName: "receive-tls" };
    expectError(
      withCentral((c) => (c.receive.ingress = ingress)),
      "multicluster:central.receive.ingress.tlsSecretName",
      /^expected no tlsSecretName while receive.tls.enabled: the receivers terminate mutual TLS themselves and the Ingress passes TLS through, got receive-tls$/,
    );
    // In plain-http lab mode the Ingress may terminate TLS with it.
    expect(() => parse(withCentral((c) => Object.assign(c.receive, { ingress, tls: { enabled: false } })))).not.toThrow();
  });

  test("write limits that are negative, fractional or absurd", () => {
    expectError(withCentral((c) => (c.receive.limits = { default: { headSeries: -1 } })), "multicluster:central.receive.limits.default.headSeries", /expected at least 0/);
    expectError(withCentral((c) => (c.receive.limits = { tenants: { "tenant-a": { requestSeries: 1.5 } } })), "multicluster:central.receive.limits.tenants.tenant-a.requestSeries", /whole number/);
    expectError(
      withCentral((c) => (c.receive.limits = { default: { requestSizeBytes: 2 * 1024 ** 3 } })),
      "multicluster:central.receive.limits.default.requestSizeBytes",
      /at most 1073741824 \(1 GiB: a receiver holds a whole request body in memory\)/,
    );
    expectError(withCentral((c) => (c.receive.limits = { tenants: { "tenant-a": { series: 10 } } })), "multicluster:central.receive.limits.tenants.tenant-a.series", /unknown key/);
  });

  test("a WAL too short to ride out a 2h central outage", () => {
    expectError(withEdge((e) => (e.wal = { maxTime: "1h" })), "multicluster:edge.wal.maxTime", /at least 2h/, "cluster-02");
  });

  test("a sample age limit that drops samples the WAL still holds", () => {
    expectError(
      withEdge((e) => (e.remoteWrite = { sampleAgeLimit: "1h" })),
      "multicluster:edge.remoteWrite.sampleAgeLimit",
      /^expected at least wal.maxTime \(6h\): a shorter limit drops samples the WAL still holds when central comes back after an outage, got 1h$/,
      "cluster-02",
    );
  });

  test("an out-of-order window shorter than the shortest WAL an edge keeps", () => {
    expectError(withCentral((c) => (c.receive.outOfOrderWindow = "90m")), "multicluster:central.receive.outOfOrderWindow", /^expected at least 2h: edges keep up to edge.wal.maxTime .* got 90m$/);
  });

  test("replication factor above the receive replicas", () => {
    expectError(withCentral((c) => (c.receive.replicationFactor = 5)), "multicluster:central.receive.replicationFactor", /at most receive.replicas \(3\), got 5/);
    expectError(withCentral((c) => (c.thanosVersion = "v0.40.0")), "multicluster:central.thanosVersion", /expected v0\.42\.4 \(this release's pin\) or v0\.41\.0 \(the previous minor/);
  });

  test("retention 1h shorter than 5m", () => {
    expectError(withCentral((c) => (c.retention.oneHour = "20d")), "multicluster:central.retention.oneHour", /at least retention.fiveMinutes \(30d\), got 20d/);
  });

  test("raw retention too short for 5m downsampling", () => {
    expectError(withCentral((c) => (c.retention.raw = "36h")), "multicluster:central.retention.raw", /more than 40h/);
  });

  test("5m retention too short for 1h downsampling", () => {
    expectError(withCentral((c) => (c.retention.fiveMinutes = "10d")), "multicluster:central.retention.fiveMinutes", /more than 10d/);
  });

  test("an OpenSearch cluster of two nodes, which has no master quorum to spare", () => {
    expectError(withCentral((c) => (c.logging = { enabled: true, opensearchReplicas: 2 })), "multicluster:central.logging.opensearchReplicas", /expected 1 \(a single node\) or at least 3 .*, got 2/);
  });

  test("a logging namespace equal to the central namespace", () => {
    expectError(withCentral((c) => (c.logging = { enabled: true, namespace: "monitoring" })), "multicluster:central.logging.namespace", /other than central.namespace \(monitoring\).*got monitoring/);
  });

  test("a JVM heap size the JVM does not take", () => {
    expectError(withCentral((c) => (c.logging = { heapSize: "1Gi" })), "multicluster:central.logging.heapSize", /JVM heap size such as 512m or 2g/);
  });

  test("a log retention of zero days", () => {
    expectError(withCentral((c) => (c.logging = { retentionDays: 0 })), "multicluster:central.logging.retentionDays", /^expected at least 1, got 0$/);
  });

  test("a duration that does not parse", () => {
    expectError(withCentral((c) => (c.receive.retention = "1 day")), "multicluster:central.receive.retention", /Prometheus duration/);
  });

  test("a bucket name S3 rejects", () => {
    expectError(withCentral((c) => (c.buckets.thanos = "Thanos_Bucket")), "multicluster:central.buckets.thanos", /S3 bucket name/);
  });

  test("a misspelt key", () => {
    expectError(withCentral((c) => (c.recieve = { replicas: 3 })), "multicluster:central.recieve", /unknown key/);
  });

  test("a control-plane component the schema does not know", () => {
    expectError(withCentral((c) => (c.controlPlane = { kubeScheduler: true })), "multicluster:central.controlPlane.kubeScheduler", /unknown key/);
  });

  test("a number given as text", () => {
    expectError(withCentral((c) => (c.receive.replicas = "three")), "multicluster:central.receive.replicas", /expected number/);
  });

  test("central without the MinIO endpoint", () => {
    expectError(withCentral((c) => delete c.minio), "multicluster:central.minio", /expected object/);
  });

  test("central without the MinIO admin password", () => {
    const { ["multicluster:minioPassword"]: _p, ...flat } = central();
    expectError(flat, "multicluster:minioPassword", /expected string/);
  });

  test("a kubeconfig path that does not exist: shown when the stack file holds it in plain text, else not", () => {
    const flat = { ...central(), "multicluster:kubeconfig": "/nonexistent/kubeconfig" };
    expectError(flat, "multicluster:kubeconfig", /\/nonexistent\/kubeconfig does not exist/, "cluster-01", []);
    expectError(flat, "multicluster:kubeconfig", /^expected a kubeconfig file or its content, but the file multicluster:kubeconfig names \(not shown: it is a secret\) does not exist$/);
  });

  test("a context the kubeconfig does not have", () => {
    expectError({ ...central(), "multicluster:kubeContext": "cluster-09" }, "multicluster:kubeContext", /contexts in .* \(cluster-01, cluster-02, cluster-03, cluster-04\), got cluster-09/);
  });

  test("a tenant id that would take over a system or the cluster agent's namespace", () => {
    expectError(withEdge((e) => (e.tenants[1].id = "kube-system")), "multicluster:edge.tenants[1].id", /not a reserved namespace \(default, kube-system, kube-public, kube-node-lease, monitoring\), got kube-system/, "cluster-02");
    expectError(withEdge((e) => (e.tenants[0].id = "monitoring")), "multicluster:edge.tenants[0].id", /not a reserved namespace/, "cluster-02");
  });

  test("a tenant quota the tenant's own agent does not fit in", () => {
    expectError(withEdge((e) => (e.tenants[0].quota = { memory: "256Mi" })), "multicluster:edge.tenants[0].quota.memory", /at least the agent's memory \(512Mi, edge.resources\)/, "cluster-02");
    expectError(withEdge((e) => (e.tenants[1].quota = { cpu: "50m" })), "multicluster:edge.tenants[1].quota.cpu", /at least the agent's cpu request \(100m, edge.resources\) so the tenant agent fits its quota, got 50m/, "cluster-02");
  });

  test("a soft memory limit above the agent's hard limit", () => {
    expectError(withEdge((e) => (e.softMemoryLimit = "1Gi")), "multicluster:edge.softMemoryLimit", /expected at most resources.limits.memory \(512Mi\), got 1Gi/, "cluster-02");
  });

  test("container defaults requesting more memory than their limit", () => {
    expectError(
      withEdge((e) => (e.tenants[0].containerDefaults = { memoryRequest: "1Gi", memoryLimit: "512Mi" })),
      "multicluster:edge.tenants[0].containerDefaults.memoryRequest",
      /no larger than memoryLimit/,
      "cluster-02",
    );
  });

  test("a CA bundle that is not PEM", () => {
    expectError(withEdge((e) => (e.remoteWrite = { tls: { caCert: "/etc/ssl/ca.crt" } })), "multicluster:edge.remoteWrite.tls.caCert", /PEM CA bundle/, "cluster-02");
  });
});

describe("npm run synth on a bad stack file", () => {

  test("exits non-zero and prints the validation error", async () => {
    const stackDir = scratchDir("bad-synth-");
    const bad = withEdge((e) => (e.tenants[1].id = "tenant-a"));
    fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.cluster-01.yaml"), path.join(stackDir, "Pulumi.cluster-01.yaml"));
    fs.writeFileSync(path.join(stackDir, "Pulumi.cluster-02.yaml"), YAML.stringify({ config: bad }));
    const failure = await synthCliFailure(stackDir);
    expect(failure).toBeDefined();
    expect(failure!.code).toBe(1);
    expect(failure!.stderr).toContain("synth: invalid config: Pulumi.cluster-02.yaml: multicluster:edge.tenants[1].id: expected a unique tenant id");
  });
});

describe("loadStackConfig: the running stack's config, as Pulumi hands it to the program", () => {
  const stackDir = scratchDir("load-");
  /** The message loadStackConfig gives for a kubeconfig that does not exist, the stack file holding `written` for it. */
  async function messageWith(written: unknown): Promise<unknown> {
    const edgeConfig = committedStackConfig("cluster-03");
    fs.writeFileSync(path.join(stackDir, "Pulumi.cluster-03.yaml"), YAML.stringify({ config: { ...edgeConfig, "multicluster:kubeconfig": written } }));
    const previous = process.cwd();
    process.chdir(stackDir);
    try {
      const result = await runMockStack({
        project: PROJECT,
        stack: "cluster-03",
        config: { "multicluster:role": "edge", "multicluster:edge": JSON.stringify(edgeConfig["multicluster:edge"]), "multicluster:kubeconfig": "/nonexistent/kube-secret" },
        program: async () => {
          try {
            loadStackConfig();
            return {};
          } catch (err) {
            return { message: (err as Error).message };
          }
        },
      });
      return result.outputs.message;
    } finally {
      process.chdir(previous);
    }
  }

  test("shows a kubeconfig path the stack file holds in plain text, and not one set with --secret", async () => {
    expect(await messageWith("/nonexistent/kube-secret")).toBe(
      "Pulumi.cluster-03.yaml: multicluster:kubeconfig: expected a kubeconfig file or its content, but /nonexistent/kube-secret does not exist",
    );
    expect(await messageWith(ENCRYPTED)).toBe(
      "Pulumi.cluster-03.yaml: multicluster:kubeconfig: expected a kubeconfig file or its content, but the file multicluster:kubeconfig names (not shown: it is a secret) does not exist",
    );
  });
});
