/**
 * End to end on the real data path: the local platform (loopback/local-platform.ts) runs Thanos,
 * MinIO, Alertmanager and Prometheus 3 agents built from the pinned Go modules, every setting
 * taken from the program's synth output or its pure builders. What the program writes must
 * work when the real binaries read it.
 *
 * Runs alone with `npx jest platform.e2e`; needs `npm run tools`. Skips without the tools,
 * and fails instead when CI is set. The missing-tenant alert needs the rule's 5m silence
 * window plus the Ruler's 1m evaluation and Alertmanager's 30s group wait, so the file takes
 * about nine minutes; every process is stopped in afterAll, also when a test fails.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ALERTS, rulerRuleGroups, SILENCE } from "../../mixin/alerts";
import { DASHBOARD_UIDS, dashboards } from "../../mixin/dashboards";
import { REPLICA_LABELS } from "../../components/central/endpoints";
import { durationMs } from "../../config/duration";
import { uploadHistoricalBlock } from "../../loopback/history";
import { startPlatform, LocalPlatform } from "../../loopback/local-platform";
import { waitFor } from "../../loopback/process";
import { Report } from "../../scripts/verify/types";
import { Expectations } from "../../scripts/verify/expectations";
import { centralConfig } from "../support/alerting";
import { describeWithPlatformTools } from "../support";
import { runVerifyCli, verifyUntil, writeCentralOutputs } from "../support/verify";
import { countsFailures, dashboardQueries, k8sOnlyMetrics, metricsOf } from "../../mixin/dashboards/queries";
import { instantQuery, metricNames, ownMetric, rangeQuery, ruleGroups } from "../support/thanos-api";

const SCRAPE_INTERVAL = "2s";
const MAX_AGE_SECONDS = 15;
const VERIFY_POLL = { everyMs: 1000, maxAgeSeconds: MAX_AGE_SECONDS };
const STOPPED_CLUSTER = "cluster-03";

describeWithPlatformTools("the platform on loopback, configured by the program", () => {
  let platform: LocalPlatform;
  let tmp: string;
  let outputsFile: string;
  let expectations: Expectations;
  let agentStoppedAt = 0;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "platform-e2e-"));
    platform = await startPlatform({ dir: tmp, scrapeInterval: SCRAPE_INTERVAL });
    ({ outputsFile, expectations } = writeCentralOutputs(platform, tmp));
  }, 240_000);

  afterAll(async () => {
    await platform?.stop();
    if (tmp && !process.env.KEEP_E2E_DIR) fs.rmSync(tmp, { recursive: true, force: true });
  }, 120_000);

  test("verify reports every cluster and tenant healthy through the real Query Frontend", async () => {
    const report = await verifyUntil(expectations, (r) => r.healthy, "healthy", { withinMs: 90_000, ...VERIFY_POLL });
    const samples = report.rows.filter((r) => r.check === "samples");
    expect(samples.map((r) => `${r.cluster}/${r.tenant}`).sort()).toEqual(platform.fleet.agents.map((a) => `${a.cluster}/${a.tenant}`).sort());
    expect(report.rows.filter((r) => ["receive", "store-gateway", "compactor"].includes(r.check)).map((r) => [r.check, r.status])).toEqual([
      ["receive", "ok"],
      ["store-gateway", "ok"],
      ["compactor", "ok"],
    ]);
    const { code, stdout, stderr } = await runVerifyCli(["--outputs", outputsFile, "--max-age", `${MAX_AGE_SECONDS}s`]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain("healthy: all");
  }, 120_000);

  test("every series carries its cluster, tenant-a's only tenant-a, and Query returns each series once", async () => {
    const { tenantLabel } = expectations;
    const url = platform.urls.queryFrontend;
    const bySource = await instantQuery(url, `count by (cluster, ${tenantLabel}, tenant) ({__name__=~".+", job="prometheus-agent"})`);
    for (const agent of platform.fleet.agents) {
      const own = bySource.filter((s) => s.metric.cluster === agent.cluster && s.metric[tenantLabel] === agent.tenant);
      expect({ agent: agent.name, found: own.length }).toEqual({ agent: agent.name, found: 1 });
    }
    // A tenant agent's samples carry its own id in both the receivers' label and its own.
    for (const tenant of ["tenant-a", "tenant-b"]) {
      const mixed = bySource.filter((s) => (s.metric[tenantLabel] === tenant) !== (s.metric.tenant === tenant));
      expect({ tenant, mixed }).toEqual({ tenant, mixed: [] });
    }
    expect(bySource.filter((s) => !s.metric.cluster)).toEqual([]);

    // RF3: three copies of every series, one per receiver (receive_replica); deduplicated, one.
    const raw = await instantQuery(platform.urls.query, `up{job="prometheus-agent", cluster="cluster-04"}`, { dedup: false });
    expect(raw.map((s) => s.metric[REPLICA_LABELS.receive]).sort()).toEqual(platform.receivers.map((r) => r.pod).sort());
    const deduplicated = await instantQuery(platform.urls.query, `up{job="prometheus-agent", cluster="cluster-04"}`);
    expect(deduplicated).toHaveLength(1);
    expect(deduplicated[0].metric).not.toHaveProperty(REPLICA_LABELS.receive);
    expect(deduplicated[0].metric).not.toHaveProperty(REPLICA_LABELS.prometheus);
  }, 60_000);

  test("least privilege on the real MinIO: each consumer reaches its own bucket only", async () => {
    const { minio } = platform;
    const buckets = platform.fleet.central.minio.buckets;
    for (const user of platform.fleet.central.minio.users) {
      const client = minio.client(minio.users[user]);
      for (const bucket of buckets) {
        const put = () => client.putObject(bucket, `probe-${user}`, Buffer.from("probe"));
        const list = () => client.listObjectsV2(bucket, "", true).toArray();
        if (bucket === user) {
          await expect(put()).resolves.toBeDefined();
          await expect(list()).resolves.toEqual([expect.objectContaining({ name: `probe-${user}` })]);
        } else {
          await expect(put()).rejects.toMatchObject({ code: "AccessDenied" });
          await expect(list()).rejects.toMatchObject({ code: "AccessDenied" });
        }
      }
    }
    // The Thanos components use the Thanos bucket's user, not the admin.
    expect(platform.thanosUser).toBe((platform.fleet.central.outputs.bucketNames as { thanos: string }).thanos);
  }, 60_000);

  test("the Ruler loads the program's rule groups and evaluates them without error", async () => {
    const expected = rulerRuleGroups(centralConfig()).map((g) => g.name).sort();
    const groups = await waitFor(
      "every ruler rule evaluated",
      async () => {
        const g = await ruleGroups(platform.urls.ruler);
        return g.every((group) => group.rules.every((r) => r.health === "ok")) && g.length > 0 ? g : undefined;
      },
      90_000,
      2000,
    );
    expect(groups.map((g) => g.name).sort()).toEqual(expected);
    expect(groups.flatMap((g) => g.rules.filter((r) => r.lastError).map((r) => `${r.name}: ${r.lastError}`))).toEqual([]);
  }, 120_000);

  test("every dashboard query runs; those with metrics the platform produces return series", async () => {
    const present = await metricNames(platform.urls.query);
    const report: { uid: string; expr: string; series: number; needs: string[] }[] = [];
    for (const { uid, expr } of dashboardQueries(dashboards(centralConfig()))) {
      const series = await instantQuery(platform.urls.queryFrontend, expr);
      const needs = k8sOnlyMetrics(metricsOf(expr));
      report.push({ uid, expr, series: series.length, needs });
    }
    // Panels that count failures (5xx, rejections, targets down, firing alerts) are empty while all is well.
    const empty = report.filter((q) => q.series === 0 && q.needs.length === 0 && !countsFailures(q.expr) && metricsOf(q.expr).every((m) => present.has(m)));
    expect(empty.map((q) => `${q.uid}: ${q.expr}`)).toEqual([]);
    const k8sOnly = report.filter((q) => q.needs.length > 0);
    console.log(
      `dashboard queries: ${report.length} run, ${report.filter((q) => q.series > 0).length} return series, ` +
        `${k8sOnly.length} need Kubernetes-only metrics:\n` +
        k8sOnly.map((q) => `  ${q.uid}: ${q.needs.join(", ")}`).join("\n"),
    );
    expect(Object.values(DASHBOARD_UIDS).every((uid) => report.some((q) => q.uid === uid && q.series > 0))).toBe(true);
  }, 120_000);

  test(`a stopped agent makes ${STOPPED_CLUSTER} stale and verify exit 1`, async () => {
    const stopped = platform.agents.filter((a) => a.plan.cluster === STOPPED_CLUSTER);
    expect(stopped.length).toBeGreaterThan(0);
    // From the moment the stop begins: the agents scrape nothing after it (shutting down takes a while).
    agentStoppedAt = Date.now();
    await Promise.all(stopped.map((a) => a.process.stop()));
    await verifyUntil(expectations, (r) => r.rows.some((row) => row.check === "samples" && row.cluster === STOPPED_CLUSTER && row.status === "stale"), "stale", { withinMs: (MAX_AGE_SECONDS + 30) * 1000, ...VERIFY_POLL });
    const { code, stdout } = await runVerifyCli(["--outputs", outputsFile, "--max-age", `${MAX_AGE_SECONDS}s`, "--json"]);
    expect(code).toBe(1);
    const json = JSON.parse(stdout) as Report;
    expect(json.rows.filter((r) => !r.ok).map((r) => [r.check, r.cluster, r.status])).toEqual(stopped.map((a) => ["samples", a.plan.cluster, "stale"]));
  }, 90_000);

  test("receivers upload blocks with the Thanos user's keys; the Store Gateway serves them; the Compactor passes", async () => {
    const bucket = (platform.fleet.central.outputs.bucketNames as { thanos: string }).thanos;
    const admin = platform.minio.client(platform.minio.admin);
    const blocks = async () => new Set((await admin.listObjectsV2(bucket, "", false).toArray()).map((o) => o.prefix).filter((p): p is string => Boolean(p)));
    expect((await blocks()).size).toBe(0);
    const flushedAt = Date.now();
    // Rolling restart: each receiver flushes its head into a block and uploads it as it shuts down.
    for (const receiver of platform.receivers) {
      await receiver.process.stop(60_000);
      await receiver.restart();
    }
    const uploaded = await blocks();
    expect(uploaded.size).toBeGreaterThanOrEqual(platform.receivers.length);

    // The Store Gateway alone (storeMatch) answers for the flushed range.
    const storeMatch = `{__address__="${platform.storeGatewayGrpc}"}`;
    const fromStore = await waitFor(
      "the Store Gateway serving the uploaded blocks",
      async () => {
        const series = await rangeQuery(platform.urls.query, `up{job="prometheus-agent"}`, { start: (flushedAt - 120_000) / 1000, end: flushedAt / 1000, step: 15 }, { storeMatch });
        return series.length > 0 ? series : undefined;
      },
      60_000,
      2000,
    );
    expect(new Set(fromStore.map((s) => s.metric.cluster))).toEqual(new Set(platform.fleet.agents.map((a) => a.cluster)));

    // A compactor pass over the bucket: restarted, it runs one at once with the program's flags.
    await platform.processes.compactor.stop();
    await platform.processes.compactor.restart();
    const compactorUrl = platform.urls.compactor;
    await waitFor("a compactor iteration", async () => ((await ownMetric(compactorUrl, "thanos_compact_iterations_total")) ?? 0) >= 1 || undefined, 60_000);
    expect(await ownMetric(compactorUrl, "thanos_compact_halted")).toBe(0);
    // The fresh blocks are listed; the program's consistency delay keeps them out of compaction for now.
    const seen = async (state: string) => (await ownMetric(compactorUrl, "thanos_blocks_meta_synced", { state })) ?? 0;
    expect((await seen("too-fresh")) + (await seen("loaded"))).toBeGreaterThanOrEqual(uploaded.size);
  }, 300_000);

  test("history past the raw retention answers from the blocks the Compactor downsampled", async () => {
    const { outputs } = platform.fleet.central;
    const bucket = (outputs.bucketNames as { thanos: string }).thanos;
    const retention = outputs.retention as { raw: string };
    const hour = 3_600_000;
    // 48h of raw samples (longer than the 40h the Compactor needs to downsample a block), ending
    // before the raw retention, inside one 54h block: promtool cuts blocks at multiples of its
    // block range since the epoch, and 54h is the range of 2h * 3^n it picks for a 54h maximum.
    const alignMs = 54 * hour;
    const start = Math.floor((Date.now() - durationMs(retention.raw) - hour) / alignMs) * alignMs - alignMs;
    const end = start + 48 * hour;
    const tenantLabel = platform.centralOutputs.tenantLabel as string;
    const rawId = await uploadHistoricalBlock(
      tmp,
      { client: platform.minio.client(platform.minio.users[platform.thanosUser]), name: bucket },
      {
        series: [{ labels: { __name__: "up", job: "prometheus-agent", cluster: "cluster-04", instance: "history" }, value: 1 }],
        startMs: start,
        endMs: end,
        stepMs: 60_000,
        externalLabels: { [REPLICA_LABELS.receive]: `${platform.fleet.central.thanos.fullnameOverride}-receive-0`, [tenantLabel]: "cluster-04" },
      },
      54,
    );
    const admin = platform.minio.client(platform.minio.admin);
    const metaOf = async (id: string) => {
      const chunks = (await (await admin.getObject(bucket, `${id}/meta.json`)).toArray()) as Buffer[];
      return JSON.parse(Buffer.concat(chunks).toString("utf8")) as { minTime: number; thanos: { downsample: { resolution: number } } };
    };

    // A Compactor pass: downsampling, then retention, with the program's flags.
    await platform.processes.compactor.stop();
    await platform.processes.compactor.restart();
    const downsampled = await waitFor(
      "a 5m block of the history",
      async () => {
        const ids = (await admin.listObjectsV2(bucket, "", false).toArray()).map((o) => o.prefix?.replace(/\/$/, "")).filter((p): p is string => Boolean(p) && p !== rawId);
        for (const id of ids) {
          const meta = await metaOf(id).catch(() => undefined);
          if (meta?.thanos.downsample.resolution === 300_000 && meta.minTime === start) return id;
        }
        return undefined;
      },
      120_000,
      2000,
    );
    expect(downsampled).toBeDefined();
    // Retention marked the raw block, older than retention.raw, for deletion.
    await waitFor("the raw block marked for deletion", () => admin.statObject(bucket, `${rawId}/deletion-mark.json`).catch(() => undefined), 60_000, 2000);

    // Query first, until the Store Gateway has synced the new blocks: the Query Frontend caches
    // an old range's answer, an empty one too. Then as Grafana asks: auto resolution, through it.
    const range = { start: start / 1000, end: end / 1000, step: 3600 };
    const selector = `up{cluster="cluster-04", instance="history"}`;
    await waitFor("the Store Gateway serving the history", async () => ((await rangeQuery(platform.urls.query, selector, range)).length > 0 ? true : undefined), 60_000, 2000);
    const answered = await rangeQuery(platform.urls.queryFrontend, selector, range, { maxSourceResolution: "auto" });
    expect(answered).toHaveLength(1);
    expect(answered[0].values!.length).toBeGreaterThanOrEqual(47);
    expect(new Set(answered[0].values!.map(([, v]) => v))).toEqual(new Set(["1"]));
  }, 300_000);

  test(`${ALERTS.expectedTenantMissing} fires for ${STOPPED_CLUSTER} and reaches the critical webhook, grouped by cluster and alertname`, async () => {
    const silenceMs = Number(SILENCE.replace("m", "")) * 60_000;
    // Not the notification of the platform's first seconds, when no agent had sent yet: one for an alert that started after the stop.
    const delivered = await waitFor(
      "the ExpectedTenantMissing notification",
      async () =>
        platform.webhooks.received.find(
          (r) =>
            r.path === platform.webhookPaths.critical &&
            r.notification.status === "firing" &&
            r.notification.groupLabels.alertname === ALERTS.expectedTenantMissing &&
            r.notification.groupLabels.cluster === STOPPED_CLUSTER &&
            r.notification.alerts.some((a) => Date.parse(a.startsAt) > agentStoppedAt),
        ),
      Math.max(0, agentStoppedAt + silenceMs + 150_000 - Date.now()),
      2000,
    );
    const started = delivered.notification.alerts.filter((a) => Date.parse(a.startsAt) > agentStoppedAt);
    // The newest sample is at most one scrape interval older than the stop.
    expect(Math.min(...started.map((a) => Date.parse(a.startsAt))) - agentStoppedAt).toBeGreaterThanOrEqual(silenceMs - durationMs(SCRAPE_INTERVAL));
    expect(started.map((a) => a.labels.cluster)).toEqual(started.map(() => STOPPED_CLUSTER));
    expect(Object.keys(delivered.notification.groupLabels).sort()).toEqual(["alertname", "cluster"]);
    expect(delivered.notification.alerts.map((a) => a.labels.severity)).toEqual(delivered.notification.alerts.map(() => "critical"));
    // No other cluster's tenant went missing after the platform was up.
    const otherClusters = platform.webhooks.received.filter(
      (r) =>
        r.notification.status === "firing" &&
        r.notification.groupLabels.alertname === ALERTS.expectedTenantMissing &&
        r.notification.groupLabels.cluster !== STOPPED_CLUSTER &&
        r.notification.alerts.some((a) => a.status === "firing" && Date.parse(a.startsAt) > agentStoppedAt),
    );
    expect(otherClusters).toEqual([]);
  }, 600_000);
});
