/**
 * The shapes verify's parts share: the query API's answers, the check settings, and the
 * report rows the checks (checks.ts, tenant-checks.ts) produce and report.ts renders.
 */

/** One element of an instant vector. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** One series of a range matrix: its `[unix seconds, value]` points. */
export interface Series {
  labels: Record<string, string>;
  points: [number, number][];
}

/** A range query (`/api/v1/query_range`); times in unix seconds. */
export interface RangeQuery {
  query: string;
  start: number;
  end: number;
  stepSeconds: number;
  /** Thanos' `max_source_resolution`; absent, as most clients send it. */
  maxSourceResolution?: string;
}

/** The thresholds verify judges by (`--max-age`, `--max-failure-ratio`, `--max-behind`). */
export interface CheckSettings {
  /** A tenant whose newest `up` sample is older than this is stale. */
  maxAgeSeconds: number;
  /** A cluster fails when this fraction of its remote-written samples or more fail. */
  maxFailureRatio: number;
  /** Range of the remote-write rates, a PromQL duration. */
  rateWindow: string;
  /** An agent whose remote-write queue is further behind its newest scraped sample fails (`--max-behind`). */
  maxBehindSeconds: number;
}

/** The answers to checks.ts' `Queries` (instant vectors) and `HistoryQueries` (range matrices). */
export interface QueryResults {
  sampleAge: Sample[];
  failedRate: Sample[];
  sentRate: Sample[];
  components: Record<string, Sample[]>;
  history: { window: { start: number; end: number }; plain: Series[]; anyResolution: Series[] };
  limited: Sample[];
  ring: { ready: Sample[]; configHash: Sample[]; reloadOk: Sample[]; behind: Sample[] };
}

export type RowStatus =
  | "ok"
  | "stale"
  | "missing"
  | "failing"
  | "no-data"
  | "no-history"
  | "down"
  | "no-targets"
  | "unexpected"
  | "limited"
  | "expiring"
  | "expired"
  | "invalid"
  | "plain-http";

/** One line of the report: one check of one cluster (and tenant). */
export interface Row {
  /** `samples` (per tenant), `remote-write` and `history` (per cluster) or a Thanos component's name. */
  check: string;
  cluster: string;
  tenant?: string;
  status: RowStatus;
  /** False when this row makes verify fail. */
  ok: boolean;
  /** True for a passing row that still needs attention (a certificate about to expire, plain-http lab mode). */
  warning?: boolean;
  /** Age of the newest `up` sample, seconds; absent when none was found. */
  newestSampleAgeSeconds?: number;
  detail: string;
}

/** What verify prints (a table or JSON) and exits by. */
export interface Report {
  healthy: boolean;
  queryUrl: string;
  settings: CheckSettings;
  rows: Row[];
  /** Warnings the query API returned (e.g. a partial response). */
  warnings: string[];
}
