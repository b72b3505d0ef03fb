/**
 * An interrupted `pulumi up` under the real engine (issue 20, point 6): the pinned Pulumi CLI
 * deploys cluster-03 (the cheapest edge) against a loopback kube-apiserver with a stand-in
 * kube-prometheus-stack whose post-install hook never completes, so Helm sits in
 * pending-install; the CLI's process tree is then SIGKILLed, as a CI runner's job timeout
 * does. `verify --state-only` must fail and print the pending create, the lock and the
 * pending-install release with the commands that recover; those commands, run as printed,
 * must bring the stack back: `pulumi up` succeeds, a second preview is empty, verify is clean.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CHARTS } from "../../components/shared/charts";
import { PROJECT } from "../../config/primitives";
import { kubeRequest } from "../../loopback/clusters/kube-api";
import { deployArgs } from "../../loopback/engine/deploy-commands";
import { EngineFleet, startEngineFleet } from "../../loopback/engine/fleet";
import { tail } from "../../loopback/engine/pulumi-cli";
import { hangingHookJob, standInValuesConfigMap, writeStandInCharts } from "../../loopback/engine/stand-in-charts";
import { sleep, waitFor } from "../../loopback/process";
import { readSynthOutput, runSynth } from "../../loopback/synth-plan";
import { RELEASE_TYPE } from "../../scripts/verify/deployment-state";
import { scratchDir } from "../support";
import { centralOutputs, deploy, deployCentralStandIn, describeWithEngineTools, helmReleases } from "../support/engine";
import { runVerifyCli, VerifyCliResult } from "../support/verify";

const STACK = "cluster-03";
const KEEP = Boolean(process.env.KEEP_E2E_DIR);
jest.setTimeout(30 * 60_000);

describeWithEngineTools("an interrupted pulumi up under the real engine", () => {
  let work: string;
  let fleet: EngineFleet;
  let release: { name: string; namespace: string };
  let interrupted: ChildProcess | undefined;
  let printed: string[] = [];
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const api = () => fleet.clusters.clusters[STACK].api;
  const setCharts = (dir: string) => fleet.cli.must(["config", "set", "--path", `${PROJECT}:charts.directory`, dir, "--stack", STACK]);

  beforeAll(async () => {
    work = scratchDir("engine-recovery-");
    const synthDir = path.join(work, "synth");
    await runSynth(synthDir);
    release = kubePrometheusRelease(synthDir);
    fleet = await startEngineFleet(work, { stacks: [STACK], log });
    await deployCentralStandIn(fleet, (await centralOutputs(readSynthOutput(synthDir), work)) as unknown as Record<string, unknown>, work);
    await fleet.cli.must(deployArgs("select", { stack: STACK }));
    await setCharts(writeStandInCharts(path.join(work, "charts-hanging"), { hangingChart: CHARTS.kubePrometheusStack.chart }));
  }, 15 * 60_000);

  afterAll(async () => {
    if (interrupted?.pid && interrupted.exitCode === null) await killTree(interrupted.pid);
    await fleet?.stop();
    if (work && !KEEP) fs.rmSync(work, { recursive: true, force: true });
    else if (work) log(`engine recovery e2e: kept ${work}`);
  });

  test("a pulumi up SIGKILLed while Helm installs leaves a pending create, a lock and a pending-install release", async () => {
    const started = Date.now();
    const output = path.join(work, "up-interrupted.log");
    interrupted = startUp(fleet, output);
    await untilMidInstall(fleet, interrupted, release.name, output);
    const killed = await killTree(interrupted.pid!);
    log(`engine recovery e2e: SIGKILLed pulumi up after ${((Date.now() - started) / 1000).toFixed(0)}s: ${killed.join(", ")}`);
    expect(killed).toEqual(expect.arrayContaining(["pulumi", "pulumi-language-nodejs", "pulumi-resource-kubernetes"]));

    fs.writeFileSync(path.join(work, "export-interrupted.json"), (await fleet.cli.must(["stack", "export", "--stack", STACK])).stdout);
    expect(await pendingOperations(fleet)).toContainEqual({ type: "creating", resourceType: RELEASE_TYPE, name: release.name });
    expect(await helmReleases(api())).toContainEqual({ ...release, status: "pending-install" });
    const blocked = await deploy(fleet, "up", STACK);
    expect(blocked.code).not.toBe(0);
    expect(blocked.stdout + blocked.stderr).toMatch(/the stack is currently locked by 1 lock\(s\)/);
  });

  test("verify --state-only fails, naming the pending create, the lock and the pending-install release with the commands that recover", async () => {
    const result = await runVerify(fleet);
    log(`engine recovery e2e: verify --state-only exited ${result.code}:\n${result.stdout}${result.stderr}`);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`pending operation: creating ${RELEASE_TYPE} ${release.name} (urn:pulumi:${STACK}::${PROJECT}::`);
    expect(result.stdout).toMatch(new RegExp(`lock: .*/\\.pulumi/locks/organization/${PROJECT}/${STACK}/[^ ]+\\.json, taken by `));
    expect(result.stdout).toContain(`Helm release ${release.namespace}/${release.name}: revision 1 is pending-install`);
    printed = recoveryCommands(result.stdout);
    expect(printed).toEqual([
      `pulumi cancel --yes --stack ${STACK}`,
      `helm uninstall ${release.name} -n ${release.namespace} --kube-context ${STACK}`,
      `pulumi refresh --clear-pending-creates --yes --stack ${STACK}`,
      `pulumi up --yes --stack ${STACK}`,
    ]);
  });

  test("the printed commands recover: pulumi up succeeds, a second preview is empty, verify is clean", async () => {
    expect(printed).not.toHaveLength(0);
    await setCharts(fleet.chartsDir);
    for (const command of printed) {
      const [tool, ...args] = command.split(" ");
      const started = Date.now();
      if (tool === "helm") {
        await helmUninstall(fleet, args);
      } else {
        const result = await fleet.cli.run(args);
        expect({ command, code: result.code, out: result.code ? tail(result.stdout + result.stderr) : "" }).toEqual({ command, code: 0, out: "" });
      }
      log(`engine recovery e2e: ${command}: ${((Date.now() - started) / 1000).toFixed(0)}s`);
    }
    expect(await helmReleases(api())).toContainEqual({ ...release, status: "deployed" });
    const again = await deploy(fleet, "check", STACK);
    expect({ code: again.code, out: again.code ? again.stdout : "" }).toEqual({ code: 0, out: "" });
    const clean = await runVerify(fleet);
    expect({ code: clean.code, out: clean.stdout + clean.stderr }).toEqual({
      code: 0,
      out: `deployment state: no pending operations, no pending Helm releases (stack ${STACK})\n`,
    });
  });
});

/** The kube-prometheus-stack release the synth planned for the stack: the one the hanging stand-in replaces. */
function kubePrometheusRelease(synthDir: string): { name: string; namespace: string } {
  const dir = path.join(synthDir, STACK, "releases");
  for (const file of fs.readdirSync(dir)) {
    const planned = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as { chart: string; namespace: string };
    if (planned.chart === CHARTS.kubePrometheusStack.chart) return { name: file.replace(/\.json$/, ""), namespace: planned.namespace };
  }
  throw new Error(`${dir}: no ${CHARTS.kubePrometheusStack.chart} release`);
}

/** `pulumi up` as the README runs it, in a process group of its own, its output in `logFile`. */
function startUp(fleet: EngineFleet, logFile: string): ChildProcess {
  const out = fs.openSync(logFile, "w");
  const child = spawn(path.join(fleet.cli.opts.workDir, "bin", "pulumi"), [...deployArgs("up", { stack: STACK }), "--non-interactive"], {
    cwd: fleet.projectDir,
    env: fleet.cli.env,
    detached: true,
    stdio: ["ignore", out, out],
  });
  fs.closeSync(out);
  return child;
}

/** Polls (bounded) until Helm holds the release in pending-install and the state has the update's pending create. */
async function untilMidInstall(fleet: EngineFleet, up: ChildProcess, name: string, logFile: string): Promise<void> {
  const deadline = Date.now() + 5 * 60_000;
  const api = fleet.clusters.clusters[STACK].api;
  for (;;) {
    const pendingInstall = (await helmReleases(api)).some((r) => r.name === name && r.status === "pending-install");
    if (pendingInstall && (await pendingOperations(fleet)).some((op) => op.type === "creating" && op.name === name)) return;
    if (up.exitCode !== null) throw new Error(`pulumi up exited ${up.exitCode} before Helm sat in pending-install:\n${tail(fs.readFileSync(logFile, "utf8"))}`);
    if (Date.now() > deadline) throw new Error(`${name} not pending-install with a pending create within 5 minutes:\n${tail(fs.readFileSync(logFile, "utf8"))}`);
    await sleep(2000);
  }
}

/** The stack's pending operations, from `pulumi stack export`. */
async function pendingOperations(fleet: EngineFleet): Promise<{ type: string; resourceType: string; name: string }[]> {
  const exported = JSON.parse((await fleet.cli.must(["stack", "export", "--stack", STACK])).stdout) as {
    deployment?: { pending_operations?: { type: string; resource: { urn: string; type: string } }[] };
  };
  return (exported.deployment?.pending_operations ?? []).map((op) => ({ type: op.type, resourceType: op.resource.type, name: op.resource.urn.split("::").pop() ?? "" }));
}

interface ProcessEntry {
  pid: number;
  ppid: number;
  pgid: number;
  name: string;
  zombie: boolean;
}

/** Every process on the machine, from /proc. */
function processes(): ProcessEntry[] {
  return fs.readdirSync("/proc").flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      return [];
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, and is cut at 15 characters.
    const [state, ppid, pgid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const argv0 = readOrEmpty(`/proc/${entry}/cmdline`).split("\0")[0];
    const name = argv0 ? path.basename(argv0) : stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    return [{ pid: Number(entry), ppid: Number(ppid), pgid: Number(pgid), name, zombie: state === "Z" }];
  });
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/**
 * SIGKILLs `root` and every process under it at once, each process group they lead too (the
 * CLI starts each plugin in a group of its own), as a runner's timeout kills a job; waits until
 * none of them runs. Returns the names of the processes killed.
 */
async function killTree(root: number): Promise<string[]> {
  const all = processes();
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...all.filter((p) => p.ppid === tree[i]).map((p) => p.pid));
  const members = all.filter((p) => tree.includes(p.pid));
  for (const p of members) {
    for (const target of p.pgid === p.pid ? [-p.pid, p.pid] : [p.pid]) {
      try {
        process.kill(target, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  await waitFor(
    "the killed pulumi processes gone",
    async () => (processes().some((p) => tree.includes(p.pid) && !p.zombie) ? undefined : true),
    30_000,
  );
  return [...new Set(members.map((p) => p.name))].sort();
}

/** `scripts/verify.ts --stack cluster-03 --state-only` in the project copy, as a user runs it (the CLI on PATH). */
function runVerify(fleet: EngineFleet): Promise<VerifyCliResult> {
  return runVerifyCli(["--stack", STACK, "--state-only"], { cwd: fleet.projectDir, env: fleet.cli.env, timeoutMs: 180_000 });
}

/** The commands verify printed under "to recover", in order, without their comments. */
function recoveryCommands(stdout: string): string[] {
  const lines = stdout.split("\n");
  const start = lines.findIndex((l) => l.includes("to recover"));
  return lines
    .slice(start + 1)
    .filter((l) => /^ {4}(pulumi|helm) /.test(l))
    .map((l) => l.replace(/\s+#.*$/, "").trim());
}

/**
 * What `helm uninstall <release> -n <namespace>` does, with API calls (no helm binary here):
 * it deletes the objects the release installed (the stand-in's values ConfigMap) and the
 * release's Secrets. Helm leaves hook objects behind; the stand-in's hook Job is deleted too,
 * as an operator would, so the normal stand-in installs into a clean namespace.
 */
async function helmUninstall(fleet: EngineFleet, args: string[]): Promise<void> {
  const [verb, name, flag, namespace] = args;
  expect([verb, flag]).toEqual(["uninstall", "-n"]);
  const api = fleet.clusters.clusters[STACK].api;
  const ns = `/api/v1/namespaces/${namespace}`;
  await kubeRequest(api, "DELETE", `${ns}/configmaps/${standInValuesConfigMap(name)}`);
  await kubeRequest(api, "DELETE", `/apis/batch/v1/namespaces/${namespace}/jobs/${hangingHookJob(name)}?propagationPolicy=Background`);
  await kubeRequest(api, "DELETE", `${ns}/secrets?labelSelector=${encodeURIComponent(`owner=helm,name=${name}`)}`);
}
