/**
 * The fleet: every `Pulumi.<stack>.yaml` beside Pulumi.yaml, checked as one. Every synth
 * and every run of the program (`pulumi up` of any one stack) checks that
 *
 *   - every cluster name is used by one stack only (it is the `cluster` label in Thanos);
 *   - every edge's `edge.centralStack` names a central stack among the files;
 *   - every tenant id is used once among the stacks writing to a central, is no other
 *     cluster's name and is not that central's `receive.defaultTenant`;
 *   - no secret is written in plain text in a stack file.
 *
 * Central's expected tenants (its `tenants` output, the ExpectedTenantMissing alert,
 * `npm run verify`) come from here: the tenants of every edge that names it. A fifth
 * cluster is one new stack file.
 *
 * Only the keys that make a stack's identity are read from the other stacks' files; each
 * stack's full config is validated when that stack runs (and by the synth, for all).
 */
import * as path from "path";
import { z } from "zod";
import { isInlineKubeconfig } from "./kubeconfig";
import { centralStackName, clusterName, ConfigError, DEFAULT_TENANT, PROJECT, SECRET_KEYS, tenantId } from "./primitives";
import { formatKeyPath, StackConfig } from "./stack";
import { describeIssue } from "./issues";
import { TenantRef } from "./outputs";
import { isEncrypted, readStackFiles, StackFile, stackFileName } from "./stack-files";

/** What the fleet check needs of one stack. */
export interface FleetMember {
  stack: string;
  file: string;
  role: "central" | "edge";
  cluster: string;
  /** Central: the tenant of writes without a tenant header. */
  defaultTenant?: string;
  /** Central: the tenants `receive.limits.tenants` overrides limits for. */
  limitedTenants?: string[];
  /** Edge: the central stack's name as written in `edge.centralStack`. */
  centralStack?: string;
  /** Edge: every tenant id it writes as, the cluster agent's first, with the key it comes from. */
  tenants: { id: string; keyPath: string }[];
}

export interface Fleet {
  members: FleetMember[];
  /** The central stack each edge stack writes to. */
  centralOf: Map<string, FleetMember>;
}

const identitySchema = z.looseObject({
  role: z.enum(["central", "edge"], { error: 'expected "central" or "edge"' }),
  cluster: clusterName.optional(),
  central: z
    .looseObject({
      receive: z.looseObject({ defaultTenant: tenantId.optional(), limits: z.looseObject({ tenants: z.record(z.string(), z.unknown()).optional() }).optional() }).optional(),
    })
    .optional(),
  edge: z
    .looseObject({
      centralStack: centralStackName,
      tenantId: tenantId.optional(),
      tenants: z.array(z.looseObject({ id: tenantId })).optional(),
    })
    .optional(),
});

const TENANT_ID_KEY = formatKeyPath(["edge", "tenantId"]);
const tenantKey = (i: number) => formatKeyPath(["edge", "tenants", i, "id"]);

/** A stack file's identity, validated with the same rules and defaults as the full schema. */
export function memberFromFile(stackFile: StackFile): FleetMember {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(stackFile.config)) {
    if (key.startsWith(`${PROJECT}:`)) raw[key.slice(PROJECT.length + 1)] = value;
  }
  if (raw.role === "edge" && raw.edge === undefined) {
    throw new ConfigError(stackFile.file, formatKeyPath(["edge", "centralStack"]), "expected the central stack's name for the StackReference, got nothing");
  }
  const result = identitySchema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    const { path: keyPath, expected } = describeIssue(identitySchema, result.error.issues);
    throw new ConfigError(stackFile.file, formatKeyPath(keyPath), expected);
  }
  const id = result.data;
  const cluster = id.cluster ?? stackFile.stack;
  if (id.role === "central") {
    const receive = id.central?.receive;
    return {
      stack: stackFile.stack,
      file: stackFile.file,
      role: "central",
      cluster,
      defaultTenant: receive?.defaultTenant ?? DEFAULT_TENANT,
      limitedTenants: Object.keys(receive?.limits?.tenants ?? {}),
      tenants: [],
    };
  }
  const edge = id.edge!;
  return {
    stack: stackFile.stack,
    file: stackFile.file,
    role: "edge",
    cluster,
    centralStack: edge.centralStack,
    tenants: [{ id: edge.tenantId ?? cluster, keyPath: TENANT_ID_KEY }, ...(edge.tenants ?? []).map((t, i) => ({ id: t.id, keyPath: tenantKey(i) }))],
  };
}

/** The running stack's identity, from its validated config. */
export function memberFromConfig(config: StackConfig): FleetMember {
  const base = { stack: config.stack, file: stackFileName(config.stack), cluster: config.cluster };
  if (config.role === "central") {
    const { receive } = config.central;
    return { ...base, role: "central", defaultTenant: receive.defaultTenant, limitedTenants: Object.keys(receive.limits.tenants), tenants: [] };
  }
  return {
    ...base,
    role: "edge",
    centralStack: config.edge.centralStack,
    tenants: [{ id: config.edge.tenantId, keyPath: TENANT_ID_KEY }, ...config.edge.tenants.map((t, i) => ({ id: t.id, keyPath: tenantKey(i) }))],
  };
}

/**
 * Rejects a secret config key written in plain text: the stack file is committed, and
 * `pulumi config set --secret` stores it encrypted. A kubeconfig path is not a secret; a
 * kubeconfig's content is.
 */
export function checkNoPlaintextSecrets(stackFile: StackFile): void {
  for (const short of SECRET_KEYS) {
    const key = `${PROJECT}:${short}`;
    const value = stackFile.config[key];
    if (value === undefined || isEncrypted(value)) continue;
    if (short === "kubeconfig" && typeof value === "string" && !isInlineKubeconfig(value)) continue;
    throw new ConfigError(
      stackFile.file,
      key,
      `expected an encrypted secret, got plain text in the stack file; remove it and run: pulumi config set --secret ${key} <value> --stack ${stackFile.stack}` +
        " (and rotate it if the file was ever committed)",
    );
  }
}

/** `org/project/stack`, `project/stack` or `stack` as the stack name, or why it is no stack of this project. */
function referencedStack(name: string): { stack: string } | { otherProject: string } {
  const parts = name.split("/");
  const project = parts.length >= 2 ? parts[parts.length - 2] : PROJECT;
  return project === PROJECT ? { stack: parts[parts.length - 1] } : { otherProject: project };
}

/** The cross-stack checks; throws a ConfigError naming the offending file, its key and the other file. */
export function checkFleet(members: FleetMember[]): Fleet {
  const centralOf = centralsOfEdges(members);
  const clusterOwner = uniqueClusters(members);
  const tenantOwner = uniqueTenants(members, centralOf, clusterOwner);
  checkLimitedTenants(members, tenantOwner);
  return { members, centralOf };
}

/** Each edge's central: a central stack file beside it, of this project, not the edge itself. */
function centralsOfEdges(members: FleetMember[]): Map<string, FleetMember> {
  const byStack = new Map(members.map((m) => [m.stack, m]));
  const centrals = members.filter((m) => m.role === "central");
  const centralOf = new Map<string, FleetMember>();
  const centralStackKey = formatKeyPath(["edge", "centralStack"]);
  for (const edge of members.filter((m) => m.role === "edge")) {
    const name = edge.centralStack!;
    const fail = (expected: string): never => {
      throw new ConfigError(edge.file, centralStackKey, expected);
    };
    const ref = referencedStack(name);
    if ("otherProject" in ref) fail(`expected a central stack of project ${PROJECT}, but ${name} names project ${ref.otherProject}; the fleet is the stack files beside this one`);
    const stack = (ref as { stack: string }).stack;
    if (stack === edge.stack) fail(`expected the name of the central stack, but ${name} is this stack itself`);
    const target = byStack.get(stack);
    const known = centrals.map((c) => c.stack).join(", ") || "none: no stack file has multicluster:role central";
    if (!target) fail(`expected the name of a central stack among the stack files (central: ${known}), but there is no ${stackFileName(stack)}`);
    if (target!.role !== "central") fail(`expected the name of a central stack (central: ${known}), but ${name} is ${target!.file}, an edge stack`);
    centralOf.set(edge.stack, target!);
  }
  return centralOf;
}

/** One stack per cluster name: two would write the same `cluster` label into Thanos. */
function uniqueClusters(members: FleetMember[]): Map<string, FleetMember> {
  const clusterOwner = new Map<string, FleetMember>();
  for (const m of members) {
    const other = clusterOwner.get(m.cluster);
    if (other) {
      const source = m.cluster === m.stack ? " (the stack name, as multicluster:cluster is not set)" : "";
      throw new ConfigError(
        m.file,
        formatKeyPath(["cluster"]),
        `expected a cluster name no other stack uses, got ${m.cluster}${source}, which is also the cluster of ${other.file}: both would write cluster="${m.cluster}" into Thanos`,
      );
    }
    clusterOwner.set(m.cluster, m);
  }
  return clusterOwner;
}

type TenantOwners = Map<string, { member: FleetMember; keyPath: string }>;

/** Tenant ids unique per central, never another cluster's name nor the receivers' default tenant. */
function uniqueTenants(members: FleetMember[], centralOf: Map<string, FleetMember>, clusterOwner: Map<string, FleetMember>): TenantOwners {
  const tenantOwner: TenantOwners = new Map();
  for (const edge of members.filter((m) => m.role === "edge")) {
    const central = centralOf.get(edge.stack)!;
    for (const { id, keyPath } of edge.tenants) {
      const fail = (expected: string): never => {
        throw new ConfigError(edge.file, keyPath, expected);
      };
      const otherCluster = clusterOwner.get(id);
      if (otherCluster && otherCluster !== edge) fail(`expected a tenant id that is no other cluster's name, got ${id}, the cluster of ${otherCluster.file}`);
      if (id === central.defaultTenant) {
        fail(`expected a tenant id other than receive.defaultTenant of ${central.file}, got ${id}: writes without a tenant header land in that tenant`);
      }
      const scope = `${central.stack}\u0000${id}`;
      const previous = tenantOwner.get(scope);
      if (previous) {
        const owner = previous.member === edge ? "this stack file" : previous.member.file;
        fail(`expected a tenant id no other stack writing to ${central.stack} uses, got ${id}, which ${owner} also writes as (${previous.keyPath})`);
      }
      tenantOwner.set(scope, { member: edge, keyPath });
    }
  }
  return tenantOwner;
}

/** A limit override for a tenant nobody writes as is a typo: with mutual TLS no such tenant can write. */
function checkLimitedTenants(members: FleetMember[], tenantOwner: TenantOwners): void {
  for (const central of members.filter((m) => m.role === "central")) {
    const writing = [...tenantOwner.keys()].filter((scope) => scope.startsWith(`${central.stack}\u0000`)).map((scope) => scope.split("\u0000")[1]);
    for (const id of central.limitedTenants ?? []) {
      if (!writing.includes(id)) {
        throw new ConfigError(
          central.file,
          formatKeyPath(["central", "receive", "limits", "tenants", id]),
          `expected a tenant of an edge stack writing to this central (${writing.join(", ") || "none"}), got ${id}`,
        );
      }
    }
  }
}

/** The tenants central stack `stack` expects: those of every edge that writes to it, in stack order. */
export function expectedTenants(fleet: Fleet, stack: string): TenantRef[] {
  return fleet.members
    .filter((m) => m.role === "edge" && fleet.centralOf.get(m.stack)?.stack === stack)
    .flatMap((edge) => edge.tenants.map((t) => ({ id: t.id, cluster: edge.cluster })));
}

/**
 * Reads and checks every stack file in `dir`. With `running`, that stack's identity comes
 * from its validated config (what this run deploys), and its file must be among them.
 */
export function loadFleet(dir: string, running?: StackConfig): Fleet {
  const files = readStackFiles(dir);
  if (running && !files.some((f) => f.stack === running.stack)) {
    throw new ConfigError(
      stackFileName(running.stack),
      "config",
      `expected this stack's file in ${path.resolve(dir)}: the fleet check reads every stack file beside Pulumi.yaml, and the program runs there`,
    );
  }
  for (const file of files) checkNoPlaintextSecrets(file);
  const members = files.map((f) => (running && f.stack === running.stack ? memberFromConfig(running) : memberFromFile(f)));
  return checkFleet(members);
}

/** One line for the synth's log. */
export function describeFleet(fleet: Fleet): string {
  const centrals = fleet.members.filter((m) => m.role === "central");
  const tenants = centrals.reduce((n, c) => n + expectedTenants(fleet, c.stack).length, 0);
  return (
    `fleet: ${fleet.members.length} stack files (${centrals.length} central, ${fleet.members.length - centrals.length} edge), ` +
    `${tenants} tenants; cluster names and tenant ids unique, every edge names a central stack, no plain-text secrets`
  );
}
