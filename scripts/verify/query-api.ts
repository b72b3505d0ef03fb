/**
 * A minimal client of the Prometheus HTTP query API (`/api/v1/query`, `/api/v1/query_range`),
 * which Thanos Query and Query Frontend serve too. Every failure becomes a `QueryApiError`
 * that says what to do.
 */
import { RangeQuery, Sample, Series } from "./types";

export class QueryApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QueryApiError";
  }
}

export interface InstantResult {
  samples: Sample[];
  warnings: string[];
}

export interface RangeResult {
  series: Series[];
  warnings: string[];
}

export interface QueryClient {
  readonly baseUrl: string;
  instant(promql: string): Promise<InstantResult>;
  range(query: RangeQuery): Promise<RangeResult>;
}

export interface QueryClientOptions {
  timeoutMs: number;
  /** For tests; Node's built-in fetch by default. */
  fetch?: typeof fetch;
}

/** Prometheus' float formatting: "+Inf", "-Inf" and "NaN" besides plain numbers. */
export function parseSampleValue(text: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  return Number(text);
}

function apiEndpoint(baseUrl: string, api: "query" | "query_range"): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new QueryApiError(`query URL ${JSON.stringify(baseUrl)} is not a URL; expected e.g. http://127.0.0.1:9090`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new QueryApiError(`query URL ${baseUrl} is not http(s)`);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/api/v1/${api}`;
  return url;
}

function describeFetchFailure(err: unknown, endpoint: URL, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const where = endpoint.origin;
  if (e.name === "TimeoutError" || e.name === "AbortError") {
    return `no answer from ${where} within ${timeoutMs / 1000}s (raise --timeout, or check that Thanos Query is reachable)`;
  }
  const code = e.cause?.code;
  if (code === "ECONNREFUSED") {
    return `${where} refused the connection: nothing listens there (start the port-forward, or pass --query-url)`;
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return `cannot resolve ${endpoint.hostname}: an in-cluster queryUrl is only reachable inside the cluster; run kubectl port-forward and pass --query-url http://127.0.0.1:PORT`;
  }
  return `request to ${where} failed: ${e.cause?.message ?? e.message ?? String(err)}${code ? ` (${code})` : ""}`;
}

type ApiDocument = { status?: string; errorType?: string; error?: string; warnings?: string[]; data?: { resultType?: string; result?: unknown } };

interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** GETs `url` within `timeoutMs`, the body included; a failure to get any answer is a QueryApiError that says why. */
async function get(doFetch: typeof fetch, url: URL, endpoint: URL, timeoutMs: number): Promise<HttpAnswer> {
  try {
    // One deadline for the whole exchange, the body included.
    const response = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: "application/json" } });
    return { status: response.status, contentType: response.headers.get("content-type") ?? "no content type", body: await response.text() };
  } catch (err) {
    throw new QueryApiError(describeFetchFailure(err, endpoint, timeoutMs));
  }
}

/** The `data.result` of a successful API answer of `resultType`; anything else is a QueryApiError naming the endpoint and query. */
function apiResult(answer: HttpAnswer, endpoint: URL, resultType: "vector" | "matrix", promql: string): { result: unknown[]; warnings: string[] } {
  let doc: ApiDocument;
  try {
    doc = JSON.parse(answer.body);
  } catch {
    const snippet = answer.body.slice(0, 200).replace(/\s+/g, " ").trim();
    throw new QueryApiError(
      `${endpoint.origin}${endpoint.pathname} answered HTTP ${answer.status} (${answer.contentType}) with something that is not JSON: ${JSON.stringify(snippet)}; is --query-url the Thanos Query HTTP address?`,
    );
  }
  if (doc.status !== "success") {
    const reason = doc.error ? `${doc.errorType ?? "error"}: ${doc.error}` : `HTTP ${answer.status} without an error message`;
    throw new QueryApiError(`query failed at ${endpoint.origin} (${reason}); query: ${promql}`);
  }
  if (doc.data?.resultType !== resultType || !Array.isArray(doc.data.result)) {
    const what = resultType === "vector" ? "an instant vector" : "a range matrix";
    throw new QueryApiError(`expected ${what} from ${endpoint.origin}, got ${doc.data?.resultType ?? "no data"}; query: ${promql}`);
  }
  return { result: doc.data.result, warnings: doc.warnings ?? [] };
}

export function httpQueryClient(baseUrl: string, opts: QueryClientOptions): QueryClient {
  const endpoints = { query: apiEndpoint(baseUrl, "query"), query_range: apiEndpoint(baseUrl, "query_range") };
  const doFetch = opts.fetch ?? fetch;

  /** GETs one API call and returns its `data` of the expected result type. */
  async function call(api: keyof typeof endpoints, params: Record<string, string>, resultType: "vector" | "matrix"): Promise<{ result: unknown[]; warnings: string[] }> {
    const endpoint = endpoints[api];
    const url = new URL(endpoint);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    return apiResult(await get(doFetch, url, endpoint, opts.timeoutMs), endpoint, resultType, params.query);
  }

  async function instant(promql: string): Promise<InstantResult> {
    const { result, warnings } = await call("query", { query: promql }, "vector");
    const samples = (result as { metric?: Record<string, string>; value?: [number, string] }[]).map((r) => ({
      labels: r.metric ?? {},
      value: parseSampleValue(r.value?.[1] ?? "NaN"),
    }));
    return { samples, warnings };
  }

  async function range(query: RangeQuery): Promise<RangeResult> {
    const params: Record<string, string> = { query: query.query, start: String(query.start), end: String(query.end), step: String(query.stepSeconds) };
    if (query.maxSourceResolution) params.max_source_resolution = query.maxSourceResolution;
    const { result, warnings } = await call("query_range", params, "matrix");
    const series = (result as { metric?: Record<string, string>; values?: [number, string][] }[]).map((r) => ({
      labels: r.metric ?? {},
      points: (r.values ?? []).map(([t, v]) => [t, parseSampleValue(v)] as [number, number]),
    }));
    return { series, warnings };
  }

  return { baseUrl, instant, range };
}
