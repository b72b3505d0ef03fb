/**
 * Helm values of the thanos-community `thanos` chart (0.38.0) on the central cluster, as a
 * pure function of validated config: Receive (hashring, replication, tenancy), Query, Query
 * Frontend, Store Gateway, Compactor and Ruler. Only references to Secrets appear here; the
 * objstore config itself lives in the THANOS_OBJSTORE_SECRET Secret.
 */
import * as crypto from "crypto";
import { thanosImage } from "../shared/charts";
import { CentralSettings } from "../../config/central";
import { OBJSTORE_CHECKSUM_ANNOTATION, THANOS_OBJSTORE_KEY, THANOS_OBJSTORE_SECRET } from "../shared/conventions";
import { RECEIVE_TLS_SECRET, TENANT_CERTIFICATE_FIELD } from "./receive-identity";
import { RECEIVE_LIMITS_CONFIGMAP } from "./receive-limits";
import {
  CentralEndpoints,
  centralEndpoints,
  QUERY_FRONTEND_PORT,
  QUERY_HTTP_PORT,
  RECEIVE_GRPC_PORT,
  RECEIVE_REMOTE_WRITE_PORT,
  receivePodLabels,
  REPLICA_LABELS,
  THANOS_FULLNAME,
} from "./endpoints";

export interface ThanosValuesOptions {
  /** Helm release name of the Thanos chart (its pods' `app.kubernetes.io/instance`). */
  release: string;
  settings: CentralSettings;
  /** The Ruler's alerting rules: one Prometheus rule file (YAML). */
  rulerRules: string;
  /** sha256 of the objstore config (`objstoreChecksum`), never the config itself. */
  objstoreChecksum: string;
}

/** One entry of the receive hashring file. */
export interface Hashring {
  hashring: string;
  algorithm: "ketama" | "hashmod";
  endpoints: string[];
}

interface ServiceMonitorToggle {
  serviceMonitor: { enabled: boolean };
}

export type ThanosValues = {
  fullnameOverride: string;
  global: {
    image: { registry: string; repository: string; tag: string };
    objstore: { createSecret: false; secretName: string; secretKey: string };
    thanosRules: { enabled: false };
    podAnnotations: Record<typeof OBJSTORE_CHECKSUM_ANNOTATION, string>;
  };
  receive: ServiceMonitorToggle & {
    enabled: true;
    mode: "standalone";
    replicaCount: number;
    tenancyHeader: string;
    tsdb: { retention: string };
    hashrings: { autogen: { enabled: false }; static: Hashring[] };
    extraArgs: string[];
    extraVolumes: ExtraVolume[];
    extraVolumeMounts: { name: string; mountPath: string; readOnly: true }[];
    service: { type: "ClusterIP"; grpcPort: number; remoteWritePort: number };
    ingress: { remoteWrite: ReceiveIngress };
    persistence: { enabled: true; size: string; storageClass: string };
    resources: CentralSettings["receive"]["resources"];
    vpa: { enabled: false };
    pdb: { enabled: true; maxUnavailable: number };
    topologySpreadConstraints: TopologySpreadConstraint[];
  };
  query: ServiceMonitorToggle & {
    enabled: true;
    replicaCount: number;
    service: { httpPort: number };
    replicaLabels: string[];
    endpoints: { autogen: { enabled: true }; static: string[] };
    extraArgs: string[];
  };
  queryFrontend: ServiceMonitorToggle & { enabled: true; replicaCount: number; service: { port: number }; cacheConfig: string; extraArgs: string[] };
  storegateway: ServiceMonitorToggle & {
    enabled: true;
    replicaCount: number;
    sharded: { enabled: true; hashPartitioning: { shards: 1 }; timePartitioning: [] };
  };
  compactor: ServiceMonitorToggle & {
    enabled: true;
    retention: { resolutionRaw: string; resolution5m: string; resolution1h: string };
    extraArgs: string[];
    vpa: { enabled: false };
  };
  ruler: ServiceMonitorToggle & {
    enabled: true;
    replicaCount: number;
    query: { urls: string[] };
    alertmanagers: { config: string };
    /** `null` removes a chart default rule file (the chart ships an always-firing example). */
    rules: Record<typeof CHART_RULE_FILE, string>;
    autoImportPrometheusRules: { enabled: false };
  };
};

/** A pod volume from a Secret or a ConfigMap (the chart's `extraVolumes` items). */
export type ExtraVolume = { name: string; secret: { secretName: string } } | { name: string; configMap: { name: string } };

/** Where the receivers mount their TLS Secret and the limits ConfigMap (outside the chart's read-only /etc/thanos). */
export const RECEIVE_TLS_DIR = "/etc/thanos-receive/tls";
export const RECEIVE_LIMITS_DIR = "/etc/thanos-receive/limits";

/**
 * Mutual TLS on the remote-write port: the receivers' certificate, and the CA every client
 * certificate must be signed by (Thanos then requires and verifies one), and the tenant taken
 * from the client certificate, ignoring the tenant header. The HTTP port (probes, metrics) and
 * the gRPC port between receivers stay as they are.
 */
export function receiveTlsArgs(): string[] {
  return [
    `--remote-write.server-tls-cert=${RECEIVE_TLS_DIR}/${RECEIVE_TLS_SECRET.certKey}`,
    `--remote-write.server-tls-key=${RECEIVE_TLS_DIR}/${RECEIVE_TLS_SECRET.keyKey}`,
    `--remote-write.server-tls-client-ca=${RECEIVE_TLS_DIR}/${RECEIVE_TLS_SECRET.caKey}`,
    `--receive.tenant-certificate-field=${TENANT_CERTIFICATE_FIELD}`,
  ];
}

/**
 * An Ingress that passes TLS through to the receivers (ingress-nginx, whose controller must run
 * with --enable-ssl-passthrough): terminating it at the Ingress would hide the client
 * certificate the tenant is read from.
 */
export const SSL_PASSTHROUGH_ANNOTATION = { "nginx.ingress.kubernetes.io/ssl-passthrough": "true" } as const;

interface ReceiveIngress {
  enabled: boolean;
  className?: string;
  annotations?: Record<string, string>;
  hosts?: { host: string; paths: { path: string; pathType: "Prefix" }[] }[];
  tls?: { secretName: string; hosts: string[] }[];
}

interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway";
  labelSelector: { matchLabels: Record<string, string> };
}

/**
 * The one `ruler.rules` file. The chart's defaults put an always-firing example rule under
 * this key and its schema requires the key, so our rules replace that file's content: a file
 * under another name would leave the example running (Helm merges maps).
 */
const CHART_RULE_FILE = "example-alerts.yaml";

/** What the pods' OBJSTORE_CHECKSUM_ANNOTATION carries: a sha256 of the objstore config, which reveals nothing of it. */
export function objstoreChecksum(objstoreConfig: string): string {
  return crypto.createHash("sha256").update(objstoreConfig).digest("hex");
}

/**
 * Go-template delimiters made literal for Helm's `tpl`: the chart renders every `ruler.rules`
 * file through `tpl`, which would otherwise try to expand `{{ $labels.x }}` in annotations.
 */
export function escapeForHelmTpl(text: string): string {
  return text.replace(/\{\{|\}\}/g, (delim) => (delim === "{{" ? '{{"{{"}}' : '{{"}}"}}'));
}

/**
 * The chart's default `extraArgs` (thanos chart 0.38.0 values.yaml). Helm replaces a list
 * rather than merging it, so a component whose `extraArgs` we set repeats them.
 */
export const CHART_DEFAULT_ARGS = {
  query: ["--log.level=info"],
  compactor: ["--log.level=info", "--log.format=logfmt", "--consistency-delay=30m"],
} as const;

/** Query Frontend results cache: in memory, so it needs nothing beside the pods. */
const RESULTS_CACHE = ["type: IN-MEMORY", "config:", "  max_size: 512MB", ""].join("\n");

type ReceiveSettings = CentralSettings["receive"];
type ReceiveValues = ThanosValues["receive"];

/** The chart's values: the settings every component shares, then one block per component. */
export function thanosValues({ release, settings, rulerRules, objstoreChecksum }: ThanosValuesOptions): ThanosValues {
  const endpoints = centralEndpoints(settings.namespace);
  return {
    fullnameOverride: THANOS_FULLNAME,
    global: globalValues(settings.thanosVersion, objstoreChecksum),
    receive: receiveValues(release, settings.receive, endpoints),
    query: queryValues(endpoints),
    queryFrontend: queryFrontendValues(),
    storegateway: storeGatewayValues(),
    compactor: compactorValues(settings.retention),
    ruler: rulerValues(endpoints, rulerRules),
  };
}

/** The chart's ServiceMonitor toggle, on for every component. */
function monitored(): ServiceMonitorToggle {
  return { serviceMonitor: { enabled: true } };
}

/** `global`: the image, the objstore Secret reference and the pod annotations every component inherits. */
function globalValues(thanosVersion: string, objstoreChecksum: string): ThanosValues["global"] {
  return {
    image: thanosImage(thanosVersion),
    objstore: { createSecret: false, secretName: THANOS_OBJSTORE_SECRET, secretKey: THANOS_OBJSTORE_KEY },
    // The chart's own PrometheusRule (templates/prometheusrule/rule.yaml, on by default) would
    // repeat the Thanos alerts of centralPrometheusRulesMap: the central Prometheus selects
    // every PrometheusRule, so each would reach the webhooks twice.
    thanosRules: { enabled: false },
    // The chart's own checksum/objstore-configuration annotation hashes global.objstore.config,
    // its placeholder, not the Secret (templates/*/statefulset.yaml), and the Store Gateway and
    // Ruler mount the Secret by subPath, which never sees an update. Thanos reads the file only
    // at start anyway: this checksum of the real config rolls every Thanos pod when it changes.
    // global.podAnnotations is the only pod-annotation key the chart has (its thanos.annotations
    // helper also copies it onto other objects' metadata, which changes nothing there).
    podAnnotations: { [OBJSTORE_CHECKSUM_ANNOTATION]: objstoreChecksum },
  };
}

/** Receive: a standalone ketama ring with replication, tenancy, optional mutual TLS and write limits. */
function receiveValues(release: string, receive: ReceiveSettings, endpoints: CentralEndpoints): ReceiveValues {
  return {
    enabled: true,
    mode: "standalone",
    replicaCount: receive.replicas,
    tenancyHeader: receive.tenantHeader,
    tsdb: { retention: receive.retention },
    // A static ring instead of the chart's autogen one, to name the algorithm: ketama moves
    // the fewest series when the ring is resized. Endpoints must equal each pod's
    // --receive.local-endpoint, which the chart derives from the headless Service.
    hashrings: {
      autogen: { enabled: false },
      static: [{ hashring: "default", algorithm: "ketama", endpoints: endpoints.receiveEndpoints(receive.replicas) }],
    },
    extraArgs: receiveArgs(receive),
    ...receiveVolumes(receive.tls.enabled),
    // Stays ClusterIP: the chart's Service would also expose the HTTP API and cannot take a
    // fixed IP or source ranges, so CentralThanos declares the LoadBalancer itself.
    service: { type: "ClusterIP", grpcPort: RECEIVE_GRPC_PORT, remoteWritePort: RECEIVE_REMOTE_WRITE_PORT },
    ingress: { remoteWrite: receiveIngress(receive.ingress, receive.tls.enabled) },
    ...receivePodPlacement(release, receive),
    ...monitored(),
  };
}

/** Receive flags: standalone mode has no replication-factor key; the tenant label, default tenant, TLS and limits have no keys either. */
function receiveArgs(receive: ReceiveSettings): string[] {
  return [
    `--receive.replication-factor=${receive.replicationFactor}`,
    `--receive.tenant-label-name=${receive.tenantLabel}`,
    `--receive.default-tenant-id=${receive.defaultTenant}`,
    // After an outage longer than 1.5 blocks (3h) a receiver has flushed the idle tenant's
    // head up to the next block boundary, past its last sample: the agents' backfill is then
    // older than the head and, without this window, rejected as out of bounds. The blocks it
    // writes overlap others, which the compactor's vertical compaction (dedup) merges.
    `--tsdb.out-of-order.time-window=${receive.outOfOrderWindow}`,
    ...(receive.tls.enabled ? receiveTlsArgs() : []),
    `--receive.limits-config-file=${RECEIVE_LIMITS_DIR}/${RECEIVE_LIMITS_CONFIGMAP.key}`,
  ];
}

/** The receivers' TLS Secret (with mutual TLS) and limits ConfigMap, which CentralThanos declares before the release. */
function receiveVolumes(mutualTls: boolean): Pick<ReceiveValues, "extraVolumes" | "extraVolumeMounts"> {
  return {
    extraVolumes: [
      ...(mutualTls ? [{ name: "remote-write-tls", secret: { secretName: RECEIVE_TLS_SECRET.name } }] : []),
      { name: "write-limits", configMap: { name: RECEIVE_LIMITS_CONFIGMAP.name } },
    ],
    extraVolumeMounts: [
      ...(mutualTls ? [{ name: "remote-write-tls", mountPath: RECEIVE_TLS_DIR, readOnly: true as const }] : []),
      { name: "write-limits", mountPath: RECEIVE_LIMITS_DIR, readOnly: true },
    ],
  };
}

/** The receiver pods' storage, resources, disruption budget and spread over nodes. */
function receivePodPlacement(
  release: string,
  receive: ReceiveSettings,
): Pick<ReceiveValues, "persistence" | "resources" | "vpa" | "pdb" | "topologySpreadConstraints"> {
  return {
    persistence: { enabled: true, size: receive.storageSize, storageClass: receive.storageClassName ?? "" },
    resources: receive.resources,
    // Resources come from config; a VPA in Auto mode would override them and evict receivers.
    vpa: { enabled: false },
    // Losing one receiver keeps the write quorum (RF/2+1) of a ring with RF 3.
    pdb: { enabled: true, maxUnavailable: 1 },
    // One receiver per node where there are enough nodes, so a node failure costs one replica.
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: "kubernetes.io/hostname",
        whenUnsatisfiable: "DoNotSchedule",
        labelSelector: { matchLabels: receivePodLabels(release) },
      },
    ],
  };
}

/** The remote-write Ingress, off unless configured; with mutual TLS it passes TLS through. */
function receiveIngress(ingress: ReceiveSettings["ingress"], mutualTls: boolean): ReceiveIngress {
  if (!ingress.enabled) return { enabled: false };
  const host = ingress.host!;
  return {
    enabled: true,
    className: ingress.className ?? "",
    annotations: mutualTls ? { ...SSL_PASSTHROUGH_ANNOTATION, ...ingress.annotations } : ingress.annotations,
    hosts: [{ host, paths: [{ path: "/", pathType: "Prefix" }] }],
    tls: ingress.tlsSecretName ? [{ secretName: ingress.tlsSecretName, hosts: [host] }] : [],
  };
}

/** Query's default PromQL engine; a request may still name the other one (`engine=`). */
const QUERY_ENGINE = "thanos";

/** Query: fans out to every store, deduplicating the replicas of Prometheus, Receive and Ruler. */
function queryValues(endpoints: CentralEndpoints): ThanosValues["query"] {
  return {
    enabled: true,
    replicaCount: 2,
    service: { httpPort: QUERY_HTTP_PORT },
    replicaLabels: [REPLICA_LABELS.prometheus, REPLICA_LABELS.receive, REPLICA_LABELS.ruler],
    // autogen covers Receive, Store Gateway and Ruler; the Prometheus sidecars come from kube-prometheus-stack.
    endpoints: { autogen: { enabled: true }, static: [endpoints.sidecars] },
    // The list replaces the chart's default list, so that is repeated. A range query without
    // max_source_resolution reads raw blocks only unless Query picks the resolution itself
    // (step/5), and raw data is gone after retention.raw. Every edge sample reaches three
    // receivers with the same timestamp, so one-to-one (chain) deduplication returns it
    // exactly; the default penalty algorithm skips a sample or two each time it moves to
    // another replica, as when a receiver goes down or comes back. The cost: the HA pairs'
    // series (central Prometheus, Ruler) carry both replicas' samples instead of one's.
    // The Thanos engine (Thanos' default is Prometheus') hands what it cannot run to
    // Prometheus' engine. Over 30 days of history the bench, timing both on the same requests,
    // found its p99 lower at 1h to 7d, higher at 30d with one failure fewer (docs/performance.md).
    extraArgs: [...CHART_DEFAULT_ARGS.query, "--query.auto-downsampling", "--deduplication.func=chain", `--query.promql-engine=${QUERY_ENGINE}`],
    ...monitored(),
  };
}

/** Query Frontend: an in-memory results cache in front of Query, falling back to downsampled data. */
function queryFrontendValues(): ThanosValues["queryFrontend"] {
  return {
    enabled: true,
    replicaCount: 2,
    service: { port: QUERY_FRONTEND_PORT },
    cacheConfig: RESULTS_CACHE,
    // A range request with max_source_resolution=auto (what Grafana sends, see thanosDatasource)
    // that comes back empty or partial is asked again at 5m, then 1h, so history older than the
    // 5m retention answers too. Thanos v0.42.4 defaults this to true; set so a default change
    // cannot turn it off silently.
    extraArgs: ["--query-range.request-downsampled"],
    ...monitored(),
  };
}

/** Store Gateway: two replicas, each serving every block from the bucket. */
function storeGatewayValues(): ThanosValues["storegateway"] {
  return {
    enabled: true,
    replicaCount: 2,
    // Query finds the store gateways by DNS SRV on their Service, which the chart makes headless
    // only in sharded mode (templates/storegateway/service.yaml); a ClusterIP Service answers
    // with one address, so Query would hold one connection to one of the two replicas. One
    // shard of two replicas keeps both serving every block and makes the Service headless.
    sharded: { enabled: true, hashPartitioning: { shards: 1 }, timePartitioning: [] },
    ...monitored(),
  };
}

/** Compactor: retention per resolution, downsampling, and offline deduplication of the receivers' copies. */
function compactorValues(retention: CentralSettings["retention"]): ThanosValues["compactor"] {
  return {
    enabled: true,
    // Downsampling stays on (the chart passes no --downsampling.disable); the schema makes
    // sure raw and 5m blocks live long enough to be downsampled.
    retention: { resolutionRaw: retention.raw, resolution5m: retention.fiveMinutes, resolution1h: retention.oneHour },
    // Receive uploads one copy of every block per replica (the replication factor). The copies
    // hold identical samples, so offline one-to-one deduplication (which turns on vertical
    // compaction) stores the data once and keeps the overlaps a receiver restart leaves from
    // halting compaction. The Prometheus replicas' blocks differ and stay deduplicated at query time.
    extraArgs: [...CHART_DEFAULT_ARGS.compactor, `--deduplication.replica-label=${REPLICA_LABELS.receive}`],
    vpa: { enabled: false },
    ...monitored(),
  };
}

/** Ruler: our alerting rules, evaluated through Query and sent to every Alertmanager replica. */
function rulerValues(endpoints: CentralEndpoints, rulerRules: string): ThanosValues["ruler"] {
  return {
    enabled: true,
    replicaCount: 2,
    query: { urls: [endpoints.queryUrl] },
    // Every Alertmanager replica gets every alert; the chart drops ruler_replica so they deduplicate.
    alertmanagers: {
      config: ["alertmanagers:", "  - static_configs:", `      - ${endpoints.alertmanagers}`, "    scheme: http", "    api_version: v2", ""].join("\n"),
    },
    rules: { [CHART_RULE_FILE]: escapeForHelmTpl(rulerRules) },
    // Its rule-importer sidecar runs an unpinned `latest` kubectl image.
    autoImportPrometheusRules: { enabled: false },
    ...monitored(),
  };
}
