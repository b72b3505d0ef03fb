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
 * Runs `pulumi stack output --json --stack NAME`. Secrets stay hidden: verify needs none.
 * A missing CLI is an OutputsError that says how to do without it.
 */
export function pulumiStackOutputs(stack: string, opts: PulumiOptions = {}): Promise<LoadedOutputs> {
  const command = opts.command ?? "pulumi";
  const source = `stack ${stack}`;
  return new Promise((resolve, reject) => {
    execFile(
      command,
      ["stack", "output", "--json", "--stack", stack],
      { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === "ENOENT") {
            reject(
              new OutputsError(
                `--stack ${stack}: the Pulumi CLI (${command}) is not installed or not on PATH; export the outputs where it is (pulumi stack output --json --stack ${stack} > outputs.json) and pass --outputs outputs.json`,
              ),
            );
            return;
          }
          reject(new OutputsError(`--stack ${stack}: \`${command} stack output --json --stack ${stack}\` failed: ${stderr.trim() || err.message}`));
          return;
        }
        try {
          resolve({ source, outputs: parseStackOutputs(stdout, source) });
        } catch (parseErr) {
          reject(parseErr);
        }
      },
    );
  });
}
