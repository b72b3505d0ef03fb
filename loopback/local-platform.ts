/**
 * The whole platform on loopback, configured by the program: the synth's output (or the same
 * pure builders, for what the synth redacts) decides every setting; this module only picks
 * ports and data directories and wires the processes to each other's loopback addresses.
 *
 *   MinIO (buckets, users, policies)          3 receivers (hashring, RF, tenancy) <- LB stand-in <- agents
 *   Query <- Query Frontend                   Store Gateway, Compactor, Ruler -> Alertmanager -> webhook sink
 *   central Prometheus + Thanos sidecar       node-exporter (scraped by every agent)
 */
import * as fs from "fs";
import * as path from "path";
import { PolicyDocument, thanosObjstoreConfig } from "../components/central/bucket-access";
import { CentralSettings } from "../config/central";
import { centralEndpoints } from "../components/central/endpoints";
import { Agent, agentSecretFiles, ScrapeJob, startAgent } from "./agent";
import { startAlertmanager } from "./alertmanager";
import { centralPrometheusPod, startCentralPrometheus, ScrapeTarget } from "./central-prometheus";
import { startCompactor } from "./thanos/compactor";
import { issueReceivePki, ReceivePki } from "./certificates";
import { LoadBalancer } from "./load-balancer";
import { MinioServer, startMinio } from "./minio";
import { startNodeExporter } from "./node-exporter";
import { freePort, freePorts, loopback, LOOPBACK_HOST, ManagedProcess, stopAll } from "./process";
import { startQuery } from "./thanos/query";
import { startQueryFrontend } from "./thanos/query-frontend";
import { atLoopback, Receiver, receiveTlsOf, writeReceiveVolumes } from "./thanos/receive";
import { ReceiveStatefulSet } from "./thanos/receive-statefulset";
import { startRuler } from "./thanos/ruler";
import { startSidecar } from "./thanos/sidecar";
import { startStoreGateway } from "./thanos/store-gateway";
import { AgentPlan, FleetPlan, readSynthOutput, runSynth } from "./synth-plan";
import { thanosBinary, ThanosPorts, writeObjstoreFile } from "./thanos/process";
import { WebhookSink } from "./webhook-sink";
import { DeployedMaterial } from "./engine/deployed-material";

export interface PlatformOptions {
  /** Work directory: data, configs and one log file per process. */
  dir: string;
  /** A synth output to read; by default the synth runs into `<dir>/synth` first. */
  synthDir?: string;
  /** Where the stack files of that synth are; the project's by default (tests run variants of them). */
  stackDir?: string;
  /**
   * Scrape and rule evaluation interval of the agents and the central Prometheus. Time
   * compression for loopback (the charts' default is 30s); the Ruler keeps the program's.
   */
  scrapeInterval?: string;
  /** Receivers' TSDB block length (time compression; Thanos' and the chart's default is 2h). */
  receiveBlockDuration?: string;
  /** The compactor's pause between iterations (time compression; Thanos' and the chart's default is 5m). */
  compactorWaitInterval?: string;
  /** Scrape jobs an agent runs beside its own (the benchmark's load generators); none by default. */
  extraScrapeJobs?: (agent: AgentPlan) => ScrapeJob[];
  /**
   * What the Pulumi engine deployed, used in place of what the harness makes itself (the
   * engine tests): the MinIO the engine's provider filled (started by the caller, stopped with
   * the platform), the Thanos bucket user's keys, and the remote-write PKI.
   */
  deployed?: { minio: MinioServer; material: DeployedMaterial };
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface PlatformUrls {
  query: string;
  queryFrontend: string;
  alertmanager: string;
  ruler: string;
  storeGateway: string;
  compactor: string;
  centralPrometheus: string;
  minio: string;
  minioConsole: string;
  /** The receive LoadBalancer stand-in: where every agent writes. */
  remoteWrite: string;
}

export interface LocalPlatform {
  dir: string;
  fleet: FleetPlan;
  minio: MinioServer;
  /** The MinIO user the Thanos components use (its bucket's user, not the admin). */
  thanosUser: string;
  /** The running receivers by ordinal (the StatefulSet's pods, kept up to date through changes). */
  receivers: Receiver[];
  /** The receivers' StatefulSet: `apply` rolls new receive values out as Kubernetes would. */
  receive: ReceiveStatefulSet;
  loadBalancer: LoadBalancer;
  storeGatewayGrpc: string;
  processes: Record<"query" | "queryFrontend" | "storeGateway" | "compactor" | "ruler" | "alertmanager" | "centralPrometheus" | "sidecar" | "nodeExporter", ManagedProcess>;
  agents: Agent[];
  webhooks: WebhookSink;
  urls: PlatformUrls;
  /** The central stack's outputs as `pulumi stack output --json` would print them for this platform. */
  centralOutputs: Record<string, unknown>;
  /** Webhook paths the Alertmanager routes deliver to, per severity. */
  webhookPaths: { critical: string; warning: string };
  /** The remote-write PKI the receivers and agents use; absent in plain-http lab mode. */
  pki?: ReceivePki;
  /** The local directory of each receive volume (the chart's extraVolumes), by volume name: update a file there as the kubelet updates a mounted ConfigMap. */
  receiveVolumes: Record<string, string>;
  /**
   * Rolls Query, the Store Gateway, the Compactor, the Ruler and the Prometheus sidecar to the
   * Thanos release `version`, one after another, each ready before the next (their Deployments
   * and StatefulSets roll on an image change; their flags do not depend on it). Returns their names.
   */
  rollThanosComponents(version: string): Promise<string[]>;
  stop(): Promise<void>;
}

async function thanosPorts(): Promise<ThanosPorts> {
  const [http, grpc] = await freePorts(2);
  return { http, grpc };
}

/** The MinIO user whose attached policy grants `bucket`. */
function bucketUser(plan: FleetPlan["central"]["minio"], bucket: string): string {
  const grants = (doc: PolicyDocument) => doc.Statement.some((s) => s.Resource.includes(`arn:aws:s3:::${bucket}`));
  const policy = plan.policies.find((p) => grants(p.document));
  const user = policy && plan.attachments.find((a) => a.policy === policy.name)?.user;
  if (!user) throw new Error(`the synth plan has no MinIO user with a policy on bucket ${bucket}`);
  return user;
}

/**
 * The ports of the central processes other processes' configs name, chosen before any of them
 * starts (the receivers choose their own, after their safe-start wait).
 */
interface CentralPorts {
  alertmanager: number;
  query: ThanosPorts;
  queryFrontend: number;
  ruler: ThanosPorts;
  storeGateway: ThanosPorts;
  compactor: number;
  centralPrometheus: number;
  sidecar: ThanosPorts;
  nodeExporter: number;
}

async function chooseCentralPorts(): Promise<CentralPorts> {
  const [query, ruler, storeGateway, sidecar] = [await thanosPorts(), await thanosPorts(), await thanosPorts(), await thanosPorts()];
  const [alertmanager, queryFrontend, compactor, centralPrometheus, nodeExporter] = await freePorts(5);
  return { alertmanager, query, queryFrontend, ruler, storeGateway, compactor, centralPrometheus, sidecar, nodeExporter };
}

/** Loopback addresses of the in-cluster addresses the program's values name. */
function loopbackResolver(namespace: string, ports: CentralPorts): (address: string) => string[] {
  const inCluster = centralEndpoints(namespace);
  const known: Record<string, string[]> = {
    [inCluster.alertmanagers]: [loopback(ports.alertmanager)],
    [new URL(inCluster.queryUrl).host]: [loopback(ports.query.http)],
    [inCluster.sidecars]: [loopback(ports.sidecar.grpc)],
    [new URL(inCluster.centralPrometheusUrl).host]: [loopback(ports.centralPrometheus)],
  };
  return (address) => {
    const found = known[address];
    if (!found) throw new Error(`the program's values name ${address}, which the local platform does not run`);
    return found;
  };
}

/** What every step needs: the work directory, the plan, and where to register what must be stopped. */
interface StartContext {
  dir: string;
  opts: PlatformOptions;
  central: FleetPlan["central"];
  ports: CentralPorts;
  resolve: (address: string) => string[];
  /** Servers of this process (not ManagedProcesses, which `stopAll` stops) to stop on failure or at the end. */
  started: { stop(): Promise<void> }[];
  log: (line: string) => void;
}

async function readPlan(dir: string, opts: PlatformOptions, log: (line: string) => void): Promise<FleetPlan> {
  let synthDir = opts.synthDir;
  if (!synthDir) {
    synthDir = path.join(dir, "synth");
    log("synth: running the program for every stack file");
    await runSynth(synthDir, opts.stackDir);
  }
  return readSynthOutput(synthDir);
}

/** MinIO with the plan's buckets, users and policies (or the engine's), and the objstore config of the Thanos bucket's user. */
async function startBucket({ dir, opts, central, log }: StartContext) {
  const thanosBucket = (central.outputs.bucketNames as { thanos: string }).thanos;
  const { deployed } = opts;
  if (deployed) log(`minio: the buckets, users and policies the engine created at ${deployed.minio.endpoint}`);
  else log("minio: buckets, users and policies from the MinioBuckets plan");
  const minio = deployed?.minio ?? (await startMinio(dir, central.minio));
  const thanosUser = deployed?.material.thanosCredentials.accessKey ?? bucketUser(central.minio, thanosBucket);
  if (deployed) minio.users[thanosUser] = deployed.material.thanosCredentials;
  const minioSettings: CentralSettings["minio"] = { endpoint: minio.endpoint, deployEndpoint: minio.endpoint, ssl: false, insecureSkipVerify: false, region: minio.region };
  const objstoreFile = writeObjstoreFile(dir, thanosObjstoreConfig(thanosBucket, minioSettings, minio.users[thanosUser]));
  return { minio, thanosUser, objstoreFile };
}

/** Alertmanager with the program's routing, its receivers' webhooks at a sink on loopback. */
async function startAlerting({ dir, ports, started, log }: StartContext) {
  const webhooks = await WebhookSink.start(await freePort());
  started.push(webhooks);
  const webhookPaths = { critical: "/critical", warning: "/warning" };
  log("alertmanager: the program's routing, webhooks on loopback");
  const alertmanager = await startAlertmanager(dir, ports.alertmanager, { critical: webhooks.url(webhookPaths.critical), warning: webhooks.url(webhookPaths.warning) });
  return { webhooks, webhookPaths, alertmanager };
}

/** The remote-write path: the PKI, the receivers with their volumes, and the LoadBalancer stand-in in front of them. */
async function startWritePath({ dir, opts, central, resolve, started, log }: StartContext, objstoreFile: string) {
  const { thanos } = central;
  const pki = opts.deployed?.material.pki ?? (central.receivePki ? await issueReceivePki(path.join(dir, "pki"), central.receivePki) : undefined);
  const issuer = opts.deployed ? "the engine's" : "the program's";
  if (pki) log(`pki: ${issuer} CA, the receivers' certificate and client certificates of ${Object.keys(pki.clients).join(", ")}`);
  log(`receive: ${thanos.receive.replicaCount} receivers, Thanos ${thanos.global.image.tag}`);
  const volumes = writeReceiveVolumes(path.join(dir, "receive-volumes"), thanos.receive, { configMaps: central.configMaps, pki, resolve });
  const receive = await ReceiveStatefulSet.start(thanos, { dir, objstoreFile, volumeDirs: volumes, loopback: { blockDuration: opts.receiveBlockDuration }, log });
  const backendsOf = (pods: readonly Receiver[]) => pods.map((r) => ({ name: r.pod, port: r.ports.remoteWrite, readyUrl: `http://${loopback(r.ports.http)}/-/ready` }));
  const loadBalancer = await LoadBalancer.start(await freePort(), backendsOf(receive.pods));
  started.push(loadBalancer);
  receive.follow((running) => loadBalancer.setBackends(backendsOf(running)));
  // The program's URL (its scheme and path) at the LoadBalancer stand-in; TLS passes through it.
  const remoteWriteUrl = atLoopback(String(central.outputs.receiveRemoteWriteUrl), loadBalancer.port);
  return { pki, volumes, receive, loadBalancer, remoteWriteUrl };
}

/** What the central Prometheus's ServiceMonitors select in the cluster: every Thanos component, one pod each here. */
function thanosScrapeTargets(fullname: string, ports: CentralPorts, receivers: readonly Receiver[]): ScrapeTarget[] {
  const service = (component: string) => `${fullname}-${component}`;
  const single = (component: string, port: number): ScrapeTarget => ({ service: service(component), pod: `${service(component)}-0`, port });
  return [
    ...receivers.map((r) => ({ service: service("receive"), pod: r.pod, port: r.ports.http })),
    single("query", ports.query.http),
    single("query-frontend", ports.queryFrontend),
    single("storegateway", ports.storeGateway.http),
    single("ruler", ports.ruler.http),
    single("compactor", ports.compactor),
  ];
}

/** The central Prometheus scraping the Thanos components, with its Thanos sidecar. */
async function startCentralMonitoring({ dir, opts, central, ports, log }: StartContext, receive: ReceiveStatefulSet, objstoreFile: string) {
  log("central prometheus with the thanos sidecar");
  const targetsOf = (pods: readonly Receiver[]) => thanosScrapeTargets(central.thanos.fullnameOverride, ports, pods);
  const prometheus = await startCentralPrometheus(dir, {
    values: central.prometheus,
    namespace: central.namespace,
    port: ports.centralPrometheus,
    targets: targetsOf(receive.pods),
    alertmanagers: [loopback(ports.alertmanager)],
    scrapeInterval: scrapeIntervalOf(opts),
  });
  receive.follow((running) => prometheus.setTargets(targetsOf(running)));
  const sidecarVersion = central.prometheus.prometheus.prometheusSpec.thanos.image.split(":").pop()!;
  const sidecar = await startSidecar(dir, ports.sidecar, { url: `http://${loopback(ports.centralPrometheus)}`, dataDir: prometheus.dataDir }, objstoreFile, sidecarVersion);
  return { prometheus, sidecar };
}

/** The read path and the bucket's other users: Store Gateway, Ruler, Query, Query Frontend, Compactor. */
async function startReadPath({ dir, opts, central, ports, resolve, log }: StartContext, receive: ReceiveStatefulSet, objstoreFile: string) {
  const { thanos } = central;
  const version = thanos.global.image.tag;
  log("store gateway, ruler, query, query frontend, compactor");
  const storeGateway = await startStoreGateway(dir, thanos.storegateway, ports.storeGateway, objstoreFile, version);
  const ruler = await startRuler(dir, { fullname: thanos.fullnameOverride, values: thanos.ruler, ports: ports.ruler, objstoreFile, resolve, version });
  // The chart's autogen endpoints (receivers, Store Gateway, Ruler), then the program's static ones.
  const endpointsWith = (pods: readonly Receiver[]) => [
    ...pods.map((r) => loopback(r.ports.grpc)),
    loopback(ports.storeGateway.grpc),
    loopback(ports.ruler.grpc),
    ...thanos.query.endpoints.static.flatMap(resolve),
  ];
  const query = await startQuery(dir, thanos.query, ports.query, endpointsWith(receive.pods), version);
  receive.follow((running) => query.setEndpoints(endpointsWith(running)));
  const queryFrontend = await startQueryFrontend(dir, thanos.queryFrontend, ports.queryFrontend, `http://${loopback(ports.query.http)}`, version);
  const compactor = await startCompactor(dir, thanos.compactor, ports.compactor, objstoreFile, { version, waitInterval: opts.compactorWaitInterval });
  return { storeGateway, ruler, query: query.process, queryFrontend, compactor };
}

/** node-exporter and every agent of the edge stacks, writing through the LoadBalancer stand-in. */
async function startEdges({ dir, opts, ports, log }: StartContext, fleet: FleetPlan, remoteWriteUrl: string, pki: ReceivePki | undefined) {
  const nodeExporter = await startNodeExporter(dir, ports.nodeExporter);
  log(`agents: ${fleet.agents.map((a) => a.name).join(", ")}`);
  const agents = await Promise.all(
    fleet.agents.map(async (agent) =>
      startAgent(dir, agent, {
        port: await freePort(),
        remoteWriteUrl,
        nodeExporterPort: ports.nodeExporter,
        scrapeInterval: scrapeIntervalOf(opts),
        secretFile: agentSecretFiles(pki, agent.tenant),
        extraScrapeJobs: opts.extraScrapeJobs?.(agent),
      }),
    ),
  );
  return { nodeExporter, agents };
}

function scrapeIntervalOf(opts: PlatformOptions): string {
  return opts.scrapeInterval ?? "5s";
}

function platformUrls(ports: CentralPorts, minio: MinioServer, remoteWriteUrl: string): PlatformUrls {
  const at = (port: number) => `http://${loopback(port)}`;
  return {
    query: at(ports.query.http),
    queryFrontend: at(ports.queryFrontend),
    alertmanager: at(ports.alertmanager),
    ruler: at(ports.ruler.http),
    storeGateway: at(ports.storeGateway.http),
    compactor: at(ports.compactor),
    centralPrometheus: at(ports.centralPrometheus),
    minio: minio.url,
    minioConsole: minio.consoleUrl,
    remoteWrite: remoteWriteUrl,
  };
}

/** The central stack's outputs with this platform's addresses and the certificates its receivers and agents really use (for verify's expiry check). */
function localCentralOutputs(central: FleetPlan["central"], urls: PlatformUrls, pki: ReceivePki | undefined): Record<string, unknown> {
  return {
    ...central.outputs,
    receiveRemoteWriteUrl: urls.remoteWrite,
    receiveAddress: LOOPBACK_HOST,
    queryUrl: urls.queryFrontend,
    grafanaUrl: "",
    ...(pki ? { receiveTls: { ...(central.outputs.receiveTls as object), ...receiveTlsOf(pki) } } : {}),
  };
}

export async function startPlatform(opts: PlatformOptions): Promise<LocalPlatform> {
  const log = opts.log ?? (() => undefined);
  const dir = opts.dir;
  fs.mkdirSync(dir, { recursive: true });
  const started: { stop(): Promise<void> }[] = [];
  try {
    const fleet = await readPlan(dir, opts, log);
    const { central } = fleet;
    const ports = await chooseCentralPorts();
    const ctx: StartContext = { dir, opts, central, ports, resolve: loopbackResolver(central.namespace, ports), started, log };

    const { minio, thanosUser, objstoreFile } = await startBucket(ctx);
    const { webhooks, webhookPaths, alertmanager } = await startAlerting(ctx);
    const { pki, volumes, receive, loadBalancer, remoteWriteUrl } = await startWritePath(ctx, objstoreFile);
    const { prometheus, sidecar } = await startCentralMonitoring(ctx, receive, objstoreFile);
    const { storeGateway, ruler, query, queryFrontend, compactor } = await startReadPath(ctx, receive, objstoreFile);
    const { nodeExporter, agents } = await startEdges(ctx, fleet, remoteWriteUrl, pki);

    const urls = platformUrls(ports, minio, remoteWriteUrl);
    log(`up: ${fleet.agents.length} agents writing through ${urls.remoteWrite}; central Prometheus replica ${centralPrometheusPod(central.prometheus)}`);
    return {
      dir,
      fleet,
      minio,
      thanosUser,
      receivers: receive.pods,
      receive,
      loadBalancer,
      storeGatewayGrpc: loopback(ports.storeGateway.grpc),
      processes: { query, queryFrontend, storeGateway, compactor, ruler, alertmanager, centralPrometheus: prometheus.process, sidecar, nodeExporter },
      agents,
      webhooks,
      urls,
      centralOutputs: localCentralOutputs(central, urls, pki),
      webhookPaths,
      pki,
      receiveVolumes: volumes,
      rollThanosComponents: async (version) => {
        const rolled = [query, storeGateway, compactor, ruler, queryFrontend, sidecar];
        for (const component of rolled) {
          await component.stop();
          await component.restart({ binary: thanosBinary(version) });
          log(`${component.name}: rolled to Thanos ${version}`);
        }
        return rolled.map((c) => c.name);
      },
      // Agents first, MinIO last: the receivers and the sidecar upload their blocks as they shut down.
      stop: async () => {
        await Promise.all(agents.map((a) => a.process.stop()));
        await Promise.all([receive.stop(), query.stop(), queryFrontend.stop(), ruler.stop(), compactor.stop(), storeGateway.stop(), sidecar.stop()]);
        await Promise.all(started.map((s) => s.stop()));
        await stopAll();
      },
    };
  } catch (err) {
    await Promise.all(started.map((s) => s.stop().catch(() => undefined)));
    await stopAll();
    throw err;
  }
}
