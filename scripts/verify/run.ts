/** Runs every check against one query endpoint and evaluates the answers. */
import { buildQueries, DEFAULT_CHECK_SETTINGS, evaluate, historyQueries } from "./checks";
import { Expectations } from "./expectations";
import { httpQueryClient, QueryClient } from "./query-api";
import { CheckSettings, Report } from "./types";

export interface VerifyOptions {
  expectations: Expectations;
  /** Overrides the `queryUrl` output, e.g. for a port-forward. */
  queryUrl?: string;
  settings?: Partial<CheckSettings>;
  /** Deadline of each query; 10s by default. */
  timeoutMs?: number;
  /** A ready client (tests); built from the query URL and timeout otherwise. */
  client?: QueryClient;
  /** Current time in unix seconds (tests); the clock otherwise. */
  nowSeconds?: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/** Queries the platform and reports; throws QueryApiError when the endpoint cannot answer. */
export async function verify(opts: VerifyOptions): Promise<Report> {
  const settings: CheckSettings = { ...DEFAULT_CHECK_SETTINGS, ...opts.settings };
  const client = opts.client ?? httpQueryClient(opts.queryUrl ?? opts.expectations.queryUrl, { timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  const queries = buildQueries(opts.expectations, settings);
  const nowSeconds = opts.nowSeconds ?? Date.now() / 1000;
  const history = historyQueries(opts.expectations, nowSeconds);
  const componentNames = Object.keys(queries.components);
  const [plainHistory, anyResolutionHistory, sampleAge, failedRate, sentRate, limited, ready, configHash, reloadOk, behind, ...components] = await Promise.all([
    client.range(history.plain),
    client.range(history.anyResolution),
    client.instant(queries.sampleAge),
    client.instant(queries.failedRate),
    client.instant(queries.sentRate),
    client.instant(queries.limited),
    client.instant(queries.ring.ready),
    client.instant(queries.ring.configHash),
    client.instant(queries.ring.reloadOk),
    client.instant(queries.ring.behind),
    ...componentNames.map((name) => client.instant(queries.components[name])),
  ]);
  const answers = [plainHistory, anyResolutionHistory, sampleAge, failedRate, sentRate, limited, ready, configHash, reloadOk, behind, ...components];
  const warnings = [...new Set(answers.flatMap((r) => r.warnings))];
  return evaluate(
    opts.expectations,
    settings,
    {
      sampleAge: sampleAge.samples,
      failedRate: failedRate.samples,
      sentRate: sentRate.samples,
      components: Object.fromEntries(componentNames.map((name, i) => [name, components[i].samples])),
      history: { window: { start: history.plain.start, end: history.plain.end }, plain: plainHistory.series, anyResolution: anyResolutionHistory.series },
      limited: limited.samples,
      ring: { ready: ready.samples, configHash: configHash.samples, reloadOk: reloadOk.samples, behind: behind.samples },
    },
    client.baseUrl,
    warnings,
    nowSeconds,
  );
}
