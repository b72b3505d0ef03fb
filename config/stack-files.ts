/**
 * Reading `Pulumi.<stack>.yaml` files as written: the program reads its siblings for the
 * fleet check (config/fleet.ts), and the synth and the CI matrix read all of them.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigError } from "./primitives";

export interface StackFile {
  stack: string;
  /** File name, e.g. `Pulumi.cluster-01.yaml`. */
  file: string;
  path: string;
  /** The `config:` map as written, values parsed from YAML. */
  config: Record<string, unknown>;
}

/** The project directory: Pulumi.yaml and every stack file. */
export const PROJECT_DIR = path.resolve(__dirname, "..");

const STACK_FILE_RE = /^Pulumi\.([A-Za-z0-9_.-]+)\.ya?ml$/;

/** The stack file name Pulumi reads for `stack`. */
export function stackFileName(stack: string): string {
  return `Pulumi.${stack}.yaml`;
}

/** True for a value `pulumi config set --secret` wrote: `{secure: <ciphertext>}`. */
export function isEncrypted(value: unknown): boolean {
  return typeof value === "object" && value !== null && "secure" in value;
}

/** Every stack file in `dir`, sorted by stack name. */
export function readStackFiles(dir: string): StackFile[] {
  // Spread into this realm's Array: the Pulumi SDK tells arrays apart with instanceof, and
  // in a vm context (jest) fs returns the outer realm's arrays, which every map/filter keeps.
  return [...fs.readdirSync(dir)]
    .filter((f) => STACK_FILE_RE.test(f))
    .sort()
    .map((file) => readStackFile(path.join(dir, file)));
}

export function readStackFile(filePath: string): StackFile {
  const file = path.basename(filePath);
  const match = STACK_FILE_RE.exec(file);
  if (!match) throw new Error(`${filePath}: not a stack file (expected Pulumi.<stack>.yaml)`);
  let doc: unknown;
  try {
    doc = YAML.parse(fs.readFileSync(filePath, "utf8"));
  } catch (err) {
    throw new ConfigError(file, "config", `expected valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  const config = (doc as { config?: unknown } | null)?.config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new ConfigError(file, "config", "expected a map of config keys");
  }
  return { stack: match[1], file, path: filePath, config: config as Record<string, unknown> };
}
