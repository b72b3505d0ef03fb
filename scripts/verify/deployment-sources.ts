/**
 * What verify's deployment-state check reads for one `--stack NAME`: the stack's state through
 * the Pulumi CLI (`pulumi stack export`, secrets not shown), the backend's lock files when the
 * backend is a directory (`pulumi whoami --json` names it), and Helm's release Secrets in the
 * namespaces the stack owns, from the cluster its stack file names (kubeconfig and context,
 * connected as the program's preflight connects). The stack file is read from the project
 * directory, where verify runs.
 */
import * as fs from "fs";
import * as path from "path";
import { claimedNamespaces, ClusterConnection, describeSource, getFromCluster, PREFLIGHT_TIMEOUT_MS } from "../../components/shared/preflight";
import { PROJECT } from "../../config/primitives";
import { decodePulumiConfig, parseStackConfig, StackConfig } from "../../config/stack";
import { isEncrypted, readStackFile, stackFileName } from "../../config/stack-files";
import { toPulumiConfig } from "../../synth/pulumi-config";
import { backendKind, fileBackendDir, helmRevisions, helmTarget, LockState, lockDirs, parseLockFile, parsePendingOperations, pendingReleases, ReleaseState, StackState, stackState } from "./deployment-state";
import { PulumiOptions, runPulumi } from "./sources";

const WITHOUT_CLI = "verify reads the stack's state (pulumi stack export) with it";

export interface StateOptions extends PulumiOptions {
  /** Where the stack files are: the working directory by default, as for the Pulumi CLI. */
  projectDir?: string;
  /** For KUBECONFIG, HOME and proxy variables; process.env by default. */
  env?: NodeJS.ProcessEnv;
}

/** The deployment state of `stack`: pending operations, a held lock, pending Helm releases, and the way out. */
export async function readDeploymentState(stack: string, opts: StateOptions = {}): Promise<StackState> {
  const exported = await runPulumi(stack, ["stack", "export", "--stack", stack], WITHOUT_CLI, opts);
  const operations = parsePendingOperations(exported, `pulumi stack export --stack ${stack}`);
  const [lock, cluster] = await Promise.all([lockState(stack, opts), stackCluster(stack, opts)]);
  if ("why" in cluster) return stackState(stack, operations, lock, { kind: "unread", why: cluster.why }, "");
  return stackState(stack, operations, lock, await releaseState(cluster, opts), helmTarget(cluster.config.kubeconfig));
}

/** The lock files of a directory backend; other backends keep their locks where verify does not look. */
async function lockState(stack: string, opts: StateOptions): Promise<LockState> {
  let url: string;
  try {
    url = String((JSON.parse(await runPulumi(stack, ["whoami", "--json"], WITHOUT_CLI, opts)) as { url?: unknown }).url ?? "");
  } catch (err) {
    return { kind: "unknown", why: `verify could not name the backend (${(err as Error).message.split("\n")[0]})` };
  }
  const root = fileBackendDir(url);
  if (root === undefined) return { kind: "unknown", why: `verify cannot list the locks of ${backendKind(url)}` };
  const files = lockDirs(root, stack).flatMap((dir) => (fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => path.join(dir, f)) : []));
  const locks = files.filter((f) => f.endsWith(".json")).map((f) => parseLockFile(f, fs.readFileSync(f, "utf8")));
  return locks.length > 0 ? { kind: "held", locks } : { kind: "free" };
}

interface StackCluster {
  file: string;
  config: StackConfig;
}

/** The stack file's config, as the program reads it: what names the cluster and the namespaces the stack owns. */
async function stackCluster(stack: string, opts: StateOptions): Promise<StackCluster | { why: string }> {
  const name = stack.split("/").pop() ?? stack;
  const dir = opts.projectDir ?? process.cwd();
  const file = stackFileName(name);
  if (!fs.existsSync(path.join(dir, file))) return { why: `no ${file} in ${dir}: run verify in the project directory` };
  try {
    const stackFile = readStackFile(path.join(dir, file));
    // Only the kubeconfig is decrypted, when the stack file holds it as a secret; every other secret is mocked.
    const encrypted = isEncrypted(stackFile.config[`${PROJECT}:kubeconfig`]);
    const decrypted: Record<string, string> = encrypted ? { kubeconfig: (await runPulumi(stack, ["config", "get", `${PROJECT}:kubeconfig`, "--stack", stack], WITHOUT_CLI, opts)).trim() } : {};
    const { config, secretKeys } = toPulumiConfig(stackFile, "", decrypted);
    return { file, config: parseStackConfig(decodePulumiConfig(config, file), { stack: name, file, projectDir: dir, env: opts.env, secretKeys }) };
  } catch (err) {
    return { why: (err as Error).message };
  }
}

/** Helm's release Secrets in every namespace the stack owns, judged; a cluster that does not answer is a reason, not an error. */
async function releaseState({ file, config }: StackCluster, opts: StateOptions): Promise<ReleaseState> {
  const connection: ClusterConnection = { file, kubeconfig: config.kubeconfig, env: opts.env };
  const namespaces = claimedNamespaces(config).map((c) => c.name);
  try {
    const secrets = await Promise.all(namespaces.map((ns) => helmSecrets(connection, ns)));
    return { kind: "read", namespaces, pending: pendingReleases(helmRevisions(secrets.flat())) };
  } catch (err) {
    const cause = (err as Error).name === "AbortError" ? `no answer within ${PREFLIGHT_TIMEOUT_MS / 1000} s` : (err as Error).message.split("\n")[0].trim();
    return { kind: "unread", why: `context ${config.kubeconfig.context} of ${describeSource(config.kubeconfig)}: ${cause}` };
  }
}

type SecretList = { items?: { metadata?: { namespace?: string; labels?: Record<string, string> } }[] };

async function helmSecrets(connection: ClusterConnection, namespace: string): Promise<NonNullable<SecretList["items"]>> {
  const answer = await getFromCluster(connection, `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets?labelSelector=owner%3Dhelm`);
  if (answer.status !== 200) {
    const meaning: Record<number, string> = { 401: " (the credentials were refused)", 403: " (the user may not list Secrets there)" };
    throw new Error(`listing Helm's release Secrets in namespace ${namespace} answered HTTP ${answer.status}${meaning[answer.status] ?? ""}`);
  }
  return (JSON.parse(answer.body) as SecretList).items ?? [];
}
