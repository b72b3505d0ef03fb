/**
 * Query latency of the dashboards: every query of the six dashboards the program ships (read
 * from the synth's dashboard ConfigMaps, variables at "All"), as Grafana's range queries over
 * 1h, 24h, 7d and 30d through the Query Frontend, with the program's data source settings
 * (its minimum interval and `max_source_resolution=auto`). Each range runs against a freshly
 * restarted Query Frontend (an empty results cache): the first call of a query is cold, the
 * same call again is served from the cache (but for the newest minute, which the frontend
 * never caches).
 */
import * as fs from "fs";
import * as path from "path";
import { thanosDatasource } from "../components/central/grafana-values";
import { durationMs } from "../config/duration";
import { ManagedProcess } from "../loopback/process";
import { grafanaVariables, substituteAll } from "../mixin/dashboards/queries";
import { DASHBOARD_THANOS_JOBS } from "../mixin/selectors";
import { percentile } from "./stats";

export interface DashboardQuery {
  uid: string;
  panel: string;
  expr: string;
}

/**
 * Not a dashboard query: one that reads every series of the load (the dashboards read only
 * the platform's own few thousand), to show what the query path costs at the fleet's scale.
 */
export const LOAD_QUERY: DashboardQuery = { uid: "load", panel: "every load series, counted by cluster and tenant", expr: 'count by (cluster, tenant_id) ({job="loadgen"})' };

interface GrafanaDashboard {
  uid: string;
  panels: { title: string; targets?: { expr: string }[] }[];
}

/** The dashboards' queries from a central stack's synth plan (its `grafana_dashboard` ConfigMaps). */
export function dashboardQueriesFromPlan(planFile: string): DashboardQuery[] {
  const plan = JSON.parse(fs.readFileSync(planFile, "utf8")) as { resources: { type: string; inputs: { metadata?: { labels?: Record<string, string> }; data?: Record<string, string> } }[] };
  const boards = plan.resources
    .filter((r) => r.type === "kubernetes:core/v1:ConfigMap" && r.inputs.metadata?.labels?.grafana_dashboard === "1")
    .flatMap((r) => Object.values(r.inputs.data ?? {}).map((json) => JSON.parse(json) as GrafanaDashboard));
  if (boards.length === 0) throw new Error(`${planFile}: no dashboard ConfigMaps (is central.grafana.enabled off?)`);
  return boards.flatMap((d) => d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ uid: d.uid, panel: p.title, expr: t.expr }))));
}

export const dashboardQueriesOf = (synthDir: string, centralStack: string) => dashboardQueriesFromPlan(path.join(synthDir, centralStack, "plan.json"));

/** What the program's Grafana data source sends with every query, and its minimum interval. */
const DATASOURCE = thanosDatasource("monitoring").jsonData as { timeInterval: string; customQueryParameters: string };
const SCRAPE_SECONDS = durationMs(DATASOURCE.timeInterval) / 1000;

/**
 * The ranges measured, with the step Grafana sends for a panel about 1,000 pixels wide: the
 * range over 1,000 rounded by Grafana's interval table (3.6s, 86.4s, 605s and 2,592s round to
 * 5s, 1m, 10m and 1h), never under the data source's minimum interval (30s).
 */
export const QUERY_RANGES = [
  { name: "1h", seconds: 3600, step: 30 },
  { name: "24h", seconds: 86_400, step: 60 },
  { name: "7d", seconds: 7 * 86_400, step: 600 },
  { name: "30d", seconds: 30 * 86_400, step: 3600 },
] as const;

/** The query Grafana sends for `expr` over `range`: its variables replaced for that range and step. */
export function exprFor(expr: string, range: (typeof QUERY_RANGES)[number]): string {
  return substituteAll(expr, grafanaVariables(range.seconds, range.step, SCRAPE_SECONDS));
}

export interface QueryTiming {
  uid: string;
  panel: string;
  range: string;
  coldMs?: number;
  cachedMs?: number;
  error?: string;
  series?: number;
}

async function timedRangeQuery(baseUrl: string, expr: string, start: number, end: number, step: number): Promise<{ ms: number; series: number }> {
  const url = new URL("/api/v1/query_range", baseUrl);
  url.search = new URLSearchParams({ query: expr, start: String(start), end: String(end), step: String(step), ...Object.fromEntries(new URLSearchParams(DATASOURCE.customQueryParameters)) }).toString();
  const began = performance.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
  const ms = performance.now() - began;
  if (body.status !== "success") throw new Error(`HTTP ${res.status}: ${body.error ?? "no error text"}`);
  return { ms, series: body.data?.result.length ?? 0 };
}

/**
 * Times every query over each range: cold after a restart of the Query Frontend, then cached.
 * After each range, the seeds' query P99 figure is read from Query.
 */
export async function measureQueries(opts: {
  queryFrontendUrl: string;
  queryUrl: string;
  queryFrontend: ManagedProcess;
  queries: DashboardQuery[];
  progress?: (done: number, total: number) => void;
}): Promise<{ timings: QueryTiming[]; seedFigures: SeedQueryFigure[] }> {
  const timings: QueryTiming[] = [];
  const seedFigures: SeedQueryFigure[] = [];
  const total = QUERY_RANGES.length * opts.queries.length;
  for (const range of QUERY_RANGES) {
    await opts.queryFrontend.stop();
    await opts.queryFrontend.restart();
    // Grafana aligns the range to the step, which is what lets the frontend cache it.
    const end = Math.floor(Date.now() / 1000 / range.step) * range.step;
    const start = end - range.seconds;
    for (const q of opts.queries) {
      const timing: QueryTiming = { uid: q.uid, panel: q.panel, range: range.name };
      try {
        const expr = exprFor(q.expr, range);
        const cold = await timedRangeQuery(opts.queryFrontendUrl, expr, start, end, range.step);
        const cached = await timedRangeQuery(opts.queryFrontendUrl, expr, start, end, range.step);
        Object.assign(timing, { coldMs: cold.ms, cachedMs: cached.ms, series: cold.series });
      } catch (err) {
        timing.error = (err as Error).message.slice(0, 300);
      }
      timings.push(timing);
      opts.progress?.(timings.length, total);
    }
    seedFigures.push(await seedQueryFigure(opts.queryUrl, range.name));
  }
  return { timings, seedFigures };
}

export interface LatencySummary {
  range: string;
  cache: "cold" | "cached";
  queries: number;
  errors: number;
  p50Ms?: number;
  p99Ms?: number;
  maxMs?: number;
}

/** Latency percentiles per range and cache state, of the dashboards' queries (`uid` "load" left out unless asked for). */
export function summarizeQueries(timings: QueryTiming[], uid?: string): LatencySummary[] {
  const selected = timings.filter((t) => (uid === undefined ? t.uid !== LOAD_QUERY.uid : t.uid === uid));
  return QUERY_RANGES.flatMap((range) => {
    const of = selected.filter((t) => t.range === range.name);
    return (["cold", "cached"] as const).map((cache) => {
      const ms = of.map((t) => (cache === "cold" ? t.coldMs : t.cachedMs)).filter((m): m is number => m !== undefined);
      return {
        range: range.name,
        cache,
        queries: of.length,
        errors: of.filter((t) => t.error).length,
        p50Ms: percentile(ms, 50),
        p99Ms: percentile(ms, 99),
        maxMs: ms.length ? Math.max(...ms) : undefined,
      };
    });
  });
}

/** The seeds' own query P99 figure, as they wrote it. */
export const SEED_QUERY_P99_EXPR = "histogram_quantile(0.99, rate(thanos_query_api_instant_query_duration_seconds_bucket[5m]))";

/**
 * The same figure from the histogram Thanos has: Query's HTTP request latency by API handler
 * (instant `query`, `query_range`), as the Thanos Query dashboard's p99 panel reads it.
 */
export const QUERY_P99_EXPR = `histogram_quantile(0.99, sum by (le, handler) (rate(http_request_duration_seconds_bucket{${DASHBOARD_THANOS_JOBS.query}, handler=~"query|query_range"}[5m])))`;

export interface SeedQueryFigure {
  range: string;
  /** What the seeds' expression returned: Thanos v0.42 has no thanos_query_api_* histogram. */
  seedExprSeries: number;
  /** P99 seconds per handler over the last 5 minutes. */
  p99SecondsByHandler: Record<string, number>;
}

/** An instant query at Query, now or at `time` (Unix seconds); an error answer throws. */
export async function instantQuery(queryUrl: string, expr: string, time?: number): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const url = new URL("/api/v1/query", queryUrl);
  url.search = new URLSearchParams({ query: expr, ...(time ? { time: String(time) } : {}) }).toString();
  const body = (await (await fetch(url, { signal: AbortSignal.timeout(60_000) })).json()) as { status: string; error?: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (body.status !== "success") throw new Error(`${expr}: ${body.error ?? "no error text"}`);
  return body.data?.result ?? [];
}

/** Both expressions, evaluated at Query now (after a range's queries ran). */
export async function seedQueryFigure(queryUrl: string, range: string): Promise<SeedQueryFigure> {
  const byHandler = await instantQuery(queryUrl, QUERY_P99_EXPR);
  return {
    range,
    seedExprSeries: (await instantQuery(queryUrl, SEED_QUERY_P99_EXPR)).length,
    p99SecondsByHandler: Object.fromEntries(byHandler.filter((r) => Number.isFinite(Number(r.value[1]))).map((r) => [r.metric.handler ?? "?", Number(r.value[1])])),
  };
}
