/**
 * The synth at fleet scale: the committed central stack file plus N generated edge stack
 * files (cluster-03's shape), synthesized in one run in a child process, for several N.
 * Near-linear means the time and memory per edge stay about the same as N grows.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_DIR } from "../config/stack-files";

export const edgeStackName = (i: number) => `edge-${String(i).padStart(3, "0")}`;

/** A generated edge stack file writing to cluster-01, as a new cluster's file would be. */
export function edgeStackFile(stack: string): string {
  return ["config:", "  multicluster:role: edge", `  multicluster:kubeContext: ${stack}`, "  multicluster:edge:", "    centralStack: organization/multicluster/cluster-01", ""].join("\n");
}

/** A directory with the committed central stack file and `edges` generated edge stack files. */
export function writeFleet(dir: string, edges: number): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.cluster-01.yaml"), path.join(dir, "Pulumi.cluster-01.yaml"));
  for (let i = 1; i <= edges; i++) fs.writeFileSync(path.join(dir, `Pulumi.${edgeStackName(i)}.yaml`), edgeStackFile(edgeStackName(i)));
}

export interface SynthScaleResult {
  edges: number;
  stacks: number;
  seconds: number;
  maxRssBytes: number;
  msPerStack: number;
}

function runChild(stackDir: string, outDir: string): Promise<{ stacks: number; ms: number; maxRssBytes: number }> {
  const tsx = path.join(PROJECT_DIR, "node_modules", ".bin", "tsx");
  return new Promise((resolve, reject) => {
    execFile(tsx, [path.join(PROJECT_DIR, "bench", "synth-run.ts"), stackDir, outDir], { cwd: PROJECT_DIR, timeout: 30 * 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`synth of ${stackDir} failed: ${stderr.trim().split("\n").slice(-5).join("\n")}`));
      const line = stdout.trim().split("\n").pop() ?? "";
      resolve(JSON.parse(line));
    });
  });
}

export async function measureSynthScale(sizes: number[], log: (line: string) => void = () => undefined): Promise<SynthScaleResult[]> {
  const results: SynthScaleResult[] = [];
  for (const edges of sizes) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-synth-${edges}-`));
    try {
      writeFleet(path.join(dir, "stacks"), edges);
      const run = await runChild(path.join(dir, "stacks"), path.join(dir, "out"));
      const result = { edges, stacks: run.stacks, seconds: run.ms / 1000, maxRssBytes: run.maxRssBytes, msPerStack: run.ms / run.stacks };
      results.push(result);
      log(`synth: ${edges} edges (${run.stacks} stacks) in ${result.seconds.toFixed(1)}s, max RSS ${(run.maxRssBytes / 2 ** 20).toFixed(0)} MiB`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return results;
}

/**
 * How far from linear the largest run is: its time per edge over the smallest run's (1 is
 * linear; the central stack and start-up make small runs slightly dearer per edge).
 */
export function scalingFactor(results: SynthScaleResult[]): number | undefined {
  if (results.length < 2) return undefined;
  const sorted = [...results].sort((a, b) => a.edges - b.edges);
  const small = sorted[0];
  const large = sorted[sorted.length - 1];
  return large.seconds / large.edges / (small.seconds / small.edges);
}
