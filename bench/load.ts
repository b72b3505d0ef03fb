/**
 * The offered load: one load generator (tools/loadgen, avalanche's shape) per agent, sized so
 * the fleet carries `level` times the seed's active series. Each edge cluster gets an equal
 * share; a cluster's share is split evenly between its agents (cluster-02's cluster agent and
 * its two tenants' agents), as the seed spreads its series over clusters and tenants.
 */
import { loopback, ManagedProcess } from "../loopback/process";
import { requireTool } from "../loopback/tools";

/** The seed's fleet-wide active series at a 15s scrape interval (about 7,300 samples/s). */
export const SEED_ACTIVE_SERIES = 110_000;
export const SEED_SCRAPE_INTERVAL_SECONDS = 15;

export interface AgentRef {
  name: string;
  cluster: string;
}

/** Active series each agent should carry for a fleet total of `totalSeries` (rounded, summing to the total). */
export function seriesShares(agents: AgentRef[], totalSeries: number): Map<string, number> {
  if (agents.length === 0) throw new Error("no agents to spread the load over");
  const clusters = [...new Set(agents.map((a) => a.cluster))];
  const exact = agents.map((a) => ({ name: a.name, share: totalSeries / clusters.length / agents.filter((b) => b.cluster === a.cluster).length }));
  // Largest remainder: whole series per agent, adding up to the total.
  const shares = exact.map((e) => ({ ...e, whole: Math.floor(e.share) }));
  let missing = totalSeries - shares.reduce((sum, s) => sum + s.whole, 0);
  for (const s of [...shares].sort((a, b) => b.share - b.whole - (a.share - a.whole))) {
    if (missing <= 0) break;
    s.whole++;
    missing--;
  }
  return new Map(shares.map((s) => [s.name, s.whole]));
}

export interface GeneratorSize {
  metrics: number;
  seriesPerMetric: number;
}

/**
 * Metrics and series per metric for a generator adding `series` to an agent that already
 * carries `baseline` (its own metrics, node-exporter, the scrape's `up` series): the agent's
 * total comes within `seriesPerMetric` of its share.
 */
export function generatorSize(share: number, baseline: number, seriesPerMetric = 10): GeneratorSize {
  const wanted = Math.max(0, share - baseline);
  return { metrics: Math.round(wanted / seriesPerMetric), seriesPerMetric };
}

export const seriesOf = (size: GeneratorSize) => size.metrics * size.seriesPerMetric;

/**
 * One generator as `shards` scrape targets (`/metrics?shard=I&shards=N`), each with a `shard`
 * label: an agent scrapes them at spread offsets, as it would a cluster's many targets,
 * rather than the whole share in one burst per interval.
 */
export function shardTargets(address: string, shards: number): { address: string; labels: Record<string, string> }[] {
  return Array.from({ length: shards }, (_, i) => ({ address, labels: { __param_shard: String(i), __param_shards: String(shards), shard: String(i) } }));
}

export interface LoadGeneratorOptions {
  dir: string;
  name: string;
  port: number;
  size: GeneratorSize;
  labelCount: number;
  valueInterval: string;
}

export interface LoadGenerator {
  process: ManagedProcess;
  url: string;
  /** Serves `metrics` metrics from now on (same series per metric and labels). */
  resize(metrics: number): Promise<void>;
}

export function loadgenArgs(opts: Omit<LoadGeneratorOptions, "dir" | "name">): string[] {
  return [
    `--listen-address=${loopback(opts.port)}`,
    `--metric-count=${opts.size.metrics}`,
    `--series-count=${opts.size.seriesPerMetric}`,
    `--label-count=${opts.labelCount}`,
    `--value-interval=${opts.valueInterval}`,
  ];
}

/** Starts a generator; it keeps its port for the whole run, and levels change by `resize`. */
export async function startLoadGenerator(opts: LoadGeneratorOptions): Promise<LoadGenerator> {
  const url = `http://${loopback(opts.port)}`;
  const process = await ManagedProcess.start({ name: `loadgen-${opts.name}`, binary: requireTool("loadgen"), args: loadgenArgs(opts), dir: opts.dir, readyUrl: `${url}/-/ready` });
  return {
    process,
    url,
    resize: async (metrics) => {
      const res = await fetch(`${url}/-/resize?metric-count=${metrics}`, { method: "POST", signal: AbortSignal.timeout(30_000) });
      if (!res.ok) throw new Error(`loadgen-${opts.name}: resize to ${metrics} metrics: HTTP ${res.status} ${await res.text()}`);
    },
  };
}
