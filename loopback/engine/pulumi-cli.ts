/**
 * The real Pulumi CLI, driven the way a user drives it: `pulumi login`, `stack init`,
 * `config set`, `preview`, `up`, `stack output`, `destroy`, each a separate process with a
 * bounded time. Only what loopback needs is the harness's own: PULUMI_HOME and the file
 * backend (`pulumi login file://…`) in the work directory, one passphrase, the plugins from the tool cache on PATH
 * (nothing is downloaded), and TypeScript transpiled without a second type check (`npm test`
 * type-checks the program already).
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { requireTool } from "../tools";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The Pulumi plugins the engine runs: the language host and the resource providers. */
const PLUGIN_BINARIES = ["pulumi-language-nodejs", "pulumi-resource-kubernetes"] as const;

export interface PulumiCliOptions {
  /** The project directory (Pulumi.yaml and the stack files). */
  projectDir: string;
  /** Holds the backend, PULUMI_HOME and the plugin directory. */
  workDir: string;
  passphrase: string;
  /** More plugin binaries to put on PATH (stand-in providers), by absolute path. */
  extraPlugins?: string[];
  /** More environment for every command (KUBECONFIG, say). */
  env?: NodeJS.ProcessEnv;
}

/** One directory on PATH holding the CLI and every plugin, as a user's installation has them. */
function pluginDir(workDir: string, extra: string[]): string {
  const dir = path.join(workDir, "bin");
  fs.mkdirSync(dir, { recursive: true });
  for (const binary of [requireTool("pulumi"), ...PLUGIN_BINARIES.map((b) => requireTool(b)), ...extra]) {
    const link = path.join(dir, path.basename(binary));
    fs.rmSync(link, { force: true });
    fs.symlinkSync(binary, link);
  }
  return dir;
}

export interface RunOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the command's standard input. */
  input?: string;
}

export class PulumiCli {
  readonly env: NodeJS.ProcessEnv;
  readonly backendDir: string;

  constructor(readonly opts: PulumiCliOptions) {
    this.backendDir = path.join(opts.workDir, "backend");
    fs.mkdirSync(this.backendDir, { recursive: true });
    const bin = pluginDir(opts.workDir, opts.extraPlugins ?? []);
    this.env = {
      ...process.env,
      ...opts.env,
      PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
      PULUMI_HOME: path.join(opts.workDir, "pulumi-home"),
      PULUMI_CONFIG_PASSPHRASE: opts.passphrase,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
      PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
      PULUMI_NODEJS_TRANSPILE_ONLY: "true",
      PULUMI_SKIP_CONFIRMATIONS: "true",
      NO_COLOR: "1",
    };
  }

  /** `pulumi <args>` in the project directory; never rejects, the exit code says how it went. */
  run(args: string[], opts: RunOptions = {}): Promise<CliResult> {
    return new Promise((resolve) => {
      const child = execFile(
        path.join(this.opts.workDir, "bin", "pulumi"),
        [...args, "--non-interactive"],
        { cwd: opts.cwd ?? this.opts.projectDir, env: { ...this.env, ...opts.env }, timeout: opts.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 * 1024, killSignal: "SIGINT" },
        (err, stdout, stderr) => {
          const code = err ? (typeof (err as NodeJS.ErrnoException).code === "number" ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
      // A value on standard input, as `pulumi config set --secret KEY` reads one (never on the command line).
      child.stdin?.end(opts.input ?? "");
    });
  }

  /** Like `run`, but a non-zero exit is an error carrying the command's output. */
  async must(args: string[], opts: RunOptions = {}): Promise<CliResult> {
    const result = await this.run(args, opts);
    if (result.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${result.code}:\n${tail(result.stdout)}\n${tail(result.stderr)}`);
    return result;
  }

  /** The stack's outputs with secrets shown, as `pulumi stack output --json --show-secrets` prints them. */
  async outputs(stack: string, opts: { cwd?: string } = {}): Promise<Record<string, unknown>> {
    const result = await this.must(["stack", "output", "--json", "--show-secrets", "--stack", stack], opts);
    return JSON.parse(result.stdout) as Record<string, unknown>;
  }
}

/** The last lines of a command's output, enough to see why it failed. */
export function tail(text: string, lines = 40): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
