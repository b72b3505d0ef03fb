/**
 * Counting a fault's damage with the counter probe (loopback/counter-probe.ts): every scrape
 * of an agent's probe returns the next integer, so the values Thanos Query returns for that
 * agent, compared with the values the probe served, give the samples lost and duplicated.
 */
import { CounterProbe, PROBE_AGENT_LABEL, PROBE_METRIC } from "../../loopback/counter-probe";
import { sleep } from "../../loopback/process";
import { instantQuery, QueryParams } from "./thanos-api";

/** Counter values served to an agent: those in (from, to]. */
export interface ValueRange {
  from: number;
  to: number;
}

export interface Count {
  expected: number;
  /** Distinct expected values found. */
  received: number;
  lost: number;
  /** Samples beyond the first for a value. */
  duplicates: number;
  /** The lost values, as runs `a-b`. */
  lostValues: string;
}

/** Runs of consecutive integers as `a-b` (or `a`), comma-separated. */
export function runs(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    out.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.join(",");
}

/** Compares the values served in `range` with the values of the samples found. */
export function countValues(range: ValueRange, values: number[]): Count {
  const seen = new Map<number, number>();
  for (const v of values) if (v > range.from && v <= range.to) seen.set(v, (seen.get(v) ?? 0) + 1);
  const lost: number[] = [];
  for (let v = range.from + 1; v <= range.to; v++) if (!seen.has(v)) lost.push(v);
  return {
    expected: range.to - range.from,
    received: seen.size,
    lost: lost.length,
    duplicates: [...seen.values()].reduce((sum, n) => sum + n - 1, 0),
    lostValues: runs(lost),
  };
}

/** Sums counts (of several agents). */
export function addCounts(counts: Count[]): Omit<Count, "lostValues"> {
  return counts.reduce((sum, c) => ({ expected: sum.expected + c.expected, received: sum.received + c.received, lost: sum.lost + c.lost, duplicates: sum.duplicates + c.duplicates }), {
    expected: 0,
    received: 0,
    lost: 0,
    duplicates: 0,
  });
}

export interface ProbeSample {
  /** Unix milliseconds. */
  t: number;
  value: number;
}

/**
 * The raw samples of `agent`'s counter in the `lookbackSeconds` before `at` (Unix ms), one
 * list per series Query returns: one with dedup on, one per replica with it off.
 */
export async function probeSamples(
  queryUrl: string,
  agent: string,
  opts: { at: number; lookbackSeconds: number } & Pick<QueryParams, "dedup" | "storeMatch">,
): Promise<{ metric: Record<string, string>; samples: ProbeSample[] }[]> {
  const selector = `${PROBE_METRIC}{${PROBE_AGENT_LABEL}="${agent}"}[${Math.ceil(opts.lookbackSeconds)}s]`;
  const series = await instantQuery(queryUrl, selector, { dedup: opts.dedup, storeMatch: opts.storeMatch }, opts.at / 1000);
  return series.map((s) => ({ metric: s.metric, samples: (s.values ?? []).map(([t, v]) => ({ t: Math.round(t * 1000), value: Number(v) })) }));
}

/** The last counter value served to each agent, by agent name. */
export type Values = Record<string, number>;

/**
 * What the probe served each agent, against what Query returns: the counts of a window of
 * values, once or polled until every value arrived.
 */
export class ProbeLedger {
  constructor(
    private readonly probe: CounterProbe,
    private readonly queryUrl: string,
    /** The agents counted (their names). */
    private readonly agents: () => string[],
    private readonly pollMs = 2000,
  ) {}

  /** The last value served to each agent so far. */
  served(): Values {
    return Object.fromEntries(this.agents().map((n) => [n, this.probe.current(n)]));
  }

  /** The last value served to each agent at or before `time` (Unix ms). */
  servedAt(time: number): Values {
    return Object.fromEntries(this.agents().map((n) => [n, this.probe.scrapes(n).filter((s) => s.at <= time).length]));
  }

  /**
   * The longest time between two of an agent's scrapes of values in (from, to], over the
   * agents: what a restarted agent did not scrape is never served, so it is a gap, not a loss.
   */
  largestScrapeGapMs(from: Values, to: Values): number {
    let largest = 0;
    for (const name of this.agents()) {
      const at = this.probe.scrapes(name).slice(from[name], to[name]).map((s) => s.at);
      for (let i = 1; i < at.length; i++) largest = Math.max(largest, at[i] - at[i - 1]);
    }
    return largest;
  }

  /** Counts, per agent, the values in (from, to] that Query returns. */
  async count(names: string[], from: Values, to: Values, params: { dedup?: boolean; storeMatch?: string } = {}): Promise<Record<string, Count>> {
    const out: Record<string, Count> = {};
    for (const name of names) {
      const first = this.probe.scrapes(name)[from[name]]?.at ?? Date.now();
      const series = await probeSamples(this.queryUrl, name, { at: Date.now(), lookbackSeconds: (Date.now() - first) / 1000 + 60, dedup: params.dedup ?? true, storeMatch: params.storeMatch });
      out[name] = countValues({ from: from[name], to: to[name] }, series.flatMap((s) => s.samples.map((x) => x.value)));
    }
    return out;
  }

  /** Polls until Query returns every value of the window (and `alsoReady`, if given, holds); the time it took, or undefined and the last counts. */
  async untilComplete(names: string[], from: Values, to: Values, withinMs: number, alsoReady?: () => Promise<boolean>): Promise<{ counts: Record<string, Count>; afterMs?: number }> {
    const start = Date.now();
    let counts: Record<string, Count> = {};
    while (Date.now() - start < withinMs) {
      counts = (await this.count(names, from, to).catch(() => undefined)) ?? counts;
      if (names.every((n) => counts[n]?.lost === 0) && (!alsoReady || (await alsoReady()))) return { counts, afterMs: Date.now() - start };
      await sleep(this.pollMs);
    }
    return { counts };
  }
}

/** The agents whose count shows a lost or duplicated sample. */
export const lostOf = (counts: Record<string, Count>) => Object.fromEntries(Object.entries(counts).filter(([, c]) => c.lost > 0 || c.duplicates > 0));

/** One row of the fault table. */
export interface FaultRow {
  fault: string;
  /** How long the fault lasted, e.g. `3m0s`. */
  duration: string;
  expected: number;
  received: number;
  lost: number;
  duplicates: number;
  /** Time from the end of the fault until the claim holds again, or what it stands for. */
  recovery: string;
}

export function formatSeconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/** Rows under a header, aligned, the last column unpadded. */
export function renderTable(header: readonly string[], cells: readonly (readonly string[])[]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((row) => row[i].length)));
  const line = (row: readonly string[]) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ");
  return [line(header), ...cells.map(line)].join("\n") + "\n";
}

/** The fault table. */
export function renderFaultTable(rows: FaultRow[]): string {
  const header = ["FAULT", "DURATION", "EXPECTED", "RECEIVED", "LOST", "DUPLICATES", "RECOVERY"];
  return renderTable(header, rows.map((r) => [r.fault, r.duration, String(r.expected), String(r.received), String(r.lost), String(r.duplicates), r.recovery]));
}

/** One row of the day-2 operations table. */
export interface OperationRow {
  operation: string;
  /** From applying the new configuration until the last pod is rolled. */
  duration: string;
  expected: number;
  received: number;
  lost: number;
  duplicates: number;
  /** Samples the agents had to send again or dropped, and their share of the samples sent. */
  writeErrors: string;
  /** From applying it until the ring agrees, every receiver is ready, no agent is behind and every probe value is queryable. */
  steadyAfter: string;
}

export function renderOperationTable(rows: OperationRow[]): string {
  const header = ["OPERATION", "DURATION", "EXPECTED", "RECEIVED", "LOST", "DUPLICATES", "WRITE ERRORS", "STEADY AFTER"];
  return renderTable(header, rows.map((r) => [r.operation, r.duration, String(r.expected), String(r.received), String(r.lost), String(r.duplicates), r.writeErrors, r.steadyAfter]));
}
