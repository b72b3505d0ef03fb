/**
 * The synth's output as files: rendered in memory, deterministic (keys sorted, secrets
 * redacted, no paths or times), and written all at once. A directory is replaced whole,
 * through a staging directory beside it and a rename, so it never holds a mix of two runs.
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** Output files by path relative to the output directory, `/`-separated. */
export type OutputFiles = Map<string, string>;

/** Bad arguments or input that is not a stack file's config: reported without a stack trace. */
export class SynthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SynthError";
  }
}

/** A deep copy with every object's keys in sorted order (arrays keep theirs). */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** JSON as every output file has it: two-space indent, a final newline. */
export function jsonFile(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}

/** Every file under `dir`, relative, sorted. */
export function readOutputFiles(dir: string): OutputFiles {
  const files: OutputFiles = new Map();
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else files.set(child, fs.readFileSync(path.join(dir, child), "utf8"));
    }
  };
  walk("");
  return files;
}

/**
 * Throws unless `dir` is missing or holds only what a synth writes (stack directories with
 * a plan.json, and kubeconfig.yaml): replacing it must never delete anything else.
 */
export function assertReplaceable(dir: string): void {
  if (!fs.existsSync(dir)) return;
  if (!fs.statSync(dir).isDirectory()) throw new SynthError(`${dir} is not a directory; choose another --out`);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const ours = entry.isDirectory() ? fs.existsSync(path.join(dir, entry.name, "plan.json")) : entry.name === "kubeconfig.yaml";
    if (!ours) throw new SynthError(`refusing to replace ${dir}: ${entry.name} in it is not synth output; choose an empty or new --out`);
  }
}

/** Replaces `dir` with exactly `files`; `dir` must pass assertReplaceable. */
export function replaceDirectory(dir: string, files: OutputFiles): void {
  assertReplaceable(dir);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  // mkdir, not mkdtemp: the output gets the umask's permissions, not 0700.
  const staging = path.join(path.dirname(dir), `.${path.basename(dir)}.staging-${randomBytes(4).toString("hex")}`);
  fs.mkdirSync(staging);
  try {
    for (const [rel, text] of files) {
      const target = path.join(staging, ...rel.split("/"));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, text);
    }
    const previous = `${staging}.previous`;
    if (fs.existsSync(dir)) fs.renameSync(dir, previous);
    fs.renameSync(staging, dir);
    fs.rmSync(previous, { recursive: true, force: true });
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

/** Removes an earlier run's output, so that it cannot pass for a failed run's. True when there was one. */
export function removeOutput(dir: string): boolean {
  if (!fs.existsSync(dir)) return false;
  assertReplaceable(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  return true;
}
