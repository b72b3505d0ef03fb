/**
 * `npm run verify -- --outputs FILE [--outputs EDGE_FILE...] [--query-url URL] [--json]`:
 * checks the live platform through Thanos Query. The logic lives in scripts/verify/.
 */
import { parseVerifyArgs, UsageError, USAGE } from "./verify/args";
import { expectationsFrom, OutputsError } from "./verify/expectations";
import { QueryApiError } from "./verify/query-api";
import { renderJson, renderTable } from "./verify/report";
import { verify } from "./verify/run";
import { pulumiStackOutputs, readOutputsFile } from "./verify/sources";

const EXIT = { healthy: 0, unhealthy: 1, cannotRun: 2 } as const;

async function main(argv: string[]): Promise<number> {
  const args = parseVerifyArgs(argv);
  if (args.help) {
    process.stdout.write(USAGE);
    return EXIT.healthy;
  }
  const loaded = [
    ...args.outputFiles.map(readOutputsFile),
    ...(await Promise.all(args.stacks.map((stack) => pulumiStackOutputs(stack)))),
  ];
  const report = await verify({ expectations: expectationsFrom(loaded), queryUrl: args.queryUrl, settings: args.settings, timeoutMs: args.timeoutMs });
  process.stdout.write(args.json ? renderJson(report) : renderTable(report));
  return report.healthy ? EXIT.healthy : EXIT.unhealthy;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    const known = err instanceof UsageError || err instanceof OutputsError || err instanceof QueryApiError;
    process.stderr.write(`verify: ${known ? err.message : err.stack}\n`);
    if (err instanceof UsageError) process.stderr.write(`\n${USAGE}`);
    process.exitCode = EXIT.cannotRun;
  },
);
