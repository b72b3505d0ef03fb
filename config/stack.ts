/**
 * The one config schema every stack file is validated against.
 *
 * A stack file's `config:` map is flat (`multicluster:role`, `multicluster:central`, ...);
 * `parseStackConfig` validates it, applies the defaults that live in the schema, resolves
 * the kubeconfig, and throws a `ConfigError` naming the stack file, the key path and what
 * was expected. It is pure apart from reading the kubeconfig file, so it is tested without
 * the Pulumi engine; `loadStackConfig` feeds it the running stack's config.
 */
import * as pulumi from "@pulumi/pulumi";
import { CentralSettings, centralSchema } from "./central";
import { EdgeSettings, edgeSchema } from "./edge";
import { describeIssue } from "./issues";
import { Kubeconfig, resolveKubeconfig } from "./kubeconfig";
import { ConfigError, DNS_LABEL, dnsLabel, PROJECT } from "./primitives";
import { z } from "zod";

const common = {
  cluster: dnsLabel("a cluster name").optional(),
  kubeconfig: z.string().min(1).optional(),
  kubeContext: z.string().min(1).optional(),
};

const centralStackSchema = z.strictObject({
  ...common,
  role: z.literal("central"),
  central: centralSchema,
  minioUser: z.string().min(3, "expected the MinIO admin access key (set it with --secret)"),
  minioPassword: z.string().min(8, "expected the MinIO admin secret key of at least 8 characters (set it with --secret)"),
  alertWebhookCritical: z.url().optional(),
  alertWebhookWarning: z.url().optional(),
});

const edgeStackSchema = z.strictObject({
  ...common,
  role: z.literal("edge"),
  edge: edgeSchema,
});


interface StackBase {
  stack: string;
  cluster: string;
  kubeconfig: Kubeconfig;
}
export interface CentralStackConfig extends StackBase {
  role: "central";
  central: CentralSettings;
  minio: { user: string; password: string };
  alertWebhooks: { critical?: string; warning?: string };
}
export interface EdgeStackConfig extends StackBase {
  role: "edge";
  edge: EdgeSettings & { tenantId: string };
}
export type StackConfig = CentralStackConfig | EdgeStackConfig;

export interface ParseOptions {
  /** Stack name (`cluster-01`); the default cluster name. */
  stack: string;
  /** File name used in error messages; `Pulumi.<stack>.yaml` by default. */
  file?: string;
  /** Relative kubeconfig paths resolve against this directory. */
  projectDir?: string;
  /** Environment for `KUBECONFIG` and `HOME`; process.env by default. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Validates a stack's flat config map (`{"multicluster:role": "central", ...}`, objects
 * already parsed). Keys of other namespaces (`kubernetes:`, `pulumi:`) are ignored.
 */
export function parseStackConfig(flat: Record<string, unknown>, opts: ParseOptions): StackConfig {
  const file = opts.file ?? `Pulumi.${opts.stack}.yaml`;
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    if (key.startsWith(`${PROJECT}:`)) raw[key.slice(PROJECT.length + 1)] = value;
  }
  const fail = (keyPath: (string | number)[], expected: string): never => {
    throw new ConfigError(file, formatKeyPath(keyPath), expected);
  };

  if (raw.role === undefined) fail(["role"], 'expected "central" or "edge", got nothing');
  if (raw.role !== "central" && raw.role !== "edge") fail(["role"], `expected "central" or "edge", got ${JSON.stringify(raw.role)}`);
  if (raw.role === "edge" && raw.edge === undefined) fail(["edge", "centralStack"], "expected the central stack's name for the StackReference, got nothing");
  if (raw.role === "central" && raw.central === undefined) fail(["central"], "expected the central settings (at least central.minio.endpoint), got nothing");
  if (raw.role === "central" && (raw.central as { tenants?: unknown } | null)?.tenants !== undefined) {
    fail(
      ["central", "tenants"],
      "expected no tenants list: the tenants central expects now come from the edge stack files (every edge whose edge.centralStack names this stack), so remove this key",
    );
  }

  const schema = raw.role === "central" ? centralStackSchema : edgeStackSchema;
  const result = schema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    const { path: keyPath, expected } = describeIssue(schema, result.error.issues);
    fail(keyPath, expected);
  }
  const parsed = result.data!;
  const cluster = parsed.cluster ?? opts.stack;
  if (!DNS_LABEL.test(cluster)) fail(["cluster"], `expected a cluster name (the stack name ${opts.stack} is not a DNS label; set cluster explicitly)`);
  const kubeconfig = resolveKubeconfig(parsed.kubeconfig, parsed.kubeContext, opts, fail);

  if (parsed.role === "central") {
    return {
      role: "central",
      stack: opts.stack,
      cluster,
      kubeconfig,
      central: parsed.central,
      minio: { user: parsed.minioUser, password: parsed.minioPassword },
      alertWebhooks: { critical: parsed.alertWebhookCritical, warning: parsed.alertWebhookWarning },
    };
  }
  return { role: "edge", stack: opts.stack, cluster, kubeconfig, edge: { ...parsed.edge, tenantId: parsed.edge.tenantId ?? cluster } };
}

/** `["edge", "tenants", 0, "id"]` as `multicluster:edge.tenants[0].id`. */
export function formatKeyPath(keyPath: readonly PropertyKey[]): string {
  let out = PROJECT + ":";
  keyPath.forEach((part, i) => {
    if (typeof part === "number") out += `[${part}]`;
    else out += (i === 0 ? "" : ".") + String(part);
  });
  return out;
}

/** Top-level keys holding objects; Pulumi hands them to the program as JSON strings. */
const OBJECT_KEYS = new Set(["central", "edge"].map((k) => `${PROJECT}:${k}`));

/** The config map as Pulumi passes it (all strings) turned back into values for the schema. */
export function decodePulumiConfig(strings: Record<string, string>, file: string): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(strings)) {
    if (!OBJECT_KEYS.has(key)) {
      flat[key] = value;
      continue;
    }
    try {
      flat[key] = JSON.parse(value);
    } catch {
      throw new ConfigError(file, key, `expected a map of settings, got ${JSON.stringify(value)}`);
    }
  }
  return flat;
}

/**
 * Reads the running stack's config (under `pulumi up` or mocks) and validates it.
 * Relative kubeconfig paths resolve against the working directory, which Pulumi sets to
 * the project directory.
 */
export function loadStackConfig(): StackConfig {
  const stack = pulumi.getStack();
  const file = `Pulumi.${stack}.yaml`;
  return parseStackConfig(decodePulumiConfig(pulumi.runtime.allConfig(), file), { stack, file });
}
