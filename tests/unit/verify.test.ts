/** verify's pure parts: outputs, queries, evaluation, rendering, arguments; and its HTTP client against a local server. */
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { parser } from "@prometheus-io/lezer-promql";
import { EXPIRY_WARNING_DAYS } from "../../components/central/receive-identity";
import { parseVerifyArgs, UsageError } from "../../scripts/verify/args";
import { buildQueries, DEFAULT_CHECK_SETTINGS, evaluate, historyQueries, THANOS_COMPONENTS } from "../../scripts/verify/checks";
import { formatAge } from "../../scripts/verify/format";
import { expectationsFrom, Expectations, OutputsError, parseStackOutputs } from "../../scripts/verify/expectations";
import { httpQueryClient, parseSampleValue, QueryApiError, QueryClient } from "../../scripts/verify/query-api";
import { renderJson, renderTable } from "../../scripts/verify/report";
import { verify } from "../../scripts/verify/run";
import { pulumiStackOutputs, readOutputsFile } from "../../scripts/verify/sources";
import { QueryResults, RangeQuery, Report, Sample, Series } from "../../scripts/verify/types";
import { PROJECT_DIR, scratchDir } from "../support";

/** A real certificate (public, no key) valid until 2036-11-21T06:23:47Z; the checks only read its notAfter. */
const CERT = fs.readFileSync(path.join(PROJECT_DIR, "tests", "fixtures", "verify-certificate.pem"), "utf8");
const CERT_NOT_AFTER = Date.UTC(2036, 10, 21, 6, 23, 47) / 1000;
const DAY = 86_400;

const CENTRAL = {
  role: "central",
  cluster: "cluster-01",
  receiveRemoteWriteUrl: "http://203.0.113.10:10908/api/v1/receive",
  receiveAddress: "203.0.113.10",
  tenantHeader: "THANOS-TENANT",
  tenantLabel: "tenant_id",
  receiveOutOfOrderWindow: "6h",
  queryUrl: "http://thanos-query-frontend.monitoring.svc:9090",
  grafanaUrl: "http://grafana.monitoring.svc",
  bucketNames: { thanos: "thanos-bucket", longhorn: "longhorn-backups", opensearch: "opensearch-logs" },
  tenants: [
    { id: "tenant-a", cluster: "cluster-02" },
    { id: "cluster-02", cluster: "cluster-02" },
    { id: "cluster-03", cluster: "cluster-03" },
  ],
  retention: { raw: "7d", fiveMinutes: "30d", oneHour: "180d" },
  receiveTls: {
    enabled: true,
    caCert: CERT,
    serverName: "thanos-receive-remote-write.monitoring.svc.cluster.local",
    serverCert: CERT,
    clientCerts: { "tenant-a": CERT, "cluster-02": CERT, "cluster-03": CERT },
  },
  bucketCredentials: "[secret]",
  grafanaAdminPassword: "[secret]",
  tenantCredentials: "[secret]",
};
const EDGE = { role: "edge", cluster: "cluster-04", remoteWriteUrl: CENTRAL.receiveRemoteWriteUrl, tenants: [{ id: "cluster-04", cluster: "cluster-04" }] };

const loaded = (doc: object, source: string) => ({ source, outputs: parseStackOutputs(JSON.stringify(doc), source) });
const EXPECTATIONS: Expectations = expectationsFrom([loaded(CENTRAL, "central.json")]);

describe("stack outputs", () => {
  test("central outputs with or without --show-secrets give the query URL, tenant label and sorted tenants", () => {
    const shown = {
      ...CENTRAL,
      grafanaAdminPassword: "pw",
      bucketCredentials: { thanos: { accessKey: "a", secretKey: "b" }, longhorn: { accessKey: "a", secretKey: "b" }, opensearch: { accessKey: "a", secretKey: "b" } },
      tenantCredentials: { "tenant-a": { certPem: CERT, keyPem: "-----BEGIN EC PRIVATE KEY-----" } },
    };
    for (const doc of [CENTRAL, shown]) {
      expect(expectationsFrom([loaded(doc, "central.json")])).toEqual({
        centralCluster: "cluster-01",
        queryUrl: CENTRAL.queryUrl,
        tenantLabel: "tenant_id",
        tenants: [
          { id: "cluster-02", cluster: "cluster-02" },
          { id: "tenant-a", cluster: "cluster-02" },
          { id: "cluster-03", cluster: "cluster-03" },
        ],
        clusters: ["cluster-02", "cluster-03"],
        rawRetention: "7d",
        receiveTls: CENTRAL.receiveTls,
        tenantHeader: "THANOS-TENANT",
      });
    }
  });

  test("edge outputs add their tenants; duplicates collapse", () => {
    const dupEdge = { ...EDGE, cluster: "cluster-02", tenants: [{ id: "cluster-02", cluster: "cluster-02" }] };
    const e = expectationsFrom([loaded(EDGE, "edge.json"), loaded(CENTRAL, "central.json"), loaded(dupEdge, "edge2.json")]);
    expect(e.tenants.map((t) => `${t.cluster}/${t.id}`)).toEqual(["cluster-02/cluster-02", "cluster-02/tenant-a", "cluster-03/cluster-03", "cluster-04/cluster-04"]);
    expect(e.clusters).toEqual(["cluster-02", "cluster-03", "cluster-04"]);
  });

  test("names every missing or invalid key of the central contract", () => {
    const { queryUrl: _q, tenantLabel: _t, ...partial } = CENTRAL;
    expect(() => parseStackOutputs(JSON.stringify({ ...partial, tenants: [{ id: "x" }] }), "central.json")).toThrow(
      "central.json: not the central stack's outputs (config/outputs.ts); missing or invalid: tenantLabel (expected string, received undefined), queryUrl (expected string, received undefined), tenants.0.cluster (expected string, received undefined)",
    );
    expect(() => parseStackOutputs(JSON.stringify({ role: "edge", cluster: "c" }), "edge.json")).toThrow(
      "edge.json: not an edge stack's outputs (config/outputs.ts); missing or invalid: remoteWriteUrl (expected string, received undefined), tenants (expected array, received undefined)",
    );
  });

  test("rejects text that is not a JSON object", () => {
    expect(() => parseStackOutputs("Current stack outputs (3):", "out.txt")).toThrow(/^out\.txt: expected the JSON of `pulumi stack output --json`, but it does not parse/);
    expect(() => parseStackOutputs("[]", "a.json")).toThrow("a.json: expected a JSON object of stack outputs, got an array");
  });

  test("needs exactly one central stack and at least one tenant", () => {
    expect(() => expectationsFrom([loaded(EDGE, "edge.json")])).toThrow(OutputsError);
    expect(() => expectationsFrom([loaded(EDGE, "edge.json")])).toThrow(/no central stack outputs among edge\.json/);
    expect(() => expectationsFrom([loaded(CENTRAL, "a.json"), loaded(CENTRAL, "b.json")])).toThrow("more than one central stack's outputs: a.json, b.json; pass exactly one");
    expect(() => expectationsFrom([loaded({ ...CENTRAL, tenants: [] }, "a.json")])).toThrow(/a\.json: tenants is empty/);
  });

  test("reads files and the Pulumi CLI, with clear errors when either is missing", async () => {
    const dir = scratchDir("verify-sources-");
    const file = path.join(dir, "central.json");
    fs.writeFileSync(file, JSON.stringify(CENTRAL));
    expect(readOutputsFile(file).outputs.role).toBe("central");
    expect(() => readOutputsFile(path.join(dir, "nope.json"))).toThrow(/nope\.json: cannot read the outputs file \(no such file\); write it with: pulumi stack output --json/);

    await expect(pulumiStackOutputs("cluster-01", { command: path.join(dir, "no-pulumi-here") })).rejects.toThrow(
      /--stack cluster-01: the Pulumi CLI \(.*no-pulumi-here\) is not installed or not on PATH; export the outputs where it is/,
    );
    // A stand-in CLI that prints what `pulumi stack output --json` would, and records its arguments.
    const fake = path.join(dir, "pulumi");
    fs.writeFileSync(fake, `#!/bin/sh\necho "$@" > "${dir}/args"\ncat "${file}"\n`, { mode: 0o755 });
    const fromCli = await pulumiStackOutputs("cluster-01", { command: fake });
    expect(fromCli.source).toBe("stack cluster-01");
    expect(fromCli.outputs.tenants).toEqual(CENTRAL.tenants);
    expect(fs.readFileSync(path.join(dir, "args"), "utf8").trim()).toBe("stack output --json --stack cluster-01");
    const failing = path.join(dir, "pulumi-fails");
    fs.writeFileSync(failing, `#!/bin/sh\necho "error: no stack named 'x' found" >&2\nexit 255\n`, { mode: 0o755 });
    await expect(pulumiStackOutputs("x", { command: failing })).rejects.toThrow(/--stack x: `.*pulumi-fails stack output --json --stack x` failed: error: no stack named 'x' found/);
  });
});

/** 2026-03-01T12:34:56Z: verify's clock in these tests. */
const NOW = Date.UTC(2026, 2, 1, 12, 34, 56) / 1000;
const HISTORY = historyQueries(EXPECTATIONS, NOW);

describe("queries", () => {
  const queries = buildQueries(EXPECTATIONS, DEFAULT_CHECK_SETTINGS);
  const all = { sampleAge: queries.sampleAge, failedRate: queries.failedRate, sentRate: queries.sentRate, limited: queries.limited, history: HISTORY.plain.query, ...queries.components, ...queries.ring };

  test.each(Object.entries(all))("%s parses as PromQL", (_name, query) => {
    const errors: number[] = [];
    parser.parse(query).iterate({ enter: (node) => void (node.type.isError && errors.push(node.from)) });
    expect({ query, errors }).toEqual({ query, errors: [] });
  });

  test("sample age groups by cluster and the tenant label, and looks back past the 5m lookback", () => {
    expect(queries.sampleAge).toContain('max by (cluster, tenant_id) (timestamp(up{tenant_id!=""}))');
    expect(queries.sampleAge).toContain('max_over_time(timestamp(up{tenant_id!=""})[3600s:15s])');
    const custom = buildQueries({ ...EXPECTATIONS, tenantLabel: "tenant" }, { ...DEFAULT_CHECK_SETTINGS, maxAgeSeconds: 7200 });
    expect(custom.sampleAge).toContain("by (cluster, tenant)");
    expect(custom.sampleAge).toContain("[14400s:15s]");
  });

  test("remote-write rates use the current counter names and fall back to the pre-2.23 ones", () => {
    expect(queries.failedRate).toBe(
      "sum by (cluster) (rate(prometheus_remote_storage_samples_failed_total[5m]))\nor\nsum by (cluster) (rate(prometheus_remote_storage_failed_samples_total[5m]))",
    );
    expect(queries.sentRate).toBe(
      "sum by (cluster) (rate(prometheus_remote_storage_samples_total[5m]))\nor\n(sum by (cluster) (rate(prometheus_remote_storage_failed_samples_total[5m])) + sum by (cluster) (rate(prometheus_remote_storage_succeeded_samples_total[5m])))",
    );
  });

  test("component checks select the central cluster's jobs by regex", () => {
    expect(queries.components).toEqual({
      receive: 'up{cluster="cluster-01", job=~".*receive.*"}',
      "store-gateway": 'up{cluster="cluster-01", job=~".*(store-?gateway|thanos-store).*"}',
      compactor: 'up{cluster="cluster-01", job=~".*compact.*"}',
    });
  });

  test("the job regexes match the Thanos charts' service names and nothing else of the stack", () => {
    const matches = (job: string) => THANOS_COMPONENTS.filter((c) => new RegExp(`^(?:${c.jobRegex})$`).test(job)).map((c) => c.name);
    const cases: Record<string, string[]> = {
      "cluster-01-thanos-receive": ["receive"],
      "thanos-receive-router": ["receive"],
      "thanos-receive-ingestor-default": ["receive"],
      "cluster-01-thanos-storegateway": ["store-gateway"],
      "thanos-store-gateway": ["store-gateway"],
      "thanos-store": ["store-gateway"],
      "cluster-01-thanos-compactor": ["compactor"],
      "thanos-compact": ["compactor"],
      "thanos-query": [],
      "thanos-query-frontend": [],
      "thanos-ruler": [],
      "kube-prometheus-stack-prometheus": [],
      "node-exporter": [],
      "kube-state-metrics": [],
    };
    for (const [job, expected] of Object.entries(cases)) expect({ job, matches: matches(job) }).toEqual({ job, matches: expected });
  });

  test("history reads the day before retention.raw at 1h steps, once as a plain client and once at any resolution", () => {
    // Raw retention 7d: the window ends 7d before NOW, aligned down to the hour, and spans a day.
    const end = Date.UTC(2026, 1, 22, 12, 0, 0) / 1000;
    expect(HISTORY.plain).toEqual({ query: 'count by (cluster) (up{tenant_id!=""})', start: end - 86_400, end, stepSeconds: 3600 });
    // Thanos' auto downsampling allows step/5: at 1h steps that is 12m, so 5m blocks qualify.
    expect(HISTORY.plain.stepSeconds / 5).toBeGreaterThanOrEqual(300);
    expect(HISTORY.plain.maxSourceResolution).toBeUndefined();
    expect(HISTORY.anyResolution).toEqual({ ...HISTORY.plain, maxSourceResolution: "1h" });
    expect(historyQueries({ ...EXPECTATIONS, rawRetention: "14d" }, NOW).plain.end).toBe(end - 7 * 86_400);
    expect(() => historyQueries({ ...EXPECTATIONS, rawRetention: "a week" }, NOW)).toThrow('retention.raw "a week" is not a duration');
  });

  test("refuses a tenant label that is not a label name", () => {
    expect(() => buildQueries({ ...EXPECTATIONS, tenantLabel: 'x"} or vector(1) #' }, DEFAULT_CHECK_SETTINGS)).toThrow(/is not a Prometheus label name/);
  });
});

const s = (labels: Record<string, string>, value: number): Sample => ({ labels, value });
/** A series of `count` hourly points in the history window. */
const hourly = (cluster: string, count: number): Series => ({
  labels: { cluster },
  points: Array.from({ length: count }, (_, i) => [HISTORY.plain.start + i * 3600, 2] as [number, number]),
});
const HEALTHY: QueryResults = {
  sampleAge: [
    s({ cluster: "cluster-02", tenant_id: "cluster-02" }, 4),
    s({ cluster: "cluster-02", tenant_id: "tenant-a" }, 12.4),
    s({ cluster: "cluster-03", tenant_id: "cluster-03" }, 30),
  ],
  failedRate: [s({ cluster: "cluster-02" }, 0), s({ cluster: "cluster-03" }, 0.5)],
  sentRate: [s({ cluster: "cluster-02" }, 2500), s({ cluster: "cluster-03" }, 1000)],
  components: {
    receive: [1, 1, 1].map((v, i) => s({ job: "thanos-receive", instance: `10.0.0.${i}:10902` }, v)),
    "store-gateway": [s({ job: "thanos-storegateway", instance: "10.0.1.1:10902" }, 1)],
    compactor: [s({ job: "thanos-compactor", instance: "10.0.2.1:10902" }, 1)],
  },
  history: {
    window: { start: HISTORY.plain.start, end: HISTORY.plain.end },
    plain: [hourly("cluster-02", 25), hourly("cluster-03", 20)],
    anyResolution: [hourly("cluster-02", 25), hourly("cluster-03", 25)],
  },
  limited: [],
  ring: {
    ready: [0, 1, 2].map((i) => s({ instance: `10.0.0.${i}:10902` }, 1)),
    configHash: [0, 1, 2].map((i) => s({ instance: `10.0.0.${i}:10902` }, 2787634719)),
    reloadOk: [0, 1, 2].map((i) => s({ instance: `10.0.0.${i}:10902` }, 1)),
    behind: [s({ cluster: "cluster-02", tenant_id: "tenant-a" }, 1.4), s({ cluster: "cluster-03", tenant_id: "cluster-03" }, 0.8)],
  },
};
const QUERY_URL = "http://127.0.0.1:9090";
const failing = (r: Report) => r.rows.filter((row) => !row.ok).map((row) => [row.check, row.cluster, row.tenant ?? "-", row.status]);

describe("evaluation", () => {
  test("a healthy platform: one row per tenant, cluster and component, all ok", () => {
    const report = evaluate(EXPECTATIONS, DEFAULT_CHECK_SETTINGS, HEALTHY, QUERY_URL);
    expect(report.healthy).toBe(true);
    expect(report.rows.map((r) => [r.check, r.cluster, r.tenant ?? "-", r.status])).toEqual([
      ["samples", "cluster-02", "cluster-02", "ok"],
      ["samples", "cluster-02", "tenant-a", "ok"],
      ["samples", "cluster-03", "cluster-03", "ok"],
      ["remote-write", "cluster-02", "-", "ok"],
      ["remote-write", "cluster-03", "-", "ok"],
      ["history", "cluster-02", "-", "ok"],
      ["history", "cluster-03", "-", "ok"],
      ["receive", "cluster-01", "-", "ok"],
      ["store-gateway", "cluster-01", "-", "ok"],
      ["compactor", "cluster-01", "-", "ok"],
      ["limits", "cluster-01", "-", "ok"],
      ["ring", "cluster-01", "-", "ok"],
      ["ready", "cluster-01", "-", "ok"],
      ["behind", "-", "-", "ok"],
      ["certificate", "cluster-01", "-", "ok"],
      ["certificate", "cluster-01", "-", "ok"],
      ["certificate", "cluster-02", "cluster-02", "ok"],
      ["certificate", "cluster-03", "cluster-03", "ok"],
      ["certificate", "cluster-02", "tenant-a", "ok"],
    ]);
    expect(report.rows.filter((r) => r.warning)).toEqual([]);
    // The cluster row shows its freshest tenant.
    expect(report.rows.find((r) => r.check === "remote-write" && r.cluster === "cluster-02")?.newestSampleAgeSeconds).toBe(4);
    expect(report.rows.find((r) => r.check === "remote-write" && r.cluster === "cluster-03")?.detail).toBe("0.05% of samples failed (0.5 of 1000/s over 5m; limit 1.00%)");
    expect(report.rows.find((r) => r.check === "receive")?.detail).toBe("3/3 targets up (job thanos-receive)");
    expect(report.rows.find((r) => r.check === "history" && r.cluster === "cluster-03")?.detail).toBe(
      "20/25 hourly points of 2026-02-21T12:00Z..2026-02-22T12:00Z (older than retention.raw 7d) answer a range query without max_source_resolution",
    );
  });

  test("history: downsampled data that only an explicit resolution reads fails; none at all is a young platform, not a failure", () => {
    const results: QueryResults = { ...HEALTHY, history: { ...HEALTHY.history, plain: [], anyResolution: [hourly("cluster-02", 25)] } };
    const report = evaluate(EXPECTATIONS, DEFAULT_CHECK_SETTINGS, results, QUERY_URL);
    expect(failing(report)).toEqual([["history", "cluster-02", "-", "failing"]]);
    expect(report.rows.find((r) => r.check === "history" && r.cluster === "cluster-02")?.detail).toBe(
      "2026-02-21T12:00Z..2026-02-22T12:00Z answers only with max_source_resolution=1h: downsampled data exists but Query does not read it by default (run it with --query.auto-downsampling)",
    );
    const young = report.rows.find((r) => r.check === "history" && r.cluster === "cluster-03");
    expect(young).toMatchObject({ status: "no-history", ok: true });
    expect(young?.detail).toBe(
      "nothing from 2026-02-21T12:00Z..2026-02-22T12:00Z (older than retention.raw 7d) at any resolution: the cluster has written for less than 7d, or the compactor has not downsampled it yet",
    );
    // NaN points (a stale series) are not answers.
    const nan: Series = { labels: { cluster: "cluster-02" }, points: [[HISTORY.plain.start, NaN]] };
    const stale = evaluate(EXPECTATIONS, DEFAULT_CHECK_SETTINGS, { ...HEALTHY, history: { ...HEALTHY.history, plain: [nan], anyResolution: [nan] } }, QUERY_URL);
    expect(stale.rows.filter((r) => r.check === "history").map((r) => r.status)).toEqual(["no-history", "no-history"]);
  });

  test("a tenant older than --max-age is stale; one without any sample is missing", () => {
    const results = { ...HEALTHY, sampleAge: [s({ cluster: "cluster-02", tenant_id: "cluster-02" }, 301), s({ cluster: "cluster-03", tenant_id: "cluster-03" }, 3)] };
    const report = evaluate(EXPECTATIONS, DEFAULT_CHECK_SETTINGS, results, QUERY_URL);
    expect(report.healthy).toBe(false);
    expect(failing(report)).toEqual([
      ["samples", "cluster-02", "cluster-02", "stale"],
      ["samples", "cluster-02", "tenant-a", "missing"],
    ]);
    const missing = report.rows.find((r) => r.tenant === "tenant-a");
    expect(missing?.detail).toBe('no up{cluster="cluster-02", tenant_id="tenant-a"} sample in the last 1h00m');
    expect(missing?.newestSampleAgeSeconds).toBeUndefined();
    expect(evaluate(EXPECTATIONS, { ...DEFAULT_CHECK_SETTINGS, maxAgeSeconds: 400 }, results, QUERY_URL).rows.find((r) => r.tenant === "cluster-02")?.status).toBe("ok");
  });

  test("series of a tenant nobody expects are listed without failing", () => {
    const results = { ...HEALTHY, sampleAge: [...HEALTHY.sampleAge, s({ cluster: "cluster-02", tenant_id: "tenant-b" }, 2)] };
    const report = evaluate(EXPECTATIONS, DEFAULT_CHECK_SETTINGS, results, QUERY_URL);
    expect(report.healthy).toBe(true);
    expect(report.rows.filter((r) => r.status === "unexpected").map((r) => [r.cluster, r.tenant, r.ok])).toEqual([["cluster-02", "tenant-b", true]]);
  });

  test("remote write: 1% failures or more fails; no metrics or nothing sent is reported as no data, not passed", () => {
    const results: QueryResults = {
      ...HEALTHY,
      failedRate: [s({ cluster: "cluster-02" }, 25)],
      sentRate: [s({ cluster: "cluster-02" }, 2500)],
    };
    const report = evaluate(EXPECTATIONS, DEFAULT_CHECK_SETTINGS, results, QUERY_URL);
    expect(failing(report)).toEqual([
      ["remote-write", "cluster-02", "-", "failing"],
      ["remote-write", "cluster-03", "-", "no-data"],
    ]);
    expect(report.rows.find((r) => r.check === "remote-write" && r.cluster === "cluster-02")?.detail).toBe("1.00% of samples failed (25.0 of 2500/s over 5m; limit 1.00%)");
    expect(report.rows.find((r) => r.check === "remote-write" && r.cluster === "cluster-03")?.detail).toMatch(/^no prometheus_remote_storage_samples_total .* with cluster="cluster-03" in the last 5m: its agents must scrape their own \/metrics$/);

    const idle = evaluate(EXPECTATIONS, DEFAULT_CHECK_SETTINGS, { ...HEALTHY, sentRate: [s({ cluster: "cluster-02" }, 0), s({ cluster: "cluster-03" }, NaN)] }, QUERY_URL);
    expect(failing(idle)).toEqual([
      ["remote-write", "cluster-02", "-", "no-data"],
      ["remote-write", "cluster-03", "-", "no-data"],
    ]);
    expect(idle.rows.find((r) => r.check === "remote-write" && r.cluster === "cluster-02")?.detail).toBe("the agents of cluster-02 sent no samples in the last 5m, so there is no failure ratio");
  });

  test("Thanos components: no targets and targets down both fail, naming what is down", () => {
    const results: QueryResults = {
      ...HEALTHY,
      components: { ...HEALTHY.components, receive: [s({ job: "thanos-receive", instance: "a:1" }, 1), s({ job: "thanos-receive", instance: "b:1" }, 0)], compactor: [] },
    };
    const report = evaluate(EXPECTATIONS, DEFAULT_CHECK_SETTINGS, results, QUERY_URL);
    expect(failing(report)).toEqual([
      ["receive", "cluster-01", "-", "down"],
      ["compactor", "cluster-01", "-", "no-targets"],
    ]);
    expect(report.rows.find((r) => r.check === "receive")?.detail).toBe("1/2 targets up (job thanos-receive); down: b:1");
    expect(report.rows.find((r) => r.check === "compactor")?.detail).toBe(
      'no up{cluster="cluster-01", job=~".*compact.*"} targets: the central Prometheus must scrape the Thanos compactor (ServiceMonitor)',
    );
  });
});

describe("tenant identity and limits", () => {
  test("limits: the receivers' refusals per tenant fail verify, 429 for head series and 413 for request limits", () => {
    const limited = [s({ tenant: "tenant-a", limit: "head_series" }, 41.2), s({ tenant: "cluster-03", limit: "samples" }, 3), s({ tenant: "cluster-02", limit: "series" }, 0)];
    const report = evaluate(EXPECTATIONS, DEFAULT_CHECK_SETTINGS, { ...HEALTHY, limited }, QUERY_URL);
    expect(failing(report)).toEqual([
      ["limits", "cluster-03", "cluster-03", "limited"],
      ["limits", "cluster-02", "tenant-a", "limited"],
    ]);
    expect(report.rows.filter((r) => r.check === "limits").map((r) => r.detail)).toEqual([
      "3 writes refused with 413 in the last 5m: requests over the tenant's samples-per-request limit (central.receive.limits)",
      "41 writes refused with 429 in the last 5m: active series over the tenant's head series limit (central.receive.limits)",
    ]);
  });

  test("the limits query reads the receivers' limiter metrics of the central cluster, which name the certificate's tenant", () => {
    const { limited } = buildQueries(EXPECTATIONS, DEFAULT_CHECK_SETTINGS);
    expect(limited).toContain('increase(thanos_receive_write_limits_hit_count{cluster="cluster-01", job=~".*receive.*"}[5m])');
    expect(limited).toContain('label_replace(increase(thanos_receive_head_series_limited_requests_total{cluster="cluster-01", job=~".*receive.*"}[5m]), "limit", "head_series", "", "")');
  });

  test(`certificates: a warning ${EXPIRY_WARNING_DAYS} days before one expires, a failure once it has`, () => {
    const at = (now: number) => evaluate(EXPECTATIONS, DEFAULT_CHECK_SETTINGS, HEALTHY, QUERY_URL, [], now);
    const certificateRows = (r: Report) => r.rows.filter((row) => row.check === "certificate");

    const fine = at(CERT_NOT_AFTER - 31 * DAY);
    expect(certificateRows(fine).map((r) => [r.status, r.ok, r.warning ?? false])).toEqual(Array(5).fill(["ok", true, false]));
    expect(certificateRows(fine)[0].detail).toBe("the receivers' CA expires on 2036-11-21, in 31d");

    const soon = at(CERT_NOT_AFTER - 12 * DAY);
    expect(soon.healthy).toBe(true);
    expect(certificateRows(soon).map((r) => [r.status, r.ok, r.warning])).toEqual(Array(5).fill(["expiring", true, true]));
    expect(certificateRows(soon).find((r) => r.tenant === "tenant-a")?.detail).toBe(
      "tenant-a's client certificate expires on 2036-11-21, in 12d (under 30d): run pulumi up on the central stack, then on the edge stacks",
    );
    const table = renderTable(soon).split("\n");
    expect(table).toContain("WARNING: certificate tenant-a: tenant-a's client certificate expires on 2036-11-21, in 12d (under 30d): run pulumi up on the central stack, then on the edge stacks");
    expect(table).toContain("healthy: all 19 checks passed, 5 warnings (http://127.0.0.1:9090, max age 5m00s)");

    const expired = at(CERT_NOT_AFTER + DAY);
    expect(failing(expired).filter(([check]) => check === "certificate")).toHaveLength(5);
    expect(certificateRows(expired).find((r) => r.tenant === "cluster-03")?.detail).toBe(
      "cluster-03's client certificate expired on 2036-11-21: the receivers refuse its writes; run pulumi up on the central stack, then on the edge stacks",
    );
  });

  test("a certificate that does not parse fails; plain-http lab mode is a warning", () => {
    const broken = expectationsFrom([loaded({ ...CENTRAL, receiveTls: { ...CENTRAL.receiveTls, serverCert: "-----BEGIN CERTIFICATE-----\nbm9wZQ==\n-----END CERTIFICATE-----\n" } }, "c.json")]);
    const report = evaluate(broken, DEFAULT_CHECK_SETTINGS, HEALTHY, QUERY_URL, [], NOW);
    expect(failing(report)).toEqual([["certificate", "cluster-01", "-", "invalid"]]);
    expect(report.rows.find((r) => r.status === "invalid")?.detail).toMatch(/^the receivers' certificate \(thanos-receive-remote-write\.monitoring\.svc\.cluster\.local\) is not a PEM certificate/);

    const plain = expectationsFrom([loaded({ ...CENTRAL, receiveTls: { enabled: false, caCert: "", serverName: "", serverCert: "", clientCerts: {} } }, "c.json")]);
    const lab = evaluate(plain, DEFAULT_CHECK_SETTINGS, HEALTHY, QUERY_URL, [], NOW);
    expect(lab.healthy).toBe(true);
    expect(lab.rows.filter((r) => r.check === "certificate" || r.check === "tls").map((r) => [r.check, r.status, r.warning])).toEqual([["tls", "plain-http", true]]);
    expect(renderTable(lab)).toContain("WARNING: tls: PLAIN-HTTP REMOTE WRITE (central.receive.tls.enabled: false, for labs only)");
  });
});

describe("rendering", () => {
  test("formats ages compactly", () => {
    expect([0, 4.6, 59, 60, 245, 3600, 7380, 86400 + 4 * 3600, -2].map(formatAge)).toEqual(["0s", "5s", "59s", "1m00s", "4m05s", "1h00m", "2h03m", "1d04h", "0s"]);
  });

  test("the table has a header, one aligned line per row, failures in capitals, and a verdict", () => {
    const results = { ...HEALTHY, sampleAge: HEALTHY.sampleAge.filter((x) => x.labels.tenant_id !== "tenant-a") };
    const table = renderTable(evaluate(EXPECTATIONS, DEFAULT_CHECK_SETTINGS, results, QUERY_URL, ["partial response"]));
    const lines = table.trimEnd().split("\n");
    expect(lines[0]).toBe("CHECK          CLUSTER     TENANT      STATUS   NEWEST SAMPLE  DETAIL");
    expect(lines[1]).toBe('samples        cluster-02  cluster-02  ok       4s ago         newest up{cluster="cluster-02", tenant_id="cluster-02"} sample within 5m00s');
    expect(lines[2]).toBe('samples        cluster-02  tenant-a    MISSING  -              no up{cluster="cluster-02", tenant_id="tenant-a"} sample in the last 1h00m');
    expect(lines).toContain("warning from the query API: partial response");
    expect(lines[lines.length - 1]).toBe("UNHEALTHY: 1 of 19 checks failed (http://127.0.0.1:9090, max age 5m00s)");
    expect(lines.every((l) => l === l.trimEnd())).toBe(true);
    expect(renderTable(evaluate(EXPECTATIONS, DEFAULT_CHECK_SETTINGS, HEALTHY, QUERY_URL))).toMatch(/\nhealthy: all 19 checks passed \(http:\/\/127\.0\.0\.1:9090, max age 5m00s\)\n$/);
  });

  test("JSON carries the same rows and verdict", () => {
    const report = evaluate(EXPECTATIONS, DEFAULT_CHECK_SETTINGS, HEALTHY, QUERY_URL);
    expect(JSON.parse(renderJson(report))).toEqual(report);
  });
});

describe("arguments", () => {
  test("defaults: 5m max age, 1% failures, 2m behind, 10s timeout, table", () => {
    expect(parseVerifyArgs(["--outputs", "c.json"])).toEqual({
      outputFiles: ["c.json"],
      stacks: [],
      queryUrl: undefined,
      settings: { maxAgeSeconds: 300, maxFailureRatio: 0.01, rateWindow: "5m", maxBehindSeconds: 120 },
      timeoutMs: 10_000,
      json: false,
      stateOnly: false,
      help: false,
    });
  });

  test("repeatable sources and every option", () => {
    const args = parseVerifyArgs(["--outputs", "c.json", "--outputs", "e.json", "--stack", "cluster-03", "--query-url", "http://127.0.0.1:19090", "--max-age", "90s", "--max-failure-ratio", "0.05", "--max-behind", "30s", "--timeout", "3s", "--json"]);
    expect(args).toMatchObject({ outputFiles: ["c.json", "e.json"], stacks: ["cluster-03"], queryUrl: "http://127.0.0.1:19090", timeoutMs: 3000, json: true });
    expect(args.settings).toEqual({ maxAgeSeconds: 90, maxFailureRatio: 0.05, rateWindow: "5m", maxBehindSeconds: 30 });
  });

  test("usage errors say what was expected", () => {
    expect(() => parseVerifyArgs([])).toThrow(new UsageError("expected the central stack's outputs: --outputs FILE (from pulumi stack output --json) or --stack NAME"));
    expect(() => parseVerifyArgs(["--outputs", "c.json", "--max-age", "5 minutes"])).toThrow('--max-age: expected a duration such as 30s, 5m or 1h, got "5 minutes"');
    expect(() => parseVerifyArgs(["--outputs", "c.json", "--timeout", "0s"])).toThrow(/--timeout: expected a duration/);
    expect(() => parseVerifyArgs(["--outputs", "c.json", "--max-failure-ratio", "1%"])).toThrow(/--max-failure-ratio: expected a fraction in \(0, 1\]/);
    expect(() => parseVerifyArgs(["--outputs", "c.json", "--cluster", "x"])).toThrow(UsageError);
    expect(parseVerifyArgs(["--help"]).help).toBe(true);
  });
});

describe("query API client", () => {
  let server: http.Server;
  let base: string;
  /** What the server answers per query; `hang` never answers. */
  let reply: (query: string) => { status: number; type: string; body: string } | "hang";
  const seen: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      seen.push(url.pathname === "/api/v1/query_range" ? `${url.pathname}?${url.searchParams}` : `${url.pathname}?query=${url.searchParams.get("query")}`);
      const r = reply(url.searchParams.get("query") ?? "");
      if (r === "hang") return;
      res.writeHead(r.status, { "content-type": r.type });
      res.end(r.body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test("parses an instant vector, Prometheus' special floats and warnings; keeps a path prefix", async () => {
    reply = () => ({
      status: 200,
      type: "application/json",
      body: JSON.stringify({
        status: "success",
        warnings: ["partial response"],
        data: { resultType: "vector", result: [{ metric: { cluster: "a" }, value: [1, "1.5"] }, { metric: {}, value: [1, "+Inf"] }, { metric: {}, value: [1, "NaN"] }] },
      }),
    });
    const client = httpQueryClient(`${base}/prefix/`, { timeoutMs: 2000 });
    const result = await client.instant('up{a="b"}');
    expect(result.samples.map((x) => x.value)).toEqual([1.5, Infinity, NaN]);
    expect(result.samples[0].labels).toEqual({ cluster: "a" });
    expect(result.warnings).toEqual(["partial response"]);
    expect(seen[seen.length - 1]).toBe('/prefix/api/v1/query?query=up{a="b"}');
    expect(parseSampleValue("-Inf")).toBe(-Infinity);
  });

  test("a range query sends start, end, step and only a given max_source_resolution; parses the matrix", async () => {
    reply = () => ({
      status: 200,
      type: "application/json",
      body: JSON.stringify({ status: "success", data: { resultType: "matrix", result: [{ metric: { cluster: "a" }, values: [[100, "1"], [160, "NaN"]] }] } }),
    });
    const client = httpQueryClient(base, { timeoutMs: 2000 });
    const query: RangeQuery = { query: "count(up)", start: 100, end: 160, stepSeconds: 60 };
    expect(await client.range(query)).toEqual({ series: [{ labels: { cluster: "a" }, points: [[100, 1], [160, NaN]] }], warnings: [] });
    expect(seen[seen.length - 1]).toBe("/api/v1/query_range?query=count%28up%29&start=100&end=160&step=60");
    await client.range({ ...query, maxSourceResolution: "1h" });
    expect(seen[seen.length - 1]).toBe("/api/v1/query_range?query=count%28up%29&start=100&end=160&step=60&max_source_resolution=1h");
    reply = () => ({ status: 200, type: "application/json", body: JSON.stringify({ status: "success", data: { resultType: "vector", result: [] } }) });
    await expect(client.range(query)).rejects.toThrow(/expected a range matrix .* got vector; query: count\(up\)/);
  });

  test("an API error names the error and the query", async () => {
    reply = () => ({ status: 400, type: "application/json", body: JSON.stringify({ status: "error", errorType: "bad_data", error: "parse error" }) });
    await expect(httpQueryClient(base, { timeoutMs: 2000 }).instant("up{")).rejects.toThrow(`query failed at ${base} (bad_data: parse error); query: up{`);
  });

  test("a non-JSON answer says so and shows its start", async () => {
    reply = () => ({ status: 200, type: "text/html", body: "<html><body>Grafana</body></html>" });
    await expect(httpQueryClient(base, { timeoutMs: 2000 }).instant("up")).rejects.toThrow(
      `${base}/api/v1/query answered HTTP 200 (text/html) with something that is not JSON: "<html><body>Grafana</body></html>"; is --query-url the Thanos Query HTTP address?`,
    );
    reply = () => ({ status: 200, type: "application/json", body: JSON.stringify({ status: "success", data: { resultType: "matrix", result: [] } }) });
    await expect(httpQueryClient(base, { timeoutMs: 2000 }).instant("up[5m]")).rejects.toThrow(/expected an instant vector .* got matrix/);
  });

  test("a hanging endpoint times out after --timeout", async () => {
    reply = () => "hang";
    const started = Date.now();
    await expect(httpQueryClient(base, { timeoutMs: 300 }).instant("up")).rejects.toThrow(`no answer from ${base} within 0.3s (raise --timeout, or check that Thanos Query is reachable)`);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test("a refused connection and a bad URL are named", async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    await expect(httpQueryClient(`http://127.0.0.1:${closed}`, { timeoutMs: 2000 }).instant("up")).rejects.toThrow(
      `http://127.0.0.1:${closed} refused the connection: nothing listens there (start the port-forward, or pass --query-url)`,
    );
    expect(() => httpQueryClient("thanos-query:9090", { timeoutMs: 1000 })).toThrow(QueryApiError);
    expect(() => httpQueryClient("ftp://x", { timeoutMs: 1000 })).toThrow("query URL ftp://x is not http(s)");
  });

  test("verify sends every check's query once and evaluates the answers", async () => {
    const queries: string[] = [];
    const built = buildQueries(EXPECTATIONS, DEFAULT_CHECK_SETTINGS);
    const answers = new Map<string, Sample[]>([
      [built.sampleAge, HEALTHY.sampleAge],
      [built.failedRate, HEALTHY.failedRate],
      [built.sentRate, HEALTHY.sentRate],
      [built.limited, HEALTHY.limited],
      ...(Object.keys(built.ring) as (keyof typeof built.ring)[]).map((k) => [built.ring[k], HEALTHY.ring[k]] as [string, Sample[]]),
      ...Object.entries(built.components).map(([name, q]) => [q, HEALTHY.components[name]] as [string, Sample[]]),
    ]);
    const ranges: RangeQuery[] = [];
    const client: QueryClient = {
      baseUrl: "http://fake:9090",
      instant: async (q) => {
        queries.push(q);
        return { samples: answers.get(q) ?? [], warnings: [] };
      },
      range: async (q) => {
        ranges.push(q);
        return { series: q.maxSourceResolution ? HEALTHY.history.anyResolution : HEALTHY.history.plain, warnings: [] };
      },
    };
    const report = await verify({ expectations: EXPECTATIONS, client, nowSeconds: NOW });
    expect(queries.sort()).toEqual([...answers.keys()].sort());
    expect(ranges).toEqual([HISTORY.plain, HISTORY.anyResolution]);
    expect(report).toEqual(evaluate(EXPECTATIONS, DEFAULT_CHECK_SETTINGS, HEALTHY, "http://fake:9090", [], NOW));
  });
});

describe("the receivers' ring and the agents' queues", () => {
  const withRing = (ring: Partial<QueryResults["ring"]>) => evaluate(EXPECTATIONS, DEFAULT_CHECK_SETTINGS, { ...HEALTHY, ring: { ...HEALTHY.ring, ...ring } }, QUERY_URL, [], NOW);
  const rowOf = (r: Report, check: string) => r.rows.filter((row) => row.check === check);

  test("healthy: one hashring, every receiver ready, no agent behind", () => {
    const report = withRing({});
    expect(rowOf(report, "ring")).toEqual([expect.objectContaining({ ok: true, detail: "3/3 receivers on one hashring (config hash 2787634719), last reload successful" })]);
    expect(rowOf(report, "ready")).toEqual([expect.objectContaining({ ok: true, detail: "3/3 receivers ready" })]);
    expect(rowOf(report, "behind")).toEqual([expect.objectContaining({ ok: true, detail: "no agent more than 2m00s behind (largest 1s, cluster-02/tenant-a)" })]);
  });

  test("receivers on two hashrings (a change still rolling out) fail, naming who has which", () => {
    const configHash = [s({ instance: "a:10902" }, 1), s({ instance: "b:10902" }, 1), s({ instance: "c:10902" }, 2)];
    expect(rowOf(withRing({ configHash }), "ring")[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/^the receivers disagree on the hashring \(config hash 1 on a:10902, b:10902; 2 on c:10902\)/) });
  });

  test("a failed reload, an unready receiver and an agent behind each fail", () => {
    const reloadOk = [s({ instance: "a:10902" }, 1), s({ instance: "b:10902" }, 0)];
    expect(rowOf(withRing({ reloadOk }), "ring")[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/^the last hashring reload failed on b:10902/) });
    const ready = [s({ instance: "a:10902" }, 1), s({ instance: "b:10902" }, 0)];
    expect(rowOf(withRing({ ready }), "ready")[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/^1\/2 receivers not ready \(b:10902\)/) });
    const behind = [s({ cluster: "cluster-03", tenant_id: "cluster-03" }, 421)];
    expect(rowOf(withRing({ behind }), "behind")).toEqual([
      expect.objectContaining({ cluster: "cluster-03", tenant: "cluster-03", ok: false, detail: expect.stringMatching(/^the agent's remote-write queue is 7m01s behind/) }),
    ]);
  });

  test("nothing reported is not healthy", () => {
    const report = withRing({ ready: [], configHash: [], reloadOk: [], behind: [] });
    expect(["ring", "ready", "behind"].map((check) => rowOf(report, check)[0].ok)).toEqual([false, false, false]);
  });
});
