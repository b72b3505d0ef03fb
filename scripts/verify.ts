/**
 * `npm run verify -- --outputs FILE [--outputs EDGE_FILE...] [--query-url URL] [--json]`:
 * checks the live platform through Thanos Query, and with `--stack NAME` the stack's
 * deployment state too (`--state-only`: that alone). The logic lives in scripts/verify/.
 */
import { parseVerifyArgs, UsageError, USAGE, VerifyArgs } from "./verify/args";
import { readDeploymentState } from "./verify/deployment-sources";
import { DeploymentStateError } from "./verify/deployment-state";
import { expectationsFrom, OutputsError } from "./verify/expectations";
import { QueryApiError } from "./verify/query-api";
import { renderJson, renderStates, renderTable } from "./verify/report";
import { verify } from "./verify/run";
import { pulumiStackOutputs, readOutputsFile } from "./verify/sources";
import { Report } from "./verify/types";

const EXIT = { healthy: 0, unhealthy: 1, cannotRun: 2 } as const;

/** The Thanos Query checks of the platform the outputs describe. */
async function platformReport(args: VerifyArgs): Promise<Report> {
  const loaded = [...args.outputFiles.map(readOutputsFile), ...(await Promise.all(args.stacks.map((stack) => pulumiStackOutputs(stack))))];
  return verify({ expectations: expectationsFrom(loaded), queryUrl: args.queryUrl, settings: args.settings, timeoutMs: args.timeoutMs });
}

async function main(argv: string[]): Promise<number> {
  const args = parseVerifyArgs(argv);
  if (args.help) {
    process.stdout.write(USAGE);
    return EXIT.healthy;
  }
  const states = await Promise.all(args.stacks.map((stack) => readDeploymentState(stack)));
  const report = args.stateOnly ? undefined : await platformReport(args);
  process.stdout.write(args.json ? renderJson(report, states) : (report ? renderTable(report) : "") + renderStates(states));
  return (report?.healthy ?? true) && states.every((s) => s.ok) ? EXIT.healthy : EXIT.unhealthy;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    const known = err instanceof UsageError || err instanceof OutputsError || err instanceof QueryApiError || err instanceof DeploymentStateError;
    process.stderr.write(`verify: ${known ? err.message : err.stack}\n`);
    if (err instanceof UsageError) process.stderr.write(`\n${USAGE}`);
    process.exitCode = EXIT.cannotRun;
  },
);
