/**
 * The few Prometheus/Thanos HTTP API calls the platform tests make: instant and range
 * queries with Thanos' own parameters (`dedup`, `storeMatch[]`), metric names, a component's
 * own metrics, and the Ruler's rules.
 */
export interface Series {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

interface ApiAnswer<T> {
  status: "success" | "error";
  data: T;
  error?: string;
  warnings?: string[];
}

async function getJson<T>(url: URL): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(20_000) });
  const body = (await res.json()) as ApiAnswer<T>;
  if (body.status !== "success") throw new Error(`${url.pathname}?${url.searchParams}: ${res.status} ${body.error ?? ""}`);
  return body.data;
}

export interface QueryParams {
  /** Thanos Query's deduplication (on by default). */
  dedup?: boolean;
  /** Only the stores whose address matches, e.g. `{__address__="127.0.0.1:10901"}`. */
  storeMatch?: string;
  /** `max_source_resolution`: `0s` (raw), `5m`, `1h` or `auto`. */
  maxSourceResolution?: string;
}

function withParams(url: URL, params: QueryParams): URL {
  if (params.dedup !== undefined) url.searchParams.set("dedup", String(params.dedup));
  if (params.storeMatch) url.searchParams.append("storeMatch[]", params.storeMatch);
  if (params.maxSourceResolution) url.searchParams.set("max_source_resolution", params.maxSourceResolution);
  return url;
}

/** An instant query, evaluated now or at `time` (Unix seconds). */
export async function instantQuery(baseUrl: string, query: string, params: QueryParams = {}, time?: number): Promise<Series[]> {
  const url = withParams(new URL("/api/v1/query", baseUrl), params);
  url.searchParams.set("query", query);
  if (time !== undefined) url.searchParams.set("time", String(time));
  return (await getJson<{ result: Series[] }>(url)).result;
}

export async function rangeQuery(baseUrl: string, query: string, range: { start: number; end: number; step: number }, params: QueryParams = {}): Promise<Series[]> {
  const url = withParams(new URL("/api/v1/query_range", baseUrl), params);
  url.searchParams.set("query", query);
  url.searchParams.set("start", String(range.start));
  url.searchParams.set("end", String(range.end));
  url.searchParams.set("step", String(range.step));
  return (await getJson<{ result: Series[] }>(url)).result;
}

export async function metricNames(baseUrl: string): Promise<Set<string>> {
  return new Set(await getJson<string[]>(new URL("/api/v1/label/__name__/values", baseUrl)));
}

/** The value of a metric a process exposes on its own /metrics (summed over its series), or undefined. */
export async function ownMetric(baseUrl: string, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const text = await (await fetch(new URL("/metrics", baseUrl), { signal: AbortSignal.timeout(5000) })).text();
  let total: number | undefined;
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const lineLabels = match[2] ?? "";
    if (!Object.entries(labels).every(([k, v]) => lineLabels.includes(`${k}="${v}"`))) continue;
    total = (total ?? 0) + Number(match[3]);
  }
  return total;
}

export interface RuleGroupState {
  name: string;
  file: string;
  rules: { name: string; type: string; health: string; lastError?: string; state?: string }[];
}

export async function ruleGroups(baseUrl: string): Promise<RuleGroupState[]> {
  return (await getJson<{ groups: RuleGroupState[] }>(new URL("/api/v1/rules", baseUrl))).groups;
}
