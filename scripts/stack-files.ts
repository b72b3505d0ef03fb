/**
 * Reading `Pulumi.<stack>.yaml` files the way the Pulumi CLI hands them to the program:
 * a flat map of strings, objects as JSON. Secrets cannot be decrypted offline, so secret
 * keys get recognisable mock values (the tests scan the synth output for them).
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigError, PROJECT, SECRET_KEYS } from "../components/config";

export interface StackFile {
  stack: string;
  /** File name, e.g. `Pulumi.cluster-01.yaml`. */
  file: string;
  path: string;
  /** The `config:` map as written, values parsed from YAML. */
  config: Record<string, unknown>;
}

const STACK_FILE_RE = /^Pulumi\.([A-Za-z0-9_.-]+)\.ya?ml$/;

/** Every stack file in `dir`, sorted by stack name. */
export function readStackFiles(dir: string): StackFile[] {
  return fs
    .readdirSync(dir)
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

/** The value the synth uses for secret config key `key`. */
export function mockConfigSecret(key: string): string {
  return `synth-secret-${key}`;
}

/** Secrets a role cannot run without; the synth supplies mocks for them when unset. */
const REQUIRED_SECRETS: Record<string, readonly string[]> = { central: ["minioUser", "minioPassword"], edge: [] };

function isSecure(value: unknown): boolean {
  return typeof value === "object" && value !== null && "secure" in value;
}

/**
 * The flat string map Pulumi passes to a program, and which keys are secret. Encrypted
 * values, and required secrets not set in the file, become mock secrets.
 */
export function toPulumiConfig(stackFile: StackFile, mockKubeconfig: string): { config: Record<string, string>; secretKeys: string[] } {
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const role = stackFile.config[`${PROJECT}:role`];
  const required = typeof role === "string" ? (REQUIRED_SECRETS[role] ?? []) : [];
  for (const [key, value] of Object.entries(stackFile.config)) {
    if (isSecure(value)) {
      const short = key.slice(PROJECT.length + 1);
      config[key] = short === "kubeconfig" ? mockKubeconfig : mockConfigSecret(short);
      secretKeys.push(key);
    } else {
      config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  for (const short of SECRET_KEYS) {
    const key = `${PROJECT}:${short}`;
    if (key in config) {
      if (!secretKeys.includes(key)) secretKeys.push(key);
    } else if (required.includes(short)) {
      config[key] = mockConfigSecret(short);
      secretKeys.push(key);
    }
  }
  return { config, secretKeys };
}

/** A kubeconfig with one context per stack, pointing nowhere: enough for the provider under mocks. */
export function mockKubeconfigFor(contexts: string[]): string {
  const names = [...new Set(contexts)];
  return YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    "current-context": names[0],
    clusters: names.map((name) => ({ name, cluster: { server: `https://${name}.invalid:6443` } })),
    users: [{ name: "synth", user: { token: "synth-not-a-token" } }],
    contexts: names.map((name) => ({ name, context: { cluster: name, user: "synth" } })),
  });
}
