/** Prometheus/Thanos duration strings ("90m", "7d", "1h30m"), as the binaries accept them. */

const UNIT_MS = {
  y: 365 * 24 * 3600 * 1000,
  w: 7 * 24 * 3600 * 1000,
  d: 24 * 3600 * 1000,
  h: 3600 * 1000,
  m: 60 * 1000,
  s: 1000,
  ms: 1,
} as const;

// Units must appear from largest to smallest, each at most once (Prometheus' model.ParseDuration).
const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Milliseconds in a duration string, or undefined when it is not a valid non-zero duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_RE.exec(text);
  if (!match || text === "") return undefined;
  const units = Object.values(UNIT_MS);
  const total = match.slice(1).reduce((sum, part, i) => sum + (part ? Number(part) * units[i] : 0), 0);
  return total > 0 ? total : undefined;
}

/** Milliseconds in a duration already validated by the config schema. */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`not a duration: ${JSON.stringify(text)}`);
  return ms;
}
