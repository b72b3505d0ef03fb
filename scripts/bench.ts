/**
 * `npm run bench`: the seed's headline figures measured on the loopback platform (see
 * bench/). Starts the platform with the program's config and a load generator per agent,
 * measures each load level after a warm-up, times every dashboard query, synthesizes large
 * fleets, and writes bench/results/<date>.{json,md,svg}. Not part of `npm test`.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_DIR } from "../config/stack-files";
import { AgentPlan, readSynthOutput, runSynth } from "../loopback/synth-plan";
import { CounterProbe, probeScrapeJob } from "../loopback/counter-probe";
import { freePort, loopback, sleep } from "../loopback/process";
import { startPlatform, LocalPlatform } from "../loopback/local-platform";
import { findTool, ToolMissingError } from "../loopback/tools";
import { generatorSize, LoadGenerator, SEED_ACTIVE_SERIES, SEED_SCRAPE_INTERVAL_SECONDS, seriesShares, shardTargets, startLoadGenerator } from "../bench/load";
import { DashboardQuery, dashboardQueriesOf, LOAD_QUERY, measureQueries, summarizeQueries } from "../bench/queries";
import { BeforeAndAfter, BenchResults, ceilingOf, LevelResult, markdownTable, SEED, seedTable, verdict, writeResults } from "../bench/report";
import { EndToEndLag } from "../bench/end-to-end-lag";
import { HistoryResult, historyMatchesLive, runHistory } from "../bench/history-run";
import { Sampler, summarize } from "../bench/sampler";
import { measureSynthScale, scalingFactor, SynthScaleResult } from "../bench/synth-scale";
import { BenchArgs, BenchArgsError, BENCH_USAGE, parseBenchArgs } from "../bench/args";
import { agentPlanBefore, agentSettingsOf, AGENTS_BEFORE, AGENTS_BEFORE_NOTE, BEFORE, queryEngineOf } from "../bench/before";

const log = (line: string) => console.log(`bench: ${line}`);

function memAvailableBytes(): number {
  const match = /^MemAvailable:\s+(\d+) kB/m.exec(fs.readFileSync("/proc/meminfo", "utf8"));
  return match ? Number(match[1]) * 1024 : os.freemem();
}

/** Resizes every agent's generator to its share of `level` times the seed's series, on top of the agent's baseline. */
async function sizeGenerators(generators: Map<string, LoadGenerator>, agents: AgentPlan[], baseline: Map<string, number>, level: number): Promise<Record<string, number>> {
  const shares = seriesShares(agents, level * SEED_ACTIVE_SERIES);
  const sizes: Record<string, number> = {};
  for (const agent of agents) {
    const size = generatorSize(shares.get(agent.name)!, baseline.get(agent.name) ?? 0);
    sizes[agent.name] = await generators.get(agent.name)!.resize(size.series);
  }
  return sizes;
}

/** What the progress line shows: the level and phase running, and when the phase ends. */
interface Progress {
  level: number;
  phase: string;
  phaseEnds: number;
  began: number;
}

function startProgress(sampler: Sampler, state: Progress): NodeJS.Timeout {
  return setInterval(() => {
    const recent = summarize(sampler.since(Date.now() / 1000 - 30));
    const elapsed = Math.round((Date.now() - state.began) / 1000);
    const left = Math.max(0, Math.round((state.phaseEnds - Date.now()) / 1000));
    log(
      `[${Math.floor(elapsed / 60)}m${String(elapsed % 60).padStart(2, "0")}s] ${state.level ? `level ${state.level}x ` : ""}${state.phase} (${left}s left): ` +
        `${Math.round(recent.ingestedSamplesPerSecond ?? 0)} samples/s ingested, ${Math.round(recent.activeSeries ?? 0)} active series, ` +
        `lag p99 ${(recent.lagP99Seconds ?? 0).toFixed(2)}s, failed ${recent.failedSamples}, retried ${recent.retriedSamples}`,
    );
  }, 15_000);
}

/** Everything a level's measurement uses, set up once for the run. */
interface LevelRun {
  platform: LocalPlatform;
  args: BenchArgs;
  generators: Map<string, LoadGenerator>;
  sampler: Sampler;
  lag: EndToEndLag;
  progress: Progress;
  /** Active series per agent before any generator serves. */
  baseline: Map<string, number>;
  queries: DashboardQuery[];
}

/** What every agent carries before any generator: its own metrics, node-exporter's, the scrape's own series. */
async function measureBaseline(sampler: Sampler): Promise<Map<string, number>> {
  log("baseline: every agent's own series, before the load generators start");
  await sleep(2 * SEED_SCRAPE_INTERVAL_SECONDS * 1000 + 10_000);
  const first = (await sampler.read()) ?? sampler.readings[sampler.readings.length - 1];
  const baseline = new Map(first.agents.map((a) => [a.agent, a.activeSeries]));
  log(`baseline series per agent: ${[...baseline].map(([a, n]) => `${a} ${n}`).join(", ")}`);
  return baseline;
}

/** Why `level` is not started: the memory it would take on top of `previous`'s would leave less than the reserve available. */
function memoryGuard(run: LevelRun, previous: LevelResult | undefined, level: number): string | undefined {
  if (!previous) return undefined;
  const last = previous.window;
  const grow = level / previous.level - 1;
  const needed = grow * ((last.receiverRssBytes ?? 0) * run.platform.receivers.length + (last.agentRssMeanBytes ?? 0) * run.platform.fleet.agents.length);
  if (memAvailableBytes() - needed >= run.args.memoryReserveBytes) return undefined;
  return `memory guard: ${level}x would need about ${(needed / 2 ** 30).toFixed(1)} GiB more, leaving under ${(run.args.memoryReserveBytes / 2 ** 30).toFixed(0)} GiB available`;
}

/** Times the dashboard queries (and the one over every load series) through the Query Frontend while the level's load runs. */
async function timeQueries(run: LevelRun, level: number): Promise<LevelResult["queries"]> {
  Object.assign(run.progress, { phase: "queries", phaseEnds: Date.now() });
  const { timings, seedFigures } = await measureQueries({
    queryFrontendUrl: run.platform.urls.queryFrontend,
    queryUrl: run.platform.urls.query,
    queryFrontend: run.platform.processes.queryFrontend,
    queries: [...run.queries, LOAD_QUERY],
    beforeEngine: BEFORE.queryEngine,
    progress: (done, total) => done % 20 === 0 && log(`level ${level}x queries: ${done}/${total}`),
  });
  const queries = { summary: summarizeQueries(timings), loadQuery: summarizeQueries(timings, LOAD_QUERY.uid), timings, seedFigures };
  for (const s of queries.summary) log(`level ${level}x dashboard queries ${s.range} ${s.cache}: p50 ${s.p50Ms?.toFixed(0)} ms, p99 ${s.p99Ms?.toFixed(0)} ms, ${s.errors} errors`);
  for (const s of queries.loadQuery) log(`level ${level}x query over every load series ${s.range} ${s.cache}: ${s.p50Ms?.toFixed(0)} ms${s.errors ? " (failed)" : ""}`);
  for (const f of seedFigures) log(`level ${level}x after ${f.range}: Query's p99 ${Object.entries(f.p99SecondsByHandler).map(([h, v]) => `${h} ${(v * 1000).toFixed(0)} ms`).join(", ") || "n/a"}`);
  return queries;
}

/**
 * One level: the generators resized, a warm-up, the measurement window, its verdict, and the
 * queries when asked for (never for the agents' "before" run). The first level gets the longer window.
 */
async function measureLevel(run: LevelRun, level: number, opts: { withQueries: boolean } = { withQueries: true }): Promise<LevelResult> {
  const { args, progress } = run;
  const first = level === args.levels[0];
  const generatorSeries = await sizeGenerators(run.generators, run.platform.fleet.agents, run.baseline, level);
  const offeredSeries = level * SEED_ACTIVE_SERIES;
  const warmupMs = (first ? args.warmupMinutes : args.settleMinutes) * 60_000;
  const windowMs = (first ? args.minutes : args.levelMinutes) * 60_000;
  Object.assign(progress, { level, phase: "warm-up", phaseEnds: Date.now() + warmupMs });
  log(`level ${level}x: ${offeredSeries} active series (${Math.round(offeredSeries / SEED_SCRAPE_INTERVAL_SECONDS)} samples/s offered); warm-up ${warmupMs / 60_000} min`);
  await sleep(warmupMs);
  const windowStart = Date.now() / 1000;
  Object.assign(progress, { phase: "measuring", phaseEnds: Date.now() + windowMs });
  await sleep(windowMs);
  const window = summarize(run.sampler.since(windowStart));
  const endToEndLag = run.lag.summary(windowStart * 1000, Date.now());
  const offeredSamplesPerSecond = (window.activeSeries ?? offeredSeries) / SEED_SCRAPE_INTERVAL_SECONDS;
  const result: LevelResult = {
    level,
    offeredSeries,
    offeredSamplesPerSecond,
    generatorSeries,
    window,
    endToEndLag,
    verdict: verdict(window, offeredSamplesPerSecond, { lagP99Seconds: args.lagLimitSeconds, minIngestRatio: 0.95 }, endToEndLag),
  };
  log(`level ${level}x: ${Math.round(window.ingestedSamplesPerSecond ?? 0)} samples/s ingested, end-to-end lag p50 ${endToEndLag.p50Seconds?.toFixed(2)}s p99 ${endToEndLag.p99Seconds?.toFixed(2)}s (${endToEndLag.samples} probe samples), ${result.verdict.holds ? "holds" : `does not hold: ${result.verdict.reasons.join("; ")}`}`);
  if (opts.withQueries && args.queries && (args.queryLevels === "all" || first)) result.queries = await timeQueries(run, level);
  return result;
}

/**
 * The first level with every agent rolled to what the program deployed before (bench/before.ts),
 * then rolled back to the program's settings; measured like the first level, without queries.
 */
async function measureAgentsBefore(run: LevelRun): Promise<LevelResult> {
  const agents = run.platform.agents;
  const current = agents.map((a) => a.plan);
  log(`agents before: rolling every agent to ${AGENTS_BEFORE}`);
  await Promise.all(agents.map((a) => a.roll(agentPlanBefore(a.plan))));
  try {
    const result = await measureLevel(run, run.args.levels[0], { withQueries: false });
    log(`agents before: largest agent ${((result.window.agentRssMaxBytes ?? 0) / 2 ** 20).toFixed(0)} MiB, end-to-end lag p99 ${result.endToEndLag?.p99Seconds?.toFixed(2)}s`);
    return result;
  } finally {
    log("agents before: rolling every agent back to the program's settings");
    await Promise.all(agents.map((a, i) => a.roll(current[i])));
  }
}

interface PlatformRun {
  levels: LevelResult[];
  beforeAndAfter: BeforeAndAfter;
  stoppedBecause: string;
  history?: HistoryResult;
}

async function runLevels(platform: LocalPlatform, probe: CounterProbe, args: BenchArgs, generators: Map<string, LoadGenerator>, began: number, notes: string[]): Promise<PlatformRun> {
  const sampler = new Sampler(
    platform.agents.map((a) => ({ name: a.plan.name, url: a.url })),
    platform.receivers.map((r) => ({ name: r.pod, url: `http://${loopback(r.ports.http)}` })),
  );
  sampler.start();
  const lag = new EndToEndLag(probe, platform.urls.query);
  lag.start();
  const progress: Progress = { level: 0, phase: "baseline", phaseEnds: Date.now() + 40_000, began };
  const progressTimer = startProgress(sampler, progress);
  const levels: LevelResult[] = [];
  let stoppedBecause = "";
  let history: HistoryResult | undefined;
  const beforeAndAfter: BeforeAndAfter = { queryEngine: { before: BEFORE.queryEngine, after: queryEngineOf(platform.fleet.central.thanos.query) } };
  try {
    const baseline = await measureBaseline(sampler);
    if (args.history.length > 0) {
      Object.assign(progress, { phase: "history", phaseEnds: Date.now() + 15 * 60_000 });
      history = await runHistory({ platform, generators, baseline, tiers: args.history, shards: args.targetsPerAgent, log });
    }
    const run: LevelRun = { platform, args, generators, sampler, lag, progress, baseline, queries: dashboardQueriesOf(path.join(platform.dir, "synth"), platform.fleet.central.stack) };
    if (args.agentsBefore) {
      const after = agentSettingsOf(platform.agents[0].plan);
      beforeAndAfter.agents = { before: AGENTS_BEFORE, after, level: await measureAgentsBefore(run) };
      notes.push(AGENTS_BEFORE_NOTE);
    }
    const planned = [...args.levels];
    for (let i = 0; i < planned.length; i++) {
      const level = planned[i];
      const guard = memoryGuard(run, levels[levels.length - 1], level);
      if (guard) {
        stoppedBecause = guard;
        notes.push(`Stopped before ${level}x: ${guard}.`);
        break;
      }
      const result = await measureLevel(run, level);
      levels.push(result);
      if (history && history.matchesLive === undefined) {
        history.matchesLive = await historyMatchesLive(platform.urls.query, platform.fleet.agents.length);
        if (!history.matchesLive) notes.push("The history's series and the live ones did not line up as one series per agent at Query: their labels differ, so ranges over both read twice the series.");
      }
      if (!result.verdict.holds) {
        stoppedBecause = `${level}x did not hold: ${result.verdict.reasons.join("; ")}`;
        break;
      }
      // Upward past the listed levels, doubling, until a level does not hold.
      if (i === planned.length - 1 && level * 2 <= args.maxLevel) planned.push(level * 2);
    }
  } finally {
    clearInterval(progressTimer);
    sampler.stop();
    lag.stop();
  }
  return { levels, beforeAndAfter, stoppedBecause: stoppedBecause || `the last level asked for (${levels[levels.length - 1]?.level}x) held`, history };
}

/** The options, or exit 2 with the usage when they are wrong. */
function argsOrExit(argv: string[]): BenchArgs {
  try {
    return parseBenchArgs(argv);
  } catch (err) {
    if (!(err instanceof BenchArgsError)) throw err;
    console.error(`bench: ${err.message}\n${BENCH_USAGE}`);
    process.exit(2);
  }
}

/** Every program the bench runs is there before anything starts: the built tools. */
function checkPrerequisites(): void {
  const missing = (["thanos", "prometheus", "alertmanager", "minio", "mc", "node_exporter", "loadgen"] as const).find((bin) => !findTool(bin));
  if (missing) throw new ToolMissingError(missing);
}

/** One generator per agent, serving nothing until the first level; all stopped again if one fails to start. */
async function startGenerators(dir: string, agents: AgentPlan[], args: BenchArgs): Promise<Map<string, LoadGenerator>> {
  const generators = new Map<string, LoadGenerator>();
  try {
    for (const agent of agents) {
      generators.set(agent.name, await startLoadGenerator({ dir, name: agent.name, port: await freePort(), series: 0, valueInterval: args.valueInterval }));
    }
  } catch (err) {
    await stopGenerators(generators);
    throw err;
  }
  return generators;
}

const stopGenerators = (generators: Map<string, LoadGenerator>) => Promise.all([...generators.values()].map((g) => g.process.stop()));

/** The platform on loopback with a generator per agent, run through the levels, then stopped (also on Ctrl-C). */
async function benchPlatform(dir: string, args: BenchArgs, began: number, notes: string[]): Promise<PlatformRun> {
  const synthDir = path.join(dir, "synth");
  log("synth: the program's output for every stack file");
  await runSynth(synthDir);
  const fleet = readSynthOutput(synthDir);
  // Generators and the lag probe first: their ports are taken before the platform picks its own.
  const generators = await startGenerators(dir, fleet.agents, args);
  const probe = await CounterProbe.start(await freePort());
  let platform: LocalPlatform;
  try {
    platform = await startPlatform({
      dir,
      synthDir,
      scrapeInterval: `${SEED_SCRAPE_INTERVAL_SECONDS}s`,
      extraScrapeJobs: (agent) => [{ job: "loadgen", targets: shardTargets(new URL(generators.get(agent.name)!.url).host, args.targetsPerAgent) }, probeScrapeJob(probe, agent.name)],
      log,
    });
  } catch (err) {
    await Promise.all([stopGenerators(generators), probe.stop()]);
    throw err;
  }
  const stop = async () => {
    await Promise.all([stopGenerators(generators), probe.stop()]);
    await platform.stop();
  };
  process.once("SIGINT", () => void stop().then(() => process.exit(130)));
  try {
    return await runLevels(platform, probe, args, generators, began, notes);
  } finally {
    log("stopping the platform");
    await stop();
  }
}

/** How to read the figures, after the notes the run itself added. */
function methodNotes(args: BenchArgs): string[] {
  return [
    args.history.length > 0
      ? `History: the 1x load's series backfilled for ${Math.max(...args.history.map((t) => t.fromDays))} days before the load, ending an hour before it, then compacted, downsampled and aged out by the Compactor with the program's flags. The time axis is compressed: a real fleet samples every ${SEED_SCRAPE_INTERVAL_SECONDS}s, the history ${args.history.map((t) => `every ${t.stepSeconds}s back to ${t.fromDays} day(s)`).join(", ")}. So a panel reads ${args.history.map((t) => `${Math.round(t.stepSeconds / SEED_SCRAPE_INTERVAL_SECONDS)}x fewer raw samples back to ${t.fromDays} day(s)`).join(", ")} than over a real fleet's, and where the step is longer than 5m only one 5m window in (step / 5m) holds data. The series, their labels and the block layout are a real fleet's; the generator redraws a gauge at every history sample, but every 30s live. The 1h range reads only the live minutes.`
      : "The platform is minutes old when queried: a 24h range query covers the whole path (Query Frontend splitting and caching, Query, every store) but only minutes of data.",
    `A level holds with no failed, dropped or rejected samples, end-to-end lag p99 within ${args.lagLimitSeconds}s and at least 95% of the offered samples/s ingested; ${
      args.maxLevel > 0 ? `the levels double past the last one listed until one does not hold (at most ${args.maxLevel}x)` : "only the listed levels run"
    }.`,
    "Lag end to end: every agent also scrapes a counter whose every value is timed as it is served (the fault tests' probe); Query is polled every 200ms for each agent's newest value, and a value's lag is from its scrape to the poll that first returned it, so each reading is known to within 200ms plus one query.",
    "Agent and receiver figures come from their own /metrics, read every 2s; the queue lag is prometheus_remote_storage_queue_highest_timestamp_seconds minus ..._queue_highest_sent_timestamp_seconds, per agent, which Prometheus sets in whole seconds.",
    "Query latency: each query as Grafana sends it (graphs as range queries, tables and stats as instant queries at the range's end), once cold (right after a restart of the Query Frontend, empty results cache) and once again (cached; the frontend caches no instant query), one at a time, while the load runs; and once cold with engine= naming the engine Query ran before (the frontend's cache key includes it), the two cold calls in alternating order. A query that takes over 60 s (Grafana's proxy gives up at 30 s) counts as failed.",
    "The generators serve the metric families the dashboards and alert rules read (node-exporter, kube-state-metrics, cAdvisor, kubelet volume stats) with their exporters' label names, so the dashboard queries read the load; the query over every load series (count by cluster and tenant) shows the read path at the fleet's scale.",
  ];
}

interface BenchRun {
  args: BenchArgs;
  beforeAndAfter?: BeforeAndAfter;
  started: Date;
  loadAverageStart: number[];
  levels: LevelResult[];
  stoppedBecause: string;
  history?: HistoryResult;
  synthRuns: SynthScaleResult[];
  notes: string[];
}

function benchResults(run: BenchRun): BenchResults {
  const ceiling = ceilingOf(run.levels);
  return {
    date: run.started.toISOString().slice(0, 10),
    startedAt: run.started.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      memoryBytes: os.totalmem(),
      loadAverageStart: run.loadAverageStart,
      loadAverageEnd: os.loadavg(),
    },
    settings: { ...run.args, dir: undefined, scrapeInterval: `${SEED_SCRAPE_INTERVAL_SECONDS}s` },
    seed: SEED,
    levels: run.levels,
    ceiling: ceiling && {
      level: ceiling.level,
      activeSeries: ceiling.window.activeSeries,
      ingestedSamplesPerSecond: ceiling.window.ingestedSamplesPerSecond,
      appendedSamplesPerSecond: ceiling.window.appendedSamplesPerSecond,
      stoppedBecause: run.stoppedBecause,
    },
    synth: { runs: run.synthRuns, scalingFactor: scalingFactor(run.synthRuns) },
    history: run.history,
    beforeAndAfter: run.beforeAndAfter,
    notes: [...run.notes, ...methodNotes(run.args)],
  };
}

async function main(): Promise<void> {
  const args = argsOrExit(process.argv.slice(2));
  if (args.help) {
    console.log(BENCH_USAGE);
    return;
  }
  checkPrerequisites();
  const started = new Date();
  const loadAverageStart = os.loadavg();
  const dir = args.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "multicluster-bench-"));
  const notes: string[] = [];
  log(`work dir ${dir}; load average ${loadAverageStart.map((x) => x.toFixed(2)).join(" ")}`);

  const { levels, stoppedBecause, history, beforeAndAfter }: Partial<PlatformRun> & Pick<PlatformRun, "levels" | "stoppedBecause"> =
    args.levels.length > 0 ? await benchPlatform(dir, args, started.getTime(), notes) : { levels: [], stoppedBecause: "no level ran" };
  const synthRuns = args.synthSizes.length ? await measureSynthScale(args.synthSizes, log) : [];
  const results = benchResults({ args, started, loadAverageStart, levels, stoppedBecause, history, beforeAndAfter, synthRuns, notes });
  const files = writeResults(path.resolve(PROJECT_DIR, args.out), results);
  if (!args.dir) fs.rmSync(dir, { recursive: true, force: true });
  console.log("\n" + markdownTable(seedTable(results)));
  log(`results: ${files.json}`);
  log(`table:   ${files.markdown}`);
  if (files.svg) log(`plot:    ${files.svg}`);
  if (files.latencySvg) log(`plot:    ${files.latencySvg}`);
}

main().catch((err) => {
  console.error(`bench: ${(err as Error).message}`);
  process.exit(1);
});
