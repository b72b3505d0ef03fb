/**
 * The real programs the local platform runs, built from pinned Go modules. Each tool is one
 * wrapper module under `tools/<name>/` whose `go.mod` pins the upstream version (and repeats
 * upstream's `replace` directives where it has them); its `tool` directives name the
 * commands. Binaries go to a cache outside the repository, one directory per tool keyed by
 * the hash of its go.mod, go.sum and build tags, so a changed pin rebuilds that tool only and
 * an unchanged one is never rebuilt.
 */
import { execFile } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const TOOLS_DIR = path.resolve(__dirname, "..", "tools");

export interface ToolSpec {
  /** Directory under tools/ holding the wrapper module. */
  dir: string;
  /** The upstream module whose version go.mod pins (for the printed summary). */
  module: string;
  /** Commands `go install tool` produces. */
  binaries: readonly string[];
  /** Build tags upstream's own build uses. */
  tags?: readonly string[];
  /**
   * Directories upstream's Makefile fills with web assets before `go build`, which the module
   * zip lacks but `go:embed` requires. The build then runs against a copy of the pinned module
   * with a placeholder page in each: the program works, its web UI is not there.
   */
  generatedAssets?: { module: string; dirs: readonly string[] };
  /**
   * Go files of the wrapper module itself: the tool is this project's own code (its module is
   * the wrapper), versioned by these files, which join the cache key.
   */
  localSources?: readonly string[];
  /** `-ldflags` upstream's release build sets: the version the binary reports. */
  ldflags?: readonly string[];
  /**
   * Generated files a `go:embed` of the wrapper's own main needs, copied from the pinned
   * module's zip into a copy of the wrapper before the build (they are never committed);
   * a JSON file may get its top-level "version" set.
   */
  moduleFiles?: { module: string; files: readonly { from: string; to: string; setVersion?: string }[] };
  /** Files of the pinned module the tool needs at run time, concatenated into one file beside the binaries. */
  bundle?: { module: string; files: readonly string[]; into: string };
  /** Binaries `go install` names after their package directory, renamed to the name users know. */
  rename?: Readonly<Record<string, string>>;
}

/** The version kube-apiserver and friends report; without it they say v0.0.0-master. */
function kubernetesVersionFlags(version: string): string[] {
  const [major, minor] = version.replace(/^v/, "").split(".");
  const vars = { gitVersion: version, gitMajor: major, gitMinor: minor, gitTreeState: "clean", gitCommit: `${version}-module-proxy`, buildDate: "2026-01-01T00:00:00Z" };
  return ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"].flatMap((pkg) => Object.entries(vars).map(([key, value]) => `-X ${pkg}.${key}=${value}`));
}

export const TOOLS = {
  // Upstream's Makefile builds with these tags; slicelabels is required by Thanos' label code.
  thanos: { dir: "thanos", module: "github.com/thanos-io/thanos", binaries: ["thanos"], tags: ["netgo", "slicelabels"] },
  // The previous minor, for the rolling-upgrade test (tests/e2e/day2-operations...): receivers move from it to `thanos`.
  thanosPrevious: { dir: "thanos-previous", module: "github.com/thanos-io/thanos", binaries: ["thanos"], tags: ["netgo", "slicelabels"] },
  prometheus: { dir: "prometheus", module: "github.com/prometheus/prometheus", binaries: ["prometheus", "promtool"] },
  alertmanager: {
    dir: "alertmanager",
    module: "github.com/prometheus/alertmanager",
    binaries: ["alertmanager", "amtool"],
    generatedAssets: { module: "github.com/prometheus/alertmanager", dirs: ["ui/app/dist"] },
  },
  minio: { dir: "minio", module: "github.com/minio/minio", binaries: ["minio"] },
  mc: { dir: "mc", module: "github.com/minio/mc", binaries: ["mc"] },
  nodeExporter: { dir: "node-exporter", module: "github.com/prometheus/node_exporter", binaries: ["node_exporter"] },
  // The benchmark's scrape target, avalanche's shape; the module proxy does not serve avalanche itself.
  loadgen: { dir: "loadgen", module: "multicluster-metrics/tools/loadgen", binaries: ["loadgen"], localSources: ["main.go", "families.go", "backfill.go"] },
  // The real Pulumi engine (engine tests, loopback/engine/): the CLI, the Node.js language host
  // (the newest sdk that still holds it as a package) and the Kubernetes provider.
  pulumi: {
    dir: "pulumi",
    module: "github.com/pulumi/pulumi/pkg/v3",
    binaries: ["pulumi"],
    tags: ["osusergo", "grpcnotrace"],
    ldflags: ["-s", "-w", "-X", "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v3.276.0"],
  },
  pulumiLanguageNodejs: {
    dir: "pulumi-language-nodejs",
    module: "github.com/pulumi/pulumi/sdk/v3",
    binaries: ["pulumi-language-nodejs"],
    ldflags: ["-X", "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v3.68.0"],
  },
  // Reports the version of the pinned @pulumi/kubernetes package, which is the plugin version
  // the program asks the engine for; the code is the newest provider module the proxy serves.
  pulumiResourceKubernetes: {
    dir: "pulumi-resource-kubernetes",
    module: "github.com/pulumi/pulumi-kubernetes/provider/v4",
    binaries: ["pulumi-resource-kubernetes"],
    localSources: ["main.go"],
    ldflags: ["-X", "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=4.34.2"],
    moduleFiles: {
      module: "github.com/pulumi/pulumi-kubernetes/provider/v4",
      files: [
        { from: "cmd/pulumi-resource-kubernetes/schema.json", to: "schema.json", setVersion: "4.34.2" },
        { from: "cmd/pulumi-resource-kubernetes/terraform-mapping.json", to: "terraform-mapping.json" },
      ],
    },
  },
  // Stand-ins for the random, tls and minio plugins (not downloadable here; minio's is AGPL):
  // this project's own code, reporting the pinned npm packages' versions (tools/pulumi-standin-providers).
  pulumiStandinProviders: {
    dir: "pulumi-standin-providers",
    module: "multicluster-metrics/tools/pulumi-standin-providers",
    binaries: ["pulumi-resource-random", "pulumi-resource-tls", "pulumi-resource-minio"],
    localSources: [
      "internal/standin/crud.go",
      "internal/standin/props.go",
      "internal/standin/resource.go",
      "internal/standin/server.go",
      "pulumi-resource-minio/attachment.go",
      "pulumi-resource-minio/bucket.go",
      "pulumi-resource-minio/config.go",
      "pulumi-resource-minio/main.go",
      "pulumi-resource-minio/mc.go",
      "pulumi-resource-minio/policy.go",
      "pulumi-resource-minio/user.go",
      "pulumi-resource-random/main.go",
      "pulumi-resource-random/password.go",
      "pulumi-resource-tls/cert.go",
      "pulumi-resource-tls/certs.go",
      "pulumi-resource-tls/csr.go",
      "pulumi-resource-tls/key.go",
      "pulumi-resource-tls/main.go",
      "pulumi-resource-tls/names.go",
    ],
  },
  // A loopback control plane: one etcd, kube-apiservers, controllers, and KWOK's simulated nodes.
  etcd: { dir: "etcd", module: "go.etcd.io/etcd/server/v3", binaries: ["etcd"], rename: { server: "etcd" } },
  kubernetes: {
    dir: "kubernetes",
    module: "k8s.io/kubernetes",
    binaries: ["kube-apiserver", "kube-controller-manager", "kube-scheduler"],
    tags: ["selinux", "notest", "grpcnotrace"],
    ldflags: kubernetesVersionFlags("v1.36.3"),
  },
  kwok: {
    dir: "kwok",
    module: "sigs.k8s.io/kwok",
    binaries: ["kwok"],
    bundle: {
      module: "sigs.k8s.io/kwok",
      files: ["kustomize/stage/node/fast/node-initialize.yaml", "kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml", "kustomize/stage/pod/fast/pod-ready.yaml", "kustomize/stage/pod/fast/pod-complete.yaml", "kustomize/stage/pod/fast/pod-delete.yaml"],
      into: "kwok-stages.yaml",
    },
  },
} as const satisfies Record<string, ToolSpec>;

export type ToolName = keyof typeof TOOLS;
export type BinaryName = (typeof TOOLS)[ToolName]["binaries"][number];

/** `MULTICLUSTER_TOOLS_CACHE`, else `$XDG_CACHE_HOME/multicluster-metrics/tools`, else `~/.cache/...`. */
export function toolsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MULTICLUSTER_TOOLS_CACHE) return path.resolve(env.MULTICLUSTER_TOOLS_CACHE);
  const cacheHome = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), ".cache");
  return path.join(cacheHome, "multicluster-metrics", "tools");
}

/** The version go.mod pins for the tool's upstream module; `local` for a tool of our own. */
export function pinnedVersion(spec: ToolSpec): string {
  if (spec.localSources) return "local";
  const goMod = fs.readFileSync(path.join(TOOLS_DIR, spec.dir, "go.mod"), "utf8");
  const escaped = spec.module.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const match = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, "m").exec(goMod);
  if (!match) throw new Error(`tools/${spec.dir}/go.mod does not require ${spec.module}`);
  return match[1];
}

function cacheKey(spec: ToolSpec): string {
  const hash = createHash("sha256");
  // A module without dependencies has no go.sum.
  const files = ["go.mod", "go.sum", ...(spec.localSources ?? [])].map((file) => path.join(TOOLS_DIR, spec.dir, file));
  for (const file of files) if (fs.existsSync(file)) hash.update(fs.readFileSync(file));
  hash.update((spec.tags ?? []).join(","));
  hash.update(JSON.stringify(spec.generatedAssets ?? null));
  // Only what a tool sets joins its key, so adding a field here leaves other tools' builds valid.
  const more = { ldflags: spec.ldflags, moduleFiles: spec.moduleFiles, bundle: spec.bundle, rename: spec.rename };
  for (const [field, value] of Object.entries(more)) if (value !== undefined) hash.update(`${field}=${JSON.stringify(value)}`);
  return hash.digest("hex").slice(0, 16);
}

/** Where the tool's binaries are (or will be) for its current pins. */
export function toolBinDir(spec: ToolSpec, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(toolsCacheDir(env), `${spec.dir}-${cacheKey(spec)}`);
}

/** Removes the binaries of the tool's earlier pins (and interrupted builds), keeping the current ones. */
function pruneOtherBuilds(spec: ToolSpec, env: NodeJS.ProcessEnv): void {
  const current = path.basename(toolBinDir(spec, env));
  const cache = toolsCacheDir(env);
  const ours = new RegExp(`^${spec.dir}-[0-9a-f]{16}(\\.partial-.*)?$`);
  for (const entry of fs.readdirSync(cache)) {
    if (entry !== current && ours.test(entry)) fs.rmSync(path.join(cache, entry), { recursive: true, force: true });
  }
}

/** Whether every binary of the tool is built for its current pin. */
export function isBuilt(spec: ToolSpec, env: NodeJS.ProcessEnv = process.env): boolean {
  const dir = toolBinDir(spec, env);
  return spec.binaries.every((bin) => fs.existsSync(path.join(dir, bin)));
}

// A binary two tools build is the first one's: `thanos` is the current pin, not thanosPrevious's
// (that one is in toolBinDir(TOOLS.thanosPrevious)). Reversed because a Map keeps the last entry.
const TOOL_OF_BINARY = new Map<string, ToolSpec>(
  Object.values(TOOLS)
    .flatMap((spec: ToolSpec) => spec.binaries.map((bin) => [bin, spec] as const))
    .reverse(),
);

export class ToolMissingError extends Error {
  constructor(readonly binary: string) {
    super(`${binary} is not built for the pins in tools/; run \`npm run tools\` (builds into ${toolsCacheDir()})`);
    this.name = "ToolMissingError";
  }
}

/** Absolute path of one tool's built binary (for a name two tools build), or undefined when it is not built. */
export function findToolBinary(spec: ToolSpec, binary: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = path.join(toolBinDir(spec, env), binary);
  return fs.existsSync(file) ? file : undefined;
}

/** Absolute path of a built binary, or undefined when `npm run tools` has not built it. */
export function findTool(binary: BinaryName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findToolBinary(TOOL_OF_BINARY.get(binary)!, binary, env);
}

export function requireTool(binary: BinaryName): string {
  const file = findTool(binary);
  if (!file) throw new ToolMissingError(binary);
  return file;
}

function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { ...opts, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(" ")} (in ${opts.cwd}) failed:\n${stderr.trim().split("\n").slice(-30).join("\n")}`));
      else resolve(stdout);
    });
  });
}

/**
 * A copy of the wrapper module in `work`, building against a writable copy of the pinned
 * upstream module with placeholder pages where upstream generates web assets. Returns the
 * directory to run `go install tool` in.
 */
async function moduleWithAssets(spec: ToolSpec, work: string, env: NodeJS.ProcessEnv): Promise<string> {
  const assets = spec.generatedAssets!;
  const wrapper = path.join(TOOLS_DIR, spec.dir);
  const version = pinnedVersion({ ...spec, module: assets.module });
  const download = JSON.parse(await run("go", ["mod", "download", "-json", `${assets.module}@${version}`], { cwd: wrapper, env })) as { Dir: string };
  const source = path.join(work, "upstream");
  fs.cpSync(download.Dir, source, { recursive: true });
  for (const dir of assets.dirs) {
    const target = path.join(source, dir);
    fs.chmodSync(path.dirname(target), 0o755);
    fs.mkdirSync(target, { recursive: true });
    fs.writeFileSync(path.join(target, "index.html"), "<!doctype html><title>web UI not built</title><p>Built from the Go module without its generated web assets; the API works.</p>\n");
  }
  const copy = path.join(work, "wrapper");
  fs.mkdirSync(copy);
  for (const file of ["go.mod", "go.sum"]) fs.copyFileSync(path.join(wrapper, file), path.join(copy, file));
  await run("go", ["mod", "edit", `-replace=${assets.module}=${source}`], { cwd: copy, env });
  return copy;
}

/** Where `go mod download` put the pinned version of `module` (the wrapper's go.mod pins it). */
async function moduleDir(spec: ToolSpec, module: string, env: NodeJS.ProcessEnv): Promise<string> {
  const version = pinnedVersion({ ...spec, module, localSources: undefined });
  const download = JSON.parse(await run("go", ["mod", "download", "-json", `${module}@${version}`], { cwd: path.join(TOOLS_DIR, spec.dir), env })) as { Dir: string };
  return download.Dir;
}

/** A copy of the wrapper module in `work` with the generated files its main embeds, from the pinned module. */
async function wrapperWithModuleFiles(spec: ToolSpec, work: string, env: NodeJS.ProcessEnv): Promise<string> {
  const { module, files } = spec.moduleFiles!;
  const source = await moduleDir(spec, module, env);
  const copy = path.join(work, "wrapper");
  fs.mkdirSync(copy);
  for (const file of ["go.mod", "go.sum", ...(spec.localSources ?? [])]) fs.copyFileSync(path.join(TOOLS_DIR, spec.dir, file), path.join(copy, file));
  for (const file of files) {
    const text = fs.readFileSync(path.join(source, file.from), "utf8");
    fs.writeFileSync(path.join(copy, file.to), file.setVersion ? JSON.stringify({ ...JSON.parse(text), version: file.setVersion }) : text);
  }
  return copy;
}

/** After `go install`: binaries renamed to their usual names, and the run-time files bundled beside them. */
async function finishBuild(spec: ToolSpec, staging: string, env: NodeJS.ProcessEnv): Promise<void> {
  for (const [from, to] of Object.entries(spec.rename ?? {})) fs.renameSync(path.join(staging, from), path.join(staging, to));
  if (spec.bundle) {
    const source = await moduleDir(spec, spec.bundle.module, env);
    const parts = spec.bundle.files.map((file) => fs.readFileSync(path.join(source, file), "utf8").trim());
    fs.writeFileSync(path.join(staging, spec.bundle.into), parts.join("\n---\n") + "\n");
  }
}

/** KWOK's stages (node and pod lifecycles), bundled beside its binary by the build. */
export function kwokStagesFile(env: NodeJS.ProcessEnv = process.env): string {
  const spec: ToolSpec = TOOLS.kwok;
  const file = path.join(toolBinDir(spec, env), spec.bundle!.into);
  if (!fs.existsSync(file)) throw new ToolMissingError("kwok");
  return file;
}

export interface BuildResult {
  name: ToolName;
  version: string;
  dir: string;
  built: boolean;
  seconds: number;
}

/**
 * Builds every tool not yet in the cache. Each build goes to a temporary directory that is
 * renamed into place only when complete, so an interrupted build never counts as done.
 */
export async function buildTools(opts: { env?: NodeJS.ProcessEnv; log?: (line: string) => void; only?: ToolName[] } = {}): Promise<BuildResult[]> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => undefined);
  const names = opts.only ?? (Object.keys(TOOLS) as ToolName[]);
  const results: BuildResult[] = [];
  for (const [i, name] of names.entries()) {
    const spec: ToolSpec = TOOLS[name];
    const version = pinnedVersion(spec);
    const dir = toolBinDir(spec, env);
    const started = Date.now();
    if (isBuilt(spec, env)) {
      pruneOtherBuilds(spec, env);
      results.push({ name, version, dir, built: false, seconds: 0 });
      log(`[${i + 1}/${names.length}] ${name} ${version}: cached in ${dir}`);
      continue;
    }
    log(`[${i + 1}/${names.length}] ${name} ${version}: building ${spec.binaries.join(", ")} (a few minutes on 2 cores)...`);
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const staging = fs.mkdtempSync(`${dir}.partial-`);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), `tools-${spec.dir}-`));
    try {
      // GOFLAGS=-mod=readonly: the committed go.sum is the whole truth; nothing is resolved anew.
      const buildEnv = { ...env, GOBIN: staging, GOFLAGS: "-mod=readonly", CGO_ENABLED: "0" };
      const cwd = spec.generatedAssets
        ? await moduleWithAssets(spec, work, buildEnv)
        : spec.moduleFiles
          ? await wrapperWithModuleFiles(spec, work, buildEnv)
          : path.join(TOOLS_DIR, spec.dir);
      const args = [
        "install",
        "-trimpath",
        ...(spec.tags ? [`-tags=${spec.tags.join(",")}`] : []),
        ...(spec.ldflags ? [`-ldflags=${spec.ldflags.join(" ")}`] : []),
        "tool",
      ];
      await run("go", args, { cwd, env: buildEnv });
      await finishBuild(spec, staging, buildEnv);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(staging, dir);
    } catch (err) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw err;
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
    pruneOtherBuilds(spec, env);
    const seconds = (Date.now() - started) / 1000;
    results.push({ name, version, dir, built: true, seconds });
    log(`[${i + 1}/${names.length}] ${name} ${version}: built in ${seconds.toFixed(0)}s -> ${dir}`);
  }
  return results;
}
