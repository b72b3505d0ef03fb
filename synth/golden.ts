/**
 * Golden output: `npm run synth`'s files for the shipped stack files, committed under
 * tests/golden so that a change to what the program deploys is a visible diff in review.
 * Deterministic: keys sorted, secrets redacted, no paths or times; the throwaway
 * kubeconfig.yaml is left out. tests/unit/golden.test.ts fails when the two drift apart.
 *
 * Usage: npm run golden    (regenerates tests/golden; review the diff, then commit it)
 */
import * as path from "path";
import { PROJECT_DIR } from "../config/stack-files";
import { OutputFiles, readOutputFiles, replaceDirectory } from "./output";
import { synthesizeFiles } from "./synth";

export const GOLDEN_DIR = path.join(PROJECT_DIR, "tests", "golden");
export const GOLDEN_COMMAND = "npm run golden";

/** The golden files as the current code renders them from the committed stack files. */
export async function renderGolden(): Promise<OutputFiles> {
  const { files } = await synthesizeFiles({ stackDir: PROJECT_DIR });
  return new Map([...files].filter(([rel]) => rel !== "kubeconfig.yaml").sort(([a], [b]) => a.localeCompare(b)));
}

export interface FileChange {
  path: string;
  change: "changed" | "added" | "removed";
}

/** What turns `before` into `after`, file by file, sorted by path. */
export function compareFiles(before: OutputFiles, after: OutputFiles): FileChange[] {
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  return paths.flatMap((p): FileChange[] => {
    if (!before.has(p)) return [{ path: p, change: "added" }];
    if (!after.has(p)) return [{ path: p, change: "removed" }];
    return before.get(p) === after.get(p) ? [] : [{ path: p, change: "changed" }];
  });
}

/** The first line where two texts differ, for a readable failure. */
export function firstDifference(before: string, after: string): string {
  const a = before.split("\n");
  const b = after.split("\n");
  const i = a.findIndex((line, n) => line !== b[n]);
  const line = i === -1 ? a.length : i;
  return `line ${line + 1}: ${JSON.stringify(a[line] ?? "")} -> ${JSON.stringify(b[line] ?? "")}`;
}

/** Rewrites `dir` (tests/golden) from the current code; returns what changed. */
export async function updateGolden(dir: string = GOLDEN_DIR): Promise<FileChange[]> {
  const rendered = await renderGolden();
  let previous: OutputFiles = new Map();
  try {
    previous = readOutputFiles(dir);
  } catch {
    // no golden files yet
  }
  replaceDirectory(dir, rendered);
  return compareFiles(previous, rendered);
}
