/** The command line of `npm run verify`, parsed into options (pure). */
import { parseArgs } from "util";
import { parseDuration } from "../../config/duration";
import { EXPIRY_WARNING_DAYS } from "../../components/central/receive-identity";
import { DEFAULT_CHECK_SETTINGS } from "./checks";
import { DEFAULT_TIMEOUT_MS } from "./run";
import { CheckSettings } from "./types";

export const USAGE = `Usage: npm run verify -- (--outputs FILE | --stack NAME)... [options]
       npm run verify -- --state-only --stack NAME... [--json]

Checks the live platform through the Thanos Query HTTP API: every tenant in the stack
outputs has fresh samples, each cluster's remote-write failure ratio is low, each cluster's
data older than the raw retention answers a plain range query (downsampled), the
Thanos receive, store gateway and compactor targets are up, no tenant's writes were
refused by its limits (413, 429), and no receiver or tenant certificate expires within
${EXPIRY_WARNING_DAYS} days (a warning; an expired one fails).

For every --stack NAME it also checks the deployment state (run it in the project directory,
with the stack's kubeconfig): operations an interrupted pulumi up left pending in the state, a
lock it left on a self-managed backend, and Helm releases left pending-install, pending-upgrade
or pending-rollback in the stack's namespaces; it prints the commands that recover, in order.

Sources (repeatable; exactly one must be the central stack's, edge stacks add tenants):
  --outputs FILE          outputs written by: pulumi stack output --json > FILE
  --stack NAME            run that command (the Pulumi CLI must be installed)

Options:
  --query-url URL         query this instead of the queryUrl output (e.g. a port-forward)
  --max-age DURATION      newest sample older than this is stale (default 5m)
  --max-behind DURATION   an agent's queue further behind its newest scraped sample
                          fails (default 2m)
  --max-failure-ratio R   remote-write failure ratio that fails a cluster (default 0.01)
  --timeout DURATION      deadline of each query (default 10s)
  --state-only            check only the deployment state of the --stack stacks (any
                          stack, no central outputs or query endpoint needed)
  --json                  print the report as JSON
  -h, --help              this text

Exit codes: 0 healthy, 1 a check failed or a deployment is interrupted, 2 verify could not
run (usage, outputs, endpoint, a state the Pulumi CLI could not export).
`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface VerifyArgs {
  outputFiles: string[];
  stacks: string[];
  queryUrl?: string;
  settings: CheckSettings;
  timeoutMs: number;
  json: boolean;
  /** Only the deployment state of the `--stack` stacks, no Thanos Query checks. */
  stateOnly: boolean;
  help: boolean;
}

function durationSeconds(flag: string, text: string | undefined, fallbackSeconds: number): number {
  if (text === undefined) return fallbackSeconds;
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`${flag}: expected a duration such as 30s, 5m or 1h, got ${JSON.stringify(text)}`);
  return ms / 1000;
}

export function parseVerifyArgs(argv: string[]): VerifyArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        outputs: { type: "string", multiple: true },
        stack: { type: "string", multiple: true },
        "query-url": { type: "string" },
        "max-age": { type: "string" },
        "max-behind": { type: "string" },
        "max-failure-ratio": { type: "string" },
        timeout: { type: "string" },
        json: { type: "boolean" },
        "state-only": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const help = values.help ?? false;
  const outputFiles = values.outputs ?? [];
  const stacks = values.stack ?? [];
  const stateOnly = values["state-only"] ?? false;
  if (!help && stateOnly && (stacks.length === 0 || outputFiles.length > 0)) {
    throw new UsageError("--state-only: expected --stack NAME for each stack to check, and no --outputs (outputs hold no deployment state)");
  }
  if (!help && outputFiles.length + stacks.length === 0) {
    throw new UsageError("expected the central stack's outputs: --outputs FILE (from pulumi stack output --json) or --stack NAME");
  }
  let maxFailureRatio = DEFAULT_CHECK_SETTINGS.maxFailureRatio;
  if (values["max-failure-ratio"] !== undefined) {
    maxFailureRatio = Number(values["max-failure-ratio"]);
    if (!(maxFailureRatio > 0 && maxFailureRatio <= 1)) {
      throw new UsageError(`--max-failure-ratio: expected a fraction in (0, 1], e.g. 0.01 for 1%, got ${JSON.stringify(values["max-failure-ratio"])}`);
    }
  }
  return {
    outputFiles,
    stacks,
    queryUrl: values["query-url"],
    settings: {
      ...DEFAULT_CHECK_SETTINGS,
      maxAgeSeconds: durationSeconds("--max-age", values["max-age"], DEFAULT_CHECK_SETTINGS.maxAgeSeconds),
      maxFailureRatio,
      maxBehindSeconds: durationSeconds("--max-behind", values["max-behind"], DEFAULT_CHECK_SETTINGS.maxBehindSeconds),
    },
    timeoutMs: durationSeconds("--timeout", values.timeout, DEFAULT_TIMEOUT_MS / 1000) * 1000,
    json: values.json ?? false,
    stateOnly,
    help,
  };
}
