/** The thanos chart values, from validated config, without the Pulumi engine. */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { THANOS_IMAGE } from "../../components/shared/charts";
import { THANOS_VERSIONS } from "../../config/charts";
import { THANOS_OBJSTORE_KEY, THANOS_OBJSTORE_SECRET } from "../../components/shared/conventions";
import { receiveRemoteWriteUrl } from "../../components/central/endpoints";
import { ruleFileYaml, rulerRuleGroups } from "../../mixin/alerts";
import { escapeForHelmTpl, objstoreChecksum, thanosValues } from "../../components/central/thanos-values";
import { PROJECT_DIR } from "../support";
import { centralSettings } from "../support/central";

const RELEASE = "cluster-01-central-thanos";
/** The chart's own defaults (../shared/reference, read here, never copied). */
const CHART_DEFAULTS = path.resolve(PROJECT_DIR, "..", "shared", "reference", "charts", "thanos-community-thanos-0.38.0.values.yaml");
const CHECKSUM = "0123456789abcdef".repeat(4);
const values = (patch?: (raw: any) => void, rulerRules = "groups: []\n") => thanosValues({ release: RELEASE, settings: centralSettings(patch), rulerRules, objstoreChecksum: CHECKSUM });

/** The `{{ ... }}` actions Go's template lexer finds: a quoted string inside an action may hold "}}". */
function templateActions(text: string): string[] {
  const actions: string[] = [];
  for (let start = text.indexOf("{{"); start !== -1; start = text.indexOf("{{", start)) {
    let i = start + 2;
    while (i < text.length && !text.startsWith("}}", i)) {
      if (text[i] === '"') for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
      i++;
    }
    actions.push(text.slice(start, i + 2));
    start = i + 2;
  }
  return actions;
}


/** The value of `--flag=` among `args`, or undefined. */
const flag = (args: string[], name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

describe("receive", () => {
  test("3 replicas replicate every write 3 times", () => {
    const { receive } = values();
    expect(receive.replicaCount).toBe(3);
    expect(flag(receive.extraArgs, "receive.replication-factor")).toBe("3");
    expect(receive.mode).toBe("standalone");
  });

  test("replicas and replication factor follow config", () => {
    const { receive } = values((c) => Object.assign(c.receive, { replicas: 5, replicationFactor: 5 }));
    expect(receive.replicaCount).toBe(5);
    expect(flag(receive.extraArgs, "receive.replication-factor")).toBe("5");
    expect(receive.hashrings.static[0].endpoints).toHaveLength(5);
  });

  test("one ketama ring over every receive pod, named as each pod announces itself", () => {
    const { receive } = values();
    expect(receive.hashrings.autogen.enabled).toBe(false);
    expect(receive.hashrings.static).toEqual([
      {
        hashring: "default",
        algorithm: "ketama",
        endpoints: [0, 1, 2].map((i) => `thanos-receive-${i}.thanos-receive-headless.monitoring.svc.cluster.local:10901`),
      },
    ]);
  });

  test("tenant header, tenant label and default tenant, with configurable header", () => {
    expect(values().receive.tenancyHeader).toBe("THANOS-TENANT");
    const { receive } = values((c) => Object.assign(c.receive, { tenantHeader: "X-Scope-OrgID", tenantLabel: "tenant", defaultTenant: "unknown" }));
    expect(receive.tenancyHeader).toBe("X-Scope-OrgID");
    expect(flag(receive.extraArgs, "receive.tenant-label-name")).toBe("tenant");
    expect(flag(receive.extraArgs, "receive.default-tenant-id")).toBe("unknown");
  });

  test("late samples are accepted within the out-of-order window, and the compactor merges the overlapping blocks they make", () => {
    expect(flag(values().receive.extraArgs, "tsdb.out-of-order.time-window")).toBe("6h");
    const { receive, compactor } = values((c) => (c.receive.outOfOrderWindow = "12h"));
    expect(flag(receive.extraArgs, "tsdb.out-of-order.time-window")).toBe("12h");
    // Deduplication turns on vertical compaction, which out-of-order blocks need (else the compactor halts on overlaps).
    expect(flag(compactor.extraArgs, "deduplication.replica-label")).toBe("receive_replica");
  });

  test("no flag the chart already renders is passed twice", () => {
    // Thanos rejects a repeated single-value flag; the chart renders these itself.
    const rendered = ["receive.hashrings-algorithm", "receive.tenant-header", "tsdb.retention", "label"];
    for (const name of rendered) expect(flag(values().receive.extraArgs, name)).toBeUndefined();
  });

  test("local TSDB retention and persistence from config", () => {
    const { receive } = values((c) => Object.assign(c.receive, { retention: "12h", storageSize: "200Gi", storageClassName: "fast" }));
    expect(receive.tsdb.retention).toBe("12h");
    expect(receive.persistence).toEqual({ enabled: true, size: "200Gi", storageClass: "fast" });
  });

  test("at most one receiver disrupted, receivers spread across nodes", () => {
    const { receive } = values();
    expect(receive.pdb).toEqual({ enabled: true, maxUnavailable: 1 });
    expect(receive.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: "kubernetes.io/hostname",
        whenUnsatisfiable: "DoNotSchedule",
        labelSelector: { matchLabels: { "app.kubernetes.io/component": "receive", "app.kubernetes.io/instance": RELEASE } },
      },
    ]);
  });

  test("the chart's Service stays in-cluster; the ingress is off unless configured", () => {
    const { receive } = values();
    expect(receive.service).toEqual({ type: "ClusterIP", grpcPort: 10901, remoteWritePort: 10908 });
    expect(receive.ingress.remoteWrite).toEqual({ enabled: false });
  });

  test("an enabled ingress passes mutual TLS through to the receivers", () => {
    const ingress = { enabled: true, host: "receive.example.com", className: "nginx", annotations: { "nginx.ingress.kubernetes.io/proxy-body-size": "8m" } };
    const { receive } = values((c) => (c.receive.ingress = ingress));
    expect(receive.ingress.remoteWrite).toEqual({
      enabled: true,
      className: "nginx",
      annotations: { "nginx.ingress.kubernetes.io/ssl-passthrough": "true", "nginx.ingress.kubernetes.io/proxy-body-size": "8m" },
      hosts: [{ host: "receive.example.com", paths: [{ path: "/", pathType: "Prefix" }] }],
      tls: [],
    });
  });

  test("in plain-http lab mode an enabled ingress may terminate TLS with its own Secret", () => {
    const ingress = { enabled: true, host: "receive.example.com", className: "nginx", tlsSecretName: "receive-tls", annotations: { "cert-manager.io/cluster-issuer": "le" } };
    const { receive } = values((c) => Object.assign(c.receive, { ingress, tls: { enabled: false } }));
    expect(receive.ingress.remoteWrite).toEqual({
      enabled: true,
      className: "nginx",
      annotations: { "cert-manager.io/cluster-issuer": "le" },
      hosts: [{ host: "receive.example.com", paths: [{ path: "/", pathType: "Prefix" }] }],
      tls: [{ secretName: "receive-tls", hosts: ["receive.example.com"] }],
    });
  });
});

describe("tenant identity and limits", () => {
  test("the remote-write port requires a client certificate from the central CA and takes the tenant from it", () => {
    const { receive } = values();
    expect(flag(receive.extraArgs, "remote-write.server-tls-cert")).toBe("/etc/thanos-receive/tls/tls.crt");
    expect(flag(receive.extraArgs, "remote-write.server-tls-key")).toBe("/etc/thanos-receive/tls/tls.key");
    // A client CA makes Thanos require and verify a client certificate (tls.RequireAndVerifyClientCert).
    expect(flag(receive.extraArgs, "remote-write.server-tls-client-ca")).toBe("/etc/thanos-receive/tls/ca.crt");
    expect(flag(receive.extraArgs, "receive.tenant-certificate-field")).toBe("commonName");
    expect(receive.extraVolumes).toContainEqual({ name: "remote-write-tls", secret: { secretName: "thanos-receive-tls" } });
    expect(receive.extraVolumeMounts).toContainEqual({ name: "remote-write-tls", mountPath: "/etc/thanos-receive/tls", readOnly: true });
  });

  test("plain-http lab mode has no TLS flags and no certificate mount, but keeps the limits", () => {
    const { receive } = values((c) => (c.receive.tls = { enabled: false }));
    expect(receive.extraArgs.filter((a) => /tls|certificate/.test(a))).toEqual([]);
    expect(receive.extraVolumes).toEqual([{ name: "write-limits", configMap: { name: "thanos-receive-limits" } }]);
    expect(flag(receive.extraArgs, "receive.limits-config-file")).toBe("/etc/thanos-receive/limits/limits.yaml");
  });

  test("every volume mount names a volume, outside the chart's read-only /etc/thanos", () => {
    const { receive } = values();
    const volumes = receive.extraVolumes.map((v) => v.name);
    for (const mount of receive.extraVolumeMounts) {
      expect(volumes).toContain(mount.name);
      expect(mount.mountPath.startsWith("/etc/thanos/")).toBe(false);
    }
    expect(receive.extraVolumes).toContainEqual({ name: "write-limits", configMap: { name: "thanos-receive-limits" } });
  });
});

describe("remote-write URL", () => {
  const { ingress: noIngress, tls } = centralSettings().receive;
  const plain = { enabled: false };

  test("https from the LoadBalancer address, IPv6 in brackets", () => {
    expect(receiveRemoteWriteUrl("203.0.113.10", { ingress: noIngress, tls })).toBe("https://203.0.113.10:10908/api/v1/receive");
    expect(receiveRemoteWriteUrl("receive.elb.example.com", { ingress: noIngress, tls })).toBe("https://receive.elb.example.com:10908/api/v1/receive");
    expect(receiveRemoteWriteUrl("2001:db8::10", { ingress: noIngress, tls })).toBe("https://[2001:db8::10]:10908/api/v1/receive");
    expect(receiveRemoteWriteUrl("203.0.113.10", { ingress: noIngress, tls: plain })).toBe("http://203.0.113.10:10908/api/v1/receive");
  });

  test("through the ingress when it is enabled: https with mutual TLS, or in lab mode with a TLS Secret", () => {
    const ingress = { ...noIngress, enabled: true, host: "receive.example.com" };
    expect(receiveRemoteWriteUrl("203.0.113.10", { ingress, tls })).toBe("https://receive.example.com/api/v1/receive");
    expect(receiveRemoteWriteUrl("203.0.113.10", { ingress, tls: plain })).toBe("http://receive.example.com/api/v1/receive");
    expect(receiveRemoteWriteUrl("203.0.113.10", { ingress: { ...ingress, tlsSecretName: "receive-tls" }, tls: plain })).toBe("https://receive.example.com/api/v1/receive");
  });
});

describe("query path", () => {
  test("Query deduplicates on the replica labels of Prometheus, Receive and Ruler, and reaches the sidecars", () => {
    const { query } = values();
    expect(query.replicaLabels).toEqual(["prometheus_replica", "receive_replica", "ruler_replica"]);
    expect(query.endpoints).toEqual({ autogen: { enabled: true }, static: ["dnssrv+_grpc._tcp.kps-thanos-discovery.monitoring.svc.cluster.local"] });
  });

  test("history past the raw retention answers: Query picks a downsampled resolution, the Query Frontend falls back to coarser data", () => {
    const { query, queryFrontend } = values();
    // extraArgs replaces the chart's default list (thanos chart 0.38.0: query.extraArgs is --log.level=info).
    expect(query.extraArgs).toEqual(["--log.level=info", "--query.auto-downsampling", "--deduplication.func=chain", "--query.promql-engine=thanos"]);
    expect(queryFrontend.extraArgs).toEqual(["--query-range.request-downsampled"]);
  });

  test("Query merges the receive replicas' identical samples one to one", () => {
    expect(values().query.extraArgs).toContain("--deduplication.func=chain");
  });

  test("Query runs the Thanos PromQL engine by default", () => {
    expect(values().query.extraArgs).toContain("--query.promql-engine=thanos");
  });

  test("Query Frontend runs with a results cache", () => {
    const { queryFrontend } = values();
    expect(queryFrontend.enabled).toBe(true);
    expect(YAML.parse(queryFrontend.cacheConfig)).toEqual({ type: "IN-MEMORY", config: { max_size: "512MB" } });
  });
});

describe("storage", () => {
  test("every component reads the objstore Secret the chart does not create", () => {
    const { global } = values();
    expect(global.objstore).toEqual({ createSecret: false, secretName: THANOS_OBJSTORE_SECRET, secretKey: THANOS_OBJSTORE_KEY });
  });

  test("every Thanos pod carries the objstore config's checksum, so a new config rolls them", () => {
    // global.podAnnotations is the only pod-annotation key of the chart; it reaches every component's pods.
    expect(values().global.podAnnotations).toEqual({ "checksum/thanos-objstore": CHECKSUM });
    expect(objstoreChecksum("type: S3\nconfig:\n  secret_key: a\n")).toMatch(/^[0-9a-f]{64}$/);
    expect(objstoreChecksum("type: S3\nconfig:\n  secret_key: a\n")).not.toBe(objstoreChecksum("type: S3\nconfig:\n  secret_key: b\n"));
  });

  test("the official image at a pinned tag; central.thanosVersion holds every component at the previous minor", () => {
    expect(values().global.image).toEqual({ registry: "quay.io", repository: "thanos/thanos", tag: THANOS_IMAGE.tag });
    expect(THANOS_IMAGE.tag).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(values((c) => (c.thanosVersion = THANOS_VERSIONS.previous)).global.image).toEqual({ registry: "quay.io", repository: "thanos/thanos", tag: "v0.41.0" });
  });

  test("the compactor deduplicates the receive replicas' identical copies, not the Prometheus replicas', and keeps the chart's flags", () => {
    // extraArgs replaces the chart's default list (thanos chart 0.38.0 compactor.extraArgs), so its flags are repeated.
    expect(values().compactor.extraArgs).toEqual(["--log.level=info", "--log.format=logfmt", "--consistency-delay=30m", "--deduplication.replica-label=receive_replica"]);
  });

  (fs.existsSync(CHART_DEFAULTS) ? test : test.skip)("every extraArgs list we set starts with the chart's default list for that component", () => {
    const chartDefaults = YAML.parse(fs.readFileSync(CHART_DEFAULTS, "utf8"));
    const v = values();
    expect(v.query.extraArgs.slice(0, chartDefaults.query.extraArgs.length)).toEqual(chartDefaults.query.extraArgs);
    expect(v.compactor.extraArgs.slice(0, chartDefaults.compactor.extraArgs.length)).toEqual(chartDefaults.compactor.extraArgs);
    // These two default to an empty list.
    expect([chartDefaults.queryFrontend.extraArgs, chartDefaults.receive.extraArgs]).toEqual([[], []]);
  });

  test("the compactor keeps raw 7d, 5m 30d, 1h 180d, following config", () => {
    expect(values().compactor.retention).toEqual({ resolutionRaw: "7d", resolution5m: "30d", resolution1h: "180d" });
    const { compactor } = values((c) => (c.retention = { raw: "14d", fiveMinutes: "60d", oneHour: "1y" }));
    expect(compactor.retention).toEqual({ resolutionRaw: "14d", resolution5m: "60d", resolution1h: "1y" });
  });

  test("both store gateway replicas serve every block, behind a headless Service Query resolves to each pod", () => {
    const { storegateway, query } = values();
    expect(storegateway.enabled).toBe(true);
    // Sharded mode is what makes the chart's Service headless; one hash shard means no partitioning.
    expect(storegateway.sharded).toEqual({ enabled: true, hashPartitioning: { shards: 1 }, timePartitioning: [] });
    expect(storegateway.replicaCount).toBe(2);
    // The chart's autogen endpoint is dnssrv+ on that Service.
    expect(query.endpoints.autogen).toEqual({ enabled: true });
  });
});

describe("ruler", () => {
  test("evaluates against Query and alerts every Alertmanager replica", () => {
    const { ruler } = values();
    expect(ruler.query.urls).toEqual(["http://thanos-query.monitoring.svc.cluster.local:9090"]);
    expect(YAML.parse(ruler.alertmanagers.config)).toEqual({
      alertmanagers: [{ static_configs: ["dns+alertmanager-operated.monitoring.svc.cluster.local:9093"], scheme: "http", api_version: "v2" }],
    });
  });

  test("the Ruler's rules replace the chart's always-firing example file and survive Helm's tpl", () => {
    const rules = ruleFileYaml(rulerRuleGroups({ cluster: "cluster-01", central: centralSettings(), tenants: [{ id: "cluster-03", cluster: "cluster-03" }] }));
    const files = values(undefined, rules).ruler.rules;
    expect(Object.keys(files)).toEqual(["example-alerts.yaml"]);
    const escaped = files["example-alerts.yaml"];
    // After escaping, the only template actions left print a literal delimiter.
    const actions = templateActions(escaped);
    expect(actions.length).toBeGreaterThan(20);
    expect(new Set(actions)).toEqual(new Set(['{{"{{"}}', '{{"}}"}}']));
    // What tpl renders is the plain rule file.
    expect(escaped.replace(/\{\{"(\{\{|\}\})"\}\}/g, "$1")).toBe(rules);
  });

  test("escaping leaves text without delimiters alone", () => {
    expect(escapeForHelmTpl("sum(rate(x[5m])) > 0")).toBe("sum(rate(x[5m])) > 0");
    expect(escapeForHelmTpl("{{ $value }}")).toBe('{{"{{"}} $value {{"}}"}}');
  });


  test("does not run the chart's unpinned rule-importer sidecar", () => {
    expect(values().ruler.autoImportPrometheusRules).toEqual({ enabled: false });
  });
});

test("the central Prometheus scrapes every Thanos component", () => {
  const v = values();
  for (const component of [v.receive, v.query, v.queryFrontend, v.storegateway, v.compactor, v.ruler]) {
    expect(component.serviceMonitor).toEqual({ enabled: true });
  }
});
