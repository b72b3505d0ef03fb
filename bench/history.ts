/**
 * Weeks of history for the bench: the same series the load generators serve at 1x, written as
 * TSDB blocks by `loadgen backfill` with the labels an agent and its receivers give them,
 * uploaded into the Thanos bucket with the Thanos user's keys, then compacted, downsampled
 * and aged out by the real Compactor with the program's flags. The Store Gateway serves the
 * result, so 7-day and 30-day queries read what a real bucket would hold.
 *
 * The time axis is compressed: a real fleet samples every 15s; the history samples more
 * sparsely the older it is (DEFAULT_HISTORY).
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as Minio from "minio";
import { REPLICA_LABELS } from "../components/central/endpoints";
import { durationMs } from "../config/duration";
import { agentPod } from "../loopback/agent";
import { uploadBlock } from "../loopback/history";
import { sleep } from "../loopback/process";
import { AgentPlan } from "../loopback/synth-plan";
import { requireTool } from "../loopback/tools";
import { DEFAULT_FLEET_SHAPE, FleetShape } from "./load";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A stretch of history by age: from `fromDays` ago to the tier before it, one sample every `stepSeconds`. */
export interface HistoryTier {
  fromDays: number;
  stepSeconds: number;
}

/**
 * The default history, newest first: a day at 60s (so 24h panels' rates, over Grafana's 120s
 * $__rate_interval, find two samples), the rest of the raw retention's week at 5m (7d panels
 * rate over 630s), and 30 days in all at 15m (30d panels read 5m blocks, rating over 3630s).
 */
export const DEFAULT_HISTORY: readonly HistoryTier[] = [
  { fromDays: 1, stepSeconds: 60 },
  { fromDays: 7, stepSeconds: 300 },
  { fromDays: 30, stepSeconds: 900 },
];

export interface Segment {
  startMs: number;
  endMs: number;
  stepMs: number;
}

/**
 * The tiers as segments, oldest first, ending an hour before `nowMs` so the newest block is
 * past the Compactor's consistency delay (30m). Each starts on a multiple of its step.
 */
export function historySegments(nowMs: number, tiers: readonly HistoryTier[]): Segment[] {
  const sorted = [...tiers].sort((a, b) => a.fromDays - b.fromDays);
  if (sorted.length === 0) return [];
  const newestStep = sorted[0].stepSeconds * 1000;
  let end = Math.floor((nowMs - HOUR_MS) / newestStep) * newestStep;
  const anchor = end;
  const segments: Segment[] = [];
  for (const tier of sorted) {
    const stepMs = tier.stepSeconds * 1000;
    const start = Math.ceil((anchor - tier.fromDays * DAY_MS) / stepMs) * stepMs;
    if (start < end) segments.unshift({ startMs: start, endMs: end, stepMs });
    end = Math.min(end, start);
  }
  return segments;
}

/** Samples per series the segments hold. */
export const samplesPerSeries = (segments: Segment[]) => segments.reduce((n, s) => n + Math.ceil((s.endMs - s.startMs) / s.stepMs), 0);

/**
 * The labels an agent's remote write gives a load series beside the generator's own: the
 * scrape job and target, the agent's external labels and the two the operator adds
 * (`prometheus`, `prometheus_replica`). `shard` comes from the generator, per node.
 */
export function historyLabels(agent: AgentPlan, generatorAddress: string): Record<string, string> {
  return {
    job: "loadgen",
    instance: generatorAddress,
    ...agent.externalLabels,
    prometheus: `${agent.namespace}/${agent.resourceName}`,
    prometheus_replica: agentPod(agent),
  };
}

/** `loadgen backfill`'s arguments for one agent's series. */
export function backfillArgs(opts: { series: number; shards: number; out: string; labels: Record<string, string>; segments: Segment[]; shape?: FleetShape }): string[] {
  const shape = opts.shape ?? DEFAULT_FLEET_SHAPE;
  return [
    "backfill",
    `--series=${opts.series}`,
    `--shards=${opts.shards}`,
    `--out=${opts.out}`,
    `--cpus-per-node=${shape.cpusPerNode}`,
    `--pods-per-node=${shape.podsPerNode}`,
    `--containers-per-pod=${shape.containersPerPod}`,
    `--volumes-per-node=${shape.volumesPerNode}`,
    ...Object.entries(opts.labels).map(([k, v]) => `--label=${k}=${v}`),
    ...opts.segments.map((s) => `--segment=${s.startMs}:${s.endMs}:${s.stepMs / 1000}s`),
  ];
}

function runBackfill(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(requireTool("loadgen"), args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => (err ? reject(new Error(`loadgen ${args.slice(0, 3).join(" ")}: ${stderr || stdout}`)) : resolve(stdout)));
  });
}

export interface AgentHistory {
  agent: AgentPlan;
  series: number;
  labels: Record<string, string>;
  /** Block external labels: the agent's tenant and the receiver replica that "uploaded" it. */
  blockLabels: Record<string, string>;
}

export interface BackfillResult {
  seconds: number;
  blocks: number;
  samples: number;
  bytes: number;
}

/** Writes and uploads every agent's history, `parallel` agents at a time. */
export async function backfill(opts: {
  dir: string;
  bucket: { client: Minio.Client; name: string };
  agents: AgentHistory[];
  segments: Segment[];
  shards: number;
  parallel: number;
  log: (line: string) => void;
}): Promise<BackfillResult> {
  const began = Date.now();
  const result: BackfillResult = { seconds: 0, blocks: 0, samples: 0, bytes: 0 };
  const queue = [...opts.agents];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const out = fs.mkdtempSync(path.join(opts.dir, `history-${next.agent.name}-`));
      const stdout = await runBackfill(backfillArgs({ series: next.series, shards: opts.shards, out, labels: next.labels, segments: opts.segments }));
      for (const line of stdout.split("\n").filter((l) => l.startsWith("block "))) {
        const [, id, , endMs, , samples] = line.split(" ");
        const blockDir = path.join(out, id);
        result.bytes += dirBytes(blockDir);
        await uploadBlock(opts.bucket, blockDir, next.blockLabels, Number(endMs));
        result.blocks++;
        result.samples += Number(samples);
      }
      fs.rmSync(out, { recursive: true, force: true });
      opts.log(`history: ${next.agent.name} written and uploaded (${next.series} series, ${Math.round((Date.now() - began) / 1000)}s so far)`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.parallel) }, worker));
  result.seconds = (Date.now() - began) / 1000;
  return result;
}

function dirBytes(dir: string): number {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => sum + (e.isDirectory() ? dirBytes(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).size), 0);
}

/** One block in the bucket, as its meta.json and object sizes describe it. */
export interface BucketBlock {
  id: string;
  resolutionMs: number;
  minTime: number;
  maxTime: number;
  series: number;
  samples: number;
  chunkBytes: number;
  indexBytes: number;
  markedForDeletion: boolean;
  labels: Record<string, string>;
}

interface BlockMeta {
  minTime: number;
  maxTime: number;
  stats?: { numSeries?: number; numSamples?: number };
  thanos: { labels: Record<string, string>; downsample: { resolution: number } };
}

/** Every block in the bucket with its sizes, resolution and whether retention marked it. */
export async function bucketBlocks(client: Minio.Client, bucket: string): Promise<BucketBlock[]> {
  const objects = (await client.listObjectsV2(bucket, "", true).toArray()) as { name?: string; size?: number }[];
  const byBlock = new Map<string, { name: string; size: number }[]>();
  for (const o of objects) {
    const [id] = (o.name ?? "").split("/");
    if (!/^[0-9A-Z]{26}$/.test(id)) continue;
    byBlock.set(id, [...(byBlock.get(id) ?? []), { name: o.name!, size: o.size ?? 0 }]);
  }
  const blocks: BucketBlock[] = [];
  for (const [id, files] of byBlock) {
    if (!files.some((f) => f.name === `${id}/meta.json`)) continue; // an upload in progress
    const chunks = (await (await client.getObject(bucket, `${id}/meta.json`)).toArray()) as Buffer[];
    const meta = JSON.parse(Buffer.concat(chunks).toString("utf8")) as BlockMeta;
    blocks.push({
      id,
      resolutionMs: meta.thanos.downsample.resolution,
      minTime: meta.minTime,
      maxTime: meta.maxTime,
      series: meta.stats?.numSeries ?? 0,
      samples: meta.stats?.numSamples ?? 0,
      chunkBytes: files.filter((f) => f.name.includes("/chunks/")).reduce((s, f) => s + f.size, 0),
      indexBytes: files.filter((f) => f.name === `${id}/index`).reduce((s, f) => s + f.size, 0),
      markedForDeletion: files.some((f) => f.name === `${id}/deletion-mark.json`),
      labels: meta.thanos.labels,
    });
  }
  return blocks;
}

/** The blocks that lie within the history: the uploaded ones and what the Compactor made of them. */
export function blocksWithin(blocks: BucketBlock[], history: { startMs: number; endMs: number }): BucketBlock[] {
  return blocks.filter((b) => b.minTime >= history.startMs && b.maxTime <= history.endMs + 1);
}

/** Thanos' block resolutions (a block's `thanos.downsample.resolution`), raw first. */
export const RESOLUTIONS = [
  { name: "raw", ms: 0 },
  { name: "5m", ms: 300_000 },
  { name: "1h", ms: 3_600_000 },
] as const;
export type ResolutionName = (typeof RESOLUTIONS)[number]["name"];
const [RAW, FIVE_MINUTES, ONE_HOUR] = RESOLUTIONS.map((r) => r.ms);

/**
 * Whether the Compactor has done its work on the history: every raw block of at least 40h has
 * its 5m block, every 5m block of at least 10 days its 1h block (Thanos' downsampling
 * thresholds), and every raw block past the raw retention is marked for deletion.
 */
export function compactionDone(blocks: BucketBlock[], history: { startMs: number; endMs: number }, rawRetentionMs: number, nowMs: number): { done: boolean; waitingFor: string[] } {
  const inHistory = blocksWithin(blocks, history);
  const covered = (b: BucketBlock, resolutionMs: number) =>
    inHistory.some((d) => d.resolutionMs === resolutionMs && d.minTime <= b.minTime && d.maxTime >= b.maxTime && sameStream(d, b));
  const waitingFor: string[] = [];
  for (const b of inHistory.filter((x) => !x.markedForDeletion)) {
    const span = b.maxTime - b.minTime;
    if (b.resolutionMs === RAW && span >= 40 * HOUR_MS && !covered(b, FIVE_MINUTES)) waitingFor.push(`5m block of ${b.id}`);
    if (b.resolutionMs === FIVE_MINUTES && span >= 10 * DAY_MS && !covered(b, ONE_HOUR)) waitingFor.push(`1h block of ${b.id}`);
    if (b.resolutionMs === RAW && b.maxTime < nowMs - rawRetentionMs && covered(b, FIVE_MINUTES)) waitingFor.push(`retention's deletion mark on ${b.id}`);
  }
  return { done: waitingFor.length === 0, waitingFor };
}

/** Same tenant: the Compactor drops the replica label when it deduplicates. */
function sameStream(a: BucketBlock, b: BucketBlock): boolean {
  const strip = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).filter(([k]) => k !== REPLICA_LABELS.receive).sort());
  return strip(a.labels) === strip(b.labels);
}

/** Polls the bucket until compactionDone, or fails after `timeoutMs` naming what is missing. */
export async function waitForCompaction(opts: {
  client: Minio.Client;
  bucket: string;
  history: { startMs: number; endMs: number };
  rawRetention: string;
  timeoutMs: number;
  log: (line: string) => void;
}): Promise<BucketBlock[]> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastLog = 0;
  for (;;) {
    const blocks = await bucketBlocks(opts.client, opts.bucket);
    const state = compactionDone(blocks, opts.history, durationMs(opts.rawRetention), Date.now());
    if (state.done) return blocks;
    if (Date.now() > deadline) throw new Error(`the Compactor did not finish the history within ${opts.timeoutMs / 60_000} min; still waiting for: ${state.waitingFor.join(", ")}`);
    if (Date.now() - lastLog > 60_000) {
      opts.log(`history: the Compactor is at work, waiting for ${state.waitingFor.length} block(s) (${state.waitingFor.slice(0, 3).join(", ")}${state.waitingFor.length > 3 ? ", …" : ""})`);
      lastLog = Date.now();
    }
    await sleep(10_000);
  }
}
