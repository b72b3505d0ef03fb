/**
 * Query latency of the dashboards: every query of the six dashboards the program ships (read
 * from the synth's dashboard ConfigMaps, variables at "All"), as Grafana's range queries over
 * 1h and 24h through the Query Frontend. Each range runs against a freshly restarted Query
 * Frontend (an empty results cache): the first call of a query is cold, the same call again
 * is served from the cache (but for the newest minute, which the frontend never caches).
 */
import * as fs from "fs";
import * as path from "path";
import { substituteAll } from "../mixin/dashboards/queries";
import { ManagedProcess } from "../loopback/process";
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
  return boards.flatMap((d) => d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ uid: d.uid, panel: p.title, expr: substituteAll(t.expr) }))));
}

export const dashboardQueriesOf = (synthDir: string, centralStack: string) => dashboardQueriesFromPlan(path.join(synthDir, centralStack, "plan.json"));

/** The ranges measured, with the step Grafana picks for a panel about 1,000 pixels wide. */
export const QUERY_RANGES = [
  { name: "1h", seconds: 3600, step: 15 },
  { name: "24h", seconds: 86_400, step: 60 },
] as const;

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
  url.search = new URLSearchParams({ query: expr, start: String(start), end: String(end), step: String(step) }).toString();
  const began = performance.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
  const ms = performance.now() - began;
  if (body.status !== "success") throw new Error(`HTTP ${res.status}: ${body.error ?? "no error text"}`);
  return { ms, series: body.data?.result.length ?? 0 };
}

/** Times every query over each range: cold after a restart of the Query Frontend, then cached. */
export async function measureQueries(opts: { queryFrontendUrl: string; queryFrontend: ManagedProcess; queries: DashboardQuery[]; progress?: (done: number, total: number) => void }): Promise<QueryTiming[]> {
  const timings: QueryTiming[] = [];
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
        const cold = await timedRangeQuery(opts.queryFrontendUrl, q.expr, start, end, range.step);
        const cached = await timedRangeQuery(opts.queryFrontendUrl, q.expr, start, end, range.step);
        Object.assign(timing, { coldMs: cold.ms, cachedMs: cached.ms, series: cold.series });
      } catch (err) {
        timing.error = (err as Error).message.slice(0, 300);
      }
      timings.push(timing);
      opts.progress?.(timings.length, total);
    }
  }
  return timings;
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
