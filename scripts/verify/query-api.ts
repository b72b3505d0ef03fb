/**
 * A minimal client of the Prometheus HTTP query API (`/api/v1/query`), which Thanos Query
 * and Query Frontend serve too. Every failure becomes a `QueryApiError` that says what to do.
 */
import { Sample } from "./checks";

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

export interface QueryClient {
  readonly baseUrl: string;
  instant(promql: string): Promise<InstantResult>;
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

function queryEndpoint(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new QueryApiError(`query URL ${JSON.stringify(baseUrl)} is not a URL; expected e.g. http://127.0.0.1:9090`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new QueryApiError(`query URL ${baseUrl} is not http(s)`);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/api/v1/query`;
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

export function httpQueryClient(baseUrl: string, opts: QueryClientOptions): QueryClient {
  const endpoint = queryEndpoint(baseUrl);
  const doFetch = opts.fetch ?? fetch;

  async function instant(promql: string): Promise<InstantResult> {
    const url = new URL(endpoint);
    url.searchParams.set("query", promql);
    let status: number;
    let contentType: string;
    let body: string;
    try {
      // One deadline for the whole exchange, the body included.
      const response = await doFetch(url, { signal: AbortSignal.timeout(opts.timeoutMs), headers: { accept: "application/json" } });
      status = response.status;
      contentType = response.headers.get("content-type") ?? "no content type";
      body = await response.text();
    } catch (err) {
      throw new QueryApiError(describeFetchFailure(err, endpoint, opts.timeoutMs));
    }

    let doc: { status?: string; errorType?: string; error?: string; warnings?: string[]; data?: { resultType?: string; result?: unknown } };
    try {
      doc = JSON.parse(body);
    } catch {
      const snippet = body.slice(0, 200).replace(/\s+/g, " ").trim();
      throw new QueryApiError(
        `${endpoint.origin}${endpoint.pathname} answered HTTP ${status} (${contentType}) with something that is not JSON: ${JSON.stringify(snippet)}; is --query-url the Thanos Query HTTP address?`,
      );
    }
    if (doc.status !== "success") {
      const reason = doc.error ? `${doc.errorType ?? "error"}: ${doc.error}` : `HTTP ${status} without an error message`;
      throw new QueryApiError(`query failed at ${endpoint.origin} (${reason}); query: ${promql}`);
    }
    if (doc.data?.resultType !== "vector" || !Array.isArray(doc.data.result)) {
      throw new QueryApiError(`expected an instant vector from ${endpoint.origin}, got ${doc.data?.resultType ?? "no data"}; query: ${promql}`);
    }
    const samples = (doc.data.result as { metric?: Record<string, string>; value?: [number, string] }[]).map((r) => ({
      labels: r.metric ?? {},
      value: parseSampleValue(r.value?.[1] ?? "NaN"),
    }));
    return { samples, warnings: doc.warnings ?? [] };
  }

  return { baseUrl, instant };
}
