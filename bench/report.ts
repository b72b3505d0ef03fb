/**
 * What the bench writes: the results JSON, the Markdown table (seed figure, measured,
 * ratio) and an SVG plot of throughput and lag against load (bench/plot.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { LatencyPlotInput, svgLatencyPlot, svgPlot } from "./plot";
import { LagSummary } from "./end-to-end-lag";
import type { HistoryResult } from "./history-run";
import { CacheState, LatencySummary, QUERY_RANGES, QueryTiming, SeedQueryFigure } from "./queries";
import { WindowSummary } from "./sampler";
import { SynthScaleResult } from "./synth-scale";

/** The seed's headline figures. */
export const SEED = {
  activeSeries: 110_000,
  samplesPerSecond: 7_800,
  lagSeconds: 2,
  queryP99Ms: 850,
  agentMemoryBytes: 256 * 2 ** 20,
  /** The bucket at the seed's retention (raw 7d, 5m 30d, 1h 180d). */
  storageBytes: 340e9,
} as const;

export interface LevelResult {
  level: number;
  /** Fleet-wide active series the generators were sized for. */
  offeredSeries: number;
  /** Samples/s that many series make at the scrape interval. */
  offeredSamplesPerSecond: number;
  generatorSeries: Record<string, number>;
  window: WindowSummary;
  /** Scrape to queryable through Query, from the counter probe (bench/end-to-end-lag.ts). */
  endToEndLag?: LagSummary;
  verdict: Verdict;
  queries?: { summary: LatencySummary[]; loadQuery: LatencySummary[]; timings: QueryTiming[]; seedFigures?: SeedQueryFigure[] };
}

export interface Verdict {
  holds: boolean;
  reasons: string[];
}

export interface HoldLimits {
  /** Remote-write lag p99 above this means the queues fall behind. */
  lagP99Seconds: number;
  /** The receivers must accept at least this fraction of the offered samples/s. */
  minIngestRatio: number;
}

/**
 * Whether the platform keeps up at a level: no failed, dropped or rejected samples, bounded
 * lag (end to end when measured, else the agents' queue gauges), the offered rate ingested.
 */
export function verdict(window: WindowSummary, offeredSamplesPerSecond: number, limits: HoldLimits, endToEndLag?: LagSummary): Verdict {
  const reasons: string[] = [];
  if (window.failedSamples > 0) reasons.push(`${window.failedSamples} samples failed`);
  if (window.droppedSamples > 0) reasons.push(`${window.droppedSamples} samples dropped`);
  if (window.rejectedSamples > 0) reasons.push(`${window.rejectedSamples} samples rejected by the receivers`);
  const [lagP99, which] = endToEndLag ? [endToEndLag.p99Seconds, "end-to-end lag"] : [window.lagP99Seconds, "remote-write lag"];
  if (lagP99 === undefined) reasons.push(`no ${which} readings`);
  else if (lagP99 > limits.lagP99Seconds) reasons.push(`${which} p99 ${lagP99.toFixed(2)}s over ${limits.lagP99Seconds}s`);
  const ingested = window.ingestedSamplesPerSecond ?? 0;
  if (ingested < limits.minIngestRatio * offeredSamplesPerSecond) {
    reasons.push(`ingested ${Math.round(ingested)} samples/s, under ${Math.round(limits.minIngestRatio * 100)}% of the offered ${Math.round(offeredSamplesPerSecond)}`);
  }
  return { holds: reasons.length === 0, reasons };
}

/** The highest level that held, when every level below it held too. */
export function ceilingOf(levels: LevelResult[]): LevelResult | undefined {
  let ceiling: LevelResult | undefined;
  for (const l of [...levels].sort((a, b) => a.level - b.level)) {
    if (!l.verdict.holds) break;
    ceiling = l;
  }
  return ceiling;
}

export interface BenchResults {
  date: string;
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; memoryBytes: number; loadAverageStart: number[]; loadAverageEnd: number[] };
  settings: Record<string, unknown>;
  seed: typeof SEED;
  levels: LevelResult[];
  ceiling?: { level: number; activeSeries?: number; ingestedSamplesPerSecond?: number; appendedSamplesPerSecond?: number; stoppedBecause: string };
  synth: { runs: SynthScaleResult[]; scalingFactor?: number };
  history?: HistoryResult;
  /** Each change measured side by side in this run: what ran before it and what runs now. */
  beforeAndAfter?: BeforeAndAfter;
  notes: string[];
}

export interface BeforeAndAfter {
  /** Query's engine for the "cold, before" timings and its default now. */
  queryEngine: { before: string; after: string };
  /** The first level run with the agents' old settings, beside the same level with the current ones. */
  agents?: { before: string; after: string; level: LevelResult };
}

const fmt = (n: number | undefined, digits = 0) => (n === undefined || !Number.isFinite(n) ? "n/a" : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const mib = (bytes: number | undefined) => (bytes === undefined ? undefined : bytes / 2 ** 20);
const ratio = (measured: number | undefined, seed: number) => (measured === undefined ? "n/a" : `${(measured / seed).toFixed(2)}`);

/** A level's dashboard query latency over `range`, in one cache state. */
const latencyOf = (level: LevelResult | undefined, range: string, cache: CacheState) => level?.queries?.summary.find((s) => s.range === range && s.cache === cache);

export interface TableRow {
  what: string;
  seed: string;
  measured: string;
  ratio: string;
}

/** The seed's figures against the 1x level (and the synth), one row each; rows without a seed figure have no ratio. */
export function seedTable(results: BenchResults): TableRow[] {
  const base = results.levels.find((l) => l.level === 1);
  const w = base?.window;
  const rows: TableRow[] = [
    { what: "Active series (fleet)", seed: fmt(SEED.activeSeries), measured: fmt(w?.activeSeries), ratio: ratio(w?.activeSeries, SEED.activeSeries) },
    { what: "Samples/s through remote write (ingested at the receivers)", seed: fmt(SEED.samplesPerSecond), measured: fmt(w?.ingestedSamplesPerSecond), ratio: ratio(w?.ingestedSamplesPerSecond, SEED.samplesPerSecond) },
    { what: "Replicated appends/s (all receivers)", seed: "", measured: fmt(w?.appendedSamplesPerSecond), ratio: "" },
    { what: "Failed / retried samples", seed: "", measured: w ? `${fmt(w.failedSamples)} / ${fmt(w.retriedSamples)}` : "n/a", ratio: "" },
    { what: "Lag end to end, scrape to queryable through Query, p50", seed: "", measured: `${fmt(base?.endToEndLag?.p50Seconds, 2)} s`, ratio: "" },
    { what: "Lag end to end, scrape to queryable through Query, p99", seed: `${SEED.lagSeconds} s`, measured: `${fmt(base?.endToEndLag?.p99Seconds, 2)} s`, ratio: ratio(base?.endToEndLag?.p99Seconds, SEED.lagSeconds) },
    { what: "Remote-write queue lag p50 / p99 (the agents' gauges, in whole seconds)", seed: "", measured: `${fmt(w?.lagP50Seconds, 2)} / ${fmt(w?.lagP99Seconds, 2)} s`, ratio: "" },
  ];
  for (const { name: range } of QUERY_RANGES) {
    for (const cache of ["cold", "cached"] as const) {
      const s = latencyOf(base, range, cache);
      rows.push({
        what: `Query latency p50 / p99, ${range}, ${cache}${s?.errors ? ` (${s.errors} failed, left out of the percentiles)` : ""}`,
        seed: `${SEED.queryP99Ms} ms (p99)`,
        measured: `${fmt(s?.p50Ms)} / ${fmt(s?.p99Ms)} ms`,
        ratio: ratio(s?.p99Ms, SEED.queryP99Ms),
      });
    }
  }
  const load = (range: string) => ["cold", "cached"].map((cache) => base?.queries?.loadQuery.find((s) => s.range === range && s.cache === cache));
  for (const { name: range } of QUERY_RANGES) {
    const [cold, cached] = load(range);
    if (cold?.queries) rows.push({ what: `Query over every load series (not a dashboard query), ${range}, cold / cached`, seed: "", measured: `${fmt(cold.p50Ms)} / ${fmt(cached?.p50Ms)} ms`, ratio: "" });
  }
  for (const f of base?.queries?.seedFigures ?? []) {
    const handlers = Object.entries(f.p99SecondsByHandler);
    rows.push({
      what: `The seeds' figure after the ${f.range} queries: Query's p99 over 5m by handler (the seeds' thanos_query_api_* histogram: ${f.seedExprSeries} series)`,
      seed: `${SEED.queryP99Ms} ms`,
      measured: handlers.length ? handlers.map(([h, v]) => `${h} ${fmt(v * 1000)} ms`).join(", ") : "n/a",
      ratio: ratio(f.p99SecondsByHandler.query_range === undefined ? undefined : f.p99SecondsByHandler.query_range * 1000, SEED.queryP99Ms),
    });
  }
  const p = results.history?.projection;
  if (p) {
    rows.push({
      what: `Bucket at the seed's retention (raw ${p.retention.raw}, 5m ${p.retention["5m"]}, 1h ${p.retention["1h"]}), projected from the compacted history`,
      seed: `${fmt(p.seedBytes / 1e9)} GB`,
      measured: `${fmt(p.totalBytes === undefined ? undefined : p.totalBytes / 1e9, 1)} GB`,
      ratio: p.ratio === undefined ? "n/a" : p.ratio.toFixed(2),
    });
  }
  rows.push(
    { what: "Agent memory (largest agent's peak RSS)", seed: `${fmt(mib(SEED.agentMemoryBytes))} MiB`, measured: `${fmt(mib(w?.agentRssMaxBytes))} MiB`, ratio: ratio(w?.agentRssMaxBytes, SEED.agentMemoryBytes) },
    { what: "Agent CPU (busiest agent / all agents)", seed: "", measured: `${fmt(w?.agentCpuCoresMax, 3)} / ${fmt(w?.agentCpuCoresTotal, 3)} cores`, ratio: "" },
    { what: "Receiver memory per in-memory series (RSS / head series)", seed: "", measured: `${fmt(w?.receiverBytesPerSeries)} bytes`, ratio: "" },
    { what: "Receiver RSS (mean of 3)", seed: "", measured: `${fmt(mib(w?.receiverRssBytes))} MiB`, ratio: "" },
  );
  const c = results.ceiling;
  if (c) rows.push({ what: "Ceiling on this machine (highest level that held)", seed: "", measured: `${c.level}x: ${fmt(c.activeSeries)} series, ${fmt(c.ingestedSamplesPerSecond)} samples/s (${c.stoppedBecause})`, ratio: ratio(c.ingestedSamplesPerSecond, SEED.samplesPerSecond) });
  for (const s of results.synth.runs) rows.push({ what: `Synth of ${s.edges} edges + central`, seed: "", measured: `${fmt(s.seconds, 1)} s, ${fmt(mib(s.maxRssBytes))} MiB max RSS`, ratio: "" });
  return rows;
}

export function markdownTable(rows: TableRow[]): string {
  const lines = ["| | seed | measured | ratio |", "|---|---:|---:|---:|", ...rows.map((r) => `| ${r.what} | ${r.seed} | ${r.measured} | ${r.ratio} |`)];
  return lines.join("\n") + "\n";
}

/** Every level: offered and ingested rate, lag, errors, resources. */
export function levelsTable(levels: LevelResult[]): string {
  const lines = [
    "| level | active series | offered samples/s | ingested samples/s | appends/s | end-to-end lag p50 / p99 | queue lag p50 / p99 | failed / retried | receiver RSS | agent peak RSS | holds |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ...levels.map((l) => {
      const w = l.window;
      const e = l.endToEndLag;
      return `| ${l.level}x | ${fmt(w.activeSeries)} | ${fmt(l.offeredSamplesPerSecond)} | ${fmt(w.ingestedSamplesPerSecond)} | ${fmt(w.appendedSamplesPerSecond)} | ${fmt(e?.p50Seconds, 2)} / ${fmt(e?.p99Seconds, 2)} s | ${fmt(w.lagP50Seconds, 2)} / ${fmt(w.lagP99Seconds, 2)} s | ${fmt(w.failedSamples)} / ${fmt(w.retriedSamples)} | ${fmt(mib(w.receiverRssBytes))} MiB | ${fmt(mib(w.agentRssMaxBytes))} MiB | ${l.verdict.holds ? "yes" : `no: ${l.verdict.reasons.join("; ")}`} |`;
    }),
  ];
  return lines.join("\n") + "\n";
}

/** Every agent at one level: its share, rate, lag, memory and CPU. */
export function agentsTable(level: LevelResult): string {
  const lines = [
    "| agent | active series | samples/s sent | lag p50 / p99 | peak RSS | CPU |",
    "|---|---:|---:|---:|---:|---:|",
    ...level.window.perAgent.map(
      (a) => `| ${a.agent} | ${fmt(a.activeSeries)} | ${fmt(a.sentSamplesPerSecond)} | ${fmt(a.lagP50Seconds, 2)} / ${fmt(a.lagP99Seconds, 2)} s | ${fmt(mib(a.rssMaxBytes))} MiB | ${fmt(a.cpuCores, 3)} cores |`,
    ),
  ];
  return lines.join("\n") + "\n";
}

/** The history: what was written, how long the Compactor took, and the bucket per resolution with its projection. */
export function historySection(history: HistoryResult): string[] {
  const b = history.backfill;
  const p = history.projection;
  const gb = (bytes: number | undefined) => `${fmt(bytes === undefined ? undefined : bytes / 1e9, 1)} GB`;
  return [
    "## History and storage",
    "",
    `${fmt(history.series)} series (the 1x load's) x ${fmt(history.samplesPerSeries)} samples each: ${history.segments.map((s) => `${new Date(s.startMs).toISOString().slice(0, 16)}Z to ${new Date(s.endMs).toISOString().slice(0, 16)}Z every ${s.stepMs / 1000}s`).join("; ")}.`,
    `Written and uploaded in ${fmt(b.seconds)} s (${fmt(b.blocks)} blocks, ${fmt(b.samples)} samples, ${fmt(b.bytes / 2 ** 20)} MiB); compacted, downsampled and aged out by the Compactor in ${fmt(history.compactionSeconds)} s.${history.matchesLive === false ? " Its series did not line up with the live ones at Query." : ""}`,
    "",
    "Downsampled blocks count their samples as windows of aggregates (count, sum, min, max, counter), so their bytes are per window.",
    "",
    "| resolution | blocks | series | samples (raw) or windows | bytes | bytes per sample or window | projected at the seed's retention |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...history.usage.map((u) => `| ${u.resolution} | ${fmt(u.blocks)} | ${fmt(u.series)} | ${fmt(u.samples)} | ${fmt(u.bytes / 2 ** 20, 1)} MiB | ${fmt(u.bytesPerSample, 2)} | ${gb(p.bytes[u.resolution])} (${p.retention[u.resolution]}) |`),
    `| total | | | | | | ${gb(p.totalBytes)} against the seed's ${gb(p.seedBytes)} |`,
    "",
  ];
}

/** Every change measured in this run: the figure it was made for, before and after, side by side. */
export function beforeAndAfterSection(results: BenchResults): string[] {
  const b = results.beforeAndAfter;
  if (!b) return [];
  const latency = (s: LatencySummary | undefined) => `${fmt(s?.p50Ms)} / ${fmt(s?.p99Ms)} ms${s?.errors ? ` (${s.errors} failed)` : ""}`;
  // The queries ran at the first level; the agents' "before" at the first level too.
  const queried = results.levels.find((l) => l.queries);
  const rows = queried
    ? QUERY_RANGES.map((r) => `| Query engine | dashboard queries p50 / p99, ${r.name}, cold | ${latency(latencyOf(queried, r.name, "cold, before"))} | ${latency(latencyOf(queried, r.name, "cold"))} |`)
    : [];
  const changes = queried ? [`- Query engine: ${b.queryEngine.before} → ${b.queryEngine.after}.`] : [];
  const a = b.agents;
  const now = a && results.levels.find((l) => l.level === a.level.level);
  if (a && now) {
    const was = a.level;
    const at = `${now.level}x`;
    rows.push(
      `| Agents | end-to-end lag p50 / p99, ${at} | ${fmt(was.endToEndLag?.p50Seconds, 2)} / ${fmt(was.endToEndLag?.p99Seconds, 2)} s | ${fmt(now.endToEndLag?.p50Seconds, 2)} / ${fmt(now.endToEndLag?.p99Seconds, 2)} s |`,
      `| Agents | largest agent's peak RSS, ${at} | ${fmt(mib(was.window.agentRssMaxBytes))} MiB | ${fmt(mib(now.window.agentRssMaxBytes))} MiB |`,
      `| Agents | agent CPU, all agents, ${at} | ${fmt(was.window.agentCpuCoresTotal, 3)} cores | ${fmt(now.window.agentCpuCoresTotal, 3)} cores |`,
      `| Agents | samples/s ingested, ${at} | ${fmt(was.window.ingestedSamplesPerSecond)} | ${fmt(now.window.ingestedSamplesPerSecond)} |`,
    );
    changes.push(`- Agents: ${a.before} → ${a.after}.`);
  }
  if (rows.length === 0) return [];
  return [
    "## Before and after, in this run",
    "",
    ...changes,
    "",
    "| change | figure | before | after |",
    "|---|---|---:|---:|",
    ...rows,
    "",
    ...(a ? [`## Agents at ${a.level.level}x, before`, "", agentsTable(a.level)] : []),
  ];
}

const loadAverage = (averages: number[]) => averages.map((x) => x.toFixed(2)).join(" ");

export function markdownReport(results: BenchResults): string {
  const m = results.machine;
  return [
    `# Benchmark ${results.date}`,
    "",
    `Loopback platform on ${m.cpus} cores, ${fmt(m.memoryBytes / 2 ** 30)} GiB. Load average (1, 5 and 15 minutes): ${loadAverage(m.loadAverageStart)} at the start, ${loadAverage(m.loadAverageEnd)} at the end.`,
    "",
    "## Seed figures against the 1x level",
    "",
    markdownTable(seedTable(results)),
    "## Every level",
    "",
    levelsTable(results.levels),
    ...results.levels.flatMap((l) => [`## Agents at ${l.level}x`, "", agentsTable(l)]),
    ...beforeAndAfterSection(results),
    ...(results.history ? historySection(results.history) : []),
    ...results.notes.map((n) => `- ${n}`),
    "",
  ].join("\n");
}

/** The latency plot's input: the 1x level's latency by range and every level's lag readings. */
export function latencyPlotInput(results: BenchResults): LatencyPlotInput {
  const base = results.levels.find((l) => l.level === 1);
  const of = (range: string, cache: CacheState) => latencyOf(base, range, cache);
  return {
    ranges: QUERY_RANGES.filter((r) => of(r.name, "cold")).map((r) => ({
      range: r.name,
      coldP50Ms: of(r.name, "cold")?.p50Ms,
      coldP99Ms: of(r.name, "cold")?.p99Ms,
      cachedP50Ms: of(r.name, "cached")?.p50Ms,
      cachedP99Ms: of(r.name, "cached")?.p99Ms,
    })),
    lags: results.levels.map((l) => ({ level: l.level, sortedSeconds: l.endToEndLag?.sortedSeconds ?? [] })),
    goals: { queryP99Ms: SEED.queryP99Ms, lagSeconds: SEED.lagSeconds },
  };
}

/** Writes `<date>.json`, `<date>.md`, and when a level ran `<date>.svg`, and `<date>-latency.svg` when there are query timings or lag readings; returns the paths written. */
export function writeResults(dir: string, results: BenchResults): { json: string; markdown: string; svg?: string; latencySvg?: string } {
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, results.date);
  const latency = latencyPlotInput(results);
  const anyLatency = latency.ranges.length > 0 || latency.lags.some((l) => l.sortedSeconds.length > 0);
  const files = { json: `${base}.json`, markdown: `${base}.md`, svg: results.levels.length ? `${base}.svg` : undefined, latencySvg: anyLatency ? `${base}-latency.svg` : undefined };
  fs.writeFileSync(files.json, JSON.stringify(results, null, 2) + "\n");
  fs.writeFileSync(files.markdown, markdownReport(results));
  if (files.svg) fs.writeFileSync(files.svg, svgPlot(results.levels, `Loopback platform, ${results.date}: throughput and end-to-end lag against load`));
  if (files.latencySvg) fs.writeFileSync(files.latencySvg, svgLatencyPlot(latency, `Loopback platform, ${results.date}: dashboard latency by range (1x) and end-to-end lag distribution`));
  return files;
}
