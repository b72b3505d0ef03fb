/**
 * The label selectors and metric names the alert rules (mixin/alerts/) and the dashboards
 * (mixin/dashboards/) query, named once so a renamed job or metric is changed in one place.
 *
 * The rules' and the dashboards' job selectors are not the same: the rules run on the central
 * Prometheus's own scrapes and pin each job matcher to the central namespace
 * (`thanosJobSelector`), so an unrelated job whose name contains "receive" or "query" cannot
 * trip a Thanos alert; the dashboards query every cluster through Thanos Query, narrow by their
 * `cluster` variable instead and use the bare matchers (DASHBOARD_THANOS_JOBS), and have no
 * Compactor or Ruler panels. Changing either set changes deployed queries (tests/golden).
 */

/**
 * Job matchers of the Thanos components' ServiceMonitor targets, as the alert rules use them.
 * The operator names a target's job after its Service (`<release>-receive`, ...), so they match
 * by substring; the rules add the central namespace (`thanosJobSelector`).
 */
export const THANOS_JOBS = {
  /** Thanos Receive (the receivers). */
  receive: 'job=~".*receive.*"',
  /** Thanos Query, without its frontend (whose job also contains "query"). */
  query: 'job=~".*query.*", job!~".*frontend.*"',
  /** Thanos Query Frontend. */
  queryFrontend: 'job=~".*query-frontend.*"',
  /** Thanos Store Gateway. */
  store: 'job=~".*store.*"',
  /** Thanos Compactor. */
  compact: 'job=~".*compact.*"',
  /** Thanos Ruler. */
  ruler: 'job=~".*rule.*"',
} as const;

/** A Thanos component the alert rules select by job. */
export type ThanosComponent = keyof typeof THANOS_JOBS;

/** A rule's selector of one Thanos component: its job matcher within the central namespace. */
export function thanosJobSelector(component: ThanosComponent, namespace: string): string {
  return `${THANOS_JOBS[component]}, namespace="${namespace}"`;
}

/**
 * Job matchers of the Thanos components as the dashboards use them: the rules' matchers
 * without a namespace (the dashboards narrow by their `cluster` variable), for the
 * components the dashboards show.
 */
export const DASHBOARD_THANOS_JOBS = {
  /** Thanos Receive (the receivers). */
  receive: THANOS_JOBS.receive,
  /** Thanos Query, without its frontend. */
  query: THANOS_JOBS.query,
  /** Thanos Query Frontend. */
  queryFrontend: THANOS_JOBS.queryFrontend,
  /** Thanos Store Gateway. */
  store: THANOS_JOBS.store,
  /** Thanos Query and Store Gateway together (the store-API endpoints panel). */
  queryOrStore: 'job=~".*(query|store).*"',
} as const;

/** Filesystems that hold data: not in-memory, image or overlay mounts. */
export const DATA_FILESYSTEMS = 'fstype!~"tmpfs|ramfs|squashfs|overlay", mountpoint!=""';

/** cAdvisor series of containers proper: not the pod-level cgroup aggregates, which carry no container or image. */
export const REAL_CONTAINERS = 'container!="", image!=""';

/**
 * Remote-write counters per Prometheus generation. Since 2.23 (and in 3.x)
 * `samples_total` counts every sample sent, failed ones included; before 2.23 the sent
 * total was `failed_samples_total + succeeded_samples_total`.
 */
export const REMOTE_WRITE_METRICS = {
  failed: "prometheus_remote_storage_samples_failed_total",
  sent: "prometheus_remote_storage_samples_total",
  legacyFailed: "prometheus_remote_storage_failed_samples_total",
  legacySucceeded: "prometheus_remote_storage_succeeded_samples_total",
} as const;

/** Remote-write queue progress, whose difference is how far a queue is behind. */
export const REMOTE_WRITE_TIMESTAMPS = {
  /** Newest sample appended to the WAL (per Prometheus). */
  newestAppended: "prometheus_remote_storage_highest_timestamp_in_seconds",
  /** Newest sample a queue has sent (per queue: remote_name, url). */
  newestSent: "prometheus_remote_storage_queue_highest_sent_timestamp_seconds",
} as const;

/** Counters of write-ahead-log corruptions that Prometheus repaired. */
export const WAL_CORRUPTION_METRICS = {
  /** In agent mode. */
  agent: "prometheus_agent_corruptions_total",
  /** In server mode (the TSDB's WAL). */
  tsdb: "prometheus_tsdb_wal_corruptions_total",
} as const;

/** node-exporter's filesystem and memory gauges. */
export const NODE_METRICS = {
  /** Bytes available to unprivileged users on a filesystem. */
  filesystemAvailable: "node_filesystem_avail_bytes",
  /** A filesystem's size in bytes. */
  filesystemSize: "node_filesystem_size_bytes",
  /** 1 when a filesystem is mounted read-only. */
  filesystemReadonly: "node_filesystem_readonly",
  /** Memory available for new work without swapping. */
  memoryAvailable: "node_memory_MemAvailable_bytes",
  /** The node's total memory. */
  memoryTotal: "node_memory_MemTotal_bytes",
} as const;

/** The kubelet's PersistentVolumeClaim usage gauges. */
export const VOLUME_METRICS = {
  /** Bytes available on a claim's volume. */
  available: "kubelet_volume_stats_available_bytes",
  /** A claim's volume size in bytes. */
  capacity: "kubelet_volume_stats_capacity_bytes",
} as const;

/** Container memory use and limits (cAdvisor, kube-state-metrics). */
export const CONTAINER_METRICS = {
  /** Memory a container uses that the kernel cannot reclaim: what the OOM killer compares with the limit. */
  memoryWorkingSet: "container_memory_working_set_bytes",
  /** A container's resource limits, by `resource` label. */
  resourceLimits: "kube_pod_container_resource_limits",
} as const;

/** The Thanos components' own metrics the rules watch. */
export const THANOS_METRICS = {
  /** HTTP requests served, by handler and code (Receive's remote-write handler is "receive"). */
  httpRequests: "http_requests_total",
  /** Copies a receiver forwarded to its peers, by result. */
  receiveReplications: "thanos_receive_replications_total",
  /** Failed writes to a receiver's TSDB write-ahead log. */
  receiveWalWritesFailed: "prometheus_tsdb_wal_writes_failed_total",
  /** Remote writes a receiver refused over a tenant's request limits, by tenant and limit. */
  receiveWriteLimitsHit: "thanos_receive_write_limits_hit_count",
  /** Remote writes a receiver refused over a tenant's head series limit, by tenant. */
  receiveHeadSeriesLimited: "thanos_receive_head_series_limited_requests_total",
  /** 1 while the Compactor is halted on an error it does not retry. */
  compactHalted: "thanos_compact_halted",
} as const;
