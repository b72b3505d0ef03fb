/**
 * The local platform's translation of the program's output into the real binaries' flags and
 * files: pure functions, checked here without starting anything (the e2e test starts them).
 */
import * as path from "path";
import * as YAML from "yaml";
import { THANOS_IMAGE } from "../components/charts";
import { escapeForHelmTpl } from "../components/values/thanos";
import { agentConfig, operatorFlag } from "../platform/agent";
import { compactorArgs } from "../platform/compactor";
import { loopbackHashring, podIndex, receiveArgs } from "../platform/receive";
import { loopbackAlertmanagersConfig, queryConfig, renderHelmTpl } from "../platform/ruler";
import { readSynthOutput } from "../platform/synth-plan";
import { pinnedVersion, TOOLS } from "../platform/tools";
import { synthesize } from "../scripts/synth";
import { scratchDir } from "./support";

let synthDir: string;

beforeAll(async () => {
  synthDir = scratchDir("platform-config-");
  await synthesize({ outDir: synthDir });
}, 60_000);

test("the Thanos tool is the version of the image the program deploys", () => {
  expect(pinnedVersion(TOOLS.thanos)).toBe(THANOS_IMAGE.tag);
  // kube-prometheus-stack 88.5.3 deploys Prometheus v3.14.0 (module v0.314.0) and Alertmanager v0.34.0.
  expect(pinnedVersion(TOOLS.prometheus)).toBe("v0.314.0");
  expect(pinnedVersion(TOOLS.alertmanager)).toBe("v0.34.0");
});

test("the synth output reads back as the central plan and one agent per edge cluster and tenant", () => {
  const fleet = readSynthOutput(synthDir);
  expect(fleet.central.cluster).toBe("cluster-01");
  expect(fleet.central.minio.buckets).toEqual(["thanos-bucket", "longhorn-backups", "opensearch-logs"]);
  expect(fleet.central.minio.attachments).toEqual(fleet.central.minio.users.map((user) => ({ user, policy: `${user}-readwrite` })));
  expect(fleet.agents.map((a) => [a.name, a.cluster, a.tenant])).toEqual([
    ["cluster-02", "cluster-02", "cluster-02"],
    ["cluster-02-tenant-a", "cluster-02", "tenant-a"],
    ["cluster-02-tenant-b", "cluster-02", "tenant-b"],
    ["cluster-03", "cluster-03", "cluster-03"],
    ["cluster-04", "cluster-04", "cluster-04"],
  ]);
});

test("receivers get the program's hashring with endpoints mapped to loopback by pod index", () => {
  const { thanos } = readSynthOutput(synthDir).central;
  expect(podIndex("thanos-receive-2.thanos-receive-headless.monitoring.svc.cluster.local:10901")).toBe(2);
  expect(() => podIndex("thanos-receive.monitoring.svc:10901")).toThrow("does not name a StatefulSet pod");
  const ring = loopbackHashring(thanos.receive.hashrings.static, [1001, 1002, 1003]);
  expect(ring).toEqual([{ hashring: "default", algorithm: "ketama", endpoints: ["127.0.0.1:1001", "127.0.0.1:1002", "127.0.0.1:1003"] }]);
  expect(() => loopbackHashring(thanos.receive.hashrings.static, [1001])).toThrow("no receiver with that index (1 replicas)");

  const args = receiveArgs(thanos.receive, {
    name: "thanos-receive-1",
    ports: { http: 2001, grpc: 1002, remoteWrite: 3001, capnproto: 3002 },
    dataDir: "/d",
    objstoreFile: "/o.yml",
    hashringFile: "/h.json",
  });
  expect(args).toEqual(
    expect.arrayContaining([
      "--receive.local-endpoint=127.0.0.1:1002",
      '--label=receive_replica="thanos-receive-1"',
      "--receive.tenant-header=THANOS-TENANT",
      "--receive.replication-factor=3",
      "--receive.tenant-label-name=tenant_id",
      "--receive.default-tenant-id=default-tenant",
      "--tsdb.retention=1d",
      "--tsdb.wal-compression",
    ]),
  );
});

test("the Compactor gets the program's retention and flags, after the chart's", () => {
  const { thanos } = readSynthOutput(synthDir).central;
  const args = compactorArgs(thanos.compactor, 4000, "/d", "/o.yml");
  expect(args.slice(0, 5)).toEqual(["compact", "--http-address=127.0.0.1:4000", "--objstore.config-file=/o.yml", "--data-dir=/d", "--wait"]);
  expect(args).toEqual(expect.arrayContaining(["--retention.resolution-raw=7d", "--retention.resolution-5m=30d", "--retention.resolution-1h=180d", "--deduplication.replica-label=receive_replica"]));
});

test("the Ruler's rule file is what Helm's tpl renders from the escaped values", () => {
  const text = 'summary: "{{ $labels.cluster }} is {{ $value }}"';
  expect(renderHelmTpl(escapeForHelmTpl(text))).toBe(text);
  const { thanos } = readSynthOutput(synthDir).central;
  const rendered = renderHelmTpl(Object.values(thanos.ruler.rules)[0]);
  expect(rendered).not.toContain('{{"{{"}}');
  expect(YAML.parse(rendered).groups.length).toBeGreaterThan(0);
});

test("the Ruler's Alertmanagers and Query URLs point at loopback; an unknown address is an error", () => {
  const { thanos } = readSynthOutput(synthDir).central;
  const resolve = (address: string) => {
    if (address.startsWith("dns+alertmanager-operated.monitoring.svc")) return ["127.0.0.1:9093"];
    throw new Error(`unknown ${address}`);
  };
  expect(YAML.parse(loopbackAlertmanagersConfig(thanos.ruler.alertmanagers.config, resolve))).toEqual({
    alertmanagers: [{ static_configs: ["127.0.0.1:9093"], scheme: "http", api_version: "v2" }],
  });
  expect(YAML.parse(queryConfig(["http://127.0.0.1:9090"]))).toEqual([{ static_configs: ["127.0.0.1:9090"], scheme: "http" }]);
  expect(() => loopbackAlertmanagersConfig("alertmanagers:\n  - static_configs: [elsewhere:9093]\n", resolve)).toThrow("unknown elsewhere:9093");
});

test("an agent keeps the program's labels, headers, queue and write relabelling; only the URL is loopback", () => {
  const tenantA = readSynthOutput(synthDir).agents.find((a) => a.tenant === "tenant-a")!;
  const config = agentConfig(tenantA, { port: 5000, remoteWriteUrl: "http://127.0.0.1:6000/api/v1/receive", nodeExporterPort: 7000, scrapeInterval: "2s" }) as {
    global: { external_labels: Record<string, string> };
    remote_write: Record<string, unknown>[];
  };
  expect(config.global.external_labels).toEqual({ cluster: "cluster-02", tenant: "tenant-a", prometheus: "tenant-a/prometheus-agent", prometheus_replica: "prom-agent-prometheus-agent-0" });
  expect(config.remote_write).toHaveLength(1);
  expect(config.remote_write[0]).toMatchObject({
    url: "http://127.0.0.1:6000/api/v1/receive",
    headers: { "THANOS-TENANT": "tenant-a" },
    queue_config: { max_shards: 20, retry_on_http_429: true },
    write_relabel_configs: [
      { action: "replace", target_label: "cluster", replacement: "cluster-02" },
      { action: "replace", target_label: "tenant", replacement: "tenant-a" },
    ],
  });
  expect(tenantA.additionalArgs.map(operatorFlag)).toEqual(["--storage.agent.retention.max-time=6h"]);
  expect(path.isAbsolute(synthDir)).toBe(true);
});

test("an agent scrapes extra jobs (the benchmark's load generator) only when asked", () => {
  const agent = readSynthOutput(synthDir).agents.find((a) => a.name === "cluster-03")!;
  const base = { port: 5000, remoteWriteUrl: "http://127.0.0.1:6000/api/v1/receive", nodeExporterPort: 7000, scrapeInterval: "15s" };
  type Jobs = { scrape_configs: { job_name: string; static_configs: { targets: string[]; labels?: Record<string, string> }[] }[] };
  const jobs = (config: unknown) => (config as Jobs).scrape_configs.map((c) => `${c.job_name} ${c.static_configs.map((s) => s.targets.join(",")).join(" ")}`);
  expect(jobs(agentConfig(agent, base))).toEqual(["prometheus-agent 127.0.0.1:5000", "node-exporter 127.0.0.1:7000"]);
  const loadgen = { job: "loadgen", targets: [0, 1].map((i) => ({ address: "127.0.0.1:8000", labels: { __param_shard: String(i), shard: String(i) } })) };
  const config = agentConfig(agent, { ...base, extraScrapeJobs: [loadgen] }) as Jobs;
  expect(jobs(config)).toEqual(["prometheus-agent 127.0.0.1:5000", "node-exporter 127.0.0.1:7000", "loadgen 127.0.0.1:8000 127.0.0.1:8000"]);
  expect(config.scrape_configs[2].static_configs[1].labels).toEqual({ __param_shard: "1", shard: "1" });
});
