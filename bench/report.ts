/**
 * What the bench writes: the results JSON, the Markdown table (seed figure, measured,
 * ratio) and a PNG of throughput and lag against load (gnuplot).
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { LatencySummary, QueryTiming } from "./queries";
import { WindowSummary } from "./sampler";
import { SynthScaleResult } from "./synth-scale";

/** The seed's headline figures. */
export const SEED = {
  activeSeries: 110_000,
  samplesPerSecond: 7_800,
  lagSeconds: 2,
  queryP99Ms: 850,
  agentMemoryBytes: 256 * 2 ** 20,
} as const;

export interface LevelResult {
  level: number;
  /** Fleet-wide active series the generators were sized for. */
  offeredSeries: number;
  /** Samples/s that many series make at the scrape interval. */
  offeredSamplesPerSecond: number;
  generatorSeries: Record<string, number>;
  window: WindowSummary;
  verdict: Verdict;
  queries?: { summary: LatencySummary[]; loadQuery: LatencySummary[]; timings: QueryTiming[] };
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

/** Whether the platform keeps up at a level: no failed, dropped or rejected samples, bounded lag, the offered rate ingested. */
export function verdict(window: WindowSummary, offeredSamplesPerSecond: number, limits: HoldLimits): Verdict {
  const reasons: string[] = [];
  if (window.failedSamples > 0) reasons.push(`${window.failedSamples} samples failed`);
  if (window.droppedSamples > 0) reasons.push(`${window.droppedSamples} samples dropped`);
  if (window.rejectedSamples > 0) reasons.push(`${window.rejectedSamples} samples rejected by the receivers`);
  if (window.lagP99Seconds === undefined) reasons.push("no remote-write lag readings");
  else if (window.lagP99Seconds > limits.lagP99Seconds) reasons.push(`lag p99 ${window.lagP99Seconds.toFixed(1)}s over ${limits.lagP99Seconds}s`);
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
  machine: { cpus: number; memoryBytes: number; loadAverageStart: number[]; loadAverageEnd: number[]; note: string };
  settings: Record<string, unknown>;
  seed: typeof SEED;
  levels: LevelResult[];
  ceiling?: { level: number; activeSeries?: number; ingestedSamplesPerSecond?: number; appendedSamplesPerSecond?: number; stoppedBecause: string };
  synth: { runs: SynthScaleResult[]; scalingFactor?: number };
  notes: string[];
}

const fmt = (n: number | undefined, digits = 0) => (n === undefined || !Number.isFinite(n) ? "n/a" : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const mib = (bytes: number | undefined) => (bytes === undefined ? undefined : bytes / 2 ** 20);
const ratio = (measured: number | undefined, seed: number) => (measured === undefined ? "n/a" : `${(measured / seed).toFixed(2)}`);

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
  const q = (range: string, cache: string) => base?.queries?.summary.find((s) => s.range === range && s.cache === cache);
  const rows: TableRow[] = [
    { what: "Active series (fleet)", seed: fmt(SEED.activeSeries), measured: fmt(w?.activeSeries), ratio: ratio(w?.activeSeries, SEED.activeSeries) },
    { what: "Samples/s through remote write (ingested at the receivers)", seed: fmt(SEED.samplesPerSecond), measured: fmt(w?.ingestedSamplesPerSecond), ratio: ratio(w?.ingestedSamplesPerSecond, SEED.samplesPerSecond) },
    { what: "Replicated appends/s (all receivers)", seed: "", measured: fmt(w?.appendedSamplesPerSecond), ratio: "" },
    { what: "Failed / retried samples", seed: "", measured: w ? `${fmt(w.failedSamples)} / ${fmt(w.retriedSamples)}` : "n/a", ratio: "" },
    { what: "Remote-write lag p50", seed: "", measured: `${fmt(w?.lagP50Seconds, 2)} s`, ratio: "" },
    { what: "Remote-write lag p99", seed: `${SEED.lagSeconds} s`, measured: `${fmt(w?.lagP99Seconds, 2)} s`, ratio: ratio(w?.lagP99Seconds, SEED.lagSeconds) },
  ];
  for (const range of ["1h", "24h"]) {
    for (const cache of ["cold", "cached"]) {
      const s = q(range, cache);
      rows.push({
        what: `Query latency p50 / p99, ${range}, ${cache}${s?.errors ? ` (${s.errors} errors)` : ""}`,
        seed: `${SEED.queryP99Ms} ms (p99)`,
        measured: `${fmt(s?.p50Ms)} / ${fmt(s?.p99Ms)} ms`,
        ratio: ratio(s?.p99Ms, SEED.queryP99Ms),
      });
    }
  }
  const load = (range: string) => ["cold", "cached"].map((cache) => base?.queries?.loadQuery.find((s) => s.range === range && s.cache === cache));
  for (const range of ["1h", "24h"]) {
    const [cold, cached] = load(range);
    if (cold?.queries) rows.push({ what: `Query over every load series (not a dashboard query), ${range}, cold / cached`, seed: "", measured: `${fmt(cold.p50Ms)} / ${fmt(cached?.p50Ms)} ms`, ratio: "" });
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
    "| level | active series | offered samples/s | ingested samples/s | appends/s | lag p50 / p99 | failed / retried | receiver RSS | agent peak RSS | holds |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ...levels.map((l) => {
      const w = l.window;
      return `| ${l.level}x | ${fmt(w.activeSeries)} | ${fmt(l.offeredSamplesPerSecond)} | ${fmt(w.ingestedSamplesPerSecond)} | ${fmt(w.appendedSamplesPerSecond)} | ${fmt(w.lagP50Seconds, 2)} / ${fmt(w.lagP99Seconds, 2)} s | ${fmt(w.failedSamples)} / ${fmt(w.retriedSamples)} | ${fmt(mib(w.receiverRssBytes))} MiB | ${fmt(mib(w.agentRssMaxBytes))} MiB | ${l.verdict.holds ? "yes" : `no: ${l.verdict.reasons.join("; ")}`} |`;
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

export function markdownReport(results: BenchResults): string {
  const m = results.machine;
  return [
    `# Benchmark ${results.date}`,
    "",
    `Loopback platform on ${m.cpus} cores, ${fmt(m.memoryBytes / 2 ** 30)} GiB; load average ${m.loadAverageStart.map((x) => x.toFixed(2)).join(" ")} at the start, ${m.loadAverageEnd.map((x) => x.toFixed(2)).join(" ")} at the end. ${m.note}`,
    "",
    "## Seed figures against the 1x level",
    "",
    markdownTable(seedTable(results)),
    "## Every level",
    "",
    levelsTable(results.levels),
    ...results.levels.flatMap((l) => [`## Agents at ${l.level}x`, "", agentsTable(l)]),
    ...results.notes.map((n) => `- ${n}`),
    "",
  ].join("\n");
}

/** gnuplot data: level, offered samples/s, ingested samples/s, lag p50, lag p99. */
export function plotData(levels: LevelResult[]): string {
  return levels.map((l) => [l.level, l.offeredSamplesPerSecond, l.window.ingestedSamplesPerSecond ?? NaN, l.window.lagP50Seconds ?? NaN, l.window.lagP99Seconds ?? NaN].join(" ")).join("\n") + "\n";
}

export const GNUPLOT_MISSING = "gnuplot is not installed: apt-get install -y gnuplot-nox";

/** Renders the throughput and lag plot with gnuplot; rejects with the install command when gnuplot is missing. */
export function renderPlot(levels: LevelResult[], pngFile: string, title: string): Promise<void> {
  const dataFile = `${pngFile}.dat`;
  // Headroom above the highest point, so no line runs along the frame.
  const finite = (xs: (number | undefined)[]) => xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
  const rateMax = Math.max(1, ...finite(levels.flatMap((l) => [l.offeredSamplesPerSecond, l.window.ingestedSamplesPerSecond]))) * 1.15;
  const lagMax = Math.max(1, ...finite(levels.map((l) => l.window.lagP99Seconds))) * 1.3;
  fs.writeFileSync(dataFile, plotData(levels));
  const script = [
    `set terminal pngcairo size 1000,600 font ",11"`,
    `set output ${JSON.stringify(pngFile)}`,
    `set title ${JSON.stringify(title)}`,
    `set xlabel "offered load (fleet active series at 15s, multiples of the seed's 110k)"`,
    `set ylabel "samples/s"`,
    `set y2label "remote-write lag (s)"`,
    `set logscale x 2`,
    `set xtics (${levels.map((l) => `"${l.level}x" ${l.level}`).join(", ")})`,
    `set ytics nomirror`,
    `set y2tics`,
    `set yrange [0:${rateMax.toFixed(0)}]`,
    `set y2range [0:${lagMax.toFixed(1)}]`,
    `set grid`,
    `set key top left`,
    `plot ${JSON.stringify(dataFile)} using 1:2 with linespoints lw 2 title "offered samples/s", ` +
      `"" using 1:3 with linespoints lw 2 title "ingested samples/s", ` +
      `"" using 1:4 axes x1y2 with linespoints lw 2 dt 2 title "lag p50 (s, right axis)", ` +
      `"" using 1:5 axes x1y2 with linespoints lw 2 dt 4 title "lag p99 (s, right axis)"`,
  ].join("\n");
  return new Promise((resolve, reject) => {
    const child = execFile("gnuplot", [], (err, _stdout, stderr) => {
      fs.rmSync(dataFile, { force: true });
      if (err && (err as NodeJS.ErrnoException).code === "ENOENT") reject(new Error(GNUPLOT_MISSING));
      else if (err) reject(new Error(`gnuplot: ${stderr.trim()}`));
      else resolve();
    });
    child.stdin?.end(script);
  });
}

export function writeResults(dir: string, results: BenchResults): { json: string; markdown: string; png: string } {
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, results.date);
  const files = { json: `${base}.json`, markdown: `${base}.md`, png: `${base}.png` };
  fs.writeFileSync(files.json, JSON.stringify(results, null, 2) + "\n");
  fs.writeFileSync(files.markdown, markdownReport(results));
  return files;
}
