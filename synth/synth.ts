/**
 * Offline synth: checks every stack file as one fleet, then runs the real program for each
 * under Pulumi mocks, central stacks first so the edge stacks' StackReferences see their
 * outputs, and writes
 *
 *   out/synth/<stack>/plan.json             {"stack","outputs","resources":[{type,name,parent,provider,inputs}]}
 *   out/synth/<stack>/releases/<name>.json  {"chart","version","repo","namespace","values"}
 *   out/synth/<stack>/rules/<file>.yaml     central stacks: the alert rules as Prometheus rule files
 *   out/synth/kubeconfig.yaml               the throwaway kubeconfig the run used
 *
 * with every secret replaced by "[secret]" and object keys sorted. The output directory is
 * replaced whole once every stack has run, or removed when one fails: never partial, never stale.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, PROJECT } from "../config/primitives";
import { decodePulumiConfig, StackConfig, parseStackConfig } from "../config/stack";
import { checkNoPlaintextSecrets, describeFleet, expectedTenants, Fleet, loadFleet } from "../config/fleet";
import { stackWarnings } from "../components/central/receive-identity";
import { prometheusRuleFiles } from "../mixin/alerts";
import { PROJECT_DIR, readStackFiles, StackFile } from "../config/stack-files";
import { MockStackResult, redactSecrets, RecordedResource, runMockStack } from "./mock-runtime";
import { mockKubeconfigFor, toPulumiConfig } from "./pulumi-config";
import { assertReplaceable, jsonFile, OutputFiles, removeOutput, replaceDirectory, sortKeys, SynthError } from "./output";
import program = require("../index");

export const REDACTED = "[secret]";
export const DEFAULT_OUT_DIR = path.join(PROJECT_DIR, "out", "synth");
/** The organization of a self-managed backend (`pulumi login --local`). */
const DEFAULT_ORG = "organization";
/** Where the mocked cloud puts a LoadBalancer without a fixed IP (TEST-NET-3, RFC 5737). */
const DEFAULT_LB_ADDRESS = "203.0.113.10";

export interface SynthOptions {
  /** Directory holding the Pulumi.<stack>.yaml files. */
  stackDir?: string;
  outDir?: string;
  /** Only these stacks (their central dependencies still run, unwritten). */
  stacks?: string[];
  /** Plain values of encrypted keys by stack and key (`minioPassword`), as Pulumi would decrypt them; mocks otherwise. */
  decrypted?: Record<string, Record<string, string>>;
  log?: (line: string) => void;
}

export interface SynthesizedStack {
  stack: string;
  config: StackConfig;
  result: MockStackResult;
  releases: ReleaseFile[];
  elapsedMs: number;
}

export interface ReleaseFile {
  name: string;
  chart: string;
  version: string;
  repo: string;
  namespace: string;
  values: unknown;
}

/** Names a StackReference may use for `stack`: fully qualified, project-qualified, bare. */
function referenceNames(stack: string): string[] {
  return [`${DEFAULT_ORG}/${PROJECT}/${stack}`, `${PROJECT}/${stack}`, stack];
}

/** The stack files of `dir`; a missing directory or none in it is a SynthError. */
function stackFilesIn(dir: string): StackFile[] {
  if (!fs.existsSync(dir)) throw new SynthError(`--dir ${dir}: no such directory`);
  if (!fs.statSync(dir).isDirectory()) throw new SynthError(`--dir ${dir}: not a directory`);
  const files = readStackFiles(dir);
  if (files.length === 0) throw new SynthError(`no Pulumi.<stack>.yaml files in ${dir}`);
  return files;
}

/** A stack file as the program will see it: Pulumi's flat config, its secret keys, and the parsed config. */
interface ParsedStack {
  file: StackFile;
  config: Record<string, string>;
  secretKeys: string[];
  parsedConfig: StackConfig;
}

/** The stack files of `stackDir`, after checking that every wanted stack has one and no file holds a plaintext secret. */
function checkedStackFiles(stackDir: string, wanted: string[] = []): StackFile[] {
  const files = stackFilesIn(stackDir);
  for (const stack of wanted) {
    if (!files.some((f) => f.stack === stack)) throw new SynthError(`--stack ${stack}: no stack file Pulumi.${stack}.yaml in ${stackDir} (stacks: ${files.map((f) => f.stack).join(", ")})`);
  }
  for (const file of files) checkNoPlaintextSecrets(file);
  return files;
}

/** Runs `fn` with $KUBECONFIG set to a scratch file holding `kubeconfig`; restores $KUBECONFIG and removes the file after. */
async function withKubeconfig<T>(kubeconfig: string, fn: (env: NodeJS.ProcessEnv) => Promise<T>): Promise<T> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "synth-kubeconfig-"));
  const kubeconfigPath = path.join(scratch, "kubeconfig.yaml");
  fs.writeFileSync(kubeconfigPath, kubeconfig);
  const previous = process.env.KUBECONFIG;
  process.env.KUBECONFIG = kubeconfigPath;
  try {
    return await fn({ ...process.env, KUBECONFIG: kubeconfigPath });
  } finally {
    if (previous === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = previous;
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The stacks to run, central first: the selected ones, plus central when a selected edge reads its outputs. */
function runOrder(parsed: ParsedStack[], selected: Set<string>): ParsedStack[] {
  const centralNeeded = parsed.some((p) => selected.has(p.file.stack) && p.parsedConfig.role === "edge");
  return [...parsed.filter((p) => p.parsedConfig.role === "central"), ...parsed.filter((p) => p.parsedConfig.role === "edge")].filter(
    (p) => selected.has(p.file.stack) || (centralNeeded && p.parsedConfig.role === "central"),
  );
}

/** Runs one stack's program under mocks; its outputs join `stackOutputs` under every name a StackReference may use. */
async function synthesizeStack(p: ParsedStack, stackDir: string, stackOutputs: Record<string, Record<string, unknown>>): Promise<SynthesizedStack> {
  const started = Date.now();
  const config = p.parsedConfig;
  const result = await runMockStack({
    project: PROJECT,
    stack: p.file.stack,
    config: p.config,
    secretKeys: p.secretKeys,
    stackOutputs,
    loadBalancerAddress: config.role === "central" ? (config.central.receive.service.loadBalancerIP ?? DEFAULT_LB_ADDRESS) : undefined,
    program: () => withProjectDir(stackDir, program),
  });
  for (const name of referenceNames(p.file.stack)) stackOutputs[name] = result.outputs;
  return { stack: p.file.stack, config, result, releases: releasesOf(result.resources), elapsedMs: Date.now() - started };
}

/**
 * Checks the fleet and runs every selected stack, writing nothing: the results and the
 * files `synthesize` would write.
 */
export async function synthesizeFiles(opts: SynthOptions = {}): Promise<{ results: SynthesizedStack[]; files: OutputFiles; fleet: Fleet }> {
  const stackDir = path.resolve(opts.stackDir ?? PROJECT_DIR);
  const log = opts.log ?? (() => undefined);
  const files = checkedStackFiles(stackDir, opts.stacks);
  // A throwaway kubeconfig with every stack's context stands in for the user's.
  const kubeconfig = mockKubeconfigFor(files.map((f) => String(f.config[`${PROJECT}:kubeContext`] ?? f.stack)));
  return withKubeconfig(kubeconfig, async (env) => {
    // Validate every file before anything runs.
    const parsed = files.map((file): ParsedStack => {
      const pulumiConfig = toPulumiConfig(file, kubeconfig, opts.decrypted?.[file.stack]);
      return { file, ...pulumiConfig, parsedConfig: parseFlat(file, pulumiConfig.config, stackDir, env) };
    });
    // The same check every `pulumi up` makes, once for all stacks, before anything runs.
    const fleet = loadFleet(stackDir);
    log(describeFleet(fleet));
    const selected = new Set(opts.stacks ?? files.map((f) => f.stack));
    const stackOutputs: Record<string, Record<string, unknown>> = {};
    const results: SynthesizedStack[] = [];
    const output: OutputFiles = new Map([["kubeconfig.yaml", kubeconfig]]);
    for (const p of runOrder(parsed, selected)) {
      const synthesized = await synthesizeStack(p, stackDir, stackOutputs);
      if (!selected.has(p.file.stack)) continue;
      for (const [rel, text] of renderStack(synthesized, fleet)) output.set(rel, text);
      results.push(synthesized);
      log(summary(synthesized));
    }
    return { results, files: output, fleet };
  });
}

/**
 * Synthesizes and replaces the output directory with the result, all or nothing: when any
 * stack fails, an earlier run's output is removed too, so it cannot pass for this one's.
 * Bad arguments (SynthError) touch nothing: no run was made.
 */
export async function synthesize(opts: SynthOptions = {}): Promise<SynthesizedStack[]> {
  const outDir = path.resolve(opts.outDir ?? DEFAULT_OUT_DIR);
  assertReplaceable(outDir);
  let synthesized: Awaited<ReturnType<typeof synthesizeFiles>>;
  try {
    synthesized = await synthesizeFiles(opts);
  } catch (err) {
    if (!(err instanceof SynthError) && removeOutput(outDir)) (opts.log ?? (() => undefined))(`synth: removed the previous output in ${outDir}: it does not match these stack files`);
    throw err;
  }
  replaceDirectory(outDir, synthesized.files);
  return synthesized.results;
}

function parseFlat(file: StackFile, config: Record<string, string>, stackDir: string, env: NodeJS.ProcessEnv): StackConfig {
  return parseStackConfig(decodePulumiConfig(config, file.file), { stack: file.stack, file: file.file, projectDir: stackDir, env });
}

/** The program resolves relative kubeconfig paths, and finds the fleet, in the directory of the stack files. */
async function withProjectDir<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const previous = process.cwd();
  process.chdir(dir);
  try {
    return await fn();
  } finally {
    process.chdir(previous);
  }
}

function releasesOf(resources: RecordedResource[]): ReleaseFile[] {
  return resources
    .filter((r) => r.type === "kubernetes:helm.sh/v3:Release")
    .map((r) => {
      const inputs = redactSecrets(r.inputs, REDACTED) as Record<string, any>;
      return {
        name: String(inputs.name ?? r.name),
        chart: inputs.chart,
        version: inputs.version,
        repo: inputs.repositoryOpts?.repo,
        namespace: inputs.namespace,
        values: inputs.values ?? {},
      };
    });
}

/** A stack's output files; inside the documented envelopes every object's keys are sorted. */
function renderStack(s: SynthesizedStack, fleet: Fleet): OutputFiles {
  const files: OutputFiles = new Map();
  const outputs = Object.fromEntries(
    Object.entries(s.result.outputs).map(([k, v]) => [k, s.result.secretOutputs.includes(k) ? REDACTED : redactSecrets(v, REDACTED)]),
  );
  const plan = {
    stack: s.stack,
    outputs: sortKeys(outputs),
    resources: s.result.resources.map((r) => ({
      type: r.type,
      name: r.name,
      parent: r.parent ?? null,
      provider: r.provider ?? null,
      inputs: sortKeys(redactSecrets(r.inputs, REDACTED)),
    })),
  };
  files.set(`${s.stack}/plan.json`, jsonFile(plan));
  for (const { name, chart, version, repo, namespace, values } of s.releases) {
    files.set(`${s.stack}/releases/${name}.json`, jsonFile({ chart, version, repo, namespace, values: sortKeys(values) }));
  }
  if (s.config.role === "central") {
    const rules = prometheusRuleFiles({ ...s.config, tenants: expectedTenants(fleet, s.stack) });
    for (const [file, text] of Object.entries(rules)) files.set(`${s.stack}/rules/${file}`, text);
  }
  return files;
}

function summary(s: SynthesizedStack): string {
  const lines = [`== ${s.stack} (${s.config.role}, cluster ${s.config.cluster}): ${s.result.resources.length} resources in ${(s.elapsedMs / 1000).toFixed(1)}s`];
  for (const warning of stackWarnings(s.config)) lines.push(`   WARNING: ${warning}`);
  for (const r of s.releases) lines.push(`   release ${r.name}: ${r.chart}@${r.version} -> namespace ${r.namespace}`);
  for (const [key, value] of Object.entries(s.result.outputs)) {
    const shown = s.result.secretOutputs.includes(key) ? REDACTED : JSON.stringify(redactSecrets(value, REDACTED));
    lines.push(`   output ${key} = ${shown}`);
  }
  return lines.join("\n");
}

class UsageError extends Error {}

export const USAGE = `usage: npm run synth [-- [--stack] NAME ...] [--dir STACK_FILE_DIR] [--out DIR]

Checks every Pulumi.<stack>.yaml as one fleet, then runs the program for each under Pulumi
mocks (no Pulumi CLI, no cluster), central stacks first, and writes per stack
<out>/<stack>/plan.json, releases/<release>.json and, for central stacks, rules/*.yaml, plus
<out>/kubeconfig.yaml, the throwaway kubeconfig the run used. Secrets are written as "[secret]".
The output directory is replaced whole when every stack succeeded, and removed when one failed.

  --stack NAME   only this stack (repeatable; its central stack still runs, unwritten)
  --dir DIR      directory of the stack files (default: the project); relative kubeconfig
                 paths in them resolve against it
  --out DIR      output directory (default: out/synth)
  -h, --help     print this help

Exit codes: 0 written, 1 invalid config (the error names the stack file and key), 2 bad arguments.`;

/**
 * Command-line options. `npm run synth -- --stack NAME` passes the flag through; without
 * `--`, npm keeps `--stack` for itself and passes NAME alone (`npm run synth --stack NAME`),
 * or sets $npm_config_stack (`npm run synth --stack=NAME`). All three select the stack.
 */
export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): SynthOptions & { help?: boolean } {
  const opts: SynthOptions & { help?: boolean } = { log: (line) => console.log(line) };
  const stacks: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith("-"))) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === "--stack") stacks.push(value());
    else if (flag === "--dir") opts.stackDir = value();
    else if (flag === "--out") opts.outDir = value();
    else if (flag === "--help" || flag === "-h") opts.help = true;
    else if (!flag.startsWith("-")) stacks.push(argv[i]);
    else throw new UsageError(`unknown argument ${argv[i]}`);
  }
  const fromNpm = env.npm_config_stack;
  if (fromNpm && fromNpm !== "true" && !stacks.includes(fromNpm)) stacks.push(fromNpm);
  if (stacks.length > 0) opts.stacks = stacks;
  return opts;
}

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** The command line: returns the exit code. Bad input is one line naming what is wrong, never a stack trace. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env, io: CliIo = { out: console.log, err: console.error }): Promise<number> {
  let opts: ReturnType<typeof parseArgs>;
  try {
    opts = { ...parseArgs(argv, env), log: io.out };
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`synth: ${err.message}\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    io.out(USAGE);
    return 0;
  }
  const started = Date.now();
  try {
    const results = await synthesize(opts);
    io.out(`synth: ${results.length} stack(s) written to ${path.relative(process.cwd(), path.resolve(opts.outDir ?? DEFAULT_OUT_DIR)) || "."} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`synth: invalid config: ${err.message}`);
      return 1;
    }
    if (err instanceof SynthError) {
      io.err(`synth: ${err.message}`);
      return 2;
    }
    // Anything else is a bug in the program, not in the input: keep the trace.
    io.err(`synth: ${(err as Error).stack ?? err}`);
    return 1;
  }
}

