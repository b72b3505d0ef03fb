/**
 * The offered load: one load generator (tools/loadgen) per agent, serving a simulated fleet of
 * nodes with the metric families the dashboards and alert rules read (FLEET_FAMILIES), sized so
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

/** One simulated node of the generator (tools/loadgen): its CPUs, pods, containers per pod and persistent volumes. */
export interface FleetShape {
  cpusPerNode: number;
  podsPerNode: number;
  containersPerPod: number;
  volumesPerNode: number;
}

/** The generator's defaults (tools/loadgen/main.go): a small node, so a share comes within a node's series of its size. */
export const DEFAULT_FLEET_SHAPE: FleetShape = { cpusPerNode: 4, podsPerNode: 10, containersPerPod: 2, volumesPerNode: 2 };

/**
 * The metric families the generator serves, with their exporters' label names: what the
 * dashboards and alert rules (mixin/) read from node-exporter, kube-state-metrics, cAdvisor
 * and the kubelet, plus node-exporter's network and load figures. node-exporter's series carry
 * a `node` label: one scrape target serves many nodes, where a real fleet tells them apart by
 * the target's `instance`. tools/loadgen/families.go
 * holds the same list; tests/unit/loadgen.test.ts checks both against the mixin.
 */
export const FLEET_FAMILIES: readonly { name: string; type: "counter" | "gauge"; labels: readonly string[] }[] = [
  { name: "node_cpu_seconds_total", type: "counter", labels: ["node", "cpu", "mode"] },
  { name: "node_memory_MemTotal_bytes", type: "gauge", labels: ["node"] },
  { name: "node_memory_MemAvailable_bytes", type: "gauge", labels: ["node"] },
  { name: "node_filesystem_avail_bytes", type: "gauge", labels: ["node", "device", "fstype", "mountpoint"] },
  { name: "node_filesystem_size_bytes", type: "gauge", labels: ["node", "device", "fstype", "mountpoint"] },
  { name: "node_filesystem_readonly", type: "gauge", labels: ["node", "device", "fstype", "mountpoint"] },
  { name: "node_network_receive_bytes_total", type: "counter", labels: ["node", "device"] },
  { name: "node_network_transmit_bytes_total", type: "counter", labels: ["node", "device"] },
  { name: "node_load1", type: "gauge", labels: ["node"] },
  { name: "node_load5", type: "gauge", labels: ["node"] },
  { name: "node_load15", type: "gauge", labels: ["node"] },
  {
    name: "kube_pod_info",
    type: "gauge",
   
    labels: ["namespace", "pod", "uid", "host_ip", "pod_ip", "node", "created_by_kind", "created_by_name", "priority_class", "host_network"],
  },
  { name: "kube_pod_status_phase", type: "gauge", labels: ["namespace", "pod", "uid", "phase"] },
  { name: "kube_pod_container_resource_requests", type: "gauge", labels: ["namespace", "pod", "uid", "container", "node", "resource", "unit"] },
  { name: "kube_pod_container_resource_limits", type: "gauge", labels: ["namespace", "pod", "uid", "container", "node", "resource", "unit"] },
  { name: "kube_pod_container_status_restarts_total", type: "counter", labels: ["namespace", "pod", "uid", "container"] },
  { name: "container_cpu_usage_seconds_total", type: "counter", labels: ["cpu", "container", "id", "image", "name", "namespace", "pod"] },
  { name: "container_memory_working_set_bytes", type: "gauge", labels: ["container", "id", "image", "name", "namespace", "pod"] },
  { name: "kubelet_volume_stats_capacity_bytes", type: "gauge", labels: ["namespace", "persistentvolumeclaim"] },
  { name: "kubelet_volume_stats_available_bytes", type: "gauge", labels: ["namespace", "persistentvolumeclaim"] },
];

/**
 * Series of one simulated node, as tools/loadgen counts them: node-exporter's 8 CPU modes per
 * CPU, 2 memory fields, 3 filesystems x 3 families, 2 network devices x 2, 3 load averages;
 * per pod kube_pod_info, 5 phases and the pod cgroup's 2 cAdvisor series; per container 2
 * resource requests, 2 limits, its restarts and 2 cAdvisor series; 2 series per volume.
 */
export function seriesPerNode(shape: FleetShape = DEFAULT_FLEET_SHAPE): number {
  return 8 * shape.cpusPerNode + 18 + shape.podsPerNode * (8 + 7 * shape.containersPerPod) + 2 * shape.volumesPerNode;
}

export interface GeneratorSize {
  nodes: number;
  /** Exactly what the generator serves for `nodes` nodes. */
  series: number;
}

/** The generator's choice for `series` wanted: the node count that comes closest (Go's math.Round: halves away from zero). */
export function sizeForSeries(series: number, shape: FleetShape = DEFAULT_FLEET_SHAPE): GeneratorSize {
  const nodes = Math.round(Math.max(0, series) / seriesPerNode(shape));
  return { nodes, series: nodes * seriesPerNode(shape) };
}

/**
 * The generator for an agent that should carry `share` series and already carries `baseline`
 * (its own metrics, node-exporter, the scrapes' `up` series): the agent's total comes within
 * half a node's series of its share.
 */
export function generatorSize(share: number, baseline: number, shape: FleetShape = DEFAULT_FLEET_SHAPE): GeneratorSize {
  return sizeForSeries(share - baseline, shape);
}

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
  /** Series wanted; the generator serves the whole nodes that come closest (`sizeForSeries`). */
  series: number;
  /** Every how long counters grow and gauges are redrawn, a Go duration ("30s"). */
  valueInterval: string;
  shape?: FleetShape;
}

export interface LoadGenerator {
  process: ManagedProcess;
  url: string;
  shape: FleetShape;
  /** Serves the nodes closest to `series` from now on; resolves to the series it serves. */
  resize(series: number): Promise<number>;
}

export function loadgenArgs(opts: Omit<LoadGeneratorOptions, "dir" | "name">): string[] {
  const shape = opts.shape ?? DEFAULT_FLEET_SHAPE;
  return [
    `--listen-address=${loopback(opts.port)}`,
    `--series=${opts.series}`,
    `--cpus-per-node=${shape.cpusPerNode}`,
    `--pods-per-node=${shape.podsPerNode}`,
    `--containers-per-pod=${shape.containersPerPod}`,
    `--volumes-per-node=${shape.volumesPerNode}`,
    `--value-interval=${opts.valueInterval}`,
  ];
}

/** Starts a generator; it keeps its port for the whole run, and levels change by `resize`. */
export async function startLoadGenerator(opts: LoadGeneratorOptions): Promise<LoadGenerator> {
  const url = `http://${loopback(opts.port)}`;
  const shape = opts.shape ?? DEFAULT_FLEET_SHAPE;
  const process = await ManagedProcess.start({ name: `loadgen-${opts.name}`, binary: requireTool("loadgen"), args: loadgenArgs(opts), dir: opts.dir, readyUrl: `${url}/-/ready` });
  return {
    process,
    url,
    shape,
    resize: async (series) => {
      const res = await fetch(`${url}/-/resize?series=${series}`, { method: "POST", signal: AbortSignal.timeout(30_000) });
      const body = await res.text();
      if (!res.ok) throw new Error(`loadgen-${opts.name}: resize to ${series} series: HTTP ${res.status} ${body}`);
      const served = /^(\d+) series/.exec(body);
      if (!served) throw new Error(`loadgen-${opts.name}: resize to ${series} series: expected "<N> series ..." in the response, got ${JSON.stringify(body)}`);
      return Number(served[1]);
    },
  };
}
