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
import { PolicyDocument, thanosObjstoreConfig } from "../components/bucket-access";
import { CentralSettings } from "../components/config";
import { centralEndpoints } from "../components/values/central-endpoints";
import { Agent, agentSecretFiles, ScrapeJob, startAgent } from "./agent";
import { startAlertmanager } from "./alertmanager";
import { centralPrometheusPod, startCentralPrometheus, ScrapeTarget } from "./central-prometheus";
import { startCompactor } from "./compactor";
import { issueReceivePki, ReceivePki } from "./certificates";
import { LoadBalancer } from "./load-balancer";
import { MinioServer, startMinio } from "./minio";
import { startNodeExporter } from "./node-exporter";
import { freePort, freePorts, ManagedProcess, stopAll } from "./process";
import { startQuery } from "./query";
import { startQueryFrontend } from "./query-frontend";
import { atLoopback, awaitSafeStart, Receiver, receiveTlsOf, startReceivers, writeReceiveVolumes } from "./receive";
import { startRuler } from "./ruler";
import { startSidecar } from "./sidecar";
import { startStoreGateway } from "./store-gateway";
import { AgentPlan, FleetPlan, readSynthOutput, runSynth } from "./synth-plan";
import { loopback, ThanosPorts, writeObjstoreFile } from "./thanos-process";
import { WebhookSink } from "./webhook-sink";

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
  receivers: Receiver[];
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

export async function startPlatform(opts: PlatformOptions): Promise<LocalPlatform> {
  const log = opts.log ?? (() => undefined);
  const scrapeInterval = opts.scrapeInterval ?? "5s";
  const dir = opts.dir;
  fs.mkdirSync(dir, { recursive: true });
  const started: { stop(): Promise<void> }[] = [];
  try {
    let synthDir = opts.synthDir;
    if (!synthDir) {
      synthDir = path.join(dir, "synth");
      log("synth: running the program for every stack file");
      await runSynth(synthDir, opts.stackDir);
    }
    const fleet = readSynthOutput(synthDir);
    const { central } = fleet;
    const thanos = central.thanos;
    const inCluster = centralEndpoints(central.namespace);

    log("minio: buckets, users and policies from the MinioBuckets plan");
    const minio = await startMinio(dir, central.minio);
    const thanosBucket = (central.outputs.bucketNames as { thanos: string }).thanos;
    const thanosUser = bucketUser(central.minio, thanosBucket);
    const minioSettings: CentralSettings["minio"] = { endpoint: minio.endpoint, ssl: false, insecureSkipVerify: false, region: minio.region };
    const objstoreFile = writeObjstoreFile(dir, thanosObjstoreConfig(thanosBucket, minioSettings, minio.users[thanosUser]));

    const webhooks = await WebhookSink.start(await freePort());
    started.push(webhooks);
    const webhookPaths = { critical: "/critical", warning: "/warning" };
    const alertmanagerPort = await freePort();
    log("alertmanager: the program's routing, webhooks on loopback");
    const alertmanager = await startAlertmanager(dir, alertmanagerPort, { critical: webhooks.url(webhookPaths.critical), warning: webhooks.url(webhookPaths.warning) });

    const queryPorts = await thanosPorts();
    const rulerPorts = await thanosPorts();
    const sidecarPorts = await thanosPorts();
    const [queryFrontendPort, centralPrometheusPort, nodeExporterPort] = await freePorts(3);
    /** Loopback addresses of the in-cluster addresses the program's values name. */
    const resolve = (address: string): string[] => {
      const known: Record<string, string[]> = {
        [inCluster.alertmanagers]: [loopback(alertmanagerPort)],
        [new URL(inCluster.queryUrl).host]: [loopback(queryPorts.http)],
        [inCluster.sidecars]: [loopback(sidecarPorts.grpc)],
        [new URL(inCluster.centralPrometheusUrl).host]: [loopback(centralPrometheusPort)],
      };
      const found = known[address];
      if (!found) throw new Error(`the program's values name ${address}, which the local platform does not run`);
      return found;
    };

    const pki = central.receivePki ? await issueReceivePki(path.join(dir, "pki"), central.receivePki) : undefined;
    if (pki) log(`pki: the program's CA, the receivers' certificate and client certificates of ${Object.keys(pki.clients).join(", ")}`);
    log(`receive: ${thanos.receive.replicaCount} receivers`);
    // Before choosing their ports: a port left free for the wait could be taken meanwhile.
    await awaitSafeStart(opts.receiveBlockDuration);
    const receiverPorts = await Promise.all(
      Array.from({ length: thanos.receive.replicaCount }, async () => {
        const [http, grpc, remoteWrite, capnproto] = await freePorts(4);
        return { http, grpc, remoteWrite, capnproto };
      }),
    );
    const volumes = writeReceiveVolumes(path.join(dir, "receive-volumes"), thanos.receive, { configMaps: central.configMaps, pki, resolve });
    const receivers = await startReceivers(dir, thanos, receiverPorts, objstoreFile, volumes, { blockDuration: opts.receiveBlockDuration });
    const loadBalancer = await LoadBalancer.start(
      await freePort(),
      receivers.map((r) => ({ name: r.pod, port: r.ports.remoteWrite, readyUrl: `http://${loopback(r.ports.http)}/-/ready` })),
    );
    started.push(loadBalancer);
    // The program's URL (its scheme and path) at the LoadBalancer stand-in; TLS passes through it.
    const remoteWriteUrl = atLoopback(String(central.outputs.receiveRemoteWriteUrl), loadBalancer.port);

    const storePorts = await thanosPorts();
    log("store gateway");
    const storeGateway = await startStoreGateway(dir, thanos.storegateway, storePorts, objstoreFile);

    log("central prometheus with the thanos sidecar");
    const service = (component: string) => `${thanos.fullnameOverride}-${component}`;
    const targets: ScrapeTarget[] = [
      ...receivers.map((r) => ({ service: service("receive"), pod: r.pod, port: r.ports.http })),
      { service: service("query"), pod: `${service("query")}-0`, port: queryPorts.http },
      { service: service("query-frontend"), pod: `${service("query-frontend")}-0`, port: queryFrontendPort },
      { service: service("storegateway"), pod: `${service("storegateway")}-0`, port: storePorts.http },
      { service: service("ruler"), pod: `${service("ruler")}-0`, port: rulerPorts.http },
    ];
    const compactorPort = await freePort();
    targets.push({ service: service("compactor"), pod: `${service("compactor")}-0`, port: compactorPort });
    const prometheus = await startCentralPrometheus(dir, {
      values: central.prometheus,
      namespace: central.namespace,
      port: centralPrometheusPort,
      targets,
      alertmanagers: [loopback(alertmanagerPort)],
      scrapeInterval,
    });
    const sidecar = await startSidecar(dir, sidecarPorts, { url: `http://${loopback(centralPrometheusPort)}`, dataDir: prometheus.dataDir }, objstoreFile);

    log("ruler, query, query frontend, compactor");
    const ruler = await startRuler(dir, { fullname: thanos.fullnameOverride, values: thanos.ruler, ports: rulerPorts, objstoreFile, resolve });
    // The chart's autogen endpoints (receivers, Store Gateway, Ruler), then the program's static ones.
    const queryEndpoints = [...receivers.map((r) => loopback(r.ports.grpc)), loopback(storePorts.grpc), loopback(rulerPorts.grpc), ...thanos.query.endpoints.static.flatMap(resolve)];
    const query = await startQuery(dir, thanos.query, queryPorts, queryEndpoints);
    const queryFrontend = await startQueryFrontend(dir, thanos.queryFrontend, queryFrontendPort, `http://${loopback(queryPorts.http)}`);
    const compactor = await startCompactor(dir, thanos.compactor, compactorPort, objstoreFile, opts.compactorWaitInterval);

    const nodeExporter = await startNodeExporter(dir, nodeExporterPort);
    log(`agents: ${fleet.agents.map((a) => a.name).join(", ")}`);
    const agents = await Promise.all(
      fleet.agents.map(async (agent) =>
        startAgent(dir, agent, {
          port: await freePort(),
          remoteWriteUrl,
          nodeExporterPort,
          scrapeInterval,
          secretFile: agentSecretFiles(pki, agent.tenant),
          extraScrapeJobs: opts.extraScrapeJobs?.(agent),
        }),
      ),
    );

    const urls: PlatformUrls = {
      query: `http://${loopback(queryPorts.http)}`,
      queryFrontend: `http://${loopback(queryFrontendPort)}`,
      alertmanager: `http://${loopback(alertmanagerPort)}`,
      ruler: `http://${loopback(rulerPorts.http)}`,
      storeGateway: `http://${loopback(storePorts.http)}`,
      compactor: `http://${loopback(compactorPort)}`,
      centralPrometheus: `http://${loopback(centralPrometheusPort)}`,
      minio: minio.url,
      minioConsole: minio.consoleUrl,
      remoteWrite: remoteWriteUrl,
    };
    const centralOutputs = {
      ...central.outputs,
      receiveRemoteWriteUrl: urls.remoteWrite,
      receiveAddress: "127.0.0.1",
      queryUrl: urls.queryFrontend,
      grafanaUrl: "",
      // The certificates these receivers and agents really use, for verify's expiry check.
      ...(pki ? { receiveTls: { ...(central.outputs.receiveTls as object), ...receiveTlsOf(pki) } } : {}),
    };
    log(`up: ${fleet.agents.length} agents writing through ${urls.remoteWrite}; central Prometheus replica ${centralPrometheusPod(central.prometheus)}`);
    return {
      dir,
      fleet,
      minio,
      thanosUser,
      receivers,
      loadBalancer,
      storeGatewayGrpc: loopback(storePorts.grpc),
      processes: { query, queryFrontend, storeGateway, compactor, ruler, alertmanager, centralPrometheus: prometheus.process, sidecar, nodeExporter },
      agents,
      webhooks,
      urls,
      centralOutputs,
      webhookPaths,
      pki,
      receiveVolumes: volumes,
      // Agents first, MinIO last: the receivers and the sidecar upload their blocks as they shut down.
      stop: async () => {
        await Promise.all(agents.map((a) => a.process.stop()));
        await Promise.all([...receivers.map((r) => r.process.stop()), query.stop(), queryFrontend.stop(), ruler.stop(), compactor.stop(), storeGateway.stop(), sidecar.stop()]);
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
