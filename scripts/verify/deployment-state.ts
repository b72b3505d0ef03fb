/**
 * verify's deployment-state check (issue 20): what a `pulumi up` killed mid-run (a CI job's
 * timeout) leaves behind, and the commands that recover from it, as pure functions over what
 * deployment-sources.ts reads:
 *
 * - operations the engine began and never finished, `pending_operations` in the stack's state
 *   (`pulumi stack export`). The Pulumi CLI 3.276 only warns about them on the next `up`;
 *   `pulumi refresh` drops every kind but `creating`, which it keeps until
 *   `--clear-pending-creates` (or `--import-pending-creates URN ID`) resolves it;
 * - the lock a self-managed (DIY) backend holds during an update
 *   (`.pulumi/locks/<org>/<project>/<stack>/<id>.json`), which a killed CLI never deletes:
 *   every later `up`, `refresh` or state edit of the stack fails until `pulumi cancel` deletes it;
 * - Helm releases whose newest revision is pending-install, pending-upgrade or pending-rollback
 *   (Helm's release Secrets, labels owner=helm, name, version, status): Helm refuses every
 *   further operation on them until they are uninstalled or rolled back.
 */
import * as os from "os";
import * as path from "path";
import { shellWord } from "../../components/shared/preflight";
import { Kubeconfig } from "../../config/kubeconfig";
import { PROJECT } from "../../config/primitives";

/** The state could not be read as `pulumi stack export` writes it. */
export class DeploymentStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeploymentStateError";
  }
}

/** The Pulumi type of a Helm release. */
export const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

export interface PendingOperation {
  /** creating, updating, deleting, reading or importing. */
  type: string;
  urn: string;
  /** The resource's Pulumi type, e.g. kubernetes:helm.sh/v3:Release. */
  resourceType: string;
  /** The resource's name in the program. */
  name: string;
}

/** One revision of a Helm release, from the labels of its release Secret. */
export interface HelmRevision {
  release: string;
  namespace: string;
  revision: number;
  status: string;
}

export interface PendingRelease extends HelmRevision {
  /** The revision `helm rollback` returns to; absent when there is none and only `helm uninstall` helps. */
  rollbackTo?: number;
}

/** A lock file of a self-managed backend, with what its writer recorded. */
export interface LockFile {
  path: string;
  pid?: number;
  username?: string;
  hostname?: string;
  timestamp?: string;
}

export type LockState = { kind: "held"; locks: LockFile[] } | { kind: "free" } | { kind: "unknown"; why: string };

export type ReleaseState = { kind: "read"; namespaces: string[]; pending: PendingRelease[] } | { kind: "unread"; why: string };

export interface RecoveryStep {
  command: string;
  why: string;
}

export interface StackState {
  stack: string;
  pendingOperations: PendingOperation[];
  lock: LockState;
  releases: ReleaseState;
  /** The commands that recover, in order; empty when nothing is pending. */
  steps: RecoveryStep[];
  /** Advice that depends on what only the operator can see. */
  notes: string[];
  /** False when anything is pending or locked: verify fails. */
  ok: boolean;
}

interface ExportedOperation {
  type?: unknown;
  resource?: { urn?: unknown; type?: unknown };
}

/** The pending operations of `pulumi stack export`'s JSON (a stack never deployed has none). */
export function parsePendingOperations(text: string, source: string): PendingOperation[] {
  let doc: { deployment?: { pending_operations?: ExportedOperation[] } };
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new DeploymentStateError(`${source}: expected the JSON of \`pulumi stack export\`, but it does not parse: ${(err as Error).message}`);
  }
  const operations = doc?.deployment?.pending_operations ?? [];
  if (!Array.isArray(operations)) throw new DeploymentStateError(`${source}: deployment.pending_operations is not a list`);
  return operations.map((op) => {
    const urn = String(op.resource?.urn ?? "");
    return { type: String(op.type ?? "unknown"), urn, resourceType: String(op.resource?.type ?? ""), name: urn.split("::").pop() ?? urn };
  });
}

/** Helm's release Secrets (a Secret list from the API server) as revisions; Secrets without Helm's labels are skipped. */
export function helmRevisions(items: { metadata?: { namespace?: string; labels?: Record<string, string> } }[]): HelmRevision[] {
  return items.flatMap(({ metadata }) => {
    const labels = metadata?.labels ?? {};
    const revision = Number(labels.version);
    if (labels.owner !== "helm" || !labels.name || !labels.status || !Number.isInteger(revision)) return [];
    return [{ release: labels.name, namespace: metadata?.namespace ?? "", revision, status: labels.status }];
  });
}

/**
 * The releases whose newest revision is pending-*, each with the revision to roll back to:
 * the newest earlier one that is deployed (an upgrade leaves it deployed until it succeeds),
 * else the newest superseded one; none for a first install.
 */
export function pendingReleases(revisions: HelmRevision[]): PendingRelease[] {
  const byRelease = new Map<string, HelmRevision[]>();
  for (const r of revisions) byRelease.set(`${r.namespace}/${r.release}`, [...(byRelease.get(`${r.namespace}/${r.release}`) ?? []), r]);
  const pending: PendingRelease[] = [];
  for (const history of byRelease.values()) {
    history.sort((a, b) => b.revision - a.revision);
    const [newest, ...earlier] = history;
    if (!newest.status.startsWith("pending-")) continue;
    const target = earlier.find((r) => r.status === "deployed") ?? earlier.find((r) => r.status === "superseded");
    pending.push(target ? { ...newest, rollbackTo: target.revision } : newest);
  }
  return pending.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.release.localeCompare(b.release));
}

/** The directory of a `file://` backend URL (`~` and relative paths resolved as the CLI resolves them), else undefined. */
export function fileBackendDir(url: string, cwd = process.cwd()): string | undefined {
  if (!url.startsWith("file://")) return undefined;
  const dir = url.slice("file://".length).split("?")[0];
  return path.resolve(cwd, dir.replace(/^~(?=$|\/)/, os.homedir()));
}

/** A backend for messages, by its scheme alone: its URL may carry credentials. */
export function backendKind(url: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === "https" || scheme === "http") return "the Pulumi Cloud backend";
  return scheme ? `the ${scheme}:// backend` : "this backend";
}

/**
 * Where a directory backend keeps the stack's locks: `.pulumi/locks/<org>/<project>/<stack>`
 * (`organization/multicluster/<stack>` for a short name), or `.pulumi/locks/<stack>` in a
 * backend still in the legacy layout without projects.
 */
export function lockDirs(backendDir: string, stack: string): string[] {
  const locks = path.join(backendDir, ".pulumi", "locks");
  const parts = stack.split("/");
  if (parts.length === 3) return [path.join(locks, ...parts)];
  const name = parts[parts.length - 1];
  return [path.join(locks, "organization", PROJECT, name), path.join(locks, name)];
}

/** A DIY lock file's content (`{pid, username, hostname, timestamp}`); what does not parse is left out. */
export function parseLockFile(lockPath: string, content: string): LockFile {
  try {
    const doc = JSON.parse(content) as Record<string, unknown>;
    const text = (key: string) => (typeof doc[key] === "string" ? (doc[key] as string) : undefined);
    return { path: lockPath, pid: typeof doc.pid === "number" ? doc.pid : undefined, username: text("username"), hostname: text("hostname"), timestamp: text("timestamp") };
  } catch {
    return { path: lockPath };
  }
}

/** Helm's flags for the stack's cluster: its context always, its kubeconfig when the stack file chose one. */
export function helmTarget(kubeconfig: Pick<Kubeconfig, "source" | "fromConfig" | "context">): string {
  const file = kubeconfig.fromConfig && kubeconfig.source !== "inline" ? ` --kubeconfig ${shellWord(kubeconfig.source)}` : "";
  return `--kube-context ${shellWord(kubeconfig.context)}${file}`;
}

function releaseStep(r: PendingRelease, target: string): RecoveryStep {
  const where = `-n ${shellWord(r.namespace)} ${target}`;
  if (r.rollbackTo !== undefined) {
    return { command: `helm rollback ${shellWord(r.release)} ${r.rollbackTo} ${where}`, why: `back to revision ${r.rollbackTo}, the last deployed, so Helm takes upgrades again` };
  }
  return { command: `helm uninstall ${shellWord(r.release)} ${where}`, why: `a first install never finished: remove it so pulumi up installs it afresh` };
}

/** The commands that recover, in order: the lock, the Helm releases, the state, then the update again. */
export function recoverySteps(stack: string, operations: PendingOperation[], lock: LockState, releases: PendingRelease[], target: string): RecoveryStep[] {
  const s = `--stack ${shellWord(stack)}`;
  const steps: RecoveryStep[] = [];
  if (lock.kind === "held") steps.push({ command: `pulumi cancel --yes ${s}`, why: "deletes the lock the killed update left" });
  steps.push(...releases.map((r) => releaseStep(r, target)));
  if (operations.length > 0) {
    const creates = operations.some((op) => op.type === "creating");
    steps.push({
      command: `pulumi refresh ${creates ? "--clear-pending-creates " : ""}--yes ${s}`,
      why: creates ? "reads the resources back and drops the unfinished creates from the state" : "reads the resources back and drops the unfinished operations",
    });
  }
  if (steps.length > 0) steps.push({ command: `pulumi up --yes ${s}`, why: "runs the update again" });
  return steps;
}

/** What the operator must decide: locks verify cannot see, creates of objects that may exist. */
export function recoveryNotes(stack: string, operations: PendingOperation[], lock: LockState): string[] {
  const notes: string[] = [];
  if (lock.kind === "unknown" && operations.length > 0) {
    notes.push(`${lock.why}; if pulumi says the stack is locked (self-managed backend) or another update is in progress (Pulumi Cloud), run first: pulumi cancel --yes --stack ${shellWord(stack)}`);
  }
  for (const op of operations.filter((o) => o.type === "creating" && o.resourceType !== RELEASE_TYPE)) {
    notes.push(`${op.resourceType} ${op.name} may exist already: to keep it rather than create it again, import it instead of clearing: pulumi refresh --import-pending-creates ${shellWord(op.urn)} <namespace/name> --yes --stack ${shellWord(stack)}`);
  }
  return notes;
}

/** One stack's findings and the way out. */
export function stackState(stack: string, operations: PendingOperation[], lock: LockState, releases: ReleaseState, target: string): StackState {
  const pending = releases.kind === "read" ? releases.pending : [];
  const steps = recoverySteps(stack, operations, lock, pending, target);
  return { stack, pendingOperations: operations, lock, releases, steps, notes: recoveryNotes(stack, operations, lock), ok: steps.length === 0 };
}
