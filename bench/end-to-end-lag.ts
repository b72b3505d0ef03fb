/**
 * Remote-write lag end to end, as a user sees it: from the moment an agent scrapes a sample to
 * the moment Thanos Query returns it. Every agent scrapes the counter probe
 * (loopback/counter-probe.ts), which times each scrape as it serves it; this polls Query for
 * every agent's newest probe value every `pollMs` and, for each value that appeared since the
 * last poll, records how long after its scrape it was first seen. A lag is therefore known to
 * within one poll period plus one query's duration, both well under a second.
 */
import { CounterProbe, PROBE_AGENT_LABEL, PROBE_METRIC } from "../loopback/counter-probe";
import { percentileOfSorted } from "./stats";

/** One probe value: when it was scraped and how long it took to become queryable. */
export interface LagReading {
  agent: string;
  scrapedAt: number;
  lagMs: number;
}

export interface LagSummary {
  /** Probe values that became queryable in the window. */
  samples: number;
  p50Seconds?: number;
  p99Seconds?: number;
  maxSeconds?: number;
  /** Every reading, ascending: the distribution. */
  sortedSeconds?: number[];
  /** The poll period: the resolution of every reading. */
  pollMs: number;
}

/** The newest probe value per agent that an instant query through `queryUrl` returns. */
async function newestValues(queryUrl: string, timeoutMs: number): Promise<Map<string, number>> {
  const url = new URL("/api/v1/query", queryUrl);
  url.searchParams.set("query", `max by (${PROBE_AGENT_LABEL}) (${PROBE_METRIC})`);
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`${url.pathname}: HTTP ${res.status}`);
  const body = (await res.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  return new Map(body.data.result.map((s) => [s.metric[PROBE_AGENT_LABEL], Number(s.value[1])]));
}

/** The lags of the values an agent's newest value moved past: every value in (previous, newest]. */
export function lagsSince(agent: string, previous: number, newest: number, scrapes: readonly { value: number; at: number }[], seenAt: number): LagReading[] {
  const out: LagReading[] = [];
  for (let value = previous + 1; value <= newest; value++) {
    const scrape = scrapes[value - 1];
    if (scrape) out.push({ agent, scrapedAt: scrape.at, lagMs: Math.max(0, seenAt - scrape.at) });
  }
  return out;
}

/** The figures of the readings whose value was scraped within [fromMs, toMs). */
export function summarizeLags(readings: readonly LagReading[], fromMs: number, toMs: number, pollMs: number): LagSummary {
  const seconds = readings.filter((r) => r.scrapedAt >= fromMs && r.scrapedAt < toMs).map((r) => r.lagMs / 1000);
  if (seconds.length === 0) return { samples: 0, pollMs };
  const sortedSeconds = [...seconds].sort((a, b) => a - b);
  return { samples: seconds.length, p50Seconds: percentileOfSorted(sortedSeconds, 50), p99Seconds: percentileOfSorted(sortedSeconds, 99), maxSeconds: sortedSeconds[sortedSeconds.length - 1], sortedSeconds, pollMs };
}

export class EndToEndLag {
  readonly readings: LagReading[] = [];
  private readonly newest = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(
    private readonly probe: CounterProbe,
    private readonly queryUrl: string,
    readonly pollMs = 200,
    /** How long one poll waits for Query before it gives up (and only delays the next reading). */
    private readonly timeoutMs = 5_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.pollMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One poll; a value seen the first time for an agent only sets where its readings start. */
  async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const values = await newestValues(this.queryUrl, this.timeoutMs);
      const seenAt = Date.now();
      for (const [agent, value] of values) {
        const previous = this.newest.get(agent);
        if (previous !== undefined && value > previous) this.readings.push(...lagsSince(agent, previous, value, this.probe.scrapes(agent), seenAt));
        if (previous === undefined || value > previous) this.newest.set(agent, value);
      }
    } catch {
      // A poll that fails (Query restarting, a timeout) only delays the next reading.
    } finally {
      this.busy = false;
    }
  }

  summary(fromMs: number, toMs: number): LagSummary {
    return summarizeLags(this.readings, fromMs, toMs, this.pollMs);
  }
}
