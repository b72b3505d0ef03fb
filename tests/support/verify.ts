/**
 * `npm run verify` against a local platform, for the e2e tests: its central outputs as the
 * file `pulumi stack output --json` would write, the CLI as users run it, and the checks
 * polled until a report turns out as expected.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { LocalPlatform } from "../../loopback/local-platform";
import { waitFor } from "../../loopback/process";
import { Report } from "../../scripts/verify/types";
import { expectationsFrom, Expectations, parseStackOutputs } from "../../scripts/verify/expectations";
import { renderTable } from "../../scripts/verify/report";
import { verify } from "../../scripts/verify/run";
import { PROJECT_DIR } from ".";

/** Writes the platform's central outputs into `dir` and reads them back as verify does. */
export function writeCentralOutputs(platform: LocalPlatform, dir: string): { outputsFile: string; expectations: Expectations } {
  const outputsFile = path.join(dir, "central-outputs.json");
  fs.writeFileSync(outputsFile, JSON.stringify(platform.centralOutputs));
  const expectations = expectationsFrom([{ source: outputsFile, outputs: parseStackOutputs(fs.readFileSync(outputsFile, "utf8"), outputsFile) }]);
  return { outputsFile, expectations };
}

export interface VerifyCliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `scripts/verify.ts` with `args`, as a separate process: its exit code and output. By default
 * in the project with this process's environment; the engine tests run it in their project copy
 * with the CLI's environment, as a user runs it.
 */
export function runVerifyCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<VerifyCliResult> {
  const tsx = path.join(PROJECT_DIR, "node_modules", ".bin", "tsx");
  return new Promise((resolve) => {
    const options = { cwd: opts.cwd ?? PROJECT_DIR, env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 60_000 };
    execFile(tsx, [path.join(PROJECT_DIR, "scripts", "verify.ts"), ...args], options, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

/** Runs the checks every `everyMs` until `done` holds for a report; the error shows the last one. */
export async function verifyUntil(
  expectations: Expectations,
  done: (r: Report) => boolean,
  what: string,
  { withinMs, everyMs, maxAgeSeconds }: { withinMs: number; everyMs: number; maxAgeSeconds: number },
): Promise<Report> {
  let last: Report | undefined;
  try {
    return await waitFor(
      what,
      async () => {
        last = await verify({ expectations, settings: { maxAgeSeconds }, timeoutMs: 10_000 });
        return done(last) ? last : undefined;
      },
      withinMs,
      everyMs,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last report:\n${last ? renderTable(last) : "none"}`);
  }
}
