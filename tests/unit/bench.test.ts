/** The benchmark's pure parts: exposition parsing, statistics, load sizing, window figures, verdicts, report. */
import { BenchArgsError, parseBenchArgs } from "../../bench/args";
import { generatorSize, loadgenArgs, seriesPerNode, seriesShares, shardTargets } from "../../bench/load";
import { parseExposition, sumOf } from "../../bench/metrics";
import { dashboardQueriesFromPlan, exprFor, QUERY_RANGES, QueryTiming, summarizeQueries } from "../../bench/queries";
import { svgLatencyPlot, svgPlot } from "../../bench/plot";
import { agentsTable, beforeAndAfterSection, BenchResults, ceilingOf, LevelResult, markdownReport, markdownTable, SEED, seedTable, verdict, writeResults } from "../../bench/report";
import { agentReading, Reading, receiverReading, summarize, WindowSummary } from "../../bench/sampler";
import { increase, percentile, ratePerSecond } from "../../bench/stats";
import { edgeStackFile, scalingFactor } from "../../bench/synth-scale";
import { parseStackConfig } from "../../config/stack";
import { agentPlanBefore, agentSettingsOf, AGENTS_BEFORE, BEFORE, queryEngineOf } from "../../bench/before";
import { ThanosValues } from "../../components/central/thanos-values";
import { AgentPlan } from "../../loopback/synth-plan";
import * as fs from "fs";
import * as path from "path";
import { mockKubeconfigFor } from "../../synth/pulumi-config";
import { synthesize } from "../../synth/synth";
import { PROJECT_DIR, scratchDir } from "../support";

describe("exposition format", () => {
  const text = [
    "# HELP prometheus_remote_storage_samples_total Total number of samples sent to remote storage.",
    "# TYPE prometheus_remote_storage_samples_total counter",
    'prometheus_remote_storage_samples_total{remote_name="central",url="http://127.0.0.1:1/api/v1/receive"} 12345',
    'thanos_receive_write_samples_sum{code="200",tenant="cluster-03"} 1.5e+06',
    'thanos_receive_write_samples_sum{code="503",tenant="cluster-03"} 20',
    'weird{a="quote \\" and , comma}",b="back\\\\slash"} NaN',
    "process_resident_memory_bytes 2.68435456e+08 1700000000000",
    'bucket{le="+Inf"} +Inf',
    "",
  ].join("\n");

  test("samples with labels, escapes, exponents, timestamps and special values", () => {
    const samples = parseExposition(text);
    expect(samples).toHaveLength(6);
    expect(samples[0]).toEqual({ name: "prometheus_remote_storage_samples_total", labels: { remote_name: "central", url: "http://127.0.0.1:1/api/v1/receive" }, value: 12345 });
    expect(samples[3].labels).toEqual({ a: 'quote " and , comma}', b: "back\\slash" });
    expect(samples[3].value).toBeNaN();
    expect(samples[4].value).toBe(268435456);
    expect(samples[5].value).toBe(Infinity);
  });

  test("sums by name and label match; undefined when absent", () => {
    const samples = parseExposition(text);
    expect(sumOf(samples, "thanos_receive_write_samples_sum")).toBe(1500020);
    expect(sumOf(samples, "thanos_receive_write_samples_sum", { code: "200" })).toBe(1.5e6);
    expect(sumOf(samples, "nothing")).toBeUndefined();
  });

  test("a malformed line is named", () => {
    expect(() => parseExposition('ok 1\nbad{a="x" 2')).toThrow(/line 2: .*bad\{a="x" 2/);
    expect(() => parseExposition("novalue")).toThrow(/line 1: bad value/);
  });
});

describe("statistics", () => {
  test("percentiles interpolate between closest ranks", () => {
    const values = Array.from({ length: 101 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([1, 2], 50)).toBe(1.5);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
    expect(() => percentile([1], 101)).toThrow("expected 0..100");
  });

  test("counter rates count a drop as a reset, as rate() does", () => {
    expect(ratePerSecond([{ t: 0, value: 100 }, { t: 10, value: 200 }])).toBe(10);
    // 100 -> 150 (+50), restart -> 30 (+30), -> 60 (+30)
    const restarted = [{ t: 0, value: 100 }, { t: 5, value: 150 }, { t: 10, value: 30 }, { t: 20, value: 60 }];
    expect(increase(restarted)).toBe(110);
    expect(ratePerSecond(restarted)).toBe(5.5);
    expect(ratePerSecond([{ t: 0, value: 1 }])).toBeUndefined();
  });
});

describe("load sizing", () => {
  const agents = [
    { name: "cluster-02", cluster: "cluster-02" },
    { name: "cluster-02-tenant-a", cluster: "cluster-02" },
    { name: "cluster-02-tenant-b", cluster: "cluster-02" },
    { name: "cluster-03", cluster: "cluster-03" },
    { name: "cluster-04", cluster: "cluster-04" },
  ];

  test("each edge cluster an equal share, split between its agents, adding up to the total", () => {
    const shares = seriesShares(agents, 110_000);
    expect([...shares.values()].reduce((a, b) => a + b, 0)).toBe(110_000);
    expect(shares.get("cluster-03")).toBeGreaterThanOrEqual(36_666);
    expect(shares.get("cluster-03")).toBeLessThanOrEqual(36_667);
    const cluster02 = shares.get("cluster-02")! + shares.get("cluster-02-tenant-a")! + shares.get("cluster-02-tenant-b")!;
    expect(Math.abs(cluster02 - 110_000 / 3)).toBeLessThanOrEqual(1);
    expect(Math.abs(shares.get("cluster-02-tenant-a")! - 110_000 / 9)).toBeLessThan(1);
    expect(() => seriesShares([], 1)).toThrow("no agents");
  });

  test("generators fill each agent's share on top of what it already carries", () => {
    expect(seriesPerNode()).toBe(274);
    const size = generatorSize(36_667, 1_450);
    expect(size).toEqual({ nodes: 129, series: 129 * 274 });
    expect(Math.abs(size.series + 1_450 - 36_667)).toBeLessThanOrEqual(274 / 2);
    expect(generatorSize(1000, 2000)).toEqual({ nodes: 0, series: 0 });
  });

  test("a generator is split into scrape targets by URL parameter, each labelled", () => {
    expect(shardTargets("127.0.0.1:9001", 2)).toEqual([
      { address: "127.0.0.1:9001", labels: { __param_shard: "0", __param_shards: "2", shard: "0" } },
      { address: "127.0.0.1:9001", labels: { __param_shard: "1", __param_shards: "2", shard: "1" } },
    ]);
  });

  test("generator flags", () => {
    expect(loadgenArgs({ port: 9001, series: 1000, valueInterval: "30s" })).toEqual([
      "--listen-address=127.0.0.1:9001",
      "--series=1000",
      "--cpus-per-node=4",
      "--pods-per-node=10",
      "--containers-per-pod=2",
      "--volumes-per-node=2",
      "--value-interval=30s",
    ]);
  });
});

/** Two agents and one receiver read 10s apart. */
function readings(): Reading[] {
  const agent = (name: string, sent: number, failed: number, lag: number | undefined, rss: number, cpu: number) => ({
    agent: name,
    samplesSent: sent,
    samplesFailed: failed,
    samplesRetried: 0,
    samplesDropped: 0,
    lagSeconds: lag,
    activeSeries: 55_000,
    rssBytes: rss,
    cpuSeconds: cpu,
    shards: 1,
  });
  const receiver = (ok: number, appended: number) => ({ pod: "thanos-receive-0", writeSamplesOk: ok, writeSamplesFailed: 0, appended, headSeries: 110_000, rssBytes: 440e6, cpuSeconds: 0, replicationErrors: 0 });
  return [
    { t: 100, agents: [agent("a", 0, 0, 0.5, 100e6, 1), agent("b", 0, 0, undefined, 150e6, 2)], receivers: [receiver(0, 0)] },
    { t: 110, agents: [agent("a", 36_000, 0, 1.5, 120e6, 2), agent("b", 37_000, 10, 3, 140e6, 2.5)], receivers: [receiver(73_000, 219_000)] },
  ];
}

describe("window figures", () => {
  test("rates, errors, lag percentiles and resources over a window", () => {
    const w = summarize(readings());
    expect(w.seconds).toBe(10);
    expect(w.ingestedSamplesPerSecond).toBe(7300);
    expect(w.appendedSamplesPerSecond).toBe(21_900);
    expect(w.sentSamplesPerSecond).toBe(7300);
    expect(w.failedSamples).toBe(10);
    expect(w.lagP50Seconds).toBe(1.5);
    expect(w.lagMaxSeconds).toBe(3);
    expect(w.activeSeries).toBe(110_000);
    expect(w.receiverBytesPerSeries).toBe(4000);
    expect(w.agentRssMaxBytes).toBe(150e6);
    expect(w.agentCpuCoresMax).toBeCloseTo(0.1);
    expect(w.agentCpuCoresTotal).toBeCloseTo(0.15);
    expect(w.perAgent.map((a) => [a.agent, a.lagP99Seconds, a.sentSamplesPerSecond, a.rssMaxBytes])).toEqual([
      ["a", expect.closeTo(1.49), 3600, 120e6],
      ["b", 3, 3700, 150e6],
    ]);
  });

  test("readings from an agent's and a receiver's own metrics", () => {
    const agent = agentReading(
      "cluster-03",
      parseExposition(
        [
          'prometheus_remote_storage_samples_total{remote_name="central"} 500',
          'prometheus_remote_storage_samples_failed_total{remote_name="central"} 2',
          'prometheus_remote_storage_queue_highest_timestamp_seconds{remote_name="central"} 1000.5',
          'prometheus_remote_storage_queue_highest_sent_timestamp_seconds{remote_name="central"} 998',
          "prometheus_agent_active_series 37000",
          "process_resident_memory_bytes 1e8",
        ].join("\n"),
      ),
    );
    expect(agent).toMatchObject({ samplesSent: 500, samplesFailed: 2, lagSeconds: 2.5, activeSeries: 37_000, rssBytes: 1e8 });
    const receiver = receiverReading(
      "thanos-receive-0",
      parseExposition(
        [
          'thanos_receive_write_samples_sum{code="200",tenant="a"} 100',
          'thanos_receive_write_samples_sum{code="503",tenant="a"} 7',
          'prometheus_tsdb_head_samples_appended_total{tenant="a",type="float"} 300',
          'prometheus_tsdb_head_series{tenant="a"} 50',
          'prometheus_tsdb_head_series{tenant="b"} 60',
          'thanos_receive_replications_total{result="error"} 1',
          'thanos_receive_replications_total{result="success"} 9',
        ].join("\n"),
      ),
    );
    expect(receiver).toMatchObject({ writeSamplesOk: 100, writeSamplesFailed: 7, appended: 300, headSeries: 110, replicationErrors: 1 });
  });
});

const window = (patch: Partial<WindowSummary>): WindowSummary => ({
  seconds: 300,
  readings: 150,
  failedSamples: 0,
  retriedSamples: 0,
  droppedSamples: 0,
  rejectedSamples: 0,
  replicationErrors: 0,
  perAgent: [],
  ingestedSamplesPerSecond: 7300,
  lagP50Seconds: 0.2,
  lagP99Seconds: 1.8,
  ...patch,
});
const limits = { lagP99Seconds: 15, minIngestRatio: 0.95 };

describe("verdict and ceiling", () => {
  test("a level holds with no failures, bounded lag and the offered rate ingested", () => {
    expect(verdict(window({}), 7333, limits)).toEqual({ holds: true, reasons: [] });
    expect(verdict(window({ failedSamples: 3, lagP99Seconds: 40 }), 7333, limits).reasons).toEqual(["3 samples failed", "remote-write lag p99 40.00s over 15s"]);
    // Measured end to end, that lag decides, not the queue gauges.
    const endToEnd = { samples: 90, p50Seconds: 0.4, p99Seconds: 16.5, pollMs: 200 };
    expect(verdict(window({ lagP99Seconds: 1 }), 7333, limits, endToEnd).reasons).toEqual(["end-to-end lag p99 16.50s over 15s"]);
    expect(verdict(window({ lagP99Seconds: 40 }), 7333, limits, { ...endToEnd, p99Seconds: 1.2 }).holds).toBe(true);
    expect(verdict(window({}), 7333, limits, { samples: 0, pollMs: 200 }).reasons).toEqual(["no end-to-end lag readings"]);
    expect(verdict(window({ ingestedSamplesPerSecond: 6000 }), 7333, limits).reasons[0]).toMatch(/ingested 6000 samples\/s, under 95% of the offered 7333/);
    expect(verdict(window({ lagP99Seconds: undefined }), 7333, limits).holds).toBe(false);
  });

  const level = (n: number, holds: boolean): LevelResult => ({
    level: n,
    offeredSeries: n * 110_000,
    offeredSamplesPerSecond: (n * 110_000) / 15,
    generatorSeries: {},
    window: window({ ingestedSamplesPerSecond: (n * 110_000) / 15 }),
    verdict: { holds, reasons: holds ? [] : ["lag"] },
  });

  test("the ceiling is the highest level below the first that does not hold", () => {
    expect(ceilingOf([level(1, true), level(2, true), level(4, false)])?.level).toBe(2);
    expect(ceilingOf([level(1, false), level(2, true)])).toBeUndefined();
    expect(ceilingOf([level(4, true), level(1, true), level(2, true)])?.level).toBe(4);
  });

  test("the seed table compares the 1x level with the seed's figures", () => {
    const one = level(1, true);
    one.window = window({ activeSeries: 112_200, ingestedSamplesPerSecond: 7480, lagP99Seconds: 1, agentRssMaxBytes: 128 * 2 ** 20 });
    one.endToEndLag = { samples: 150, p50Seconds: 0.6, p99Seconds: 1.4, maxSeconds: 1.9, pollMs: 200 };
    one.queries = {
      timings: [],
      loadQuery: summarizeQueries([{ uid: "load", panel: "all", range: "1h", coldMs: 900, cachedMs: 40 }], "load"),
      summary: summarizeQueries([
        { uid: "d", panel: "p", range: "1h", coldMs: 100, cachedMs: 10 },
        { uid: "d", panel: "q", range: "1h", coldMs: 300, cachedMs: 20 },
        { uid: "d", panel: "p", range: "24h", error: "HTTP 422: boom" },
      ] satisfies QueryTiming[]),
      seedFigures: [{ range: "30d", seedExprSeries: 0, p99SecondsByHandler: { query: 0.3, query_range: 1.7 } }],
    };
    const history = { projection: { retention: { raw: "7d", "5m": "30d", "1h": "180d" }, bytes: {}, totalBytes: 34e9, seedBytes: 340e9, ratio: 0.1 } };
    const results = { history, levels: [one, level(2, false)], synth: { runs: [{ edges: 100, stacks: 101, seconds: 5, maxRssBytes: 300 * 2 ** 20, msPerStack: 50 }] }, ceiling: { level: 1, activeSeries: 112_200, ingestedSamplesPerSecond: 7480, stoppedBecause: "2x did not hold: lag" } } as unknown as BenchResults;
    const rows = seedTable(results);
    const row = (what: string) => rows.find((r) => r.what.startsWith(what))!;
    expect(row("Active series")).toEqual({ what: "Active series (fleet)", seed: "110,000", measured: "112,200", ratio: "1.02" });
    expect(row("Samples/s").ratio).toBe((7480 / SEED.samplesPerSecond).toFixed(2));
    expect(row("Lag end to end, scrape to queryable through Query, p99")).toMatchObject({ seed: "2 s", measured: "1.40 s", ratio: "0.70" });
    expect(row("Lag end to end, scrape to queryable through Query, p50").measured).toBe("0.60 s");
    expect(row("Remote-write queue lag").measured).toBe("0.20 / 1.00 s");
    expect(row("Query latency p50 / p99, 1h, cold")).toMatchObject({ measured: "200 / 298 ms", ratio: (298 / 850).toFixed(2) });
    expect(row("Query latency p50 / p99, 24h, cold (1 failed, left out of the percentiles)").measured).toBe("n/a / n/a ms");
    expect(row("Query over every load series (not a dashboard query), 1h").measured).toBe("900 / 40 ms");
    expect(rows.some((r) => r.what.includes("load series") && r.what.includes("24h"))).toBe(false);
    expect(row("Agent memory")).toMatchObject({ seed: "256 MiB", measured: "128 MiB", ratio: "0.50" });
    expect(row("The seeds' figure after the 30d queries")).toMatchObject({ what: expect.stringContaining("thanos_query_api_* histogram: 0 series"), measured: "query 300 ms, query_range 1,700 ms", ratio: "2.00" });
    expect(row("Bucket at the seed's retention")).toMatchObject({ seed: "340 GB", measured: "34.0 GB", ratio: "0.10" });
    expect(row("Ceiling").measured).toBe("1x: 112,200 series, 7,480 samples/s (2x did not hold: lag)");
    expect(row("Synth of 100 edges").measured).toBe("5.0 s, 300 MiB max RSS");
    const md = markdownTable(rows);
    expect(md.split("\n")[0]).toBe("| | seed | measured | ratio |");
    expect(md).toContain("| Active series (fleet) | 110,000 | 112,200 | 1.02 |");
    one.window.perAgent = [{ agent: "cluster-03", activeSeries: 36_669, sentSamplesPerSecond: 2448.4, lagP50Seconds: 0, lagP99Seconds: 5, maxShards: 1, rssMaxBytes: 183 * 2 ** 20, cpuCores: 0.0114 }];
    expect(agentsTable(one).split("\n")[2]).toBe("| cluster-03 | 36,669 | 2,448 | 0.00 / 5.00 s | 183 MiB | 0.011 cores |");
  });

  test("each change's figures before and after, from the same run, side by side", () => {
    const one = level(1, true);
    one.endToEndLag = { samples: 150, p50Seconds: 0.6, p99Seconds: 1.4, pollMs: 200 };
    one.window = window({ agentRssMaxBytes: 110 * 2 ** 20, agentCpuCoresTotal: 0.1, ingestedSamplesPerSecond: 7300 });
    const timings: QueryTiming[] = [
      { uid: "d", panel: "p", range: "1h", instant: false, coldMs: 100, cachedMs: 10, beforeColdMs: 400 },
      { uid: "d", panel: "t", range: "1h", instant: true, coldMs: 300, cachedMs: 290, beforeError: "HTTP 503: timeout" },
    ];
    one.queries = { timings, loadQuery: [], summary: summarizeQueries(timings) };
    const before = level(1, true);
    before.endToEndLag = { samples: 150, p50Seconds: 0.8, p99Seconds: 2.3, pollMs: 200 };
    before.window = window({ agentRssMaxBytes: 180 * 2 ** 20, agentCpuCoresTotal: 0.09, ingestedSamplesPerSecond: 7290 });
    const run = {
      levels: [one],
      beforeAndAfter: { queryEngine: { before: "prometheus", after: "thanos" }, agents: { before: "deadline 2s", after: "deadline 1s", level: before } },
    } as unknown as BenchResults;
    const lines = beforeAndAfterSection(run);
    expect(lines[0]).toBe("## Before and after, in this run");
    expect(lines).toContain("- Query engine: prometheus → thanos.");
    expect(lines).toContain("- Agents: deadline 2s → deadline 1s.");
    expect(lines).toContain("| Query engine | dashboard queries p50 / p99, 1h, cold | 400 / 400 ms (1 failed) | 200 / 298 ms |");
    expect(lines).toContain("| Agents | end-to-end lag p50 / p99, 1x | 0.80 / 2.30 s | 0.60 / 1.40 s |");
    expect(lines).toContain("| Agents | largest agent's peak RSS, 1x | 180 MiB | 110 MiB |");
    expect(lines).toContain("## Agents at 1x, before");
    expect(beforeAndAfterSection({ levels: [one] } as unknown as BenchResults)).toEqual([]);
    // A run starting at 2x compares the agents at 2x, and has no query rows without queries.
    const twice = { ...level(2, true), endToEndLag: one.endToEndLag };
    const fromTwo = { levels: [twice], beforeAndAfter: { ...run.beforeAndAfter, agents: { before: "a", after: "b", level: { ...before, level: 2 } } } } as unknown as BenchResults;
    expect(beforeAndAfterSection(fromTwo).filter((l) => l.startsWith("| "))).toEqual(expect.arrayContaining(["| Agents | end-to-end lag p50 / p99, 2x | 0.80 / 2.30 s | 0.60 / 1.40 s |"]));
    expect(beforeAndAfterSection(fromTwo).some((l) => l.startsWith("| Query engine"))).toBe(false);
  });

  const results = (levels: LevelResult[]) =>
    ({
      date: "2026-12-01",
      machine: { cpus: 2, memoryBytes: 24 * 2 ** 30, loadAverageStart: [1.2, 1.5, 2.1], loadAverageEnd: [13.13, 9.8, 5.92] },
      levels,
      synth: { runs: [] },
      notes: ["a note the run added"],
    }) as unknown as BenchResults;

  test("the report states the measured load averages and nothing about who else used the machine", () => {
    const md = markdownReport(results([level(1, true)]));
    expect(md.split("\n")[2]).toBe("Loopback platform on 2 cores, 24 GiB. Load average (1, 5 and 15 minutes): 1.20 1.50 2.10 at the start, 13.13 9.80 5.92 at the end.");
    expect(md).not.toMatch(/shared|other engineers/i);
    expect(md).toContain("- a note the run added");
  });

  test("the results are written as JSON, Markdown and two SVG plots; no plot when no level ran", () => {
    const dir = scratchDir("bench-results-");
    const withLag = (l: LevelResult): LevelResult => ({ ...l, endToEndLag: { samples: 3, p50Seconds: 1, p99Seconds: 1.5, sortedSeconds: [0.5, 1, 1.5], pollMs: 200 } });
    const files = writeResults(dir, results([withLag(level(1, true)), level(2, true)]));
    expect(files).toEqual({
      json: path.join(dir, "2026-12-01.json"),
      markdown: path.join(dir, "2026-12-01.md"),
      svg: path.join(dir, "2026-12-01.svg"),
      latencySvg: path.join(dir, "2026-12-01-latency.svg"),
    });
    expect(JSON.parse(fs.readFileSync(files.json, "utf8")).machine.note).toBeUndefined();
    expect(fs.readFileSync(files.svg!, "utf8")).toMatch(/^<svg [^>]*viewBox=/);
    expect(fs.readFileSync(files.latencySvg!, "utf8")).toMatch(/^<svg [^>]*viewBox=/);
    expect(writeResults(scratchDir("bench-results-"), results([]))).toMatchObject({ svg: undefined, latencySvg: undefined });
    expect(writeResults(scratchDir("bench-results-"), results([level(1, true)])).latencySvg).toBeUndefined();
  });
});

describe("plot", () => {
  const level = (n: number, patch: Partial<WindowSummary> = {}, lag: LevelResult["endToEndLag"] = { samples: 60, p50Seconds: 0.5, p99Seconds: n, pollMs: 200 }): LevelResult => ({
    level: n,
    offeredSeries: n * 110_000,
    offeredSamplesPerSecond: (n * 110_000) / 15,
    generatorSeries: {},
    window: window({ ingestedSamplesPerSecond: (n * 110_000) / 15 - 20, ...patch }),
    endToEndLag: lag,
    verdict: { holds: true, reasons: [] },
  });
  const polylines = (svg: string) => [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) => m[1].split(" "));

  test("an SVG with a polyline per series through every level, log2 tick labels, and the title escaped", () => {
    const svg = svgPlot([level(1), level(2), level(4)], "Run <1> & \"2\"");
    expect(svg.startsWith("<svg ")).toBe(true);
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(svg).toContain('viewBox="0 0 1000 600"');
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    const lines = polylines(svg);
    expect(lines).toHaveLength(4);
    expect(lines.every((points) => points.length === 3)).toBe(true);
    for (const label of [">1x<", ">2x<", ">4x<", ">samples/s<", ">lag end to end, scrape to queryable (s)<", ">lag p99 (s, right axis)<"]) expect(svg).toContain(label);
    expect(svg).toContain(">Run &lt;1&gt; &amp; &quot;2&quot;</text>");
    expect(svg).not.toContain("Run <1>");
    expect(svg.match(/stroke-dasharray/g)!.length).toBe(4); // the two lag lines and their legend samples
    // log2 spacing: 1x to 2x is as wide as 2x to 4x.
    const xs = lines[0].map((p) => Number(p.split(",")[0]));
    expect(xs[1] - xs[0]).toBeCloseTo(xs[2] - xs[1], 0);
  });

  test("headroom above the highest point on both axes: 15% on samples/s, 30% on lag", () => {
    const [offered, , , lagP99] = polylines(svgPlot([level(1), level(2)], "t"));
    const y = (points: string[], i: number) => Number(points[i].split(",")[1]);
    // The frame runs from y 50 (top) to 530 (bottom, zero); the highest points are at 2x.
    expect(y(offered, 1)).toBeCloseTo(530 - 480 / 1.15, 0);
    expect(y(lagP99, 1)).toBeCloseTo(530 - 480 / 1.3, 0);
  });

  test("a level without lag readings leaves a gap, not a NaN", () => {
    const svg = svgPlot([level(1), level(2, { ingestedSamplesPerSecond: NaN }, { samples: 0, pollMs: 200 }), level(4)], "t");
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
    const lines = polylines(svg);
    // offered: one line through 3 levels; ingested, lag p50 and p99: two single points each, side by side.
    expect(lines.map((points) => points.length)).toEqual([3, 1, 1, 1, 1, 1, 1]);
    expect(svg.match(/<circle /g)).toHaveLength(3 + 2 * 3);
  });

  test("latency by range on a log axis with the goal, and a lag distribution per level that reaches 100%", () => {
    const svg = svgLatencyPlot(
      {
        ranges: [
          { range: "1h", coldP50Ms: 40, coldP99Ms: 900, cachedP50Ms: 5, cachedP99Ms: 30 },
          { range: "30d", coldP50Ms: 300, coldP99Ms: 4000, cachedP50Ms: 8, cachedP99Ms: 50 },
        ],
        lags: [
          { level: 1, sortedSeconds: [0.5, 1, 1.5, 2.5] },
          { level: 2, sortedSeconds: [] },
        ],
        goals: { queryP99Ms: 850, lagSeconds: 2 },
      },
      "t",
    );
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
    for (const label of [">1h<", ">30d<", ">goal p99 850 ms<", ">goal p99 2 s<", ">— 1x (4 values)<", ">1,000<", ">10,000<"]) expect(svg).toContain(label);
    expect(svg).not.toContain("2x (");
    // Four latency lines of two points, one lag step line: origin, two points per value, the right edge.
    expect(polylines(svg).map((points) => points.length)).toEqual([2, 2, 2, 2, 2 + 2 * 4]);
    expect(() => svgLatencyPlot({ ranges: [], lags: [], goals: { queryP99Ms: 850, lagSeconds: 2 } }, "t")).toThrow("expected query timings or lag readings");
  });

  test("no level, or a level the log2 axis cannot place, is refused", () => {
    expect(() => svgPlot([], "t")).toThrow("svgPlot: expected at least one level, got none");
    expect(() => svgPlot([level(0)], "t")).toThrow("expected levels above 0 (the x axis is log2), got 0");
  });
});

describe("options", () => {
  test("defaults bound the run; flags change durations and levels", () => {
    const d = parseBenchArgs([]);
    expect(d).toMatchObject({ levels: [1, 2, 4], minutes: 5, warmupMinutes: 2, levelMinutes: 2, synthSizes: [25, 50, 100], queries: true });
    expect(parseBenchArgs(["--minutes", "2", "--levels", "1,2,4,8", "--synth-sizes", "", "--no-queries"])).toMatchObject({ minutes: 2, levels: [1, 2, 4, 8], synthSizes: [], queries: false });
    expect(d.history).toEqual([
      { fromDays: 1, stepSeconds: 60 },
      { fromDays: 7, stepSeconds: 300 },
      { fromDays: 30, stepSeconds: 900 },
    ]);
    expect(parseBenchArgs(["--history", "2:30s,10:10m"]).history).toEqual([
      { fromDays: 2, stepSeconds: 30 },
      { fromDays: 10, stepSeconds: 600 },
    ]);
    expect(parseBenchArgs(["--history", "0"]).history).toEqual([]);
  });

  test("bad options are named", () => {
    expect(() => parseBenchArgs(["--minutes", "soon"])).toThrow(new BenchArgsError("--minutes: expected a number of at least 0.1, got soon"));
    expect(() => parseBenchArgs(["--levels", "4,2"])).toThrow("--levels: expected ascending values, got 4,2");
    expect(() => parseBenchArgs(["--levels", "", "--synth-sizes", ""])).toThrow("nothing to measure");
    expect(() => parseBenchArgs(["--fast"])).toThrow("unknown argument --fast");
    expect(() => parseBenchArgs(["--targets-per-agent", "2.5"])).toThrow("--targets-per-agent: expected a whole number, got 2.5");
    expect(() => parseBenchArgs(["--history", "7:5"])).toThrow('--history: "7:5" is not DAYS:STEP');
    expect(() => parseBenchArgs(["--history", "1:1s"])).toThrow("a STEP of at least 10s");
  });
});

describe("dashboards and synth at scale", () => {
  test("every dashboard query comes from the synth's dashboard ConfigMaps; each range substitutes Grafana's variables", async () => {
    const outDir = path.join(scratchDir("bench-dashboards-"), "out");
    await synthesize({ stackDir: PROJECT_DIR, outDir, stacks: ["cluster-01"] });
    const queries = dashboardQueriesFromPlan(path.join(outDir, "cluster-01", "plan.json"));
    expect(new Set(queries.map((q) => q.uid)).size).toBe(6);
    // Grafana sends a table's queries as instant queries, a graph's as range queries.
    expect(queries.find((q) => q.panel === "Containers closest to their memory limit")?.instant).toBe(true);
    expect(queries.find((q) => q.panel === "Memory by namespace")?.instant).toBe(false);
    expect(queries.length).toBeGreaterThan(30);
    for (const range of QUERY_RANGES) expect(queries.filter((q) => exprFor(q.expr, range).includes("$"))).toEqual([]);
    const rated = queries.find((q) => q.expr.includes("$__rate_interval"))!;
    // Grafana: the larger of step + the data source's 30s minimum interval and four of them.
    expect(QUERY_RANGES.map((r) => /\[(\d+s)\]/.exec(exprFor(rated.expr, r))?.[1])).toEqual(["120s", "120s", "630s", "3630s"]);
  });

  test("a generated edge stack file is a valid edge of cluster-01", () => {
    const dir = scratchDir("bench-edge-");
    const kubeconfig = path.join(dir, "kubeconfig.yaml");
    fs.writeFileSync(kubeconfig, mockKubeconfigFor(["edge-042"]));
    const flat = Object.fromEntries(
      Object.entries(require("yaml").parse(edgeStackFile("edge-042")).config as Record<string, unknown>),
    );
    const config = parseStackConfig(flat, { stack: "edge-042", env: { KUBECONFIG: kubeconfig } });
    expect(config).toMatchObject({ role: "edge", cluster: "edge-042" });
  });

  test("the scaling factor is the largest run's time per edge over the smallest's", () => {
    const run = (edges: number, seconds: number) => ({ edges, stacks: edges + 1, seconds, maxRssBytes: 0, msPerStack: 0 });
    expect(scalingFactor([run(25, 2.5), run(100, 12)])).toBeCloseTo(1.2);
    expect(scalingFactor([run(25, 2.5)])).toBeUndefined();
  });
});

describe("settings from before", () => {
  const queue = { capacity: 10000, minShards: 1, maxShards: 20, maxSamplesPerSend: 2000, batchSendDeadline: "1s", minBackoff: "30ms", maxBackoff: "30s", retryOnRateLimit: true, sampleAgeLimit: "6h" };
  const plan: AgentPlan = {
    name: "cluster-03",
    cluster: "cluster-03",
    tenant: "cluster-03",
    namespace: "monitoring",
    resourceName: "edge-prometheus",
    externalLabels: { cluster: "cluster-03" },
    remoteWrite: [{ name: "central", url: "https://central", headers: {}, queueConfig: queue, metadataConfig: { send: true, sendInterval: "1m" } }],
    additionalArgs: [],
    env: { GOMEMLIMIT: String(100 * 2 ** 20), OTHER: "kept" },
  };

  test("an agent rolled to before gets the old batch deadline and no GOMEMLIMIT, the rest unchanged", () => {
    const before = agentPlanBefore(plan);
    expect(before.remoteWrite[0].queueConfig).toEqual({ ...queue, batchSendDeadline: BEFORE.batchSendDeadline });
    expect(before.env).toEqual({ OTHER: "kept" });
    expect({ ...before, env: plan.env, remoteWrite: plan.remoteWrite }).toEqual(plan);
    expect(agentSettingsOf(plan)).toBe("remote-write batchSendDeadline 1s and GOMEMLIMIT 100 MiB");
    expect(agentSettingsOf(before)).toBe(AGENTS_BEFORE);
  });

  test("Query's engine is its --query.promql-engine flag, else Thanos' default", () => {
    const query = (extraArgs: string[]) => ({ extraArgs }) as unknown as ThanosValues["query"];
    expect(queryEngineOf(query(["--log.level=info", "--query.promql-engine=thanos"]))).toBe("thanos");
    expect(queryEngineOf(query(["--log.level=info"]))).toBe("prometheus");
  });
});
