/**
 * The engine tests' shared steps: the central stand-in that exports the outputs contract
 * with real certificates and secret outputs, the deploy commands as the README prints them,
 * and reads of what the engine created in a loopback cluster.
 */
import * as fs from "fs";
import * as path from "path";
import { CentralOutputs, SECRET_OUTPUTS } from "../../config/outputs";
import { ApiEndpoint, getObject, kubeRequest, ObjectList, ObjectMeta } from "../../loopback/clusters/kube-api";
import { issueReceivePki } from "../../loopback/certificates";
import { deployArgs, DeployStep } from "../../loopback/engine/deploy-commands";
import { EngineFleet, STAND_IN_PROVIDERS } from "../../loopback/engine/fleet";
import { CliResult, PulumiCli, RunOptions } from "../../loopback/engine/pulumi-cli";
import { FleetPlan } from "../../loopback/synth-plan";
import { describeWithTools, PROJECT_DIR } from ".";

export const CENTRAL_STACK = "cluster-01";
const FIXTURE_DIR = path.join(PROJECT_DIR, "tests", "fixtures", "central-outputs");

/** Runs one of the README's deploy commands for `stack` (a non-zero exit is returned, not thrown). */
export function deploy(fleet: EngineFleet, step: DeployStep, stack: string, opts: RunOptions & { minioEndpoint?: string; generation?: number } = {}): Promise<CliResult> {
  const { minioEndpoint, generation, ...run } = opts;
  return fleet.cli.run(deployArgs(step, { stack, stateDir: fleet.cli.backendDir, chartsDir: fleet.chartsDir, minioEndpoint, generation }), run);
}

/** The central outputs the synth recorded, with real certificates and keys in place of its mocks. */
export async function centralOutputs(plan: FleetPlan, dir: string): Promise<CentralOutputs> {
  const pki = await issueReceivePki(path.join(dir, "central-pki"), plan.central.receivePki!);
  const outputs = plan.central.outputs as unknown as CentralOutputs;
  const clients = Object.entries(pki.clients);
  return {
    ...outputs,
    receiveTls: {
      ...outputs.receiveTls,
      caCert: pki.ca.cert.certPem,
      serverCert: pki.server.certPem,
      clientCerts: Object.fromEntries(clients.map(([tenant, cert]) => [tenant, cert.certPem])),
    },
    tenantCredentials: Object.fromEntries(clients.map(([tenant, cert]) => [tenant, { certPem: cert.certPem, keyPem: fs.readFileSync(cert.keyFile, "utf8") }])),
    bucketCredentials: Object.fromEntries(
      Object.keys(outputs.bucketNames).map((consumer) => [consumer, { accessKey: `${consumer}-user`, secretKey: `${consumer}-secret-key-from-the-stand-in` }]),
    ) as CentralOutputs["bucketCredentials"],
    grafanaAdminPassword: "grafana-password-from-the-stand-in",
  };
}

/**
 * Deploys the central stand-in as `organization/multicluster/cluster-01` in the fleet's
 * backend: a copy of tests/fixtures/central-outputs exporting `outputs`, the secret ones as
 * Pulumi secrets, so the edges read them through a real StackReference.
 */
export async function deployCentralStandIn(fleet: EngineFleet, outputs: Record<string, unknown>, workDir: string): Promise<PulumiCli> {
  const dir = path.join(workDir, "central-stand-in");
  fs.mkdirSync(dir, { recursive: true });
  for (const file of ["Pulumi.yaml", "index.ts", "package.json"]) fs.copyFileSync(path.join(FIXTURE_DIR, file), path.join(dir, file));
  if (!fs.existsSync(path.join(dir, "node_modules"))) fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"));
  const cwd = { cwd: dir };
  const secretNames = SECRET_OUTPUTS.filter((name) => name in outputs);
  const plain = Object.fromEntries(Object.entries(outputs).filter(([name]) => !secretNames.includes(name as never)));
  const secret = Object.fromEntries(secretNames.map((name) => [name, outputs[name]]));
  await fleet.cli.must(deployArgs("select", { stack: CENTRAL_STACK }), cwd);
  await fleet.cli.must(["config", "set", "multicluster:outputs", JSON.stringify(plain), "--stack", CENTRAL_STACK], cwd);
  await fleet.cli.must(["config", "set", "--plaintext", "multicluster:secretOutputNames", JSON.stringify(secretNames), "--stack", CENTRAL_STACK], cwd);
  await fleet.cli.must(["config", "set", "--secret", "multicluster:secretOutputs", JSON.stringify(secret), "--stack", CENTRAL_STACK], cwd);
  await fleet.cli.must(deployArgs("up", { stack: CENTRAL_STACK }), cwd);
  return fleet.cli;
}

/** True when the text carries a JavaScript stack trace. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+\(.*:\d+:\d+\)$/m.test(text) || /^\s+at .+:\d+:\d+$/m.test(text);
}

export interface KubeObject {
  metadata: ObjectMeta;
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
}

export async function listObjects(api: ApiEndpoint, apiPath: string): Promise<KubeObject[]> {
  return (await kubeRequest<ObjectList<KubeObject>>(api, "GET", apiPath)).items;
}

export const getKubeObject = (api: ApiEndpoint, apiPath: string) => getObject<KubeObject>(api, apiPath);

/** The namespaces of a cluster, by name. */
export async function namespaceNames(api: ApiEndpoint): Promise<string[]> {
  return (await listObjects(api, "/api/v1/namespaces")).map((n) => n.metadata.name).sort();
}

/** The Helm releases in a cluster (Helm's own release Secrets), with their status. */
export async function helmReleases(api: ApiEndpoint): Promise<{ name: string; namespace: string; status: string }[]> {
  const secrets = await listObjects(api, "/api/v1/secrets?labelSelector=owner%3Dhelm");
  return secrets.map((s) => ({ name: s.metadata.labels?.name ?? "", namespace: s.metadata.namespace ?? "", status: s.metadata.labels?.status ?? "" }));
}

/** The engine and control-plane binaries the engine tests run. */
const ENGINE_TOOLS = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-kubernetes", "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"] as const;

/** A describe block needing the engine and control-plane tools; skipped without them unless CI is set. */
export function describeWithEngineTools(title: string, body: () => void): void {
  describeWithTools(ENGINE_TOOLS, title, body);
}

/** The same for the whole fleet: the stand-in providers, and the data path's tools. */
export function describeWithFleetTools(title: string, body: () => void): void {
  describeWithTools([...ENGINE_TOOLS, ...STAND_IN_PROVIDERS, "thanos", "prometheus", "minio", "node_exporter"], title, body);
}
