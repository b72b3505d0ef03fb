/**
 * verify's deployment-state check: the state an interrupted `pulumi up` leaves (a real
 * `pulumi stack export` of cluster-03 killed while Helm installed, trimmed:
 * tests/fixtures/deployment-state), Helm's release Secrets, the DIY lock, the commands that
 * recover and how they print; and the reads against a stand-in CLI and API server.
 */
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { parseVerifyArgs, UsageError } from "../../scripts/verify/args";
import { readDeploymentState } from "../../scripts/verify/deployment-sources";
import {
  backendKind,
  DeploymentStateError,
  fileBackendDir,
  HelmRevision,
  helmRevisions,
  helmTarget,
  lockDirs,
  LockState,
  parseLockFile,
  parsePendingOperations,
  pendingReleases,
  recoveryNotes,
  recoverySteps,
  RELEASE_TYPE,
  stackState,
} from "../../scripts/verify/deployment-state";
import { renderJson, renderStates } from "../../scripts/verify/report";
import { PROJECT_DIR, scratchDir } from "../support";

const FIXTURES = path.join(PROJECT_DIR, "tests", "fixtures", "deployment-state");
const INTERRUPTED = fs.readFileSync(path.join(FIXTURES, "export-interrupted.json"), "utf8");
const RELEASE_URN = "urn:pulumi:cluster-03::multicluster::multicluster:edge:EdgeAgent$kubernetes:helm.sh/v3:Release::cluster-03-agent-kps";
const CREATE = { type: "creating", urn: RELEASE_URN, resourceType: RELEASE_TYPE, name: "cluster-03-agent-kps" };
const TARGET = "--kube-context cluster-03";
const HELD: LockState = { kind: "held", locks: [{ path: "/state/.pulumi/locks/organization/multicluster/cluster-03/36d5.json", pid: 20919, username: "root", hostname: "vm", timestamp: "2026-12-07T15:50:59Z" }] };

/** A release Secret as Helm labels it. */
function helmSecret(release: string, revision: number, status: string, namespace = "monitoring") {
  return { metadata: { name: `sh.helm.release.v1.${release}.v${revision}`, namespace, labels: { owner: "helm", name: release, status, version: String(revision), modifiedAt: "1765122659" } } };
}

const rev = (release: string, revision: number, status: string, namespace = "monitoring"): HelmRevision => ({ release, namespace, revision, status });

describe("the state of an interrupted pulumi up", () => {
  test("the export's pending operation: a Release create, named and typed", () => {
    expect(parsePendingOperations(INTERRUPTED, "export")).toEqual([CREATE]);
  });

  test("a stack never interrupted (or never deployed) has none; text that is not an export is an error", () => {
    expect(parsePendingOperations(JSON.stringify({ version: 3, deployment: { manifest: {}, resources: [] } }), "export")).toEqual([]);
    expect(parsePendingOperations(JSON.stringify({ version: 3, deployment: {} }), "export")).toEqual([]);
    expect(() => parsePendingOperations("error: no stack", "pulumi stack export --stack x")).toThrow(DeploymentStateError);
    expect(() => parsePendingOperations(JSON.stringify({ deployment: { pending_operations: {} } }), "e")).toThrow("e: deployment.pending_operations is not a list");
  });
});

describe("Helm releases", () => {
  test("revisions come from the labels of Helm's release Secrets; other Secrets are skipped", () => {
    const foreign = { metadata: { namespace: "monitoring", labels: { owner: "someone" } } };
    expect(helmRevisions([helmSecret("kps", 1, "pending-install"), foreign, { metadata: {} }])).toEqual([rev("kps", 1, "pending-install")]);
  });

  test("a first install left pending is uninstalled; nothing to roll back to", () => {
    expect(pendingReleases([rev("kps", 1, "pending-install")])).toEqual([rev("kps", 1, "pending-install")]);
  });

  test("an upgrade left pending rolls back to the deployed revision, which stays deployed until the upgrade succeeds", () => {
    expect(pendingReleases([rev("kps", 1, "superseded"), rev("kps", 3, "pending-upgrade"), rev("kps", 2, "deployed")])).toEqual([{ ...rev("kps", 3, "pending-upgrade"), rollbackTo: 2 }]);
  });

  test("without a deployed revision, the newest superseded one; a rollback left pending is judged the same way", () => {
    const history = [rev("kps", 1, "superseded"), rev("kps", 2, "superseded"), rev("kps", 3, "failed"), rev("kps", 4, "pending-rollback")];
    expect(pendingReleases(history)).toEqual([{ ...rev("kps", 4, "pending-rollback"), rollbackTo: 2 }]);
  });

  test("only the newest revision counts, per namespace and release", () => {
    const revisions = [rev("kps", 1, "pending-install"), rev("kps", 2, "deployed"), rev("kps", 1, "pending-install", "tenant-a"), rev("ksm", 5, "deployed")];
    expect(pendingReleases(revisions)).toEqual([rev("kps", 1, "pending-install", "tenant-a")]);
  });
});

describe("the lock of a self-managed backend", () => {
  test("a file:// backend is a directory, resolved as the CLI resolves it; other backends are named by scheme alone", () => {
    expect(fileBackendDir("file:///var/state?no_tmp_dir=true")).toBe("/var/state");
    expect(fileBackendDir("file://~/state")).toBe(path.join(os.homedir(), "state"));
    expect(fileBackendDir("file://state", "/work")).toBe("/work/state");
    expect(fileBackendDir("s3://bucket/state")).toBeUndefined();
    expect(fileBackendDir("https://api.pulumi.com")).toBeUndefined();
    expect(backendKind("s3://bucket?endpoint=minio:9000&access_key=AKIA")).toBe("the s3:// backend");
    expect(backendKind("https://api.pulumi.com")).toBe("the Pulumi Cloud backend");
  });

  test("the stack's lock directory, in the project layout and the legacy one", () => {
    expect(lockDirs("/s", "cluster-03")).toEqual(["/s/.pulumi/locks/organization/multicluster/cluster-03", "/s/.pulumi/locks/cluster-03"]);
    expect(lockDirs("/s", "organization/multicluster/cluster-03")).toEqual(["/s/.pulumi/locks/organization/multicluster/cluster-03"]);
  });

  test("a lock file says who took it; one that does not parse is still a lock", () => {
    const content = JSON.stringify({ pid: 20919, username: "root", hostname: "vm", timestamp: "2026-12-07T15:50:59Z" });
    expect(parseLockFile("/l.json", content)).toEqual({ path: "/l.json", pid: 20919, username: "root", hostname: "vm", timestamp: "2026-12-07T15:50:59Z" });
    expect(parseLockFile("/l.json", "")).toEqual({ path: "/l.json" });
  });
});

describe("the commands that recover", () => {
  test("killed while Helm installed: the lock, the release, the pending create, then the update again", () => {
    expect(recoverySteps("cluster-03", [CREATE], HELD, [rev("cluster-03-agent-kps", 1, "pending-install")], TARGET).map((s) => s.command)).toEqual([
      "pulumi cancel --yes --stack cluster-03",
      "helm uninstall cluster-03-agent-kps -n monitoring --kube-context cluster-03",
      "pulumi refresh --clear-pending-creates --yes --stack cluster-03",
      "pulumi up --yes --stack cluster-03",
    ]);
  });

  test("killed while Helm upgraded: roll back to the real revision; an update left pending needs a plain refresh", () => {
    const update = { ...CREATE, type: "updating" };
    expect(recoverySteps("cluster-03", [update], { kind: "free" }, [{ ...rev("cluster-03-agent-kps", 4, "pending-upgrade"), rollbackTo: 3 }], TARGET).map((s) => s.command)).toEqual([
      "helm rollback cluster-03-agent-kps 3 -n monitoring --kube-context cluster-03",
      "pulumi refresh --yes --stack cluster-03",
      "pulumi up --yes --stack cluster-03",
    ]);
  });

  test("helm is pointed at the stack's cluster: its context, and its kubeconfig when the stack file names one", () => {
    expect(helmTarget({ source: "/home/u/.kube/config", fromConfig: false, context: "cluster-03" })).toBe("--kube-context cluster-03");
    expect(helmTarget({ source: "/etc/fleet kube/config", fromConfig: true, context: "prod east" })).toBe("--kube-context 'prod east' --kubeconfig '/etc/fleet kube/config'");
    expect(helmTarget({ source: "inline", fromConfig: true, context: "c" })).toBe("--kube-context c");
  });

  test("what verify cannot see is a note: a lock elsewhere than a directory, an object that may exist already", () => {
    const namespace = { type: "creating", urn: "urn:pulumi:cluster-03::multicluster::kubernetes:core/v1:Namespace::ns", resourceType: "kubernetes:core/v1:Namespace", name: "ns" };
    const notes = recoveryNotes("cluster-03", [CREATE, namespace], { kind: "unknown", why: "verify cannot list the locks of the s3:// backend" });
    expect(notes).toEqual([
      "verify cannot list the locks of the s3:// backend; if pulumi says the stack is locked (self-managed backend) or another update is in progress (Pulumi Cloud), run first: pulumi cancel --yes --stack cluster-03",
      "kubernetes:core/v1:Namespace ns may exist already: to keep it rather than create it again, import it instead of clearing: pulumi refresh --import-pending-creates urn:pulumi:cluster-03::multicluster::kubernetes:core/v1:Namespace::ns <namespace/name> --yes --stack cluster-03",
    ]);
    expect(recoveryNotes("cluster-03", [], { kind: "unknown", why: "x" })).toEqual([]);
  });

  test("a lock alone, left by an update killed before any resource operation, fails too", () => {
    expect(stackState("cluster-03", [], HELD, { kind: "read", namespaces: ["monitoring"], pending: [] }, TARGET)).toMatchObject({
      ok: false,
      steps: [{ command: "pulumi cancel --yes --stack cluster-03" }, { command: "pulumi up --yes --stack cluster-03" }],
    });
  });
});

describe("rendering", () => {
  const interrupted = stackState("cluster-03", [CREATE], HELD, { kind: "read", namespaces: ["monitoring"], pending: [rev("cluster-03-agent-kps", 1, "pending-install")] }, TARGET);
  const clean = stackState("cluster-02", [], { kind: "free" }, { kind: "read", namespaces: ["monitoring"], pending: [] }, TARGET);

  test("nothing pending is one line per stack", () => {
    expect(renderStates([clean])).toBe("deployment state: no pending operations, no pending Helm releases (stack cluster-02)\n");
  });

  test("an interrupted stack: what is pending, then the commands in order, each with why", () => {
    const lines = renderStates([interrupted]).split("\n");
    expect(lines.slice(0, 4)).toEqual([
      "deployment state of stack cluster-03: INTERRUPTED (an update was killed, or one is running now)",
      `  pending operation: creating ${RELEASE_TYPE} cluster-03-agent-kps (${RELEASE_URN})`,
      "  lock: /state/.pulumi/locks/organization/multicluster/cluster-03/36d5.json, taken by root@vm (pid 20919) at 2026-12-07T15:50:59Z",
      "  Helm release monitoring/cluster-03-agent-kps: revision 1 is pending-install",
    ]);
    expect(lines[5]).toMatch(/^ {4}pulumi cancel --yes --stack cluster-03 +# deletes the lock the killed update left$/);
    expect(lines.filter((l) => /^ {4}\S/.test(l))).toHaveLength(4);
  });

  test("a cluster verify cannot reach is a warning line, and the Helm claim is left out", () => {
    const unread = stackState("cluster-04", [], { kind: "free" }, { kind: "unread", why: "context cluster-04 of /k: connect ECONNREFUSED 127.0.0.1:1" }, "");
    expect(unread.ok).toBe(true);
    expect(renderStates([unread])).toBe(
      "deployment state: no pending operations (stack cluster-04)\n  WARNING: Helm releases not checked: context cluster-04 of /k: connect ECONNREFUSED 127.0.0.1:1\n",
    );
  });

  test("JSON: the states follow the report, and healthy covers them", () => {
    expect(JSON.parse(renderJson(undefined, [clean, interrupted]))).toMatchObject({ healthy: false, deploymentState: [{ stack: "cluster-02", ok: true }, { stack: "cluster-03", ok: false }] });
    expect(JSON.parse(renderJson(undefined, [clean])).healthy).toBe(true);
  });
});

describe("--state-only", () => {
  test("needs --stack and takes no --outputs", () => {
    expect(parseVerifyArgs(["--state-only", "--stack", "cluster-03"])).toMatchObject({ stateOnly: true, stacks: ["cluster-03"] });
    expect(() => parseVerifyArgs(["--state-only"])).toThrow(UsageError);
    expect(() => parseVerifyArgs(["--state-only", "--stack", "cluster-03", "--outputs", "c.json"])).toThrow(/--state-only: expected --stack NAME/);
  });
});

describe("reading the state", () => {
  let dir: string;
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    dir = scratchDir("verify-state-");
    server = http.createServer((req, res) => {
      const items = req.url === "/api/v1/namespaces/monitoring/secrets?labelSelector=owner%3Dhelm" ? [helmSecret("cluster-03-agent-kps", 1, "pending-install")] : [];
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ kind: "SecretList", items }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
    fs.copyFileSync(path.join(FIXTURES, "export-interrupted.json"), path.join(dir, "export.json"));
    const lockDir = path.join(dir, "backend", ".pulumi", "locks", "organization", "multicluster", "cluster-03");
    fs.mkdirSync(lockDir, { recursive: true });
    fs.writeFileSync(path.join(lockDir, "36d5.json"), JSON.stringify({ pid: 20919, username: "root", hostname: "vm", timestamp: "2026-12-07T15:50:59Z" }));
    // A stand-in CLI answering `stack export` and `whoami --json` as 3.276 does.
    const cli = `#!/bin/sh\ncase "$1 $2" in\n  "stack export") cat "${dir}/export.json" ;;\n  "whoami --json") echo '{"user":"root","url":"file://${dir}/backend"}' ;;\n  *) exit 1 ;;\nesac\n`;
    fs.writeFileSync(path.join(dir, "pulumi"), cli, { mode: 0o755 });
    const config = { "multicluster:role": "edge", "multicluster:kubeconfig": "kubeconfig.yaml", "multicluster:kubeContext": "cluster-03", "multicluster:edge": { centralStack: "organization/multicluster/cluster-01" } };
    fs.writeFileSync(path.join(dir, "Pulumi.cluster-03.yaml"), YAML.stringify({ config }));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const kubeconfig = (server: string) =>
    YAML.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c3", cluster: { server } }],
      users: [{ name: "admin", user: { token: "t" } }],
      contexts: [{ name: "cluster-03", context: { cluster: "c3", user: "admin" } }],
    });

  test("the export, the lock and the release Secrets of the stack file's cluster make the findings and the commands", async () => {
    fs.writeFileSync(path.join(dir, "kubeconfig.yaml"), kubeconfig(`http://127.0.0.1:${port}`));
    const state = await readDeploymentState("cluster-03", { command: path.join(dir, "pulumi"), projectDir: dir, env: {} });
    expect(state).toMatchObject({ ok: false, pendingOperations: [CREATE], lock: { kind: "held", locks: [{ pid: 20919 }] } });
    expect(state.steps.map((s) => s.command)).toEqual([
      "pulumi cancel --yes --stack cluster-03",
      `helm uninstall cluster-03-agent-kps -n monitoring --kube-context cluster-03 --kubeconfig ${path.join(dir, "kubeconfig.yaml")}`,
      "pulumi refresh --clear-pending-creates --yes --stack cluster-03",
      "pulumi up --yes --stack cluster-03",
    ]);
  });

  test("a cluster that does not answer is a reason on the state, not a crash", async () => {
    fs.writeFileSync(path.join(dir, "kubeconfig.yaml"), kubeconfig("http://127.0.0.1:1"));
    const state = await readDeploymentState("cluster-03", { command: path.join(dir, "pulumi"), projectDir: dir, env: {} });
    expect(state.releases).toEqual({ kind: "unread", why: "context cluster-03 of " + path.join(dir, "kubeconfig.yaml") + ": connect ECONNREFUSED 127.0.0.1:1" });
    expect(state.steps.map((s) => s.command)).toEqual(["pulumi cancel --yes --stack cluster-03", "pulumi refresh --clear-pending-creates --yes --stack cluster-03", "pulumi up --yes --stack cluster-03"]);
  });

  test("no stack file where verify runs: the releases are not checked, and it says where it looked", async () => {
    const state = await readDeploymentState("cluster-09", { command: path.join(dir, "pulumi"), projectDir: dir, env: {} });
    expect(state.releases).toEqual({ kind: "unread", why: `no Pulumi.cluster-09.yaml in ${dir}: run verify in the project directory` });
  });
});
