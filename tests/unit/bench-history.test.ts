/** The bench's history: its segments and labels, the Compactor's finished state, the storage projection, and `loadgen backfill`'s blocks. */
import * as fs from "fs";
import * as path from "path";
import { execFileSync } from "child_process";
import { backfillArgs, BucketBlock, compactionDone, DEFAULT_HISTORY, historyLabels, historySegments, samplesPerSeries } from "../../bench/history";
import { seriesPerNode, sizeForSeries } from "../../bench/load";
import { historySection, SEED } from "../../bench/report";
import { projectStorage, storageUsage } from "../../bench/storage";
import { AgentPlan } from "../../loopback/synth-plan";
import { describeWithTool, scratchDir } from "../support";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 11, 7, 21, 17, 42);

describe("history segments", () => {
  test("newest first by age, ending an hour before now on a step, each tier on multiples of its own step", () => {
    const segments = historySegments(NOW, DEFAULT_HISTORY);
    expect(segments.map((s) => s.stepMs / 1000)).toEqual([900, 300, 60]);
    const end = segments[2].endMs;
    expect(NOW - end).toBeGreaterThanOrEqual(HOUR);
    expect(NOW - end).toBeLessThan(HOUR + 60_000);
    for (const s of segments) expect([s.startMs % s.stepMs, s.endMs - s.startMs > 0]).toEqual([0, true]);
    // Contiguous: one day at 60s, the week at 5m, 30 days in all.
    expect(segments[1].endMs).toBe(segments[2].startMs);
    expect(segments[0].endMs).toBe(segments[1].startMs);
    // Each tier reaches back its days, to within one of its steps.
    segments.forEach((s, i) => {
      const days = [30, 7, 1][i];
      expect(end - s.startMs).toBeLessThanOrEqual(days * DAY);
      expect(end - s.startMs).toBeGreaterThan(days * DAY - s.stepMs);
    });
    expect(Math.abs(samplesPerSeries(segments) - (1440 + 6 * 288 + 23 * 96))).toBeLessThanOrEqual(3);
    expect(historySegments(NOW, [])).toEqual([]);
  });

  test("the labels an agent's remote write gives a load series, and backfill's arguments", () => {
    const agent = { name: "cluster-02-tenant-a", cluster: "cluster-02", tenant: "tenant-a", namespace: "tenant-a", resourceName: "tenant-a", externalLabels: { cluster: "cluster-02", tenant_id: "tenant-a" } } as unknown as AgentPlan;
    const labels = historyLabels(agent, "127.0.0.1:41234");
    expect(labels).toEqual({ job: "loadgen", instance: "127.0.0.1:41234", cluster: "cluster-02", tenant_id: "tenant-a", prometheus: "tenant-a/tenant-a", prometheus_replica: "prom-agent-tenant-a-0" });
    const args = backfillArgs({ series: 1000, shards: 10, out: "/tmp/x", labels, segments: [{ startMs: 0, endMs: DAY, stepMs: 60_000 }] });
    expect(args).toEqual(expect.arrayContaining(["backfill", "--series=1000", "--shards=10", "--out=/tmp/x", "--label=prometheus=tenant-a/tenant-a", `--segment=0:${DAY}:60s`]));
  });
});

const block = (over: Partial<BucketBlock>): BucketBlock => ({
  id: "01ABCDEFGHJKMNPQRSTVWXYZ00",
  resolutionMs: 0,
  minTime: 0,
  maxTime: 14 * DAY,
  series: 1000,
  samples: 1000 * 4032,
  chunkBytes: 0,
  indexBytes: 0,
  markedForDeletion: false,
  labels: { tenant_id: "cluster-03", receive_replica: "r-0" },
  ...over,
});

describe("the Compactor's work on the history", () => {
  const history = { startMs: 0, endMs: 30 * DAY };
  const now = 31 * DAY;
  test("waits for a 5m block of every raw block of 40h or more, a 1h block of every 5m block of 10 days, and retention's deletion marks", () => {
    const raw = block({ id: "RAW" });
    const waiting = compactionDone([raw], history, 7 * DAY, now);
    expect(waiting).toEqual({ done: false, waitingFor: ["5m block of RAW"] });
    // The Compactor dropped the replica label when it downsampled: the same tenant.
    const fiveMinutes = block({ id: "FIVE", resolutionMs: 300_000, labels: { tenant_id: "cluster-03" } });
    expect(compactionDone([raw, fiveMinutes], history, 7 * DAY, now).waitingFor).toEqual(["retention's deletion mark on RAW", "1h block of FIVE"]);
    const oneHour = block({ id: "HOUR", resolutionMs: 3_600_000, labels: { tenant_id: "cluster-03" } });
    expect(compactionDone([{ ...raw, markedForDeletion: true }, fiveMinutes, oneHour], history, 7 * DAY, now)).toEqual({ done: true, waitingFor: [] });
  });

  test("another tenant's downsampled block does not count; a short raw block needs none", () => {
    const other = block({ id: "OTHER", resolutionMs: 300_000, labels: { tenant_id: "cluster-04" } });
    expect(compactionDone([block({ id: "RAW" }), other], history, 7 * DAY, now).waitingFor).toContain("5m block of RAW");
    expect(compactionDone([block({ id: "SHORT", minTime: 29 * DAY, maxTime: 30 * DAY })], history, 7 * DAY, now).done).toBe(true);
  });
});

describe("storage", () => {
  const blocks = [
    block({ chunkBytes: 1.2e9, indexBytes: 0.1e9, samples: 1e9, markedForDeletion: true }),
    // Windows that hold data: what Thanos counts as a downsampled block's samples.
    block({ resolutionMs: 300_000, series: 1000, samples: 1e6, minTime: 0, maxTime: 10 * DAY, chunkBytes: 9e6, indexBytes: 1e6 }),
    block({ resolutionMs: 3_600_000, series: 1000, samples: 1e5, minTime: 0, maxTime: 10 * DAY, chunkBytes: 0.9e6, indexBytes: 0.1e6 }),
    block({ resolutionMs: 0, minTime: 40 * DAY, maxTime: 41 * DAY, chunkBytes: 1e12 }), // not history
  ];
  const usage = storageUsage(blocks, { startMs: 0, endMs: 30 * DAY });

  test("bytes per raw sample, and per window of aggregates at each downsampled resolution", () => {
    expect(usage.map((u) => [u.resolution, u.blocks, u.bytes, u.bytesPerSample])).toEqual([
      ["raw", 1, 1.3e9, 1.3],
      ["5m", 1, 10e6, 10],
      ["1h", 1, 1e6, 10],
    ]);
  });

  test("projected to the seed's rate, series and retention, against its 340 GB", () => {
    const p = projectStorage(usage, SEED, { raw: "7d", "5m": "30d", "1h": "180d" });
    expect(p.bytes.raw).toBeCloseTo(7_800 * 7 * 86_400 * 1.3, -3);
    expect(p.bytes["5m"]).toBeCloseTo(110_000 * 30 * 288 * 10, -3);
    expect(p.bytes["1h"]).toBeCloseTo(110_000 * 180 * 24 * 10, -3);
    expect(p.totalBytes).toBeCloseTo(p.bytes.raw! + p.bytes["5m"]! + p.bytes["1h"]!, -3);
    expect(p.ratio).toBeCloseTo(p.totalBytes! / 340e9, 6);
    expect(projectStorage(usage.slice(0, 1), SEED, { raw: "7d", "5m": "30d", "1h": "180d" }).totalBytes).toBeUndefined();
  });

  test("the report's history section: what was written, the Compactor's time, a row per resolution and the projected total", () => {
    const projection = projectStorage(usage, SEED, { raw: "7d", "5m": "30d", "1h": "180d" });
    const segments = [{ startMs: Date.UTC(2026, 10, 7), endMs: Date.UTC(2026, 11, 7), stepMs: 900_000 }];
    const md = historySection({ tiers: [], segments, series: 1000, samplesPerSeries: 2880, backfill: { seconds: 12, blocks: 3, samples: 2_880_000, bytes: 2 ** 30 }, compactionSeconds: 40, usage, projection, matchesLive: true }).join("\n");
    expect(md).toContain("1,000 series (the 1x load's) x 2,880 samples each: 2026-11-07T00:00Z to 2026-12-07T00:00Z every 900s.");
    expect(md).toContain("Written and uploaded in 12 s (3 blocks, 2,880,000 samples, 1,024 MiB); compacted, downsampled and aged out by the Compactor in 40 s.");
    expect(md).toContain("| raw | 1 | 1,000 | 1,000,000,000 | 1,239.8 MiB | 1.30 | 6.1 GB (7d) |");
    expect(md).toContain(`| total | | | | | | ${(projection.totalBytes! / 1e9).toFixed(1)} GB against the seed's 340.0 GB |`);
    expect(md).not.toContain("did not line up");
  });
});

describeWithTool("loadgen", "loadgen backfill", (loadgen) => {
  test("blocks cut at the block range, holding the served series with the given labels and each node's shard", () => {
    const out = scratchDir("backfill-");
    const start = 14 * DAY * 2000 - 2 * HOUR; // two hours before a 14-day boundary
    const series = 2 * seriesPerNode();
    const printed = execFileSync(loadgen, backfillArgs({ series, shards: 2, out, labels: { job: "loadgen", cluster: "cluster-03" }, segments: [{ startMs: start, endMs: start + 4 * HOUR, stepMs: 60_000 }] }), { encoding: "utf8" });
    const lines = printed.trim().split("\n").filter((l) => l.startsWith("block "));
    expect(lines).toHaveLength(2);
    const metas = lines.map((l) => JSON.parse(fs.readFileSync(path.join(out, l.split(" ")[1], "meta.json"), "utf8")) as { minTime: number; maxTime: number; stats: { numSeries: number; numSamples: number } });
    expect(metas.map((m) => [m.minTime, m.maxTime])).toEqual([
      [start, start + 2 * HOUR - 60_000 + 1],
      [start + 2 * HOUR, start + 4 * HOUR - 60_000 + 1],
    ]);
    expect(metas.map((m) => m.stats)).toEqual(metas.map(() => expect.objectContaining({ numSeries: sizeForSeries(series).series, numSamples: sizeForSeries(series).series * 120 })));
  });
});
