/** `npm run bench` options. */
import { durationMs } from "../config/duration";
import { DEFAULT_HISTORY, HistoryTier } from "./history";

export interface BenchArgs {
  help: boolean;
  /** Load levels, multiples of the seed's 110k active series, ascending. */
  levels: number[];
  /** Keep doubling past the last listed level, while levels hold, up to this multiple. */
  maxLevel: number;
  /** Measurement window of the first level, minutes. */
  minutes: number;
  /** Warm-up before the first level's window, minutes. */
  warmupMinutes: number;
  /** Measurement window of every higher level, minutes. */
  levelMinutes: number;
  /** Warm-up after every level change, minutes. */
  settleMinutes: number;
  queries: boolean;
  /** Run the first level once more, before it, with the agents' settings from before (bench/before.ts). */
  agentsBefore: boolean;
  /** Time the dashboard queries at every level, or at the first only. */
  queryLevels: "all" | "first";
  /** Fleet sizes (edge stacks) of the synth runs; empty skips them. */
  synthSizes: number[];
  /** Scrape targets each agent's generator is split into. */
  targetsPerAgent: number;
  valueInterval: string;
  lagLimitSeconds: number;
  /** Memory left available below which the bench goes no higher. */
  memoryReserveBytes: number;
  /** Weeks of history backfilled before the levels, by age and sample spacing; empty: none. */
  history: HistoryTier[];
  /** Results directory, relative to the project. */
  out: string;
  /** Work directory to keep (default: a temporary one, removed). */
  dir?: string;
}

export const BENCH_USAGE = `Usage: npm run bench [-- options]
  --levels 1,2,4        load levels, multiples of the seed's 110k active series (default 1,2,4)
  --max-level N         keep doubling past the last level while levels hold, up to N (default 16; 0: only --levels)
  --minutes N           measurement window of the first level (default 5)
  --warmup N            warm-up before it (default 2)
  --level-minutes N     window of every higher level (default 2)
  --settle N            warm-up after each level change (default 1)
  --no-queries          skip the dashboard query latency (each query also runs cold with the engine from before)
  --no-agents-before    skip the first level's extra run with the agents' settings from before (bench/before.ts)
  --query-levels L      all | first: the levels whose dashboard queries are timed (default all)
  --synth-sizes 25,50,100  edge stacks of the synth-at-scale runs (default 25,50,100; "" skips)
  --targets-per-agent N  scrape targets each agent's generator is split into (default 10)
  --lag-limit S         lag p99 (seconds) above which a level does not hold (default 15, one scrape interval)
  --history T           history backfilled into the bucket and compacted before the levels, as
                        DAYS:STEP tiers by age (default 1:60s,7:5m,30:15m: a day at 60s, the
                        week at 5m, 30 days at 15m); 0 skips it
  --out DIR             results directory (default bench/results)
  --dir DIR             keep the platform's data, configs and logs in DIR
Durations are in minutes (fractions allowed). Writes <out>/<YYYY-MM-DD>.json, .md and .svg.`;

export class BenchArgsError extends Error {}

const DEFAULTS: BenchArgs = {
  help: false,
  levels: [1, 2, 4],
  maxLevel: 16,
  minutes: 5,
  warmupMinutes: 2,
  levelMinutes: 2,
  settleMinutes: 1,
  queries: true,
  agentsBefore: true,
  queryLevels: "all",
  synthSizes: [25, 50, 100],
  targetsPerAgent: 10,
  valueInterval: "30s",
  lagLimitSeconds: 15,
  memoryReserveBytes: 4 * 2 ** 30,
  history: [...DEFAULT_HISTORY],
  out: "bench/results",
};

function number(flag: string, text: string | undefined, min: number): number {
  const n = Number(text);
  if (text === undefined || text === "" || !Number.isFinite(n) || n < min) throw new BenchArgsError(`${flag}: expected a number of at least ${min}, got ${text ?? "nothing"}`);
  return n;
}

function integer(flag: string, text: string | undefined, min: number): number {
  const n = number(flag, text, min);
  if (!Number.isInteger(n)) throw new BenchArgsError(`${flag}: expected a whole number, got ${text}`);
  return n;
}

function list(flag: string, text: string | undefined, min: number): number[] {
  if (text === undefined) throw new BenchArgsError(`${flag}: expected a comma-separated list`);
  if (text.trim() === "") return [];
  const values = text.split(",").map((x) => number(flag, x.trim(), min));
  if (values.some((v, i) => i > 0 && v <= values[i - 1])) throw new BenchArgsError(`${flag}: expected ascending values, got ${text}`);
  return values;
}

function directory(flag: string, text: string | undefined): string {
  if (!text) throw new BenchArgsError(`${flag}: expected a directory`);
  return text;
}

function queryLevels(flag: string, text: string | undefined): BenchArgs["queryLevels"] {
  if (text !== "all" && text !== "first") throw new BenchArgsError(`${flag}: expected all or first, got ${text ?? "nothing"}`);
  return text;
}

/** `DAYS:STEP,...` history tiers (e.g. 1:60s,7:5m,30:15m), or none for "0". */
function historyTiers(flag: string, text: string | undefined): HistoryTier[] {
  if (text === undefined) throw new BenchArgsError(`${flag}: expected DAYS:STEP tiers, or 0`);
  if (text.trim() === "0") return [];
  return text.split(",").map((part) => {
    const match = /^(\d+(?:\.\d+)?):(\d+[smh])$/.exec(part.trim());
    const stepSeconds = match ? durationMs(match[2]) / 1000 : NaN;
    if (!match || !(Number(match[1]) > 0) || !(stepSeconds >= 10)) throw new BenchArgsError(`${flag}: "${part}" is not DAYS:STEP with DAYS above 0 and a STEP of at least 10s (e.g. 1:60s,7:5m,30:15m)`);
    return { fromDays: Number(match[1]), stepSeconds };
  });
}

/** The options that take a value: how each reads it into the options. */
const VALUE_FLAGS = new Map<string, (args: BenchArgs, flag: string, text: string | undefined) => void>([
  ["--levels", (a, f, t) => void (a.levels = list(f, t, 0.001))],
  ["--max-level", (a, f, t) => void (a.maxLevel = number(f, t, 0))],
  ["--minutes", (a, f, t) => void (a.minutes = number(f, t, 0.1))],
  ["--warmup", (a, f, t) => void (a.warmupMinutes = number(f, t, 0))],
  ["--level-minutes", (a, f, t) => void (a.levelMinutes = number(f, t, 0.1))],
  ["--settle", (a, f, t) => void (a.settleMinutes = number(f, t, 0))],
  ["--query-levels", (a, f, t) => void (a.queryLevels = queryLevels(f, t))],
  ["--synth-sizes", (a, f, t) => void (a.synthSizes = list(f, t, 1))],
  ["--targets-per-agent", (a, f, t) => void (a.targetsPerAgent = integer(f, t, 1))],
  ["--lag-limit", (a, f, t) => void (a.lagLimitSeconds = number(f, t, 0.1))],
  ["--history", (a, f, t) => void (a.history = historyTiers(f, t))],
  ["--out", (a, f, t) => void (a.out = directory(f, t))],
  ["--dir", (a, f, t) => void (a.dir = directory(f, t))],
]);

export function parseBenchArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const readValue = VALUE_FLAGS.get(flag);
    if (flag === "--help" || flag === "-h") args.help = true;
    else if (flag === "--no-queries") args.queries = false;
    else if (flag === "--no-agents-before") args.agentsBefore = false;
    else if (readValue) readValue(args, flag, argv[++i]);
    else throw new BenchArgsError(`unknown argument ${flag}`);
  }
  if (args.levels.length === 0 && args.synthSizes.length === 0) throw new BenchArgsError("--levels and --synth-sizes are both empty: nothing to measure");
  return args;
}
