/**
 * Offline synth: runs the real program for every stack file under Pulumi mocks, central
 * stacks first so the edge stacks' StackReferences see their outputs, and writes
 *
 *   out/synth/<stack>/plan.json             {"stack","outputs","resources":[{type,name,parent,provider,inputs}]}
 *   out/synth/<stack>/releases/<name>.json  {"chart","version","repo","namespace","values"}
 *   out/synth/<stack>/rules/<file>.yaml     central stacks: the alert rules as Prometheus rule files
 *
 * with every secret replaced by "[secret]".
 *
 * Usage: npm run synth [-- --stack NAME] [--dir STACK_FILE_DIR] [--out DIR]
 */
import * as fs from "fs";
import * as path from "path";
import { ConfigError, decodePulumiConfig, PROJECT, StackConfig, parseStackConfig } from "../components/config";
import { prometheusRuleFiles } from "../components/rules";
import { MockStackResult, redactSecrets, RecordedResource, runMockStack } from "./mock-runtime";
import { mockKubeconfigFor, readStackFiles, StackFile, toPulumiConfig } from "./stack-files";
import program = require("../index");

export const REDACTED = "[secret]";
const PROJECT_DIR = path.resolve(__dirname, "..");
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

export async function synthesize(opts: SynthOptions = {}): Promise<SynthesizedStack[]> {
  const stackDir = path.resolve(opts.stackDir ?? PROJECT_DIR);
  const outDir = path.resolve(opts.outDir ?? path.join(PROJECT_DIR, "out", "synth"));
  const log = opts.log ?? (() => undefined);
  const files = readStackFiles(stackDir);
  if (files.length === 0) throw new Error(`no Pulumi.<stack>.yaml files in ${stackDir}`);
  for (const wanted of opts.stacks ?? []) {
    if (!files.some((f) => f.stack === wanted)) throw new Error(`no stack file Pulumi.${wanted}.yaml in ${stackDir}`);
  }

  // A throwaway kubeconfig with every stack's context stands in for the user's.
  fs.mkdirSync(outDir, { recursive: true });
  const kubeconfigPath = path.join(outDir, "kubeconfig.yaml");
  const contexts = files.map((f) => String(f.config[`${PROJECT}:kubeContext`] ?? f.stack));
  const kubeconfig = mockKubeconfigFor(contexts);
  fs.writeFileSync(kubeconfigPath, kubeconfig);
  const env = { ...process.env, KUBECONFIG: kubeconfigPath };

  // Validate every selected file before anything runs; central stacks go first.
  const parsed = files.map((file) => ({ file, ...toPulumiConfig(file, kubeconfig) })).map((f) => ({
    ...f,
    parsedConfig: parseFlat(f.file, f.config, stackDir, env),
  }));
  const selected = new Set(opts.stacks ?? files.map((f) => f.stack));
  const centralNeeded = parsed.some((p) => selected.has(p.file.stack) && p.parsedConfig.role === "edge");
  const order = [...parsed.filter((p) => p.parsedConfig.role === "central"), ...parsed.filter((p) => p.parsedConfig.role === "edge")].filter(
    (p) => selected.has(p.file.stack) || (centralNeeded && p.parsedConfig.role === "central"),
  );

  const stackOutputs: Record<string, Record<string, unknown>> = {};
  const results: SynthesizedStack[] = [];
  const previousKubeconfig = process.env.KUBECONFIG;
  process.env.KUBECONFIG = kubeconfigPath;
  try {
    for (const p of order) {
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
      const synthesized = { stack: p.file.stack, config, result, releases: releasesOf(result.resources), elapsedMs: Date.now() - started };
      if (selected.has(p.file.stack)) {
        writeStack(outDir, synthesized);
        results.push(synthesized);
        log(summary(synthesized));
      }
    }
  } finally {
    if (previousKubeconfig === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = previousKubeconfig;
  }
  return results;
}

function parseFlat(file: StackFile, config: Record<string, string>, stackDir: string, env: NodeJS.ProcessEnv): StackConfig {
  return parseStackConfig(decodePulumiConfig(config, file.file), { stack: file.stack, file: file.file, projectDir: stackDir, env });
}

/** The program resolves relative kubeconfig paths against the directory of the stack files. */
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

function writeStack(outDir: string, s: SynthesizedStack): void {
  const dir = path.join(outDir, s.stack);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "releases"), { recursive: true });
  const outputs = Object.fromEntries(
    Object.entries(s.result.outputs).map(([k, v]) => [k, s.result.secretOutputs.includes(k) ? REDACTED : redactSecrets(v, REDACTED)]),
  );
  const plan = {
    stack: s.stack,
    outputs,
    resources: s.result.resources.map((r) => ({
      type: r.type,
      name: r.name,
      parent: r.parent ?? null,
      provider: r.provider ?? null,
      inputs: redactSecrets(r.inputs, REDACTED),
    })),
  };
  fs.writeFileSync(path.join(dir, "plan.json"), JSON.stringify(plan, null, 2) + "\n");
  for (const release of s.releases) {
    const { name, ...file } = release;
    fs.writeFileSync(path.join(dir, "releases", `${name}.json`), JSON.stringify(file, null, 2) + "\n");
  }
  if (s.config.role === "central") {
    fs.mkdirSync(path.join(dir, "rules"));
    for (const [file, text] of Object.entries(prometheusRuleFiles(s.config))) fs.writeFileSync(path.join(dir, "rules", file), text);
  }
}

function summary(s: SynthesizedStack): string {
  const lines = [`== ${s.stack} (${s.config.role}, cluster ${s.config.cluster}): ${s.result.resources.length} resources in ${(s.elapsedMs / 1000).toFixed(1)}s`];
  for (const r of s.releases) lines.push(`   release ${r.name}: ${r.chart}@${r.version} -> namespace ${r.namespace}`);
  for (const [key, value] of Object.entries(s.result.outputs)) {
    const shown = s.result.secretOutputs.includes(key) ? REDACTED : JSON.stringify(redactSecrets(value, REDACTED));
    lines.push(`   output ${key} = ${shown}`);
  }
  return lines.join("\n");
}

class UsageError extends Error {}

/**
 * Command-line options. `npm run synth -- --stack NAME` passes the flag through; without
 * `--`, npm keeps `--stack` for itself and passes NAME alone (`npm run synth --stack NAME`),
 * or sets $npm_config_stack (`npm run synth --stack=NAME`). All three select the stack.
 */
export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): SynthOptions {
  const opts: SynthOptions = { log: (line) => console.log(line) };
  const stacks: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === "--stack") stacks.push(value());
    else if (flag === "--dir") opts.stackDir = value();
    else if (flag === "--out") opts.outDir = value();
    else if (!flag.startsWith("-")) stacks.push(argv[i]);
    else throw new UsageError(`unknown argument ${argv[i]}`);
  }
  const fromNpm = env.npm_config_stack;
  if (fromNpm && fromNpm !== "true" && !stacks.includes(fromNpm)) stacks.push(fromNpm);
  if (stacks.length > 0) opts.stacks = stacks;
  return opts;
}

async function main(): Promise<void> {
  let opts: SynthOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`synth: ${err.message}\nusage: npm run synth [-- [--stack] NAME ...] [--dir STACK_FILE_DIR] [--out DIR]`);
    process.exit(2);
  }
  const started = Date.now();
  try {
    const results = await synthesize(opts);
    console.log(`synth: ${results.length} stack(s) written to ${path.relative(process.cwd(), opts.outDir ?? path.join(PROJECT_DIR, "out", "synth")) || "."} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  } catch (err) {
    console.error(err instanceof ConfigError ? `synth: invalid config: ${err.message}` : `synth: ${(err as Error).stack ?? err}`);
    process.exit(1);
  }
}

if (require.main === module) void main();
