/**
 * The checks `verify` runs against the Thanos Query API, as pure functions: the PromQL it
 * sends, and the evaluation of the answers into report rows.
 *
 * What the platform must make true for these to pass:
 * - every agent's series carry the external label `cluster`, and the receivers add the
 *   tenant label (`tenantLabel` output) with the agent's tenant id;
 * - every edge agent scrapes its own /metrics, so `prometheus_remote_storage_*` reach
 *   central with the cluster's label;
 * - the central Prometheus (external label `cluster` = the central cluster) scrapes the
 *   Thanos components under jobs matching THANOS_COMPONENTS' regexes;
 * - Thanos Query reads downsampled blocks for a range query that does not name a resolution
 *   (`--query.auto-downsampling`), so history older than the raw retention answers.
 */
import { parseDuration } from "../../config/duration";
import { REMOTE_WRITE_METRICS } from "../../mixin/selectors";
import { Expectations } from "./expectations";
import { formatAge } from "./format";
import { behindRows, readyRow, RingQueries, ringQueries, ringRow } from "./ring-checks";
import { certificateRows, limitRows, limitsQuery } from "./tenant-checks";
import { CheckSettings, QueryResults, RangeQuery, Report, Row, RowStatus, Sample, Series } from "./types";

export interface ThanosComponent {
  name: string;
  /** Matches the `job` label (fully anchored, as PromQL regexes are). */
  jobRegex: string;
}

/**
 * The Thanos components whose targets must be up. A ServiceMonitor's job is its Service's
 * name, e.g. `<release>-thanos-receive`, `-storegateway`, `-compactor` (thanos-community),
 * `-store-gateway` or `thanos-store` elsewhere, so the regexes match any of those spellings.
 */
export const THANOS_COMPONENTS: readonly ThanosComponent[] = [
  { name: "receive", jobRegex: ".*receive.*" },
  { name: "store-gateway", jobRegex: ".*(store-?gateway|thanos-store).*" },
  { name: "compactor", jobRegex: ".*compact.*" },
];

export const DEFAULT_CHECK_SETTINGS: CheckSettings = { maxAgeSeconds: 300, maxFailureRatio: 0.01, rateWindow: "5m", maxBehindSeconds: 120 };

/** How far back the age of a stale tenant's newest sample is looked up, and at what step. */
const SEARCH_WINDOW_MIN_SECONDS = 3600;
const SEARCH_STEP = "15s";

export function searchWindowSeconds(settings: CheckSettings): number {
  return Math.max(SEARCH_WINDOW_MIN_SECONDS, 2 * settings.maxAgeSeconds);
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A PromQL string literal (Go escaping, which JSON's is a subset of). */
function promString(value: string): string {
  return JSON.stringify(value);
}

export interface Queries {
  /** Age in seconds of each (cluster, tenant)'s newest `up` sample. */
  sampleAge: string;
  /** Remote-write failures per cluster, samples/s. */
  failedRate: string;
  /** Samples each cluster's agents sent (failed included), samples/s. */
  sentRate: string;
  /** `up` of each Thanos component's targets in the central cluster. */
  components: Record<string, string>;
  /** Writes the receivers refused per tenant and limit (413, 429). */
  limited: string;
  /** The receivers' hashring and readiness, the agents' queues (ring-checks.ts). */
  ring: RingQueries;
}

/**
 * The history check reads one day that ends `retention.raw` ago, where raw blocks are (about
 * to be) deleted and only the compactor's 5m and 1h blocks remain. At 1h steps Thanos' auto
 * downsampling allows a resolution of step/5 = 12m, so 5m blocks qualify.
 */
export const HISTORY_WINDOW_SECONDS = 86_400;
export const HISTORY_STEP_SECONDS = 3600;
/** What the second history query asks for explicitly: any downsampled block qualifies. */
export const ANY_RESOLUTION = "1h";

export interface HistoryQueries {
  /** As Grafana or any PromQL client sends it: no `max_source_resolution`. */
  plain: RangeQuery;
  /** The same with `max_source_resolution=1h`: answers whenever downsampled data exists. */
  anyResolution: RangeQuery;
}

export function historyQueries(expectations: Pick<Expectations, "tenantLabel" | "rawRetention">, nowSeconds: number): HistoryQueries {
  const label = expectations.tenantLabel;
  if (!LABEL_NAME.test(label)) throw new Error(`tenantLabel ${JSON.stringify(label)} is not a Prometheus label name`);
  const rawMs = parseDuration(expectations.rawRetention);
  if (rawMs === undefined) throw new Error(`retention.raw ${JSON.stringify(expectations.rawRetention)} is not a duration`);
  // Aligned to the step, so repeated runs ask the Query Frontend's cache the same question.
  const end = Math.floor((nowSeconds - rawMs / 1000) / HISTORY_STEP_SECONDS) * HISTORY_STEP_SECONDS;
  const plain: RangeQuery = { query: `count by (cluster) (up{${label}!=""})`, start: end - HISTORY_WINDOW_SECONDS, end, stepSeconds: HISTORY_STEP_SECONDS };
  return { plain, anyResolution: { ...plain, maxSourceResolution: ANY_RESOLUTION } };
}

export function buildQueries(expectations: Pick<Expectations, "tenantLabel" | "centralCluster">, settings: CheckSettings): Queries {
  const label = expectations.tenantLabel;
  if (!LABEL_NAME.test(label)) throw new Error(`tenantLabel ${JSON.stringify(label)} is not a Prometheus label name`);
  const by = `by (cluster, ${label})`;
  const up = `up{${label}!=""}`;
  // The instant selector sees samples up to the 5m lookback; a tenant that has been silent
  // longer is found by the subquery, whose steps each look back 5m again.
  const sampleAge = [
    `time() - max ${by} (timestamp(${up}))`,
    `time() - max ${by} (max_over_time(timestamp(${up})[${searchWindowSeconds(settings)}s:${SEARCH_STEP}]))`,
  ].join("\nor\n");
  const rate = (metric: string) => `sum by (cluster) (rate(${metric}[${settings.rateWindow}]))`;
  const m = REMOTE_WRITE_METRICS;
  const components = Object.fromEntries(
    THANOS_COMPONENTS.map((c) => [c.name, `up{cluster=${promString(expectations.centralCluster)}, job=~${promString(c.jobRegex)}}`]),
  );
  return {
    sampleAge,
    failedRate: `${rate(m.failed)}\nor\n${rate(m.legacyFailed)}`,
    sentRate: `${rate(m.sent)}\nor\n(${rate(m.legacyFailed)} + ${rate(m.legacySucceeded)})`,
    components,
    limited: limitsQuery(expectations.centralCluster, settings),
    ring: ringQueries(expectations),
  };
}

function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(2)}%`;
}

function formatRate(perSecond: number): string {
  return perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toFixed(1);
}

function sampleRows(expectations: Expectations, settings: CheckSettings, ages: Sample[]): Row[] {
  const label = expectations.tenantLabel;
  const ageOf = new Map<string, number>();
  for (const s of ages) ageOf.set(`${s.labels.cluster ?? ""}\u0000${s.labels[label] ?? ""}`, s.value);
  const expected = new Set(expectations.tenants.map((t) => `${t.cluster}\u0000${t.id}`));
  const maxAge = formatAge(settings.maxAgeSeconds);

  const rows: Row[] = expectations.tenants.map((t) => {
    const age = ageOf.get(`${t.cluster}\u0000${t.id}`);
    const series = `up{cluster="${t.cluster}", ${label}="${t.id}"}`;
    if (age === undefined || Number.isNaN(age)) {
      return {
        check: "samples",
        cluster: t.cluster,
        tenant: t.id,
        status: "missing",
        ok: false,
        detail: `no ${series} sample in the last ${formatAge(searchWindowSeconds(settings))}`,
      };
    }
    const fresh = age <= settings.maxAgeSeconds;
    return {
      check: "samples",
      cluster: t.cluster,
      tenant: t.id,
      status: fresh ? "ok" : "stale",
      ok: fresh,
      newestSampleAgeSeconds: age,
      detail: fresh ? `newest ${series} sample within ${maxAge}` : `newest ${series} sample is older than ${maxAge}`,
    };
  });

  // Series under a (cluster, tenant) nobody expects: a tenant writing with the wrong id or
  // cluster label shows up here. Reported, not failed: outputs may lag a new tenant.
  const unexpected = ages
    .filter((s) => !expected.has(`${s.labels.cluster ?? ""}\u0000${s.labels[label] ?? ""}`))
    .sort((a, b) => (a.labels.cluster ?? "").localeCompare(b.labels.cluster ?? "") || (a.labels[label] ?? "").localeCompare(b.labels[label] ?? ""));
  for (const s of unexpected) {
    rows.push({
      check: "samples",
      cluster: s.labels.cluster ?? "(none)",
      tenant: s.labels[label],
      status: "unexpected",
      ok: true,
      newestSampleAgeSeconds: s.value,
      detail: "series from a cluster/tenant pair that is not in the stack outputs' tenants",
    });
  }
  return rows;
}

function remoteWriteRows(expectations: Expectations, settings: CheckSettings, results: QueryResults, sampleRowsByCluster: Map<string, Row[]>): Row[] {
  const byCluster = (samples: Sample[]) => new Map(samples.map((s) => [s.labels.cluster ?? "", s.value]));
  const failed = byCluster(results.failedRate);
  const sent = byCluster(results.sentRate);
  const window = settings.rateWindow;

  return expectations.clusters.map((cluster) => {
    const ages = (sampleRowsByCluster.get(cluster) ?? []).map((r) => r.newestSampleAgeSeconds).filter((a): a is number => a !== undefined);
    const newest = ages.length > 0 ? { newestSampleAgeSeconds: Math.min(...ages) } : {};
    const row = (status: RowStatus, detail: string): Row => ({ check: "remote-write", cluster, status, ok: status === "ok", ...newest, detail });
    const sentRate = sent.get(cluster);
    const failedRate = failed.get(cluster) ?? 0;
    if (sentRate === undefined) {
      return row("no-data", `no ${REMOTE_WRITE_METRICS.sent} (or pre-2.23 equivalents) with cluster="${cluster}" in the last ${window}: its agents must scrape their own /metrics`);
    }
    if (!(sentRate > 0)) {
      return row("no-data", `the agents of ${cluster} sent no samples in the last ${window}, so there is no failure ratio`);
    }
    const ratio = failedRate / sentRate;
    const detail = `${formatPercent(ratio)} of samples failed (${formatRate(failedRate)} of ${formatRate(sentRate)}/s over ${window}; limit ${formatPercent(settings.maxFailureRatio)})`;
    return row(ratio < settings.maxFailureRatio ? "ok" : "failing", detail);
  });
}

function componentRows(expectations: Expectations, results: QueryResults): Row[] {
  const cluster = expectations.centralCluster;
  return THANOS_COMPONENTS.map((c) => {
    const targets = results.components[c.name] ?? [];
    const selector = `up{cluster="${cluster}", job=~"${c.jobRegex}"}`;
    if (targets.length === 0) {
      return {
        check: c.name,
        cluster,
        status: "no-targets",
        ok: false,
        detail: `no ${selector} targets: the central Prometheus must scrape the Thanos ${c.name} (ServiceMonitor)`,
      };
    }
    const down = targets.filter((t) => t.value !== 1);
    const jobs = [...new Set(targets.map((t) => t.labels.job))].sort().join(", ");
    const upCount = targets.length - down.length;
    const downList = down.map((t) => t.labels.instance ?? t.labels.pod ?? "?").sort();
    return {
      check: c.name,
      cluster,
      status: down.length === 0 ? "ok" : "down",
      ok: down.length === 0,
      detail: `${upCount}/${targets.length} targets up (job ${jobs})${down.length > 0 ? `; down: ${downList.join(", ")}` : ""}`,
    };
  });
}

function historyRows(expectations: Expectations, results: QueryResults): Row[] {
  const pointsByCluster = (series: Series[]) => {
    const points = new Map<string, number>();
    for (const x of series) {
      const cluster = x.labels.cluster ?? "";
      points.set(cluster, (points.get(cluster) ?? 0) + x.points.filter(([, v]) => Number.isFinite(v)).length);
    }
    return points;
  };
  const plain = pointsByCluster(results.history.plain);
  const anyResolution = pointsByCluster(results.history.anyResolution);
  const { start, end } = results.history.window;
  const window = `${new Date(start * 1000).toISOString().slice(0, 16)}Z..${new Date(end * 1000).toISOString().slice(0, 16)}Z`;
  const steps = Math.round((end - start) / HISTORY_STEP_SECONDS) + 1;
  const raw = expectations.rawRetention;

  return expectations.clusters.map((cluster) => {
    const row = (status: RowStatus, ok: boolean, detail: string): Row => ({ check: "history", cluster, status, ok, detail });
    const answered = plain.get(cluster) ?? 0;
    if (answered > 0) {
      return row("ok", true, `${answered}/${steps} hourly points of ${window} (older than retention.raw ${raw}) answer a range query without max_source_resolution`);
    }
    if ((anyResolution.get(cluster) ?? 0) > 0) {
      return row(
        "failing",
        false,
        `${window} answers only with max_source_resolution=${ANY_RESOLUTION}: downsampled data exists but Query does not read it by default (run it with --query.auto-downsampling)`,
      );
    }
    // A platform younger than the raw retention has nothing this old yet: not a failure.
    return row("no-history", true, `nothing from ${window} (older than retention.raw ${raw}) at any resolution: the cluster has written for less than ${raw}, or the compactor has not downsampled it yet`);
  });
}

/** Turns the query answers into one row per tenant, cluster, Thanos component and certificate; certificates are judged at `nowSeconds`. */
export function evaluate(
  expectations: Expectations,
  settings: CheckSettings,
  results: QueryResults,
  queryUrl: string,
  warnings: string[] = [],
  nowSeconds = Date.now() / 1000,
): Report {
  const samples = sampleRows(expectations, settings, results.sampleAge);
  const byCluster = new Map<string, Row[]>();
  for (const r of samples.filter((r) => r.status !== "unexpected")) byCluster.set(r.cluster, [...(byCluster.get(r.cluster) ?? []), r]);
  const rows = [
    ...samples,
    ...remoteWriteRows(expectations, settings, results, byCluster),
    ...historyRows(expectations, results),
    ...componentRows(expectations, results),
    ...limitRows(expectations, settings, results.limited),
    ringRow(expectations, results.ring),
    readyRow(expectations, results.ring),
    ...behindRows(expectations, settings, results.ring),
    ...certificateRows(expectations, nowSeconds),
  ];
  return { healthy: rows.every((r) => r.ok), queryUrl, settings, rows, warnings };
}
