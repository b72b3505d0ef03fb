/** Shared helpers: run the real program through the offline synth in a scratch directory. */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { BinaryName, findTool, isBuilt, ToolName, TOOLS } from "../../loopback/tools";
import * as YAML from "yaml";
import { PROJECT_DIR } from "../../config/stack-files";
import { RecordedResource } from "../../synth/mock-runtime";
import { synthesize, SynthesizedStack, SynthOptions } from "../../synth/synth";

/** A stack file value as `pulumi config set --secret` writes it; pass the plain value as `decrypted`. */
export const ENCRYPTED = { secure: "v1:c3ludGgtdGVzdA==" };

export { PROJECT_DIR };

/** The committed stack files' `config:` maps, by stack name. */
export function committedStackConfig(stack: string): Record<string, unknown> {
  return YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")).config;
}

export function scratchDir(prefix = "synth-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Writes the given stack files (stack name -> `config:` map) into a scratch directory and
 * synthesizes them. Returns the results by stack and the output directory.
 */
export async function synthStacks(
  files: Record<string, Record<string, unknown>>,
  opts: Pick<SynthOptions, "stacks" | "decrypted"> = {},
): Promise<{ byStack: Record<string, SynthesizedStack>; outDir: string; stackDir: string }> {
  const stackDir = scratchDir();
  for (const [stack, config] of Object.entries(files)) {
    fs.writeFileSync(path.join(stackDir, `Pulumi.${stack}.yaml`), YAML.stringify({ config }));
  }
  const outDir = path.join(stackDir, "out");
  const results = await synthesize({ stackDir, outDir, ...opts });
  return { byStack: Object.fromEntries(results.map((r) => [r.stack, r])), outDir, stackDir };
}

export function resourcesOfType(s: SynthesizedStack, type: string): RecordedResource[] {
  return s.result.resources.filter((r) => r.type === type);
}

/** Every file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : [p];
  });
}

/** Absolute path of executable `name` on PATH, or undefined. */
function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * A describe block that needs a system command (not one of the Go tools) on PATH; skipped
 * with `install` as the hint without it, and failing instead when CI is set.
 */
export function describeWithSystemTool(tool: string, install: string, title: string, body: (bin: string) => void): void {
  const bin = findOnPath(tool);
  if (bin) {
    describe(title, () => body(bin));
  } else if (process.env.CI) {
    test(`${title}: ${tool} is installed (required when CI is set)`, () => {
      throw new Error(`${tool} is not on PATH; ${install}`);
    });
  } else {
    console.warn(`skipping "${title}": ${tool} is not on PATH (${install}); when CI is set this fails`);
    describe.skip(title, () => body(tool));
  }
}

/**
 * A describe block that needs `tool`, one of the binaries `npm run tools` builds from the
 * pinned Go modules. Without it the block is skipped with a message, except when CI is set,
 * where a missing tool is a failing test: CI must run these checks, not silently pass.
 */
export function describeWithTool(tool: BinaryName, title: string, body: (bin: string) => void): void {
  const bin = findTool(tool);
  if (bin) {
    describe(title, () => body(bin));
  } else if (process.env.CI) {
    test(`${title}: ${tool} is built (required when CI is set)`, () => {
      throw new Error(`${tool} is not built; run \`npm run tools\``);
    });
  } else {
    console.warn(`skipping "${title}": ${tool} is not built (run \`npm run tools\`); when CI is set this fails`);
    describe.skip(title, () => body(tool));
  }
}

/**
 * A describe block that runs `binaries`, built by `npm run tools` (and every binary of
 * `alsoTools`, for a binary name two tools build, such as `thanos`). Without them it is skipped
 * with a message, except when CI is set, where that is a failing test.
 */
export function describeWithTools(binaries: readonly BinaryName[], title: string, body: () => void, alsoTools: readonly ToolName[] = []): void {
  const missing = [...binaries.filter((bin) => !findTool(bin)), ...alsoTools.filter((tool) => !isBuilt(TOOLS[tool]))];
  if (missing.length === 0) {
    describe(title, body);
  } else if (process.env.CI) {
    test(`${title}: the Go tools are built (required when CI is set)`, () => {
      throw new Error(`not built: ${missing.join(", ")}; run \`npm run tools\``);
    });
  } else {
    console.warn(`skipping "${title}": ${missing.join(", ")} not built (run \`npm run tools\`); when CI is set this fails`);
    describe.skip(title, body);
  }
}

/** A describe block that runs the local platform's tools (the data path). */
export function describeWithPlatformTools(title: string, body: () => void, alsoTools: readonly ToolName[] = []): void {
  describeWithTools(["thanos", "prometheus", "alertmanager", "minio", "mc", "node_exporter"], title, body, alsoTools);
}

/**
 * `npm run synth -- --dir stackDir --out outDir` as a separate process (a program failing under
 * mocks leaves rejections jest would pin on the test): undefined when it exits 0, else its exit
 * code and output.
 */
export function synthCliFailure(stackDir: string, outDir = path.join(stackDir, "out")): Promise<{ code: number; stdout: string; stderr: string } | undefined> {
  const tsx = path.join(PROJECT_DIR, "node_modules", ".bin", "tsx");
  return promisify(execFile)(tsx, ["scripts/synth.ts", "--dir", stackDir, "--out", outDir], { cwd: PROJECT_DIR }).then(
    () => undefined,
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
}
