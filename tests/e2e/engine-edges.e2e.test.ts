/**
 * The edge stacks under the real Pulumi engine (issue 19): the pinned Pulumi CLI, Node.js
 * language host and Kubernetes provider run the README's deploy commands for cluster-02, -03
 * and -04 against loopback kube-apiservers (KWOK nodes, Pod Security `baseline` enforced), with
 * a file backend. Central is a stand-in stack exporting the outputs contract with real
 * certificates and secret outputs. The charts are MULTICLUSTER_CHARTS_DIR's real ones when
 * set, generated stand-ins otherwise (loopback/engine/stand-in-charts.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { edgeOutputsSchema } from "../../config/outputs";
import { PROJECT } from "../../config/primitives";
import { REMOTE_WRITE_CLIENT_SECRET } from "../../components/shared/conventions";
import { kubeRequest } from "../../loopback/clusters/kube-api";
import { EngineFleet, startEngineFleet } from "../../loopback/engine/fleet";
import { standInValuesConfigMap } from "../../loopback/engine/stand-in-charts";
import { freePort } from "../../loopback/process";
import { FleetPlan, readSynthOutput, runSynth } from "../../loopback/synth-plan";
import { scratchDir } from "../support";
import {
  centralOutputs,
  deploy,
  deployCentralStandIn,
  describeWithEngineTools,
  getKubeObject,
  hasStackTrace,
  helmReleases,
  listObjects,
  namespaceNames,
} from "../support/engine";

const EDGES = ["cluster-02", "cluster-03", "cluster-04"];
const KEEP = Boolean(process.env.KEEP_E2E_DIR);
jest.setTimeout(40 * 60_000);

describeWithEngineTools("edge stacks under the real Pulumi engine", () => {
  let work: string;
  let synthDir: string;
  let plan: FleetPlan;
  let fleet: EngineFleet;
  const before: Record<string, string[]> = {};
  const seconds: Record<string, number> = {};
  const log = (line: string) => process.stdout.write(`${line}\n`);

  beforeAll(async () => {
    work = scratchDir("engine-edges-");
    synthDir = path.join(work, "synth");
    await runSynth(synthDir);
    plan = readSynthOutput(synthDir);
    fleet = await startEngineFleet(work, { stacks: EDGES, log });
    for (const stack of EDGES) {
      await fleet.cli.must(["stack", "select", "--create", `organization/multicluster/${stack}`]);
      await fleet.cli.must(["config", "set", "--path", `${PROJECT}:charts.directory`, fleet.chartsDir, "--stack", stack]);
      before[stack] = await namespaceNames(fleet.clusters.clusters[stack].api);
    }
  }, 15 * 60_000);

  afterAll(async () => {
    await fleet?.stop();
    if (work && !KEEP) fs.rmSync(work, { recursive: true, force: true });
    else if (work) log(`engine e2e: kept ${work}`);
  });

  const oneLineError = (out: string, ...mustName: string[]) => {
    expect(hasStackTrace(out)).toBe(false);
    for (const text of mustName) expect(out).toContain(text);
  };

  test("an edge whose central stack is not deployed fails with one line naming the stack file and key", async () => {
    const result = await deploy(fleet, "preview", "cluster-03");
    expect(result.code).not.toBe(0);
    oneLineError(result.stdout + result.stderr, "Pulumi.cluster-03.yaml", `${PROJECT}:edge.centralStack`);
  });

  test("the central stand-in exports the outputs contract with secret outputs", async () => {
    await deployCentralStandIn(fleet, (await centralOutputs(plan, work)) as unknown as Record<string, unknown>, work);
    const state = await fleet.cli.must(["stack", "output", "--json", "--stack", "cluster-01"], { cwd: path.join(work, "central-stand-in") });
    expect(JSON.parse(state.stdout).tenantCredentials).toBe("[secret]");
  });

  test("a validation error under the real CLI is one line naming the key, with no stack trace and no secret", async () => {
    const stackFile = path.join(fleet.projectDir, "Pulumi.cluster-04.yaml");
    const shipped = fs.readFileSync(stackFile, "utf8");
    try {
      await fleet.cli.must(["config", "set", "--path", `${PROJECT}:edge.wal.maxTime`, "forever", "--stack", "cluster-04"]);
      const invalid = await deploy(fleet, "preview", "cluster-04");
      expect(invalid.code).not.toBe(0);
      oneLineError(invalid.stdout + invalid.stderr, "Pulumi.cluster-04.yaml", `${PROJECT}:edge.wal.maxTime`);
      fs.writeFileSync(stackFile, shipped);
      const secret = "not-a-kubeconfig-but-a-secret-4711";
      await fleet.cli.must(["config", "set", "--secret", `${PROJECT}:kubeconfig`, secret, "--stack", "cluster-04"]);
      const leaked = await deploy(fleet, "preview", "cluster-04");
      expect(leaked.code).not.toBe(0);
      oneLineError(leaked.stdout + leaked.stderr, `${PROJECT}:kubeconfig`);
      expect(leaked.stdout + leaked.stderr).not.toContain(secret);
    } finally {
      fs.writeFileSync(stackFile, shipped);
    }
  });

  test("preview of an unreachable cluster fails, naming the kubeconfig", async () => {
    const dead = path.join(work, "kubeconfig-dead.yaml");
    const port = await freePort();
    fs.writeFileSync(dead, fs.readFileSync(fleet.clusters.kubeconfigFile, "utf8").replace(/https:\/\/127\.0\.0\.1:\d+/g, `https://127.0.0.1:${port}`));
    const result = await deploy(fleet, "preview", "cluster-03", { env: { KUBECONFIG: dead } });
    expect(result.code).not.toBe(0);
    oneLineError(result.stdout + result.stderr, "Pulumi.cluster-03.yaml", `127.0.0.1:${port}`);
  });

  test("a namespace that exists and is not this stack's stops the stack before anything is created", async () => {
    const api = fleet.clusters.clusters["cluster-04"].api;
    await kubeRequest(api, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "monitoring" } });
    try {
      const result = await deploy(fleet, "preview", "cluster-04");
      expect(result.code).not.toBe(0);
      oneLineError(result.stdout + result.stderr, "Pulumi.cluster-04.yaml", "monitoring");
      expect(await helmReleases(api)).toEqual([]);
    } finally {
      await kubeRequest(api, "DELETE", "/api/v1/namespaces/monitoring");
    }
    await waitForNamespaceGone(fleet, "cluster-04", "monitoring");
  });

  test.each(EDGES)("pulumi preview and pulumi up of %s as shipped exit 0", async (stack) => {
    const preview = await deploy(fleet, "preview", stack);
    expect({ code: preview.code, out: preview.code ? preview.stdout + preview.stderr : "" }).toEqual({ code: 0, out: "" });
    const started = Date.now();
    const up = await deploy(fleet, "up", stack);
    seconds[stack] = (Date.now() - started) / 1000;
    expect({ code: up.code, out: up.code ? up.stdout + up.stderr : "" }).toEqual({ code: 0, out: "" });
    log(`engine e2e: pulumi up ${stack}: ${seconds[stack].toFixed(0)}s`);
  });

  test.each(EDGES)("%s: namespaces, certificates, isolation, agents and releases are in the cluster", async (stack) => {
    await expectEdgeObjects(fleet, plan, synthDir, stack);
  });

  test.each(EDGES)("%s: a second preview has no changes, also through another kubeconfig for the same cluster", async (stack) => {
    const again = await deploy(fleet, "check", stack);
    expect({ code: again.code, out: again.code ? again.stdout : "" }).toEqual({ code: 0, out: "" });
    const other = await deploy(fleet, "check", stack, { env: { KUBECONFIG: fleet.clusters.otherKubeconfigFile } });
    expect({ code: other.code, out: other.code ? other.stdout : "" }).toEqual({ code: 0, out: "" });
  });

  test.each(EDGES)("%s: pulumi stack output --json satisfies the outputs contract", async (stack) => {
    const outputs = JSON.parse((await deploy(fleet, "outputs", stack)).stdout);
    expect(edgeOutputsSchema.safeParse(outputs).success).toBe(true);
    expect(outputs.cluster).toBe(stack);
  });

  test.each(EDGES)("%s: pulumi destroy leaves the cluster's namespaces and releases as it found them", async (stack) => {
    const result = await deploy(fleet, "destroy", stack);
    expect({ code: result.code, out: result.code ? result.stdout + result.stderr : "" }).toEqual({ code: 0, out: "" });
    const api = fleet.clusters.clusters[stack].api;
    for (const ns of (await namespaceNames(api)).filter((n) => !before[stack].includes(n))) await waitForNamespaceGone(fleet, stack, ns);
    expect(await namespaceNames(api)).toEqual(before[stack]);
    expect(await helmReleases(api)).toEqual([]);
  });
});

async function waitForNamespaceGone(fleet: EngineFleet, stack: string, name: string): Promise<void> {
  const api = fleet.clusters.clusters[stack].api;
  const deadline = Date.now() + 120_000;
  while (await getKubeObject(api, `/api/v1/namespaces/${name}`)) {
    if (Date.now() > deadline) throw new Error(`${stack}: namespace ${name} still there after 2 minutes`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

interface ReleaseFile {
  chart: string;
  namespace: string;
  values: Record<string, unknown>;
}

/** What issue 19 point 2 lists, read from the cluster and held against the synth's plan. */
async function expectEdgeObjects(fleet: EngineFleet, plan: FleetPlan, synthDir: string, stack: string): Promise<void> {
  const api = fleet.clusters.clusters[stack].api;
  const agents = plan.agents.filter((a) => a.cluster === stack);
  const credentials = (await centralTenantCredentials(fleet)) as Record<string, { certPem: string }>;
  for (const agent of agents) {
    const ns = await getKubeObject(api, `/api/v1/namespaces/${agent.namespace}`);
    expect(ns?.metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBeDefined();
    const secret = await getKubeObject(api, `/api/v1/namespaces/${agent.namespace}/secrets/${REMOTE_WRITE_CLIENT_SECRET.name}`);
    const cert = Buffer.from(secret?.data?.[REMOTE_WRITE_CLIENT_SECRET.certKey] ?? "", "base64").toString("utf8");
    expect(cert).toBe(credentials[agent.tenant].certPem);
    for (const [other, { certPem }] of Object.entries(credentials)) if (other !== agent.tenant) expect(cert).not.toBe(certPem);
  }
  for (const tenant of agents.filter((a) => a.name !== a.cluster)) {
    const ns = tenant.namespace;
    expect(await listObjects(api, `/api/v1/namespaces/${ns}/resourcequotas`)).not.toHaveLength(0);
    expect(await listObjects(api, `/api/v1/namespaces/${ns}/limitranges`)).not.toHaveLength(0);
    expect(await listObjects(api, `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`)).not.toHaveLength(0);
    expect((await listObjects(api, `/apis/monitoring.coreos.com/v1alpha1/namespaces/${ns}/prometheusagents`)).map((p) => p.metadata.name)).toContain(tenant.resourceName);
  }
  const releasesDir = path.join(synthDir, stack, "releases");
  const deployed = await helmReleases(api);
  for (const file of fs.readdirSync(releasesDir)) {
    const name = file.replace(/\.json$/, "");
    const release = JSON.parse(fs.readFileSync(path.join(releasesDir, file), "utf8")) as ReleaseFile;
    expect(deployed).toContainEqual({ name, namespace: release.namespace, status: "deployed" });
    if (fleet.standInCharts) {
      const cm = await getKubeObject(api, `/api/v1/namespaces/${release.namespace}/configmaps/${standInValuesConfigMap(name)}`);
      expect(JSON.parse(cm?.data?.["values.json"] ?? "null")).toEqual(release.values);
    }
  }
}

async function centralTenantCredentials(fleet: EngineFleet): Promise<unknown> {
  const dir = path.join(path.dirname(fleet.projectDir), "central-stand-in");
  return (await fleet.cli.outputs("cluster-01", { cwd: dir })).tenantCredentials;
}
