/**
 * The local platform's translation of the program's output into the real binaries' flags and
 * files: pure functions, checked here without starting anything (the e2e test starts them).
 */
import { spawnSync } from "child_process";
import { createPrivateKey, X509Certificate } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { THANOS_IMAGE } from "../../components/shared/charts";
import { escapeForHelmTpl } from "../../components/central/thanos-values";
import { agentConfig, agentSecretFiles, operatorFlag } from "../../loopback/agent";
import { issueReceivePki, leafExtensions, opensslSubject, ReceivePki } from "../../loopback/certificates";
import { compactorArgs } from "../../loopback/thanos/compactor";
import { atLoopback, localMounts, loopbackHashring, podIndex, receiveArgs, safeStartTime, writeReceiveVolumes } from "../../loopback/thanos/receive";
import { loopbackAlertmanagersConfig, queryConfig, renderHelmTpl } from "../../loopback/thanos/ruler";
import { readSynthOutput } from "../../loopback/synth-plan";
import { pinnedVersion, TOOLS } from "../../loopback/tools";
import { ulidAt } from "../../loopback/history";
import { synthesize } from "../../synth/synth";
import { describeWithTool, scratchDir } from "../support";
import { queryArgs } from "../../loopback/thanos/query";
import { queryFrontendArgs } from "../../loopback/thanos/query-frontend";
import { storeGatewayArgs } from "../../loopback/thanos/store-gateway";

let synthDir: string;

beforeAll(async () => {
  synthDir = scratchDir("platform-config-");
  await synthesize({ outDir: synthDir });
}, 60_000);

test("the Thanos tool is the version of the image the program deploys", () => {
  expect(pinnedVersion(TOOLS.thanos)).toBe(THANOS_IMAGE.tag);
  expect(pinnedVersion(TOOLS.thanosPrevious)).toBe("v0.41.0");
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

test("an agent keeps the program's labels, headers, queue, write relabelling and TLS; only the URL and the files are loopback's", () => {
  const tenantA = readSynthOutput(synthDir).agents.find((a) => a.tenant === "tenant-a")!;
  const secretFile = (ref: { name: string; key: string }) => `/pki/${ref.name}/${ref.key}`;
  const config = agentConfig(tenantA, { port: 5000, remoteWriteUrl: "https://127.0.0.1:6000/api/v1/receive", nodeExporterPort: 7000, scrapeInterval: "2s", secretFile }) as {
    global: { external_labels: Record<string, string> };
    remote_write: Record<string, unknown>[];
  };
  expect(config.global.external_labels).toEqual({ cluster: "cluster-02", tenant: "tenant-a", prometheus: "tenant-a/prometheus-agent", prometheus_replica: "prom-agent-prometheus-agent-0" });
  expect(config.remote_write).toHaveLength(1);
  expect(config.remote_write[0]).toMatchObject({
    url: "https://127.0.0.1:6000/api/v1/receive",
    tls_config: {
      ca_file: "/pki/remote-write-ca/ca.crt",
      cert_file: "/pki/remote-write-client/tls.crt",
      key_file: "/pki/remote-write-client/tls.key",
      server_name: "thanos-receive-remote-write.monitoring.svc.cluster.local",
      insecure_skip_verify: false,
    },
    headers: { "THANOS-TENANT": "tenant-a" },
    queue_config: { max_shards: 20, retry_on_http_429: true },
    write_relabel_configs: [
      { action: "replace", target_label: "cluster", replacement: "cluster-02" },
      { action: "replace", target_label: "tenant", replacement: "tenant-a" },
    ],
  });
  expect(tenantA.additionalArgs.map(operatorFlag)).toEqual(["--storage.agent.retention.max-time=6h"]);
  // No container patch by default (edge.softMemoryLimit unset), so no environment of its own.
  expect(tenantA.env).toEqual({});
  expect(path.isAbsolute(synthDir)).toBe(true);
});

test("receivers start outside the minutes Thanos v0.42.4's tenant pruning can crash them in", () => {
  const at = (hh: number, mm: number, ss: number) => new Date(2026, 0, 1, hh, mm, ss);
  // 2h blocks: pruning runs in minutes that are multiples of 4h.
  expect(safeStartTime(at(3, 59, 50), "2h")).toEqual(at(3, 59, 50));
  expect(safeStartTime(at(3, 59, 57), "2h")).toEqual(at(4, 1, 1));
  expect(safeStartTime(at(4, 0, 30), "2h")).toEqual(at(4, 1, 1));
  expect(safeStartTime(at(4, 1, 1), "2h")).toEqual(at(4, 1, 1));
  expect(safeStartTime(at(5, 0, 0))).toEqual(at(5, 0, 0));
  // 1m blocks: every even minute.
  expect(safeStartTime(at(10, 3, 10), "1m")).toEqual(at(10, 3, 10));
  expect(safeStartTime(at(10, 3, 57), "1m")).toEqual(at(10, 5, 1));
  expect(safeStartTime(at(10, 4, 0), "1m")).toEqual(at(10, 5, 1));
});

test("a block id carries the time it is given, as the Compactor reads a block's age from it", () => {
  const ms = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  const id = ulidAt(ms);
  expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  const decoded = [...id.slice(0, 10)].reduce((t, c) => t * 32 + "0123456789ABCDEFGHJKMNPQRSTVWXYZ".indexOf(c), 0);
  expect(decoded).toBe(ms);
  expect(ulidAt(ms)).not.toBe(id);
});

/**
 * Flags a Thanos subcommand's --help lists: name -> whether it takes a value. Boolean flags
 * show as `--[no-]name` and take none (kingpin rejects `--name=true`).
 */
function thanosFlags(thanos: string, subcommand: string): Map<string, boolean> {
  // kingpin prints help to stderr.
  const { stdout, stderr } = spawnSync(thanos, [subcommand, "--help"], { encoding: "utf8" });
  const help = stdout + stderr;
  const flags = new Map<string, boolean>();
  for (const match of help.matchAll(/^\s+--(\[no-\])?([a-z0-9.-]+)(=)?/gm)) flags.set(match[2], match[3] === "=");
  return flags;
}

/**
 * Flags the binary takes but its --help does not list: v0.42.4 registers the receivers' limits
 * config hidden (cmd/thanos/receive.go, extflag.WithHidden). The e2e tests start receivers with it.
 */
const HIDDEN_FLAGS: Record<string, [string, boolean][]> = { receive: [["receive.limits-config-file", true]] };

/** What the real binary would reject in `args`: unknown flags, values on booleans, booleans where a value is needed. */
function flagErrors(flags: Map<string, boolean>, args: string[]): string[] {
  return args
    .filter((a) => a.startsWith("--"))
    .flatMap((arg) => {
      const [name, ...value] = arg.slice(2).split("=");
      const takesValue = flags.get(name) ?? (name.startsWith("no-") && flags.get(name.slice(3)) === false ? false : undefined);
      if (takesValue === undefined) return [`${arg}: unknown flag`];
      if (takesValue !== value.length > 0) return [`${arg}: ${takesValue ? "needs a value" : "is a boolean and takes no value"}`];
      return [];
    });
}

describeWithTool("thanos", "the real thanos binary", (thanos) => {
  test("accepts every flag the program writes, as the chart passes them", () => {
    const { thanos: values } = readSynthOutput(synthDir).central;
    const ports = { http: 1, grpc: 2 };
    const byCommand: [string, string[]][] = [
      ["receive", receiveArgs(values.receive, { name: "thanos-receive-0", ports: { ...ports, remoteWrite: 3, capnproto: 4 }, dataDir: "/d", objstoreFile: "/o", hashringFile: "/h" })],
      ["query", queryArgs(values.query, ports, "/e")],
      ["query-frontend", queryFrontendArgs(values.queryFrontend, 6, "http://127.0.0.1:7", "/c")],
      ["store", storeGatewayArgs(values.storegateway, ports, "/d", "/o")],
      ["compact", compactorArgs(values.compactor, 8, "/d", "/o")],
    ];
    for (const [command, args] of byCommand) {
      const flags = new Map([...thanosFlags(thanos, command), ...(HIDDEN_FLAGS[command] ?? [])]);
      expect({ command, errors: flagErrors(flags, args.slice(1)) }).toEqual({ command, errors: [] });
    }
    // The check itself catches what the binary rejects.
    expect(flagErrors(thanosFlags(thanos, "query-frontend"), ["--query-range.request-downsampled=true", "--no-such-flag"])).toEqual([
      "--query-range.request-downsampled=true: is a boolean and takes no value",
      "--no-such-flag: unknown flag",
    ]);
  });
});

describe("tenant identity on loopback", () => {
  const pkiDir = scratchDir("platform-pki-");
  let pki: ReceivePki;
  beforeAll(async () => {
    pki = await issueReceivePki(pkiDir, readSynthOutput(synthDir).central.receivePki!);
  });

  test("the synth plan's certificates read back as the CA, the receivers' certificate and one client per tenant", () => {
    const plan = readSynthOutput(synthDir).central.receivePki!;
    expect(plan.ca).toMatchObject({ subject: { commonName: "multicluster-receive-ca", organization: "multicluster" }, validityPeriodHours: 87600 });
    expect(plan.server).toMatchObject({ subject: { commonName: "thanos-receive-remote-write.monitoring.svc.cluster.local" }, allowedUses: ["digital_signature", "key_encipherment", "server_auth"] });
    expect(Object.keys(plan.clients)).toEqual(["cluster-02", "tenant-a", "tenant-b", "cluster-03", "cluster-04"]);
    expect(plan.clients["tenant-a"]).toMatchObject({ subject: { commonName: "tenant-a" }, dnsNames: [], validityPeriodHours: 8760 });
  });

  test("openssl issues them with the program's subjects, names, validity and uses, all signed by the CA", () => {
    const ca = new X509Certificate(pki.ca.cert.certPem);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe("O=multicluster\nCN=multicluster-receive-ca");
    const server = new X509Certificate(pki.server.certPem);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkHost("thanos-receive-remote-write.monitoring.svc.cluster.local")).toBe("thanos-receive-remote-write.monitoring.svc.cluster.local");
    expect(server.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]);
    const client = new X509Certificate(pki.clients["tenant-a"].certPem);
    expect(client.verify(ca.publicKey)).toBe(true);
    expect(client.subject).toBe("O=multicluster\nCN=tenant-a");
    expect(client.keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]);
    const days = (Date.parse(client.validTo) - Date.parse(client.validFrom)) / 86_400_000;
    expect(days).toBe(365);
    expect(createPrivateKey(fs.readFileSync(pki.clients["tenant-a"].keyFile)).asymmetricKeyDetails).toEqual({ namedCurve: "prime256v1" });
  });

  test("the receivers' TLS flags and limits file point at local copies of the Secret and the ConfigMap", () => {
    const { central } = readSynthOutput(synthDir);
    const resolve = (address: string) => {
      if (address === "kps-prometheus.monitoring.svc.cluster.local:9090") return ["127.0.0.1:7777"];
      throw new Error(`unknown ${address}`);
    };
    const volumes = writeReceiveVolumes(path.join(pkiDir, "volumes"), central.thanos.receive, { configMaps: central.configMaps, pki, resolve });
    const tlsDir = volumes["remote-write-tls"];
    expect(fs.readdirSync(tlsDir).sort()).toEqual(["ca.crt", "tls.crt", "tls.key"]);
    expect(fs.readFileSync(path.join(tlsDir, "tls.crt"), "utf8")).toBe(pki.server.certPem);
    const limits = YAML.parse(fs.readFileSync(path.join(volumes["write-limits"], "limits.yaml"), "utf8"));
    expect(limits.write.global.meta_monitoring_url).toBe("http://127.0.0.1:7777");
    expect(limits.write.default).toEqual(YAML.parse(central.configMaps["thanos-receive-limits"]["limits.yaml"]).write.default);

    const args = receiveArgs(central.thanos.receive, {
      name: "thanos-receive-0",
      ports: { http: 1, grpc: 2, remoteWrite: 3, capnproto: 4 },
      dataDir: "/d",
      objstoreFile: "/o.yml",
      hashringFile: "/h.json",
      mounts: localMounts(central.thanos.receive, volumes),
    });
    expect(args).toEqual(
      expect.arrayContaining([
        `--remote-write.server-tls-cert=${tlsDir}/tls.crt`,
        `--remote-write.server-tls-key=${tlsDir}/tls.key`,
        `--remote-write.server-tls-client-ca=${tlsDir}/ca.crt`,
        "--receive.tenant-certificate-field=commonName",
        `--receive.limits-config-file=${volumes["write-limits"]}/limits.yaml`,
      ]),
    );
    expect(() => localMounts(central.thanos.receive, {})).toThrow("the program mounts volume remote-write-tls at /etc/thanos-receive/tls, which the local platform does not provide");
    expect(() => writeReceiveVolumes(path.join(pkiDir, "none"), central.thanos.receive, { configMaps: central.configMaps, resolve })).toThrow(
      "receive volume remote-write-tls: the local platform has nothing for Secret thanos-receive-tls",
    );
  });

  test("each agent gets the CA and its own tenant's certificate; the remote-write URL keeps the program's scheme", () => {
    const files = agentSecretFiles(pki, "tenant-b")!;
    expect(files({ name: "remote-write-ca", key: "ca.crt" })).toBe(pki.ca.cert.certFile);
    expect(files({ name: "remote-write-client", key: "tls.crt" })).toBe(pki.clients["tenant-b"].certFile);
    expect(files({ name: "remote-write-client", key: "tls.key" })).toBe(pki.clients["tenant-b"].keyFile);
    expect(() => files({ name: "other", key: "x" })).toThrow("agent of tenant tenant-b: the local platform has no file for key x of Secret other");
    expect(agentSecretFiles(undefined, "tenant-b")).toBeUndefined();
    expect(atLoopback("https://203.0.113.10:10908/api/v1/receive", 4242)).toBe("https://127.0.0.1:4242/api/v1/receive");
    expect(atLoopback("http://receive.example.com/api/v1/receive", 4242)).toBe("http://127.0.0.1:4242/api/v1/receive");
  });

  test("openssl's extension file and subject from @pulumi/tls's words", () => {
    expect(opensslSubject({ commonName: "a/b", organization: "multicluster" })).toBe("/O=multicluster/CN=a\\/b");
    expect(leafExtensions({ dnsNames: ["x.svc"], ipAddresses: ["10.0.0.1"], allowedUses: ["digital_signature", "key_encipherment", "server_auth"] })).toBe(
      "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:x.svc,IP:10.0.0.1\n",
    );
    expect(() => leafExtensions({ dnsNames: [], ipAddresses: [], allowedUses: ["code_signing"] })).toThrow("allowedUses code_signing: the local platform does not know these key usages");
  });
});

test("an agent scrapes extra jobs (the benchmark's load generator) only when asked", () => {
  const agent = readSynthOutput(synthDir).agents.find((a) => a.name === "cluster-03")!;
  const base = { port: 5000, remoteWriteUrl: "https://127.0.0.1:6000/api/v1/receive", nodeExporterPort: 7000, scrapeInterval: "15s", secretFile: (ref: { name: string; key: string }) => `/secrets/${ref.name}/${ref.key}` };
  type Jobs = { scrape_configs: { job_name: string; static_configs: { targets: string[]; labels?: Record<string, string> }[] }[] };
  const jobs = (config: unknown) => (config as Jobs).scrape_configs.map((c) => `${c.job_name} ${c.static_configs.map((s) => s.targets.join(",")).join(" ")}`);
  expect(jobs(agentConfig(agent, base))).toEqual(["prometheus-agent 127.0.0.1:5000", "node-exporter 127.0.0.1:7000"]);
  const loadgen = { job: "loadgen", targets: [0, 1].map((i) => ({ address: "127.0.0.1:8000", labels: { __param_shard: String(i), shard: String(i) } })) };
  const config = agentConfig(agent, { ...base, extraScrapeJobs: [loadgen] }) as Jobs;
  expect(jobs(config)).toEqual(["prometheus-agent 127.0.0.1:5000", "node-exporter 127.0.0.1:7000", "loadgen 127.0.0.1:8000 127.0.0.1:8000"]);
  expect(config.scrape_configs[2].static_configs[1].labels).toEqual({ __param_shard: "1", shard: "1" });
});
