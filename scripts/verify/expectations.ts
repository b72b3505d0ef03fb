/**
 * What `verify` expects to find, read from stack outputs (`pulumi stack output --json`)
 * through the contract in config/outputs.ts: the central stack's query endpoint and
 * labels, and every tenant of every stack, each `{id, cluster}`.
 */
import { z } from "zod";
import { centralOutputsSchema, edgeOutputsSchema, ReceiveTlsOutput, SECRET_OUTPUTS, TenantRef } from "../../config/outputs";

/** A stack's outputs could not be used; the message names the source and the keys. */
export class OutputsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutputsError";
  }
}

/**
 * The central contract without its secrets: verify needs none of them, so outputs exported
 * without `--show-secrets` (secrets printed as "[secret]") are accepted as well.
 */
const centralForVerify = centralOutputsSchema.omit(Object.fromEntries(SECRET_OUTPUTS.map((key) => [key, true])) as { [K in (typeof SECRET_OUTPUTS)[number]]: true });

export type CentralForVerify = z.infer<typeof centralForVerify>;
export type EdgeForVerify = z.infer<typeof edgeOutputsSchema>;
export type OutputsForVerify = CentralForVerify | EdgeForVerify;

export interface Expectations {
  /** The central cluster: where the Thanos components run. */
  centralCluster: string;
  /** Thanos Query (Frontend) HTTP API. */
  queryUrl: string;
  /** Label the receivers add with the tenant id (`tenant_id` by default). */
  tenantLabel: string;
  /** Every tenant expected to write, sorted by cluster then id, without duplicates. */
  tenants: TenantRef[];
  /** The clusters of those tenants, sorted. */
  clusters: string[];
  /** How long the compactor keeps raw blocks (`central.retention.raw`); older data is downsampled only. */
  rawRetention: string;
  /** The receivers' mutual TLS as central exports it: whether it is on, and the certificates whose expiry verify checks. */
  receiveTls: ReceiveTlsOutput;
  /** The header that names the tenant in plain-http lab mode. */
  tenantHeader: string;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const key = issue.path.map(String).join(".") || "(the whole document)";
      return `${key} (${issue.message.replace(/^Invalid input: /, "")})`;
    })
    .join(", ");
}

/**
 * Parses one stack's outputs (the JSON text `pulumi stack output --json` prints). `source`
 * names the file or stack in error messages. An edge stack's outputs are recognised by
 * `role: "edge"`; anything else is checked against the central contract, so the error names
 * every central key that is missing.
 */
export function parseStackOutputs(text: string, source: string): OutputsForVerify {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new OutputsError(`${source}: expected the JSON of \`pulumi stack output --json\`, but it does not parse: ${(err as Error).message}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new OutputsError(`${source}: expected a JSON object of stack outputs, got ${Array.isArray(doc) ? "an array" : JSON.stringify(doc)}`);
  }
  const isEdge = (doc as { role?: unknown }).role === "edge";
  const result = isEdge ? edgeOutputsSchema.safeParse(doc) : centralForVerify.safeParse(doc);
  if (!result.success) {
    const contract = isEdge ? "an edge stack's outputs" : "the central stack's outputs";
    throw new OutputsError(`${source}: not ${contract} (config/outputs.ts); missing or invalid: ${describeIssues(result.error)}`);
  }
  return result.data;
}

/**
 * Merges the outputs of one central stack and any number of edge stacks into what verify
 * checks. Tenants come from central's `tenants` and every edge stack's `tenants`.
 */
export function expectationsFrom(outputs: { source: string; outputs: OutputsForVerify }[]): Expectations {
  const centrals = outputs.filter((o): o is { source: string; outputs: CentralForVerify } => o.outputs.role === "central");
  if (centrals.length === 0) {
    throw new OutputsError(
      `no central stack outputs among ${outputs.map((o) => o.source).join(", ") || "the inputs"}: pass the central stack's outputs (role "central", with queryUrl and tenants)`,
    );
  }
  if (centrals.length > 1) throw new OutputsError(`more than one central stack's outputs: ${centrals.map((c) => c.source).join(", ")}; pass exactly one`);
  const central = centrals[0].outputs;

  const byKey = new Map<string, TenantRef>();
  for (const { outputs: o } of outputs) {
    for (const tenant of o.tenants) byKey.set(`${tenant.cluster}\u0000${tenant.id}`, { id: tenant.id, cluster: tenant.cluster });
  }
  const tenants = [...byKey.values()].sort((a, b) => a.cluster.localeCompare(b.cluster) || a.id.localeCompare(b.id));
  if (tenants.length === 0) {
    throw new OutputsError(`${centrals[0].source}: tenants is empty and no edge stack outputs name any: no edge stack file names this central stack in edge.centralStack (central expects their tenants), or pass the edge stacks' outputs`);
  }
  return {
    centralCluster: central.cluster,
    queryUrl: central.queryUrl,
    tenantLabel: central.tenantLabel,
    tenants,
    clusters: [...new Set(tenants.map((t) => t.cluster))].sort(),
    rawRetention: central.retention.raw,
    receiveTls: central.receiveTls,
    tenantHeader: central.tenantHeader,
  };
}
