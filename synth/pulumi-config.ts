/**
 * Stack files the way the Pulumi CLI hands them to the program: a flat map of strings,
 * objects as JSON. Secrets cannot be decrypted offline, so secret keys get recognisable
 * mock values (the tests scan the synth output for them).
 */
import * as YAML from "yaml";
import { PROJECT, SECRET_KEYS } from "../config/primitives";
import { isEncrypted, StackFile } from "../config/stack-files";

/** Secret keys whose value must be a URL. */
const URL_SECRETS = new Set(["alertWebhookCritical", "alertWebhookWarning"]);

/** The value the synth uses for secret config key `key`: recognisable, and valid for the key. */
export function mockConfigSecret(key: string): string {
  return URL_SECRETS.has(key) ? `https://synth-secret.invalid/${key}` : `synth-secret-${key}`;
}

/** Secrets a role cannot run without; the synth supplies mocks for them when unset. */
const REQUIRED_SECRETS: Record<string, readonly string[]> = { central: ["minioUser", "minioPassword"], edge: [] };

/**
 * The flat string map Pulumi passes to a program, and which keys are secret. Encrypted
 * values become `decrypted[key]` (short key) when given, as Pulumi would decrypt them, else
 * mock secrets; required secrets not set in the file become mock secrets too.
 */
export function toPulumiConfig(
  stackFile: StackFile,
  mockKubeconfig: string,
  decrypted: Record<string, string> = {},
): { config: Record<string, string>; secretKeys: string[] } {
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const role = stackFile.config[`${PROJECT}:role`];
  const required = typeof role === "string" ? (REQUIRED_SECRETS[role] ?? []) : [];
  for (const [key, value] of Object.entries(stackFile.config)) {
    if (isEncrypted(value)) {
      const short = key.slice(PROJECT.length + 1);
      config[key] = decrypted[short] ?? (short === "kubeconfig" ? mockKubeconfig : mockConfigSecret(short));
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
