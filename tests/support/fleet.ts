/**
 * The whole-fleet engine test's reads: a stack's resources and its secret values from
 * `pulumi stack export`, `npm run verify` run in the project copy as a user runs it, and the
 * counter probe's count polled until nothing is missing.
 */
import { EngineFleet } from "../../loopback/engine/fleet";
import { sleep } from "../../loopback/process";
import { Count } from "./probe-count";
import { runVerifyCli, VerifyCliResult } from "./verify";

interface ExportedResource {
  urn: string;
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

interface StackExport {
  deployment?: { resources?: ExportedResource[] };
}

async function exportStack(fleet: EngineFleet, stack: string, showSecrets: boolean): Promise<StackExport> {
  const result = await fleet.cli.must(["stack", "export", "--stack", stack, ...(showSecrets ? ["--show-secrets"] : [])]);
  return JSON.parse(result.stdout) as StackExport;
}

/** The stack's resources as its state holds them. */
export async function stackResources(fleet: EngineFleet, stack: string): Promise<ExportedResource[]> {
  return (await exportStack(fleet, stack, false)).deployment?.resources ?? [];
}

/** Secret values in an export with secrets shown: `{ <sig>: ..., plaintext: "<JSON>" }`. */
function plaintexts(value: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(value)) value.forEach((v) => plaintexts(v, out));
  else if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (typeof record.plaintext === "string") out.push(JSON.parse(record.plaintext));
    else Object.values(record).forEach((v) => plaintexts(v, out));
  }
  return out;
}

function stringLeaves(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => stringLeaves(v, out));
  else if (value && typeof value === "object") Object.values(value).forEach((v) => stringLeaves(v, out));
  return out;
}

/** Types whose secret outputs are passwords or keys in their own right. */
const PASSWORD_OUTPUTS: Record<string, string[]> = {
  "random:index/randomPassword:RandomPassword": ["result", "bcryptHash"],
  "minio:index/iamUser:IamUser": ["secret"],
};

/**
 * Every password and private key the stack's state holds: the secret values that are a PEM
 * private key or hold one, the random passwords, the MinIO users' secret keys. Each in the forms
 * a leak would take in the export: as is, JSON-escaped, and base64 (a Secret's `data`).
 */
export async function secretValuesOf(fleet: EngineFleet, stack: string): Promise<string[]> {
  const resources = (await exportStack(fleet, stack, true)).deployment?.resources ?? [];
  const values = new Set<string>();
  for (const resource of resources) {
    for (const leaf of stringLeaves(plaintexts([resource.inputs, resource.outputs]))) if (/PRIVATE KEY-----/.test(leaf)) values.add(leaf);
    for (const key of PASSWORD_OUTPUTS[resource.type] ?? []) {
      for (const leaf of stringLeaves(plaintexts(resource.outputs?.[key]))) values.add(leaf);
    }
  }
  return [...values].flatMap((v) => [v, JSON.stringify(v).slice(1, -1), Buffer.from(v).toString("base64")]);
}

/** `scripts/verify.ts args` in the fleet's project copy with the CLI on PATH, until it exits 0 or `withinMs` passes; the last run. */
export async function runVerifyIn(fleet: EngineFleet, args: string[], opts: { withinMs: number }): Promise<VerifyCliResult> {
  const once = () => runVerifyCli(args, { cwd: fleet.projectDir, env: fleet.cli.env, timeoutMs: 120_000 });
  const deadline = Date.now() + opts.withinMs;
  let last = await once();
  while (last.code !== 0 && Date.now() < deadline) {
    await sleep(10_000);
    last = await once();
  }
  return last;
}

/** Counts every agent's probe values until none is missing or 3 minutes pass; the last counts. */
export async function untilNoLoss(agents: string[], count: (agent: string) => Promise<Count>): Promise<Record<string, Count>> {
  const deadline = Date.now() + 3 * 60_000;
  let counts: Record<string, Count> = {};
  for (;;) {
    counts = Object.fromEntries(await Promise.all(agents.map(async (a) => [a, await count(a)] as const)));
    if (Object.values(counts).every((c) => c.lost === 0) || Date.now() > deadline) return counts;
    await sleep(5_000);
  }
}
