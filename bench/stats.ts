/** The statistics the bench reports: percentiles and per-second rates of counters. */

/** The p-th percentile (0..100) by linear interpolation between closest ranks; undefined for no values. */
export function percentile(values: number[], p: number): number | undefined {
  return percentileOfSorted([...values].sort((a, b) => a - b), p);
}

/** `percentile` of values already sorted ascending. */
export function percentileOfSorted(sorted: number[], p: number): number | undefined {
  if (p < 0 || p > 100) throw new Error(`percentile ${p}: expected 0..100`);
  if (sorted.length === 0) return undefined;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

/** A counter read at a time (seconds). */
export interface CounterReading {
  t: number;
  value: number;
}

/**
 * The counter's increase per second between the first and last reading, counting a drop
 * (a restarted process) as a reset to zero, as PromQL's rate() does.
 */
export function ratePerSecond(readings: CounterReading[]): number | undefined {
  if (readings.length < 2) return undefined;
  let increase = 0;
  for (let i = 1; i < readings.length; i++) {
    const delta = readings[i].value - readings[i - 1].value;
    increase += delta >= 0 ? delta : readings[i].value;
  }
  const seconds = readings[readings.length - 1].t - readings[0].t;
  return seconds > 0 ? increase / seconds : undefined;
}

/** The counter's total increase over the readings (resets counted as above). */
export function increase(readings: CounterReading[]): number {
  let total = 0;
  for (let i = 1; i < readings.length; i++) {
    const delta = readings[i].value - readings[i - 1].value;
    total += delta >= 0 ? delta : readings[i].value;
  }
  return total;
}

export const mean = (values: number[]): number | undefined => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined);
