/**
 * Reading a process's own /metrics: the Prometheus text exposition format, parsed into
 * samples (histograms and summaries arrive as their `_sum`, `_count` and `_bucket` lines).
 * The bench reads the agents and receivers directly, not through Thanos, so a slow read path
 * cannot distort what it measures on the write path.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

/** Label pairs of `{a="x",b="y\"z"}` starting at `text[start] === "{"`; returns the pairs and the index after `}`. */
function parseLabels(text: string, start: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    while (text[i] === " " || text[i] === ",") i++;
    if (text[i] === "}") return { labels, end: i + 1 };
    const name = NAME.exec(text.slice(i))?.[0];
    if (!name || text[i + name.length] !== "=" || text[i + name.length + 1] !== '"') throw new Error(`bad label at column ${i + 1}`);
    i += name.length + 2;
    let value = "";
    while (text[i] !== '"') {
      if (i >= text.length) throw new Error("unterminated label value");
      if (text[i] === "\\") {
        const next = text[i + 1];
        value += next === "n" ? "\n" : next;
        i += 2;
      } else value += text[i++];
    }
    labels[name] = value;
    i++;
  }
}

function parseValue(text: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  const value = Number(text);
  if (text === "" || Number.isNaN(value)) throw new Error(`bad value ${JSON.stringify(text)}`);
  return value;
}

/** Every sample of a text-format exposition; comments and blank lines are skipped. */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  text.split("\n").forEach((raw, n) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    try {
      const name = NAME.exec(line)?.[0];
      if (!name) throw new Error("no metric name");
      let rest = line.slice(name.length);
      let labels: Record<string, string> = {};
      if (rest.startsWith("{")) {
        const parsed = parseLabels(rest, 0);
        labels = parsed.labels;
        rest = rest.slice(parsed.end);
      }
      const [value] = rest.trim().split(/\s+/);
      samples.push({ name, labels, value: parseValue(value) });
    } catch (err) {
      throw new Error(`line ${n + 1}: ${(err as Error).message}: ${line.slice(0, 120)}`);
    }
  });
  return samples;
}

/** The sum of every sample named `name` whose labels include `match`; undefined when there is none. */
export function sumOf(samples: Sample[], name: string, match: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
  return found.length ? found.reduce((sum, s) => sum + s.value, 0) : undefined;
}

/** Fetches and parses `<url>/metrics`. */
export async function scrape(url: string, timeoutMs = 5000): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`${url}/metrics: HTTP ${res.status}`);
  return parseExposition(await res.text());
}
