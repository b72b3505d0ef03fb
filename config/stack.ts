/**
 * The one config schema every stack file is validated against.
 *
 * A stack file's `config:` map is flat (`multicluster:role`, `multicluster:central`, ...);
 * `parseStackConfig` validates it, applies the defaults that live in the schema, checks the
 * names derived from the cluster name, resolves the kubeconfig and the chart source, and
 * throws a `ConfigError` naming the stack file, the key path and what was expected, never a
 * secret's value. It is pure apart from reading the kubeconfig file and the chart directory,
 * so it is tested without the Pulumi engine; `loadStackConfig` feeds it the running stack's config.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { CentralSettings, centralSchema } from "./central";
import { ChartSource, chartSourceSchema, chartsOf, resolveChartSource, StackFeatures } from "./charts";
import { EdgeSettings, edgeSchema } from "./edge";
import { describeIssue } from "./issues";
import { Kubeconfig, resolveKubeconfig } from "./kubeconfig";
import { clusterDerivedNames, nameTooLong, tenantDerivedNames } from "./names";
import { ConfigError, DNS_LABEL, dnsLabel, PROJECT, SECRET_KEYS } from "./primitives";
import { isEncrypted, readStackFile } from "./stack-files";
import { z } from "zod";

/** The keys both roles accept. */
const common = {
  cluster: dnsLabel("a cluster name").optional(),
  kubeconfig: z.string().min(1).optional(),
  kubeContext: z.string().min(1).optional(),
  charts: chartSourceSchema.optional(),
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
  /** Where every Helm release takes its chart from; the public repositories when unset. */
  charts?: ChartSource;
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
  /** Relative kubeconfig and chart directory paths resolve against this directory. */
  projectDir?: string;
  /** Environment for `KUBECONFIG` and `HOME`; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /**
   * Keys (`multicluster:kubeconfig`) that hold secrets here, whose values no message may show;
   * by default every key of SECRET_KEYS, whatever it holds.
   */
  secretKeys?: readonly string[];
}

/** Every key of SECRET_KEYS, fully qualified. */
const ALL_SECRET_KEYS = SECRET_KEYS.map((k) => `${PROJECT}:${k}`);

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
  const secretKeys = opts.secretKeys ?? ALL_SECRET_KEYS;
  const isSecret = (keyPath: readonly PropertyKey[]) => secretKeys.includes(formatKeyPath(keyPath.slice(0, 1)));

  checkRole(raw, fail);
  const schema = raw.role === "central" ? centralStackSchema : edgeStackSchema;
  const result = schema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    const { path: keyPath, expected } = describeIssue(schema, result.error.issues, isSecret);
    fail(keyPath, expected);
  }
  const parsed = result.data!;
  const cluster = parsed.cluster ?? opts.stack;
  checkDerivedNames(cluster, parsed, opts.stack, fail);
  const kubeconfig = resolveKubeconfig(parsed.kubeconfig, parsed.kubeContext, { ...opts, hideValue: isSecret(["kubeconfig"]) }, fail);
  const charts = resolveChartSource(parsed.charts, chartsOf(parsed), opts, fail);
  const base = { stack: opts.stack, cluster, kubeconfig, ...(charts ? { charts } : {}) };

  if (parsed.role === "central") {
    return {
      role: "central",
      ...base,
      central: parsed.central,
      minio: { user: parsed.minioUser, password: parsed.minioPassword },
      alertWebhooks: { critical: parsed.alertWebhookCritical, warning: parsed.alertWebhookWarning },
    };
  }
  return { role: "edge", ...base, edge: { ...parsed.edge, tenantId: parsed.edge.tenantId ?? cluster } };
}

type Fail = (keyPath: (string | number)[], expected: string) => never;

/** The role, and the settings it needs, before the schema: its messages would be less clear. */
function checkRole(raw: Record<string, unknown>, fail: Fail): void {
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
}

/**
 * The cluster name and the tenant ids are prefixes of Helm release, Job and namespace names
 * (config/names.ts): each of those must fit its limit, and the charts name Services after the
 * releases, which must start with a letter.
 */
function checkDerivedNames(cluster: string, stack: StackFeatures & { edge?: { tenants: { id: string }[] } }, stackName: string, fail: Fail): void {
  const source = cluster === stackName ? " (the stack name, as multicluster:cluster is not set)" : "";
  if (!DNS_LABEL.test(cluster)) fail(["cluster"], `expected a cluster name (the stack name ${stackName} is not a DNS label; set cluster explicitly)`);
  const names = clusterDerivedNames(cluster, stack);
  if (!/^[a-z]/.test(cluster)) {
    fail(["cluster"], `expected a cluster name starting with a letter, got ${cluster}${source}: the charts name Services after the Helm release ${names[0].name}, and a Service name must start with a letter`);
  }
  const tooLong = nameTooLong("a cluster name", cluster, names);
  if (tooLong) fail(["cluster"], tooLong + source);
  stack.edge?.tenants.forEach((tenant, i) => {
    const tenantTooLong = nameTooLong("a tenant id", tenant.id, tenantDerivedNames(tenant.id));
    if (tenantTooLong) fail(["edge", "tenants", i, "id"], tenantTooLong);
  });
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
const OBJECT_KEYS = new Set(["central", "edge", "charts"].map((k) => `${PROJECT}:${k}`));

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
 * Relative paths (kubeconfig, chart directory) resolve against the working directory, which Pulumi sets to
 * the project directory.
 */
export function loadStackConfig(): StackConfig {
  const stack = pulumi.getStack();
  const file = `Pulumi.${stack}.yaml`;
  return parseStackConfig(decodePulumiConfig(pulumi.runtime.allConfig(), file), { stack, file, secretKeys: secretKeysOf(file) });
}

/**
 * The secret-capable keys the stack file does not hold in plain text: only a value already in
 * the committed file in plain text (a kubeconfig path) may appear in a message.
 */
function secretKeysOf(file: string): readonly string[] {
  const filePath = path.resolve(file);
  if (!fs.existsSync(filePath)) return ALL_SECRET_KEYS;
  const { config } = readStackFile(filePath);
  return ALL_SECRET_KEYS.filter((key) => config[key] === undefined || isEncrypted(config[key]));
}
