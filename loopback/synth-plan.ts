/**
 * What the local platform takes from the program: the offline synth's output
 * (`out/synth/<stack>/plan.json` and `releases/*.json`), read into the typed shapes the
 * values builders produce. The synth is run into the platform's own work directory, so the
 * settings are always the current program's, never a stale copy.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { AgentArgument, ContainerPatch } from "../components/edge/agent-spec";
import { certRequestName } from "../components/central/receive-certificates";
import { TENANT_CERTIFICATE_FIELD } from "../components/central/receive-identity";
import { PolicyDocument } from "../components/central/bucket-access";
import { RemoteWriteSpec } from "../components/shared/remote-write";
import { PrometheusAgentManifest } from "../components/edge/tenant-objects";
import { CentralPrometheusValues } from "../components/central/prometheus-values";
import { EdgePrometheusValues } from "../components/edge/prometheus-values";
import { ThanosValues } from "../components/central/thanos-values";
import { CertificatePlan, ReceivePkiPlan } from "./certificates";
import { PROJECT_DIR } from "../config/stack-files";

interface RecordedResource {
  type: string;
  name: string;
  parent: string | null;
  inputs: Record<string, unknown>;
}

interface Plan {
  stack: string;
  outputs: Record<string, unknown>;
  resources: RecordedResource[];
}

interface ReleaseFile<V> {
  chart: string;
  version: string;
  namespace: string;
  values: V;
}

/** The MinIO objects cluster-01's MinioBuckets declares. */
export interface MinioPlan {
  region: string;
  buckets: string[];
  users: string[];
  policies: { name: string; document: PolicyDocument }[];
  attachments: { user: string; policy: string }[];
}

/** One agent as the program configures it: the cluster agent of an edge, or a tenant's. */
export interface AgentPlan {
  /** `<cluster>` for the cluster agent, `<cluster>-<tenant>` for a tenant agent. */
  name: string;
  cluster: string;
  /** The tenant it writes as (the value of its tenant header). */
  tenant: string;
  /** Kubernetes namespace and name the operator derives its `prometheus` external label from. */
  namespace: string;
  resourceName: string;
  externalLabels: Record<string, string>;
  remoteWrite: RemoteWriteSpec[];
  additionalArgs: AgentArgument[];
  /** The environment the spec's `prometheus` container patch sets (GOMEMLIMIT). */
  env: Record<string, string>;
}

export interface CentralPlan {
  stack: string;
  cluster: string;
  namespace: string;
  outputs: Record<string, unknown>;
  thanos: ThanosValues;
  prometheus: CentralPrometheusValues;
  minio: MinioPlan;
  /** Absent in plain-http lab mode. */
  receivePki?: ReceivePkiPlan;
  /** The data of every ConfigMap central declares, by name. */
  configMaps: Record<string, Record<string, string>>;
}

export interface FleetPlan {
  central: CentralPlan;
  agents: AgentPlan[];
}

const TYPES = {
  release: "kubernetes:helm.sh/v3:Release",
  prometheusAgent: "kubernetes:monitoring.coreos.com/v1alpha1:PrometheusAgent",
  minioProvider: "pulumi:providers:minio",
  bucket: "minio:index/s3Bucket:S3Bucket",
  user: "minio:index/iamUser:IamUser",
  policy: "minio:index/iamPolicy:IamPolicy",
  attachment: "minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment",
  receiveCertificates: "multicluster:central:ReceiveCertificates",
  selfSignedCert: "tls:index/selfSignedCert:SelfSignedCert",
  certRequest: "tls:index/certRequest:CertRequest",
  locallySignedCert: "tls:index/locallySignedCert:LocallySignedCert",
  configMap: "kubernetes:core/v1:ConfigMap",
} as const;

function readJson<T>(file: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message} (run \`npm run synth\`?)`);
  }
}

function releaseOfChart<V>(stackDir: string, plan: Plan, chart: string): ReleaseFile<V> {
  const release = plan.resources.find((r) => r.type === TYPES.release && r.inputs.chart === chart);
  if (!release) throw new Error(`${path.join(stackDir, "plan.json")}: no ${chart} release`);
  return readJson<ReleaseFile<V>>(path.join(stackDir, "releases", `${String(release.inputs.name)}.json`));
}

function ofType(plan: Plan, type: string): Record<string, unknown>[] {
  return plan.resources.filter((r) => r.type === type).map((r) => r.inputs);
}

function minioPlan(plan: Plan): MinioPlan {
  const provider = ofType(plan, TYPES.minioProvider)[0];
  return {
    region: String(provider?.minioRegion ?? "us-east-1"),
    buckets: ofType(plan, TYPES.bucket).map((b) => String(b.bucket)),
    users: ofType(plan, TYPES.user).map((u) => String(u.name)),
    policies: ofType(plan, TYPES.policy).map((p) => ({ name: String(p.name), document: JSON.parse(String(p.policy)) as PolicyDocument })),
    attachments: ofType(plan, TYPES.attachment).map((a) => ({ user: String(a.userName), policy: String(a.policyName) })),
  };
}

/**
 * The certificates of the ReceiveCertificates component: each CertRequest's subject and names
 * with the validity and uses of the resource that signs it (named without the `-csr`).
 */
function receivePkiPlan(plan: Plan): ReceivePkiPlan | undefined {
  const component = plan.resources.find((r) => r.type === TYPES.receiveCertificates);
  if (!component) return undefined;
  const children = plan.resources.filter((r) => r.parent === component.name);
  const ofType = (type: string) => children.filter((r) => r.type === type);
  const [ca] = ofType(TYPES.selfSignedCert);
  if (!ca) throw new Error(`the synth plan's ${component.name} has no CA`);
  const caPlan: CertificatePlan = {
    name: ca.name,
    subject: ca.inputs.subject as Record<string, string>,
    dnsNames: [],
    ipAddresses: [],
    validityPeriodHours: Number(ca.inputs.validityPeriodHours),
    allowedUses: ca.inputs.allowedUses as string[],
  };
  const leaves = ofType(TYPES.locallySignedCert).map((cert): CertificatePlan => {
    const csr = children.find((r) => r.type === TYPES.certRequest && r.name === certRequestName(cert.name));
    if (!csr) throw new Error(`the synth plan has no CertRequest ${certRequestName(cert.name)} for ${cert.name}`);
    return {
      name: cert.name,
      subject: csr.inputs.subject as Record<string, string>,
      dnsNames: (csr.inputs.dnsNames as string[] | undefined) ?? [],
      ipAddresses: (csr.inputs.ipAddresses as string[] | undefined) ?? [],
      validityPeriodHours: Number(cert.inputs.validityPeriodHours),
      allowedUses: cert.inputs.allowedUses as string[],
    };
  });
  const server = leaves.find((l) => l.allowedUses.includes("server_auth"));
  if (!server) throw new Error(`the synth plan's ${component.name} has no server certificate`);
  const clients = leaves.filter((l) => l.allowedUses.includes("client_auth"));
  return { ca: caPlan, server, clients: Object.fromEntries(clients.map((c) => [c.subject[TENANT_CERTIFICATE_FIELD], c])) };
}

/** The variables a spec's `containers` patch sets on the operator's `prometheus` container. */
function prometheusContainerEnv(containers: ContainerPatch[] | undefined): Record<string, string> {
  const patch = containers?.find((c) => c.name === "prometheus");
  return Object.fromEntries((patch?.env ?? []).map((e) => [e.name, e.value]));
}

/**
 * The agents of one edge stack: its cluster agent (the kube-prometheus-stack release's
 * Prometheus in agent mode) and one per PrometheusAgent its TenantAgents declare. Each writes
 * as the tenant its first remote write's header names.
 */
function edgeAgents(stackDir: string, plan: Plan): AgentPlan[] {
  const cluster = String(plan.outputs.cluster);
  const kps = releaseOfChart<EdgePrometheusValues>(stackDir, plan, "kube-prometheus-stack");
  const spec = kps.values.prometheus.prometheusSpec;
  const tenantOf = (remoteWrite: RemoteWriteSpec[]) => Object.values(remoteWrite[0]?.headers ?? {})[0] ?? "";
  const clusterAgent: AgentPlan = {
    name: cluster,
    cluster,
    tenant: tenantOf(spec.remoteWrite),
    namespace: kps.namespace,
    resourceName: `${kps.values.fullnameOverride}-prometheus`,
    externalLabels: spec.externalLabels,
    remoteWrite: spec.remoteWrite,
    additionalArgs: spec.additionalArgs,
    env: prometheusContainerEnv(spec.containers),
  };
  const tenantAgents = ofType(plan, TYPES.prometheusAgent).map((inputs) => {
    const manifest = inputs as unknown as PrometheusAgentManifest;
    const tenant = tenantOf(manifest.spec.remoteWrite);
    return {
      name: `${cluster}-${tenant}`,
      cluster,
      tenant,
      namespace: manifest.metadata.namespace,
      resourceName: manifest.metadata.name,
      externalLabels: manifest.spec.externalLabels,
      remoteWrite: manifest.spec.remoteWrite,
      additionalArgs: manifest.spec.additionalArgs,
      env: prometheusContainerEnv(manifest.spec.containers),
    };
  });
  return [clusterAgent, ...tenantAgents];
}

/** Reads a synth output directory: exactly one central stack and any number of edges. */
export function readSynthOutput(synthDir: string): FleetPlan {
  const stacks = fs
    .readdirSync(synthDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(synthDir, e.name, "plan.json")))
    .map((e) => e.name)
    .sort();
  const plans = stacks.map((stack) => ({ dir: path.join(synthDir, stack), plan: readJson<Plan>(path.join(synthDir, stack, "plan.json")) }));
  const centrals = plans.filter((p) => p.plan.outputs.role === "central");
  if (centrals.length !== 1) throw new Error(`${synthDir}: expected one central stack, found ${centrals.length}`);
  const [{ dir, plan }] = centrals;
  const thanos = releaseOfChart<ThanosValues>(dir, plan, "thanos");
  const central: CentralPlan = {
    stack: plan.stack,
    cluster: String(plan.outputs.cluster),
    namespace: thanos.namespace,
    outputs: plan.outputs,
    thanos: thanos.values,
    prometheus: releaseOfChart<CentralPrometheusValues>(dir, plan, "kube-prometheus-stack").values,
    minio: minioPlan(plan),
    receivePki: receivePkiPlan(plan),
    configMaps: Object.fromEntries(
      ofType(plan, TYPES.configMap).map((inputs) => [String((inputs.metadata as { name: string }).name), (inputs.data as Record<string, string> | undefined) ?? {}]),
    ),
  };
  const agents = plans.filter((p) => p.plan.outputs.role === "edge").flatMap((p) => edgeAgents(p.dir, p.plan));
  return { central, agents };
}

/** Runs `npm run synth` of the project into `outDir` (stack files from `stackDir`). */
export function runSynth(outDir: string, stackDir = PROJECT_DIR): Promise<void> {
  const tsx = path.join(PROJECT_DIR, "node_modules", ".bin", "tsx");
  return new Promise((resolve, reject) => {
    execFile(tsx, ["scripts/synth.ts", "--dir", stackDir, "--out", outDir], { cwd: PROJECT_DIR, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`synth failed:\n${stderr || stdout}`));
      else resolve();
    });
  });
}
