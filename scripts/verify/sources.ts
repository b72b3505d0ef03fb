/** Where stack outputs come from: a file `pulumi stack output --json` wrote, or the Pulumi CLI itself. */
import { execFile } from "child_process";
import * as fs from "fs";
import { OutputsError, OutputsForVerify, parseStackOutputs } from "./expectations";

export interface LoadedOutputs {
  /** The file name or `stack NAME`, for messages. */
  source: string;
  outputs: OutputsForVerify;
}

export function readOutputsFile(file: string): LoadedOutputs {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : (err as Error).message;
    throw new OutputsError(`${file}: cannot read the outputs file (${why}); write it with: pulumi stack output --json --stack <central stack> > ${file}`);
  }
  return { source: file, outputs: parseStackOutputs(text, file) };
}

export interface PulumiOptions {
  /** The CLI to run; `pulumi` on PATH by default. */
  command?: string;
  timeoutMs?: number;
}

/**
 * Runs `pulumi <args>` for `--stack STACK` and resolves with what it printed. A missing CLI is
 * an OutputsError ending in `withoutCli` (how to do without it); a failure quotes the command.
 */
export function runPulumi(stack: string, args: string[], withoutCli: string, opts: PulumiOptions = {}): Promise<string> {
  const command = opts.command ?? "pulumi";
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        return reject(new OutputsError(`--stack ${stack}: the Pulumi CLI (${command}) is not installed or not on PATH; ${withoutCli}`));
      }
      reject(new OutputsError(`--stack ${stack}: \`${command} ${args.join(" ")}\` failed: ${stderr.trim() || err.message}`));
    });
  });
}

/** Runs `pulumi stack output --json --stack NAME`. Secrets stay hidden: verify needs none. */
export async function pulumiStackOutputs(stack: string, opts: PulumiOptions = {}): Promise<LoadedOutputs> {
  const withoutCli = `export the outputs where it is (pulumi stack output --json --stack ${stack} > outputs.json) and pass --outputs outputs.json`;
  const stdout = await runPulumi(stack, ["stack", "output", "--json", "--stack", stack], withoutCli, opts);
  const source = `stack ${stack}`;
  return { source, outputs: parseStackOutputs(stdout, source) };
}
