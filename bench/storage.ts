/**
 * Storage after compaction: what the history's blocks take in the bucket per resolution, and
 * that projected to the seed's retention at the seed's rate. Raw blocks are measured per
 * sample (projected: the seed's samples/s times the raw retention). Downsampled blocks are
 * measured per window: Thanos counts a 5m or 1h block's samples as the windows that hold
 * data, and each holds the same five aggregates however many raw samples it summarises
 * (projected: the seed's active series times the windows in each retention).
 */
import { durationMs } from "../config/duration";
import { BucketBlock, blocksWithin, ResolutionName, RESOLUTIONS } from "./history";

export interface ResolutionUsage {
  resolution: ResolutionName;
  blocks: number;
  series: number;
  samples: number;
  bytes: number;
  /** Bytes per raw sample, or per window of aggregates in a downsampled block. */
  bytesPerSample?: number;
}

/** The history's blocks (those inside `history`), per resolution, raw blocks marked for deletion included. */
export function storageUsage(blocks: BucketBlock[], history: { startMs: number; endMs: number }): ResolutionUsage[] {
  const inHistory = blocksWithin(blocks, history);
  return RESOLUTIONS.map(({ name, ms }) => {
    const of = inHistory.filter((b) => b.resolutionMs === ms);
    const bytes = of.reduce((s, b) => s + b.chunkBytes + b.indexBytes, 0);
    const samples = of.reduce((s, b) => s + b.samples, 0);
    return {
      resolution: name,
      blocks: of.length,
      series: of.reduce((s, b) => s + b.series, 0),
      samples,
      bytes,
      bytesPerSample: samples > 0 ? bytes / samples : undefined,
    };
  });
}

export interface StorageProjection {
  retention: Record<ResolutionName, string>;
  bytes: Record<ResolutionName, number | undefined>;
  totalBytes?: number;
  seedBytes: number;
  ratio?: number;
}

/**
 * The bucket at the seed's retention: raw as samples/s x raw retention x bytes per raw sample;
 * 5m and 1h as active series x windows in the retention x bytes per window. One copy: the
 * Compactor's offline deduplication merges the receivers' replicas.
 */
export function projectStorage(usage: ResolutionUsage[], seed: { samplesPerSecond: number; activeSeries: number; storageBytes: number }, retention: Record<ResolutionName, string>): StorageProjection {
  const perSample = (name: ResolutionName) => usage.find((u) => u.resolution === name)?.bytesPerSample;
  const samplesIn = (name: ResolutionName, ms: number) => (name === "raw" ? seed.samplesPerSecond * (durationMs(retention.raw) / 1000) : seed.activeSeries * (durationMs(retention[name]) / ms));
  const bytes = Object.fromEntries(RESOLUTIONS.map(({ name, ms }) => [name, perSample(name) === undefined ? undefined : samplesIn(name, ms) * perSample(name)!])) as Record<ResolutionName, number | undefined>;
  const parts = Object.values(bytes);
  const totalBytes = parts.every((b) => b !== undefined) ? parts.reduce((s, b) => s! + b!, 0) : undefined;
  return { retention, bytes, totalBytes, seedBytes: seed.storageBytes, ratio: totalBytes === undefined ? undefined : totalBytes / seed.storageBytes };
}
