/**
 * The preflight: before the program declares anything, under `pulumi preview` and `pulumi up`
 * alike, it asks the stack's cluster (the stack's kubeconfig and context) two things.
 *
 * 1. Does the Kubernetes API server answer, within PREFLIGHT_TIMEOUT_MS? A preview of an
 *    unreachable cluster would otherwise plan every create and pass.
 * 2. Is every Namespace the program creates either absent, or already this stack's (labelled
 *    `multicluster/stack: <stack>`, OWNER_STACK_LABEL, which the program puts on each)?
 *
 * Existing namespaces (issue 19, point 4), decided: the program never takes over a namespace it
 * did not create. The provider build that upserts on create would adopt it silently and
 * `pulumi destroy` would then delete it with whatever it held; the pinned @pulumi/kubernetes
 * 4.34.2 fails that create with AlreadyExists, after other resources were created. So the
 * preflight fails first, naming the namespace and the key that chose it. To hand a namespace
 * over, a cluster admin labels it with the stack (the error gives the kubectl command),
 * accepting that `pulumi destroy` of the stack deletes it.
 *
 * Under Pulumi mocks (the offline synth and the unit tests) nothing is checked: there is no
 * cluster, and their kubeconfigs name *.invalid servers. Mocks are recognised by the resource
 * monitor being the SDK's MockMonitor, which `pulumi.runtime.setMocks` installs (the engine's is
 * a gRPC client), so no caller has to pass a flag.
 */
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as YAML from "yaml";
import { Kubeconfig } from "../../config/kubeconfig";
import { ConfigError } from "../../config/primitives";
import { formatKeyPath, StackConfig } from "../../config/stack";
import { OWNER_STACK_LABEL } from "./conventions";

/** How long the whole preflight may take before the cluster counts as unreachable. */
export const PREFLIGHT_TIMEOUT_MS = 10_000;

/** A Namespace the program creates, and the config key that names it. */
export interface ClaimedNamespace {
  name: string;
  /** Full key, e.g. `multicluster:edge.tenants[0].id`. */
  key: string;
}

export interface ClusterCheck {
  /** The stack file errors name. */
  file: string;
  stack: string;
  kubeconfig: Kubeconfig;
  namespaces: readonly ClaimedNamespace[];
  warn: (message: string) => void;
  timeoutMs?: number;
  /** For proxy variables; process.env by default. */
  env?: NodeJS.ProcessEnv;
}

/** Every Namespace the stack's components create (central-thanos, logging, edge-agent, tenant-objects). */
export function claimedNamespaces(config: StackConfig): ClaimedNamespace[] {
  const claim = (name: string, keyPath: (string | number)[]) => ({ name, key: formatKeyPath(keyPath) });
  if (config.role === "central") {
    const { namespace, logging } = config.central;
    return [claim(namespace, ["central", "namespace"]), ...(logging.enabled ? [claim(logging.namespace, ["central", "logging", "namespace"])] : [])];
  }
  return [claim(config.edge.namespace, ["edge", "namespace"]), ...config.edge.tenants.map((t, i) => claim(t.id, ["edge", "tenants", i, "id"]))];
}

/** Runs the preflight for the running stack; does nothing under Pulumi mocks. */
export async function preflight(config: StackConfig): Promise<void> {
  if (pulumi.runtime.getMonitor() instanceof MockMonitor) return;
  await checkCluster({
    file: `Pulumi.${config.stack}.yaml`,
    stack: config.stack,
    kubeconfig: config.kubeconfig,
    namespaces: claimedNamespaces(config),
    warn: (message) => pulumi.log.warn(message),
  });
}

/** The checks themselves, for one kubeconfig context; throws a ConfigError on the first failure. */
export async function checkCluster(check: ClusterCheck): Promise<void> {
  const target = connectionFor(check);
  const signal = AbortSignal.timeout(check.timeoutMs ?? PREFLIGHT_TIMEOUT_MS);
  const where = `context ${check.kubeconfig.context} of ${describeSource(check.kubeconfig)} (multicluster:kubeContext) points at ${target.serverText}`;
  const fail = (key: string, expected: string): never => {
    throw new ConfigError(check.file, key, expected);
  };
  if (target.skip) {
    check.warn(`${check.file}: the preflight of the cluster is skipped: ${target.skip}`);
    return;
  }
  const unreachable = (err: unknown) => fail(KUBECONFIG_KEY, `expected a reachable Kubernetes API server, but ${where}, which did not answer: ${networkCause(err, check)}`);
  const version = await get(target, "/version", signal).catch(unreachable);
  // Without the user's credentials any answer of the server's shows it is there.
  const anonymous = target.unauthenticated !== undefined;
  if (!(version.status === 200 || (anonymous && (version.status === 401 || version.status === 403)))) {
    fail(KUBECONFIG_KEY, `expected a Kubernetes API server, but ${where}, which answered GET /version with ${refusal(version)}`);
  }
  if (anonymous) {
    check.warn(`${check.file}: the cluster answers, but its namespaces were not checked: ${target.unauthenticated}`);
    return;
  }
  for (const claim of check.namespaces) {
    const answer = await get(target, `/api/v1/namespaces/${claim.name}`, signal).catch(unreachable);
    if (answer.status === 404) continue;
    if (answer.status !== 200) fail(KUBECONFIG_KEY, `expected credentials that may read namespace ${claim.name}, but ${where}, which answered with ${refusal(answer)}`);
    checkOwner(check, claim, parseNamespace(answer.body) ?? fail(KUBECONFIG_KEY, `expected a Kubernetes API server, but ${where}, which answered GET namespace ${claim.name} with something else`), fail);
  }
}

const KUBECONFIG_KEY = formatKeyPath(["kubeconfig"]);

function checkOwner(check: ClusterCheck, claim: ClaimedNamespace, namespace: KubeNamespace, fail: (key: string, expected: string) => never): void {
  const owner = namespace.metadata?.labels?.[OWNER_STACK_LABEL];
  if (owner === check.stack) {
    if (namespace.status?.phase === "Terminating") fail(claim.key, `expected namespace ${claim.name} to be usable, but it is still being deleted; run again once it is gone`);
    return;
  }
  const kubectl = ["kubectl", ...(check.kubeconfig.source === "inline" ? [] : ["--kubeconfig", check.kubeconfig.source]), "--context", check.kubeconfig.context];
  const label = `${kubectl.map(shellWord).join(" ")} label namespace ${claim.name} ${OWNER_STACK_LABEL}=${check.stack}${owner === undefined ? "" : " --overwrite"}`;
  const found = owner === undefined ? `without the label ${OWNER_STACK_LABEL}=${check.stack}` : `labelled for stack ${owner} (${OWNER_STACK_LABEL}=${owner})`;
  fail(
    claim.key,
    `expected a namespace that does not exist yet or that this stack created, but ${claim.name} already exists ${found}: ` +
      `this stack would take it over and pulumi destroy would delete it with everything in it. ` +
      `Choose another namespace, or hand it over to this stack: ${label}`,
  );
}

/** `word` as one shell word. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

interface KubeNamespace {
  kind?: string;
  metadata?: { labels?: Record<string, string> };
  status?: { phase?: string };
}

function parseNamespace(body: string): KubeNamespace | undefined {
  try {
    const parsed = JSON.parse(body) as KubeNamespace;
    return parsed?.kind === "Namespace" ? parsed : undefined;
  } catch {
    return undefined;
  }
}

interface Target {
  server: URL;
  /** The server URL without user info, for messages. */
  serverText: string;
  /** Server verification and the client certificate, if any. */
  tls: https.RequestOptions;
  /** The Authorization header of a token or basic-auth user. */
  authorization?: string;
  /** Why the requests go without the user's credentials (exec or auth-provider users). */
  unauthenticated?: string;
  /** Why the cluster cannot be checked from here at all. */
  skip?: string;
}

interface KubeconfigDoc {
  contexts?: { name?: string; context?: { cluster?: string; user?: string } }[];
  clusters?: { name?: string; cluster?: Record<string, unknown> }[];
  users?: { name?: string; user?: Record<string, unknown> }[];
}

/** What reaching the cluster of a kubeconfig context takes: the file errors name, the kubeconfig, the environment. */
export type ClusterConnection = Pick<ClusterCheck, "file" | "kubeconfig" | "env">;

/** The server, TLS settings and credentials of the kubeconfig's context, as kubectl reads them. */
function connectionFor(check: ClusterConnection): Target {
  const { kubeconfig } = check;
  const doc = YAML.parse(kubeconfig.content) as KubeconfigDoc;
  const context = doc.contexts?.find((c) => c.name === kubeconfig.context)?.context ?? {};
  const cluster = doc.clusters?.find((c) => c.name === context.cluster)?.cluster;
  const user = doc.users?.find((u) => u.name === context.user)?.user ?? {};
  const invalid = (expected: string): never => {
    throw new ConfigError(check.file, KUBECONFIG_KEY, `expected ${expected} (${describeSource(kubeconfig)}, context ${kubeconfig.context})`);
  };
  if (cluster === undefined) return invalid(`a cluster entry named ${context.cluster ?? "(none)"}, which the context names`);
  let server: URL;
  try {
    server = new URL(String(cluster.server));
  } catch {
    return invalid(`an http(s) server URL in cluster ${context.cluster}`);
  }
  if (server.protocol !== "https:" && server.protocol !== "http:") invalid(`an http(s) server URL in cluster ${context.cluster}`);
  const serverText = `${server.protocol}//${server.host}${server.pathname.replace(/\/$/, "")}`;
  const baseDir = kubeconfig.source === "inline" ? process.cwd() : path.dirname(kubeconfig.source);
  const read = (entry: Record<string, unknown>, field: string) => readMaterial(entry, field, baseDir, invalid);
  const tls: https.RequestOptions = {
    ca: read(cluster, "certificate-authority"),
    cert: read(user, "client-certificate"),
    key: read(user, "client-key"),
    rejectUnauthorized: cluster["insecure-skip-tls-verify"] !== true,
    servername: typeof cluster["tls-server-name"] === "string" ? cluster["tls-server-name"] : undefined,
  };
  const proxy = proxyOf(server, cluster, check.env ?? process.env);
  const skip = proxy && `${proxy} sends the connection through a proxy, which the preflight does not use`;
  const plugin = user.exec !== undefined ? "exec" : user["auth-provider"] !== undefined ? "auth-provider" : undefined;
  if (plugin) return { server, serverText, tls, skip, unauthenticated: `user ${context.user} authenticates with an ${plugin} plugin, which the preflight does not run` };
  return { server, serverText, tls, skip, authorization: authorization(user, baseDir, invalid) };
}

/** `<field>-data` (base64) or the file `<field>` names (relative to the kubeconfig's directory, as kubectl reads it). */
function readMaterial(entry: Record<string, unknown>, field: string, baseDir: string, invalid: (expected: string) => never): Buffer | undefined {
  const data = entry[`${field}-data`];
  if (typeof data === "string") return Buffer.from(data, "base64");
  const file = entry[field];
  if (typeof file !== "string") return undefined;
  const resolved = path.resolve(baseDir, file);
  try {
    return fs.readFileSync(resolved);
  } catch (err) {
    return invalid(`a readable ${field} file, but ${resolved} could not be read (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
}

/** The Authorization header of a token, token file or basic-auth user; undefined for client certificates alone. */
function authorization(user: Record<string, unknown>, baseDir: string, invalid: (expected: string) => never): string | undefined {
  if (typeof user.token === "string") return `Bearer ${user.token}`;
  if (typeof user.tokenFile === "string") {
    const file = path.resolve(baseDir, user.tokenFile);
    try {
      return `Bearer ${fs.readFileSync(file, "utf8").trim()}`;
    } catch (err) {
      return invalid(`a readable tokenFile, but ${file} could not be read (${(err as NodeJS.ErrnoException).code ?? "error"})`);
    }
  }
  if (typeof user.username === "string") return `Basic ${Buffer.from(`${user.username}:${String(user.password ?? "")}`).toString("base64")}`;
  return undefined;
}

/** What routes the server through a proxy (as client-go would), or undefined for a direct connection. */
function proxyOf(server: URL, cluster: Record<string, unknown>, env: NodeJS.ProcessEnv): string | undefined {
  if (cluster["proxy-url"] !== undefined) return "the cluster's proxy-url";
  const variable = server.protocol === "https:" ? ["HTTPS_PROXY", "https_proxy"] : ["HTTP_PROXY", "http_proxy"];
  const set = variable.find((v) => env[v]);
  if (set === undefined) return undefined;
  const host = server.hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost" || host === "::1" || host.startsWith("127.")) return undefined;
  const exempt = (env.NO_PROXY ?? env.no_proxy ?? "").split(",").map((e) => e.trim().replace(/^\*?\./, ""));
  return exempt.some((e) => e === "*" || e === host || (e !== "" && host.endsWith(`.${e}`))) ? undefined : `$${set}`;
}

export interface Answer {
  status: number;
  body: string;
}

/**
 * One GET against the cluster, connected as the preflight connects (scripts/verify reads Helm's
 * release Secrets with it). Rejects where the preflight does not connect or authenticate (a
 * proxy, an exec or auth-provider user), and when the server does not answer in time.
 */
export async function getFromCluster(connection: ClusterConnection, apiPath: string, timeoutMs = PREFLIGHT_TIMEOUT_MS): Promise<Answer> {
  const target = connectionFor(connection);
  const unusable = target.skip ?? target.unauthenticated;
  if (unusable) throw new Error(unusable);
  return get(target, apiPath, AbortSignal.timeout(timeoutMs));
}

function get(target: Target, apiPath: string, signal: AbortSignal): Promise<Answer> {
  const url = new URL(target.server.pathname.replace(/\/$/, "") + apiPath, target.server);
  const client = url.protocol === "http:" ? http : https;
  const headers: Record<string, string> = { Accept: "application/json" };
  if (target.authorization) headers.Authorization = target.authorization;
  return new Promise((resolve, reject) => {
    const request = client.request(url, { ...target.tls, headers, signal, agent: false }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end();
  });
}

function networkCause(err: unknown, check: ClusterCheck): string {
  if ((err as Error).name === "AbortError") return `no answer within ${(check.timeoutMs ?? PREFLIGHT_TIMEOUT_MS) / 1000} s`;
  // OpenSSL's messages end in a newline and a source location.
  return (err as Error).message.split("\n")[0].trim();
}

/** An HTTP status and, for a Kubernetes Status, its reason and message (which never carry credentials). */
function refusal(answer: Answer): string {
  let detail = "";
  try {
    const status = JSON.parse(answer.body) as { kind?: string; message?: string };
    if (status.kind === "Status" && status.message) detail = `: ${status.message}`;
  } catch {
    // Not JSON: the status code says enough.
  }
  const meaning: Record<number, string> = { 401: " (the credentials were refused)", 403: " (the user lacks permission)" };
  return `HTTP ${answer.status}${meaning[answer.status] ?? ""}${detail}`;
}

/** Where the kubeconfig came from, for messages: its file, or the stack's own key. */
export function describeSource(kubeconfig: Kubeconfig): string {
  return kubeconfig.source === "inline" ? "the kubeconfig in multicluster:kubeconfig" : kubeconfig.source;
}
