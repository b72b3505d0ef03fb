/**
 * The bench's history phase on a running platform: the 1x load's series backfilled for weeks
 * into the Thanos bucket with the Thanos user's keys, a Compactor pass with the program's
 * flags, the Store Gateway serving the result, and what it all takes in the bucket.
 */
import { REPLICA_LABELS } from "../components/central/endpoints";
import { LocalPlatform } from "../loopback/local-platform";
import { sleep } from "../loopback/process";
import { AgentHistory, backfill, BackfillResult, HistoryTier, historyLabels, historySegments, samplesPerSeries, Segment, waitForCompaction } from "./history";
import { generatorSize, LoadGenerator, SEED_ACTIVE_SERIES, seriesShares } from "./load";
import { instantQuery } from "./queries";
import { SEED } from "./report";
import { projectStorage, ResolutionUsage, StorageProjection, storageUsage } from "./storage";

export interface HistoryResult {
  tiers: HistoryTier[];
  segments: Segment[];
  series: number;
  samplesPerSeries: number;
  backfill: BackfillResult;
  compactionSeconds: number;
  usage: ResolutionUsage[];
  projection: StorageProjection;
  /** Whether a live series and its history are one series at Query (the same labels). */
  matchesLive?: boolean;
}

/** Each agent's history: its 1x share of the series (as the generators will serve it) with its labels. */
function agentHistories(platform: LocalPlatform, generators: Map<string, LoadGenerator>, baseline: Map<string, number>): AgentHistory[] {
  const shares = seriesShares(platform.fleet.agents, SEED_ACTIVE_SERIES);
  const tenantLabel = platform.centralOutputs.tenantLabel as string;
  return platform.fleet.agents.map((agent) => ({
    agent,
    series: generatorSize(shares.get(agent.name)!, baseline.get(agent.name) ?? 0).series,
    labels: historyLabels(agent, new URL(generators.get(agent.name)!.url).host),
    blockLabels: { [REPLICA_LABELS.receive]: platform.receivers[0].pod, [tenantLabel]: agent.tenant },
  }));
}

/** Backfills, compacts and measures the history; returns once Query serves it. */
export async function runHistory(opts: {
  platform: LocalPlatform;
  generators: Map<string, LoadGenerator>;
  baseline: Map<string, number>;
  tiers: HistoryTier[];
  shards: number;
  log: (line: string) => void;
}): Promise<HistoryResult> {
  const { platform, log } = opts;
  const segments = historySegments(Date.now(), opts.tiers);
  const history = { startMs: segments[0].startMs, endMs: segments[segments.length - 1].endMs };
  const agents = agentHistories(platform, opts.generators, opts.baseline);
  const series = agents.reduce((n, a) => n + a.series, 0);
  const samples = samplesPerSeries(segments);
  log(`history: ${series} series x ${samples} samples from ${new Date(history.startMs).toISOString()} to ${new Date(history.endMs).toISOString()}`);
  const client = platform.minio.client(platform.minio.users[platform.thanosUser]);
  const bucket = (platform.fleet.central.outputs.bucketNames as { thanos: string }).thanos;
  const written = await backfill({ dir: platform.dir, bucket: { client, name: bucket }, agents, segments, shards: opts.shards, parallel: 2, log });
  log(`history: ${written.blocks} blocks, ${written.samples} samples, ${(written.bytes / 2 ** 20).toFixed(0)} MiB written and uploaded in ${written.seconds.toFixed(0)}s`);

  // A Compactor pass now, rather than at its next interval.
  const compactionBegan = Date.now();
  await platform.processes.compactor.stop();
  await platform.processes.compactor.restart();
  const retention = platform.fleet.central.thanos.compactor.retention;
  const blocks = await waitForCompaction({ client, bucket, history, rawRetention: retention.resolutionRaw, timeoutMs: 30 * 60_000, log });
  const compactionSeconds = (Date.now() - compactionBegan) / 1000;
  const usage = storageUsage(blocks, history);
  log(`history: compacted and downsampled in ${compactionSeconds.toFixed(0)}s: ${usage.map((u) => `${u.resolution} ${u.blocks} blocks ${(u.bytes / 2 ** 20).toFixed(0)} MiB`).join(", ")}`);
  const projection = projectStorage(usage, SEED, { raw: retention.resolutionRaw, "5m": retention.resolution5m, "1h": retention.resolution1h });

  await waitForStoreGateway(platform.urls.query, history.endMs, log);
  return { tiers: opts.tiers, segments, series, samplesPerSeries: samples, backfill: written, compactionSeconds, usage, projection };
}

/** Until Query answers for the history's newest hour: the Store Gateway has synced its blocks. */
async function waitForStoreGateway(queryUrl: string, endMs: number, log: (line: string) => void): Promise<void> {
  const deadline = Date.now() + 5 * 60_000;
  const expr = 'count(node_load1{job="loadgen"})';
  while ((await instantQuery(queryUrl, expr, endMs / 1000 - 600)).length === 0) {
    if (Date.now() > deadline) throw new Error(`Query did not serve the history within 5 min (${expr} at its newest hour is empty)`);
    await sleep(5000);
  }
  log("history: served through the Store Gateway");
}

/**
 * Whether node-0000's live node_load1 and its history are the same series at Query: one per
 * agent over the last 3h (history and live), not two.
 */
export async function historyMatchesLive(queryUrl: string, agents: number): Promise<boolean> {
  const result = await instantQuery(queryUrl, 'count(last_over_time(node_load1{job="loadgen", node="node-0000"}[3h]))');
  return result.length === 1 && Number(result[0].value[1]) === agents;
}
