/**
 * The PR summary: what a change does to the clusters. Renders the committed stack files
 * with the current code (as tests/golden holds them) and diffs that against tests/golden
 * of the base commit, as Markdown for $GITHUB_STEP_SUMMARY. Helm values are opaque in a
 * `pulumi preview`; here every changed value is a line in a diff.
 *
 * Usage: npx tsx scripts/golden-diff.ts --base <commit> >> "$GITHUB_STEP_SUMMARY"
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_DIR } from "../config/stack-files";
import { compareFiles, GOLDEN_COMMAND, GOLDEN_DIR, renderGolden } from "../synth/golden";
import { OutputFiles, readOutputFiles } from "../synth/output";

/** GitHub takes at most 1 MiB of summary per step; stay under it with room for the frame. */
export const SUMMARY_LIMIT = 900_000;

/** tests/golden as committed at `ref` in the repository at `repoDir` (empty when it has none). */
export function goldenFilesAt(ref: string, repoDir: string, goldenDir = GOLDEN_DIR): OutputFiles {
  const prefix = path.relative(repoDir, goldenDir).split(path.sep).join("/");
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repoDir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const names = git("ls-tree", "-r", "--name-only", ref, "--", `${prefix}/`).split("\n").filter(Boolean);
  return new Map(names.map((name) => [name.slice(prefix.length + 1), git("show", `${ref}:${name}`)]));
}

/** `git diff --no-index` of two file sets, split per file (header paths relative to the output). */
function unifiedDiffs(before: OutputFiles, after: OutputFiles): Map<string, string> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "golden-diff-"));
  try {
    for (const [side, files] of [["a", before], ["b", after]] as const) {
      fs.mkdirSync(path.join(scratch, side));
      for (const [rel, text] of files) {
        const target = path.join(scratch, side, ...rel.split("/"));
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, text);
      }
    }
    // --no-prefix keeps the directory names a/ and b/ as git's usual prefixes.
    const run = spawnSync("git", ["diff", "--no-index", "--no-color", "--no-prefix", "a", "b"], { cwd: scratch, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    if (run.status !== 0 && run.status !== 1) throw new Error(`git diff failed: ${run.stderr}`);
    const diffs = new Map<string, string>();
    for (const chunk of run.stdout.split(/^(?=diff --git )/m).filter(Boolean)) {
      const header = /^diff --git [ab]\/(\S+) [ab]\/(\S+)/.exec(chunk);
      if (header) diffs.set(header[2] ?? header[1], chunk.trimEnd());
    }
    return diffs;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

const count = (diff: string, sign: "+" | "-") => diff.split("\n").filter((l) => l.startsWith(sign) && !l.startsWith(sign.repeat(3))).length;

export interface SummaryOptions {
  baseLabel: string;
  /** True when the committed tests/golden is not what the code renders. */
  goldenStale: boolean;
  limit?: number;
}

/** The Markdown summary of how `before` (the base's golden files) becomes `after` (this code's). */
export function diffSummary(before: OutputFiles, after: OutputFiles, opts: SummaryOptions): string {
  const limit = opts.limit ?? SUMMARY_LIMIT;
  const lines = ["## Rendered output", "", `\`npm run synth\` of the committed stack files with this code, against tests/golden at ${opts.baseLabel}.`, ""];
  if (opts.goldenStale) lines.push(`> **tests/golden is not up to date with this code**: run \`${GOLDEN_COMMAND}\`, review and commit the result.`, "");
  const changes = compareFiles(before, after);
  if (changes.length === 0) return [...lines, "No change to the rendered output: the clusters get exactly what they get now."].join("\n") + "\n";

  const diffs = unifiedDiffs(before, after);
  lines.push("| file | change | lines |", "|---|---|---|");
  for (const c of changes) {
    const diff = diffs.get(c.path) ?? "";
    lines.push(`| \`${c.path}\` | ${c.change} | +${count(diff, "+")} −${count(diff, "-")} |`);
  }
  lines.push("");
  let size = lines.join("\n").length;
  let shown = 0;
  for (const c of changes) {
    const block = ["<details>", `<summary><code>${c.path}</code> (${c.change})</summary>`, "", "```diff", diffs.get(c.path) ?? "", "```", "", "</details>", ""].join("\n");
    if (size + block.length > limit) break;
    lines.push(block);
    size += block.length + 1;
    shown++;
  }
  if (shown < changes.length) lines.push(`${changes.length - shown} more file diff(s) left out to stay within the summary size limit; the \`synth\` artifact has the full output.`);
  return lines.join("\n") + "\n";
}

async function main(argv: string[]): Promise<number> {
  const i = argv.indexOf("--base");
  const base = i >= 0 ? argv[i + 1] : undefined;
  if (!base) {
    console.error("usage: npx tsx scripts/golden-diff.ts --base <commit>");
    return 2;
  }
  const repoDir = PROJECT_DIR;
  const rendered = await renderGolden();
  const committed = readOutputFiles(GOLDEN_DIR);
  const before = goldenFilesAt(base, repoDir);
  process.stdout.write(diffSummary(before, rendered, { baseLabel: `\`${base.slice(0, 12)}\``, goldenStale: compareFiles(committed, rendered).length > 0 }));
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      // Still a summary: the reviewer sees why there is no diff.
      process.stdout.write(`## Rendered output\n\nCould not render the stack files: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
