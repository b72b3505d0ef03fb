/**
 * Reads every agent's and receiver's own /metrics every few seconds and keeps the readings;
 * `summarize` turns a window of them into the bench's figures. Remote-write lag is the
 * agents' own view: the newest sample timestamp enqueued for remote write minus the newest
 * one sent (what the Prometheus mixin's "remote write behind" alert uses).
 */
import { scrape, Sample, sumOf } from "./metrics";
import { increase, mean, percentile, ratePerSecond } from "./stats";

export interface AgentReading {
  agent: string;
  samplesSent: number;
  samplesFailed: number;
  samplesRetried: number;
  samplesDropped: number;
  /** Seconds between the newest sample enqueued and the newest sent; undefined before the first send. */
  lagSeconds?: number;
  activeSeries: number;
  rssBytes: number;
  cpuSeconds: number;
  shards: number;
}

export interface ReceiverReading {
  pod: string;
  /** Samples in remote-write requests this receiver answered (from the agents, through the LB), by outcome. */
  writeSamplesOk: number;
  writeSamplesFailed: number;
  /** Samples appended to its TSDBs: its own share and the replicas it receives from its peers. */
  appended: number;
  headSeries: number;
  rssBytes: number;
  cpuSeconds: number;
  replicationErrors: number;
}

export interface Reading {
  /** Seconds since the epoch. */
  t: number;
  agents: AgentReading[];
  receivers: ReceiverReading[];
}

const value = (samples: Sample[], name: string, match: Record<string, string> = {}) => sumOf(samples, name, match) ?? 0;

export function agentReading(agent: string, samples: Sample[]): AgentReading {
  // Prometheus 3 names the queue's gauges queue_highest_*; older ones only had highest_timestamp_in_seconds.
  const enqueued = sumOf(samples, "prometheus_remote_storage_queue_highest_timestamp_seconds") ?? sumOf(samples, "prometheus_remote_storage_highest_timestamp_in_seconds");
  const sent = sumOf(samples, "prometheus_remote_storage_queue_highest_sent_timestamp_seconds");
  return {
    agent,
    samplesSent: value(samples, "prometheus_remote_storage_samples_total"),
    samplesFailed: value(samples, "prometheus_remote_storage_samples_failed_total"),
    samplesRetried: value(samples, "prometheus_remote_storage_samples_retried_total"),
    samplesDropped: value(samples, "prometheus_remote_storage_samples_dropped_total"),
    lagSeconds: enqueued && sent ? Math.max(0, enqueued - sent) : undefined,
    activeSeries: value(samples, "prometheus_agent_active_series"),
    rssBytes: value(samples, "process_resident_memory_bytes"),
    cpuSeconds: value(samples, "process_cpu_seconds_total"),
    shards: value(samples, "prometheus_remote_storage_shards"),
  };
}

export function receiverReading(pod: string, samples: Sample[]): ReceiverReading {
  const written = samples.filter((s) => s.name === "thanos_receive_write_samples_sum");
  return {
    pod,
    writeSamplesOk: written.filter((s) => s.labels.code === "200").reduce((sum, s) => sum + s.value, 0),
    writeSamplesFailed: written.filter((s) => s.labels.code !== "200").reduce((sum, s) => sum + s.value, 0),
    appended: value(samples, "prometheus_tsdb_head_samples_appended_total"),
    headSeries: value(samples, "prometheus_tsdb_head_series"),
    rssBytes: value(samples, "process_resident_memory_bytes"),
    cpuSeconds: value(samples, "process_cpu_seconds_total"),
    replicationErrors: value(samples, "thanos_receive_replications_total", { result: "error" }),
  };
}

export interface Target {
  name: string;
  url: string;
}

/** Reads the targets every `everyMs` until stopped; a target that does not answer is left out of that reading. */
export class Sampler {
  readonly readings: Reading[] = [];
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(
    private readonly agents: Target[],
    private readonly receivers: Target[],
    private readonly everyMs = 2000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.read(), this.everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async read(): Promise<Reading | undefined> {
    if (this.busy) return undefined;
    this.busy = true;
    try {
      const t = Date.now() / 1000;
      const settle = <T>(targets: Target[], read: (name: string, s: Sample[]) => T) =>
        Promise.all(targets.map((x) => scrape(x.url).then((s) => read(x.name, s), () => undefined))).then((r) => r.filter((x): x is Awaited<T> => x !== undefined));
      const [agents, receivers] = await Promise.all([settle(this.agents, agentReading), settle(this.receivers, receiverReading)]);
      const reading = { t, agents, receivers };
      this.readings.push(reading);
      return reading;
    } finally {
      this.busy = false;
    }
  }

  /** Readings taken at or after `since` (seconds). */
  since(since: number): Reading[] {
    return this.readings.filter((r) => r.t >= since);
  }
}

export interface WindowSummary {
  seconds: number;
  readings: number;
  /** Samples/s in the agents' remote-write requests the receivers accepted. */
  ingestedSamplesPerSecond?: number;
  /** Samples/s appended to the receivers' TSDBs (every replica). */
  appendedSamplesPerSecond?: number;
  /** Samples/s the agents sent (their own count). */
  sentSamplesPerSecond?: number;
  failedSamples: number;
  retriedSamples: number;
  droppedSamples: number;
  rejectedSamples: number;
  replicationErrors: number;
  lagP50Seconds?: number;
  lagP99Seconds?: number;
  lagMaxSeconds?: number;
  activeSeries?: number;
  receiverHeadSeries?: number;
  receiverRssBytes?: number;
  receiverBytesPerSeries?: number;
  receiverCpuCores?: number;
  agentRssMaxBytes?: number;
  agentRssMeanBytes?: number;
  agentCpuCoresMax?: number;
  agentCpuCoresTotal?: number;
  maxShards?: number;
  perAgent: AgentSummary[];
}

export interface AgentSummary {
  agent: string;
  activeSeries?: number;
  sentSamplesPerSecond?: number;
  lagP50Seconds?: number;
  lagP99Seconds?: number;
  maxShards: number;
  rssMaxBytes: number;
  cpuCores?: number;
}

function agentSummaries(window: Reading[]): AgentSummary[] {
  const names = [...new Set(window.flatMap((r) => r.agents.map((a) => a.agent)))];
  return names.map((agent) => {
    const rs = window.flatMap((r) => r.agents.filter((a) => a.agent === agent).map((a) => ({ t: r.t, a })));
    const lags = rs.map((x) => x.a.lagSeconds).filter((l): l is number => l !== undefined);
    return {
      agent,
      activeSeries: last(rs)?.a.activeSeries,
      sentSamplesPerSecond: ratePerSecond(rs.map((x) => ({ t: x.t, value: x.a.samplesSent }))),
      lagP50Seconds: percentile(lags, 50),
      lagP99Seconds: percentile(lags, 99),
      maxShards: Math.max(0, ...rs.map((x) => x.a.shards)),
      rssMaxBytes: Math.max(0, ...rs.map((x) => x.a.rssBytes)),
      cpuCores: ratePerSecond(rs.map((x) => ({ t: x.t, value: x.a.cpuSeconds }))),
    };
  });
}

/** Per-target counter readings across the window. */
function perTarget<R extends { agent: string } | { pod: string }>(window: Reading[], pick: (r: Reading) => R[], counter: (r: R) => number) {
  const byName = new Map<string, { t: number; value: number }[]>();
  for (const reading of window) {
    for (const r of pick(reading)) {
      const name = "agent" in r ? r.agent : r.pod;
      byName.set(name, [...(byName.get(name) ?? []), { t: reading.t, value: counter(r) }]);
    }
  }
  return [...byName.values()];
}

function sumRates<R extends { agent: string } | { pod: string }>(window: Reading[], pick: (r: Reading) => R[], counter: (r: R) => number): number | undefined {
  const rates = perTarget(window, pick, counter).map(ratePerSecond).filter((r): r is number => r !== undefined);
  return rates.length ? rates.reduce((a, b) => a + b, 0) : undefined;
}

function sumIncreases<R extends { agent: string } | { pod: string }>(window: Reading[], pick: (r: Reading) => R[], counter: (r: R) => number): number {
  return perTarget(window, pick, counter).reduce((sum, readings) => sum + increase(readings), 0);
}

const last = <T>(xs: T[]): T | undefined => xs[xs.length - 1];

/** The bench's figures over a window of readings. */
export function summarize(window: Reading[]): WindowSummary {
  const agents = (r: Reading) => r.agents;
  const receivers = (r: Reading) => r.receivers;
  const lags = window.flatMap((r) => r.agents.map((a) => a.lagSeconds).filter((l): l is number => l !== undefined));
  const final = last(window);
  const headSeries = final?.receivers.map((r) => r.headSeries) ?? [];
  const rss = final?.receivers.map((r) => r.rssBytes) ?? [];
  const perSeries = final?.receivers.filter((r) => r.headSeries > 0).map((r) => r.rssBytes / r.headSeries) ?? [];
  const agentRssPeaks = perTarget(window, agents, (a) => a.rssBytes).map((rs) => Math.max(...rs.map((x) => x.value)));
  const agentCpu = perTarget(window, agents, (a) => a.cpuSeconds).map(ratePerSecond).filter((r): r is number => r !== undefined);
  return {
    seconds: window.length > 1 ? window[window.length - 1].t - window[0].t : 0,
    readings: window.length,
    ingestedSamplesPerSecond: sumRates(window, receivers, (r) => r.writeSamplesOk),
    appendedSamplesPerSecond: sumRates(window, receivers, (r) => r.appended),
    sentSamplesPerSecond: sumRates(window, agents, (a) => a.samplesSent),
    failedSamples: sumIncreases(window, agents, (a) => a.samplesFailed),
    retriedSamples: sumIncreases(window, agents, (a) => a.samplesRetried),
    droppedSamples: sumIncreases(window, agents, (a) => a.samplesDropped),
    rejectedSamples: sumIncreases(window, receivers, (r) => r.writeSamplesFailed),
    replicationErrors: sumIncreases(window, receivers, (r) => r.replicationErrors),
    lagP50Seconds: percentile(lags, 50),
    lagP99Seconds: percentile(lags, 99),
    lagMaxSeconds: lags.length ? Math.max(...lags) : undefined,
    activeSeries: final ? final.agents.reduce((sum, a) => sum + a.activeSeries, 0) : undefined,
    receiverHeadSeries: mean(headSeries),
    receiverRssBytes: mean(rss),
    receiverBytesPerSeries: mean(perSeries),
    receiverCpuCores: sumRates(window, receivers, (r) => r.cpuSeconds),
    agentRssMaxBytes: agentRssPeaks.length ? Math.max(...agentRssPeaks) : undefined,
    agentRssMeanBytes: mean(agentRssPeaks),
    agentCpuCoresMax: agentCpu.length ? Math.max(...agentCpu) : undefined,
    agentCpuCoresTotal: agentCpu.length ? agentCpu.reduce((a, b) => a + b, 0) : undefined,
    maxShards: final?.agents.length ? Math.max(...final.agents.map((a) => a.shards)) : undefined,
    perAgent: agentSummaries(window),
  };
}
