/**
 * Query latency of the dashboards: every query of the six dashboards the program ships (read
 * from the synth's dashboard ConfigMaps, variables at "All"), as Grafana sends them for 1h,
 * 24h, 7d and 30d through the Query Frontend: range queries for graphs, instant queries at the
 * range's end for tables and stats, with the program's data source settings (its minimum
 * interval and `max_source_resolution=auto`). Each range runs against a freshly restarted
 * Query Frontend (an empty results cache): the first call of a query is cold, the same call
 * again is served from the cache (but for the newest minute, which the frontend never caches,
 * and instant queries, which it does not cache). Each query also runs cold with the engine
 * Query ran before (`engine=`, part of the frontend's cache key), in alternating order.
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
  /** Table and stat panels: Grafana sends an instant query at the range's end. */
  instant: boolean;
}

/**
 * Not a dashboard query: one that reads every series of the load (the dashboards read only
 * the platform's own few thousand), to show what the query path costs at the fleet's scale.
 */
export const LOAD_QUERY: DashboardQuery = { uid: "load", panel: "every load series, counted by cluster and tenant", expr: 'count by (cluster, tenant_id) ({job="loadgen"})', instant: false };

interface GrafanaDashboard {
  uid: string;
  panels: { title: string; targets?: { expr: string; instant?: boolean }[] }[];
}

/** The dashboards' queries from a central stack's synth plan (its `grafana_dashboard` ConfigMaps). */
export function dashboardQueriesFromPlan(planFile: string): DashboardQuery[] {
  const plan = JSON.parse(fs.readFileSync(planFile, "utf8")) as { resources: { type: string; inputs: { metadata?: { labels?: Record<string, string> }; data?: Record<string, string> } }[] };
  const boards = plan.resources
    .filter((r) => r.type === "kubernetes:core/v1:ConfigMap" && r.inputs.metadata?.labels?.grafana_dashboard === "1")
    .flatMap((r) => Object.values(r.inputs.data ?? {}).map((json) => JSON.parse(json) as GrafanaDashboard));
  if (boards.length === 0) throw new Error(`${planFile}: no dashboard ConfigMaps (is central.grafana.enabled off?)`);
  return boards.flatMap((d) => d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ uid: d.uid, panel: p.title, expr: t.expr, instant: t.instant === true }))));
}

export const dashboardQueriesOf = (synthDir: string, centralStack: string) => dashboardQueriesFromPlan(path.join(synthDir, centralStack, "plan.json"));

/** What the program's Grafana data source sends with every query, and its minimum interval. */
const DATASOURCE = thanosDatasource("monitoring").jsonData as { timeInterval: string; customQueryParameters: string };
const SCRAPE_SECONDS = durationMs(DATASOURCE.timeInterval) / 1000;
const DATASOURCE_PARAMS = Object.fromEntries(new URLSearchParams(DATASOURCE.customQueryParameters));

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

type QueryRange = (typeof QUERY_RANGES)[number];

/** The query Grafana sends for `expr` over `range`: its variables replaced for that range and step. */
export function exprFor(expr: string, range: QueryRange): string {
  return substituteAll(expr, grafanaVariables(range.seconds, range.step, SCRAPE_SECONDS));
}

export interface QueryTiming {
  uid: string;
  panel: string;
  range: string;
  instant?: boolean;
  coldMs?: number;
  cachedMs?: number;
  /** Cold with the engine Query ran before (`engine=` on the same request). */
  beforeColdMs?: number;
  error?: string;
  beforeError?: string;
  series?: number;
}

/**
 * Longer than Grafana waits by default (its data source proxy gives up after 30 s): a query
 * that takes longer fails on a dashboard too, and is counted as failed.
 */
const QUERY_TIMEOUT_MS = 60_000;

/** When a dashboard is opened: Grafana aligns a range query's end to its step, and sends an instant query at the range's end itself. */
interface DashboardTime {
  alignedEnd: number;
  now: number;
}

/** One request as Grafana sends it through the frontend for `range`; `engine` names one, else Query's default. */
async function timedQuery(baseUrl: string, q: DashboardQuery, range: QueryRange, at: DashboardTime, engine?: string): Promise<{ ms: number; series: number }> {
  const url = new URL(q.instant ? "/api/v1/query" : "/api/v1/query_range", baseUrl);
  const end = at.alignedEnd;
  const window: Record<string, string> = q.instant ? { time: String(at.now) } : { start: String(end - range.seconds), end: String(end), step: String(range.step) };
  const params = { query: exprFor(q.expr, range), ...window, ...DATASOURCE_PARAMS, ...(engine ? { engine } : {}) };
  url.search = new URLSearchParams(params).toString();
  const began = performance.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(QUERY_TIMEOUT_MS) });
  const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
  const ms = performance.now() - began;
  if (body.status !== "success") throw new Error(`HTTP ${res.status}: ${body.error ?? "no error text"}`);
  return { ms, series: body.data?.result.length ?? 0 };
}

const failure = (err: unknown) => (err as Error).message.slice(0, 300);

/**
 * One query over one range: cold with Query's default engine and cold with the engine it ran
 * before (which goes first alternates with `index`, so neither always finds the stores' caches
 * warm), then cached with the default.
 */
async function timeQuery(baseUrl: string, q: DashboardQuery, range: QueryRange, at: DashboardTime, beforeEngine: string, index: number): Promise<QueryTiming> {
  const timing: QueryTiming = { uid: q.uid, panel: q.panel, range: range.name, instant: q.instant };
  const current = async () => {
    try {
      const cold = await timedQuery(baseUrl, q, range, at);
      Object.assign(timing, { coldMs: cold.ms, series: cold.series, cachedMs: (await timedQuery(baseUrl, q, range, at)).ms });
    } catch (err) {
      timing.error = failure(err);
    }
  };
  const before = async () => {
    try {
      timing.beforeColdMs = (await timedQuery(baseUrl, q, range, at, beforeEngine)).ms;
    } catch (err) {
      timing.beforeError = failure(err);
    }
  };
  for (const run of index % 2 === 0 ? [current, before] : [before, current]) await run();
  return timing;
}

/**
 * Times every query over each range (see the top of this file). After each range, the seeds'
 * query P99 figure is read from Query.
 */
export async function measureQueries(opts: {
  queryFrontendUrl: string;
  queryUrl: string;
  queryFrontend: ManagedProcess;
  queries: DashboardQuery[];
  /** The engine the "before" timings name. */
  beforeEngine: string;
  progress?: (done: number, total: number) => void;
}): Promise<{ timings: QueryTiming[]; seedFigures: SeedQueryFigure[] }> {
  const timings: QueryTiming[] = [];
  const seedFigures: SeedQueryFigure[] = [];
  const total = QUERY_RANGES.length * opts.queries.length;
  for (const range of QUERY_RANGES) {
    await opts.queryFrontend.stop();
    await opts.queryFrontend.restart();
    // Grafana aligns the range to the step, which is what lets the frontend cache it.
    const now = Math.floor(Date.now() / 1000);
    const at: DashboardTime = { alignedEnd: Math.floor(now / range.step) * range.step, now };
    for (const [index, q] of opts.queries.entries()) {
      timings.push(await timeQuery(opts.queryFrontendUrl, q, range, at, opts.beforeEngine, index));
      opts.progress?.(timings.length, total);
    }
    seedFigures.push(await seedQueryFigure(opts.queryUrl, range.name));
  }
  return { timings, seedFigures };
}

/** Cold and cached with Query's default engine; cold with the engine it ran before. */
export const CACHE_STATES = ["cold", "cached", "cold, before"] as const;
export type CacheState = (typeof CACHE_STATES)[number];

export interface LatencySummary {
  range: string;
  cache: CacheState;
  queries: number;
  errors: number;
  p50Ms?: number;
  p99Ms?: number;
  maxMs?: number;
}

const timingOf = (t: QueryTiming, cache: CacheState) => (cache === "cold" ? t.coldMs : cache === "cached" ? t.cachedMs : t.beforeColdMs);
const failedIn = (t: QueryTiming, cache: CacheState) => (cache === "cold, before" ? t.beforeError : t.error) !== undefined;

/** Latency percentiles per range and cache state, of the dashboards' queries (`uid` "load" left out unless asked for). */
export function summarizeQueries(timings: QueryTiming[], uid?: string): LatencySummary[] {
  const selected = timings.filter((t) => (uid === undefined ? t.uid !== LOAD_QUERY.uid : t.uid === uid));
  return QUERY_RANGES.flatMap((range) => {
    const of = selected.filter((t) => t.range === range.name);
    return CACHE_STATES.map((cache) => {
      const ms = of.map((t) => timingOf(t, cache)).filter((m): m is number => m !== undefined);
      return {
        range: range.name,
        cache,
        queries: of.length,
        errors: of.filter((t) => failedIn(t, cache)).length,
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
