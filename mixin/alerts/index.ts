/**
 * The platform's alert rules, as pure functions of the validated central config.
 *
 * Two evaluators, because an alert cannot watch the path it is evaluated through:
 *
 * - The Thanos Ruler evaluates the fleet-wide rules (every edge cluster and tenant:
 *   remote write, silence, WAL, disk, memory) through Thanos Query, which is the only
 *   place that sees all clusters. `ruleFileYaml(rulerRuleGroups(config))` becomes the thanos
 *   chart's `ruler.rules` file (components/central/thanos-values.ts).
 * - The central Prometheus evaluates the Thanos components' own health from its local
 *   scrapes (the chart's ServiceMonitors), so "Query down" or "Ruler down" still fires
 *   when Query or the Ruler is down. `centralPrometheusRulesMap` feeds
 *   kube-prometheus-stack's `additionalPrometheusRulesMap`.
 *
 * Every alert carries `severity` (critical | warning) and `cluster`, plus `tenant` where a
 * tenant applies (taken from the receivers' tenant label, `central.receive.tenantLabel`).
 */
import * as YAML from "yaml";
import { CentralStackConfig } from "../../config/stack";
import { TenantRef } from "../../config/outputs";
import { REMOTE_WRITE_METRICS } from "../selectors";

export type Severity = "critical" | "warning";

export interface AlertingRule {
  alert: string;
  expr: string;
  /** How long the condition must hold before the alert fires; immediately when absent. */
  for?: string;
  labels: { severity: Severity } & Record<string, string>;
  /** `description` ends with the runbook: what to check, in order. */
  annotations: { summary: string; description: string };
}

export interface RuleGroup {
  name: string;
  rules: AlertingRule[];
}

/** The part of the central stack config the rules depend on. */
export type AlertingConfig = Pick<CentralStackConfig, "cluster" | "central">;

/** The Ruler's rules also name every tenant expected to write. */
export type RulerConfig = AlertingConfig & {
  /** Those of every edge stack file naming this central stack (config/fleet.ts). */
  tenants: readonly TenantRef[];
};

/** Every alert name, for routing and inhibition rules that refer to them. */
export const ALERTS = {
  remoteWriteFailing: "RemoteWriteFailing",
  remoteWriteBehind: "RemoteWriteBehind",
  agentWalCorruption: "AgentWalCorruption",
  tenantStoppedSending: "TenantStoppedSending",
  expectedTenantMissing: "ExpectedTenantMissing",
  nodeDiskSpaceLow: "NodeDiskSpaceLow",
  persistentVolumeSpaceLow: "PersistentVolumeSpaceLow",
  nodeMemoryHigh: "NodeMemoryHigh",
  containerMemoryNearLimit: "ContainerMemoryNearLimit",
  thanosReceiveDown: "ThanosReceiveDown",
  thanosReceiveQuorumLost: "ThanosReceiveQuorumLost",
  thanosReceiveReplicationFailures: "ThanosReceiveReplicationFailures",
  thanosReceiveWriteErrors: "ThanosReceiveWriteErrors",
  thanosReceiveStorageFailing: "ThanosReceiveStorageFailing",
  thanosReceiveTenantLimited: "ThanosReceiveTenantLimited",
  thanosCompactHalted: "ThanosCompactHalted",
  thanosStoreGatewayDown: "ThanosStoreGatewayDown",
  thanosQueryDown: "ThanosQueryDown",
  thanosQueryFrontendDown: "ThanosQueryFrontendDown",
  thanosRulerDown: "ThanosRulerDown",
} as const;

/** How long a source may be silent before it counts as stopped. */
export const SILENCE = "5m";
/**
 * How far back the list-free "stopped sending" alert remembers a source. A source silent
 * for longer drops out of it; listed tenants keep firing ExpectedTenantMissing.
 */
export const REMEMBER_SOURCES = "24h";


/** File names of the plain Prometheus rule files (synth output, promtool tests). */
export const RULE_FILES = { ruler: "ruler-alerts.yaml", centralPrometheus: "central-prometheus-alerts.yaml" } as const;

/**
 * Job matchers for the Thanos components' ServiceMonitor targets. The operator names a
 * target's job after its Service (`<release>-receive`, ...), so match by substring, within
 * the central namespace.
 */
function thanosJob(component: "receive" | "query" | "queryFrontend" | "store" | "compact" | "ruler", namespace: string): string {
  const job = {
    receive: 'job=~".*receive.*"',
    query: 'job=~".*query.*", job!~".*frontend.*"',
    queryFrontend: 'job=~".*query-frontend.*"',
    store: 'job=~".*store.*"',
    compact: 'job=~".*compact.*"',
    ruler: 'job=~".*rule.*"',
  }[component];
  return `${job}, namespace="${namespace}"`;
}

/** A counter's rate under its current name, or its pre-2.23 one (REMOTE_WRITE_METRICS). */
function rateEither(current: string, legacy: string, window = "5m"): string {
  return `rate(${current}[${window}]) or rate(${legacy}[${window}])`;
}

/** Rules evaluated by the Thanos Ruler through Thanos Query: every cluster and tenant. */
export function rulerRuleGroups(config: RulerConfig): RuleGroup[] {
  const tenantLabel = config.central.receive.tenantLabel;
  const tenant = `{{ $labels.${tenantLabel} }}`;
  const where = `cluster {{ $labels.cluster }}{{ with $labels.${tenantLabel} }}, tenant {{ . }}{{ end }}`;
  const bySource = `cluster, ${tenantLabel}`;
  const failed = rateEither(REMOTE_WRITE_METRICS.failed, REMOTE_WRITE_METRICS.legacyFailed);
  const sent = rateEither(REMOTE_WRITE_METRICS.sent, REMOTE_WRITE_METRICS.legacySucceeded);

  // One rule covering every expected tenant (the edge stack files' tenants): each
  // absent_over_time term reports the cluster and tenant label it looked for.
  const expected = config.tenants;
  const expectedTenantMissing: AlertingRule[] =
    expected.length === 0
      ? []
      : [
          {
            alert: ALERTS.expectedTenantMissing,
            expr: expected.map((t) => `absent_over_time(up{cluster="${t.cluster}", ${tenantLabel}="${t.id}"}[${SILENCE}])`).join("\nor\n"),
            labels: { severity: "critical", tenant },
            annotations: {
              summary: `Expected tenant ${tenant} of cluster {{ $labels.cluster }} sends no samples`,
              description:
                `An edge stack file declares this tenant, but no sample arrived from it in the last ${SILENCE} (or ever). ` +
                `Runbook: 1) on the cluster, check the agent writing as this tenant (the cluster agent, or the tenant's PrometheusAgent in the namespace named after it); ` +
                `2) check that it writes with its own tenant's client certificate (Secret remote-write-client in its namespace), unexpired (npm run verify); ` +
                `3) check the network path to the receive LoadBalancer; ` +
                `4) if the tenant was retired on purpose, remove it from its edge stack file and deploy the central stack again.`,
            },
          },
        ];

  return [
    {
      name: "platform-remote-write",
      rules: [
        {
          alert: ALERTS.remoteWriteFailing,
          expr: [
            `sum by (${bySource}) (${failed})`,
            `/`,
            `(sum by (${bySource}) (${failed}) + sum by (${bySource}) (${sent}))`,
            `> 0.01`,
          ].join("\n"),
          for: "5m",
          labels: { severity: "critical", tenant },
          annotations: {
            summary: `Remote write from ${where} is failing`,
            description:
              `{{ $value | humanizePercentage }} of the samples the agent sent in the last 5m were rejected (more than 1%); they are lost. ` +
              `Runbook: 1) agent logs (kubectl -n monitoring logs on the cluster's prometheus agent pod) for the HTTP status; ` +
              `2) 4xx: the receiver rejects the data (out-of-order, or a tenant limit: see ThanosReceiveTenantLimited) - check the receive logs for the tenant; a TLS error: its client certificate (npm run verify); ` +
              `3) 5xx: check ThanosReceive* alerts and the receivers' health on the central cluster.`,
          },
        },
        {
          alert: ALERTS.remoteWriteBehind,
          expr: [
            `max_over_time(prometheus_remote_storage_highest_timestamp_in_seconds[5m])`,
            `- ignoring (remote_name, url) group_right`,
            `max_over_time(prometheus_remote_storage_queue_highest_sent_timestamp_seconds[5m])`,
            `> 300`,
          ].join("\n"),
          for: "15m",
          labels: { severity: "warning", tenant },
          annotations: {
            summary: `Remote write from ${where} is {{ $value | humanizeDuration }} behind`,
            description:
              `The agent's queue to {{ $labels.url }} has a backlog: the newest sent sample is more than 5m older than the newest scraped one. ` +
              `The WAL buffers it only up to edge.wal.maxTime, after which samples are dropped. ` +
              `Runbook: 1) check the receivers' latency and errors on the Thanos Receive dashboard; ` +
              `2) check the network from the edge to the receive LoadBalancer; ` +
              `3) if prometheus_remote_storage_shards_desired stays above shards_max, raise edge.remoteWrite.queue.maxShards.`,
          },
        },
        {
          alert: ALERTS.agentWalCorruption,
          expr: [`increase(prometheus_agent_corruptions_total[30m]) > 0`, `or`, `increase(prometheus_tsdb_wal_corruptions_total[30m]) > 0`].join("\n"),
          labels: { severity: "warning", tenant },
          annotations: {
            summary: `Prometheus in ${where} found a corrupted WAL`,
            description:
              `{{ $labels.pod }} repaired a corrupted write-ahead log; the samples in the damaged segments are lost. ` +
              `Runbook: 1) check the pod's restarts and OOM kills (an unclean stop corrupts the WAL tail); ` +
              `2) check the node's disk and the PVC for I/O errors (dmesg, kubelet events); ` +
              `3) if it repeats, move the agent's volume to healthy storage.`,
          },
        },
      ],
    },
    {
      name: "platform-tenants",
      rules: [
        {
          alert: ALERTS.tenantStoppedSending,
          expr: [
            `group by (${bySource}) (present_over_time(up{${tenantLabel}!=""}[${REMEMBER_SOURCES}]))`,
            `unless`,
            `group by (${bySource}) (present_over_time(up{${tenantLabel}!=""}[${SILENCE}]))`,
          ].join("\n"),
          labels: { severity: "warning", tenant },
          annotations: {
            summary: `Samples from ${where} stopped arriving`,
            description:
              `Central received samples from this cluster and tenant in the last ${REMEMBER_SOURCES} but none in the last ${SILENCE}. ` +
              `Runbook: 1) on the edge cluster, check the agent pod (kubectl -n monitoring get pods; logs); ` +
              `2) check the remote-write URL and its client certificate (Secret remote-write-client, unexpired: npm run verify); ` +
              `3) check the network path to the receive LoadBalancer (loadBalancerSourceRanges, firewalls); ` +
              `4) the agent keeps up to edge.wal.maxTime of samples and sends them once the path is back.`,
          },
        },
        ...expectedTenantMissing,
      ],
    },
    {
      name: "platform-resources",
      rules: [
        {
          alert: ALERTS.nodeDiskSpaceLow,
          expr: [
            `node_filesystem_avail_bytes{fstype!~"tmpfs|ramfs|squashfs|overlay", mountpoint!=""} / node_filesystem_size_bytes * 100 < 10`,
            `and`,
            `node_filesystem_readonly == 0`,
          ].join("\n"),
          for: "10m",
          labels: { severity: "warning", tenant },
          annotations: {
            summary: `Disk {{ $labels.mountpoint }} on {{ $labels.instance }} in cluster {{ $labels.cluster }} has {{ $value | printf "%.1f" }}% free`,
            description:
              `Less than 10% space is left on {{ $labels.device }}. ` +
              `Runbook: 1) find what grows (du on the node, kubectl describe node for image and ephemeral storage); ` +
              `2) prune unused images (crictl rmi --prune) and old logs; ` +
              `3) grow the disk or move workloads before it fills and the kubelet starts evicting pods.`,
          },
        },
        {
          alert: ALERTS.persistentVolumeSpaceLow,
          expr: `kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes * 100 < 10`,
          for: "10m",
          labels: { severity: "warning", tenant },
          annotations: {
            summary: `Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} in cluster {{ $labels.cluster }} has {{ $value | printf "%.1f" }}% free`,
            description:
              `Less than 10% space is left on the PersistentVolumeClaim. For a receiver, a full volume stops ingestion; for an agent, it stops the WAL. ` +
              `Runbook: 1) check what fills it (a receiver's TSDB grows when uploads to the bucket fail: see its logs and ThanosReceive* alerts); ` +
              `2) expand the PVC (receive.storageSize, edge.wal.storageSize) if the StorageClass allows expansion; ` +
              `3) otherwise shorten the retention (receive.retention, edge.wal.maxTime).`,
          },
        },
        {
          alert: ALERTS.nodeMemoryHigh,
          expr: `(1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) * 100 > 90`,
          for: "15m",
          labels: { severity: "warning", tenant },
          annotations: {
            summary: `Node {{ $labels.instance }} in cluster {{ $labels.cluster }} uses {{ $value | printf "%.1f" }}% of its memory`,
            description:
              `More than 90% of the node's memory has been in use for 15m; the kernel will soon OOM-kill processes. ` +
              `Runbook: 1) find the largest pods on the node (kubectl top pods -A --sort-by=memory); ` +
              `2) check for pods without memory limits; 3) move or resize workloads, or add nodes.`,
          },
        },
        {
          alert: ALERTS.containerMemoryNearLimit,
          expr: [
            `sum by (${bySource}, namespace, pod, container) (container_memory_working_set_bytes{container!="", image!=""})`,
            `/`,
            `sum by (${bySource}, namespace, pod, container) (kube_pod_container_resource_limits{resource="memory"})`,
            `* 100 > 90`,
          ].join("\n"),
          for: "15m",
          labels: { severity: "warning", tenant },
          annotations: {
            summary: `{{ $labels.namespace }}/{{ $labels.pod }}/{{ $labels.container }} in cluster {{ $labels.cluster }} is at {{ $value | printf "%.1f" }}% of its memory limit`,
            description:
              `The container's working set has been above 90% of its memory limit for 15m; it is about to be OOM-killed. ` +
              `Runbook: 1) check its restarts and last termination reason (kubectl describe pod); ` +
              `2) for an agent, more active series need more memory: raise edge.resources; for a receiver, raise receive.resources; ` +
              `3) look for a cardinality explosion on the Multi-Tenancy dashboard.`,
          },
        },
      ],
    },
  ];
}

/** Rules evaluated by the central Prometheus from its own scrapes of the Thanos components. */
export function centralPrometheusRuleGroups(config: AlertingConfig): RuleGroup[] {
  const ns = config.central.namespace;
  const cluster = config.cluster;
  const rf = config.central.receive.replicationFactor;
  const quorum = Math.floor(rf / 2) + 1;
  const down = (
    alert: string,
    component: Parameters<typeof thanosJob>[0],
    what: string,
    impact: string,
    runbook: string,
  ): AlertingRule => ({
    alert,
    expr: `absent(up{${thanosJob(component, ns)}} == 1)`,
    for: "5m",
    labels: { severity: "critical", cluster },
    annotations: {
      summary: `${what} is down in cluster ${cluster}`,
      description: `No ${what} target in namespace ${ns} has been up for 5m. ${impact} Runbook: ${runbook}`,
    },
  });
  const podsRunbook = (component: string) =>
    `1) kubectl -n ${ns} get pods -l app.kubernetes.io/component=${component}; 2) describe and read the logs of the failing pods; ` +
    `3) check the objstore Secret and the bucket's reachability if they fail at start.`;

  return [
    {
      name: "platform-thanos",
      rules: [
        {
          alert: ALERTS.thanosReceiveDown,
          expr: `up{${thanosJob("receive", ns)}} == 0`,
          for: "5m",
          labels: { severity: "warning", cluster },
          annotations: {
            summary: `Thanos receiver {{ $labels.pod }} is down in cluster ${cluster}`,
            description:
              `A receiver has not answered its scrape for 5m. Writes still succeed while ${quorum} of ${rf} replicas are up, without headroom. ` +
              `Runbook: ${podsRunbook("receive")} 4) check its PVC (PersistentVolumeSpaceLow) and OOM kills.`,
          },
        },
        {
          alert: ALERTS.thanosReceiveQuorumLost,
          expr: `(sum(max by (pod) (up{${thanosJob("receive", ns)}})) or vector(0)) < ${quorum}`,
          for: "2m",
          labels: { severity: "critical", cluster },
          annotations: {
            summary: `Only {{ $value }} Thanos receivers are up in cluster ${cluster}; writes need ${quorum}`,
            description:
              `With replication factor ${rf}, every write needs ${quorum} receivers. Fewer are up, so remote writes from all edges fail ` +
              `and the agents buffer in their WAL. Runbook: ${podsRunbook("receive")} 4) check node capacity and PVC binding for pending pods.`,
          },
        },
        {
          alert: ALERTS.thanosReceiveReplicationFailures,
          expr: [
            `sum by (job) (rate(thanos_receive_replications_total{result="error", ${thanosJob("receive", ns)}}[5m]))`,
            `/`,
            `sum by (job) (rate(thanos_receive_replications_total{${thanosJob("receive", ns)}}[5m]))`,
            `> 0.05`,
          ].join("\n"),
          for: "5m",
          labels: { severity: "warning", cluster },
          annotations: {
            summary: `Thanos Receive fails {{ $value | humanizePercentage }} of replications in cluster ${cluster}`,
            description:
              `More than 5% of the copies a receiver forwards to its peers fail; data is kept on fewer than ${rf} replicas. ` +
              `Runbook: 1) check ThanosReceiveDown and the receivers' restarts; 2) compare the hashring ConfigMap with the running pods; ` +
              `3) read the receivers' logs for forward errors (timeouts point at overloaded peers).`,
          },
        },
        {
          alert: ALERTS.thanosReceiveWriteErrors,
          expr: [
            `sum by (job) (rate(http_requests_total{handler="receive", code=~"5..", ${thanosJob("receive", ns)}}[5m]))`,
            `/`,
            `sum by (job) (rate(http_requests_total{handler="receive", ${thanosJob("receive", ns)}}[5m]))`,
            `> 0.05`,
          ].join("\n"),
          for: "5m",
          labels: { severity: "critical", cluster },
          annotations: {
            summary: `Thanos Receive rejects {{ $value | humanizePercentage }} of remote writes in cluster ${cluster}`,
            description:
              `More than 5% of remote-write requests end in a 5xx, usually because the write quorum (${quorum} of ${rf}) was not reached. ` +
              `Agents retry and buffer, but fall behind. Runbook: 1) check ThanosReceiveDown / ThanosReceiveQuorumLost; ` +
              `2) read the receivers' logs for "quorum not reached" and TSDB errors; 3) check their CPU and memory against the limits.`,
          },
        },
        {
          // A receiver whose volume is full or read-only stays up and ready and keeps routing
          // writes to its peers, so neither `up` nor the 5xx rate shows it; its TSDB's failed
          // WAL writes do. The window is short so a single hiccup does not hold it for `for`.
          alert: ALERTS.thanosReceiveStorageFailing,
          expr: `sum by (job, pod) (increase(prometheus_tsdb_wal_writes_failed_total{${thanosJob("receive", ns)}}[2m])) > 0`,
          for: "2m",
          labels: { severity: "critical", cluster },
          annotations: {
            summary: `Thanos receiver {{ $labels.pod }} cannot write its TSDB in cluster ${cluster}`,
            description:
              `Writes to the receiver's WAL have failed for 2m: its volume is full or read-only. It still answers and forwards, so writes reach ` +
              `the quorum (${quorum} of ${rf}) on its peers, but its own copy has a gap and one more failing receiver stops every edge's writes; ` +
              `the first head chunk it cannot write makes it exit (then ThanosReceiveDown, a crash loop until the volume takes writes). ` +
              `Runbook: 1) kubectl -n ${ns} exec {{ $labels.pod }} -- df -h /var/thanos/receive (and PersistentVolumeSpaceLow); ` +
              `2) read its logs for WAL errors (no space left on device, read-only file system); ` +
              `3) grow the PVC or free space (uploads failing to the bucket keep blocks locally: check ThanosReceive* and the shipper); it writes again once the volume takes writes.`,
          },
        },
        {
          alert: ALERTS.thanosReceiveTenantLimited,
          // The limiter's own metrics name the tenant of the client certificate; http_requests_total's
          // tenant label is only what the header claims.
          expr: [
            `sum by (tenant, limit) (`,
            `  rate(thanos_receive_write_limits_hit_count{${thanosJob("receive", ns)}}[5m])`,
            `  or`,
            `  label_replace(rate(thanos_receive_head_series_limited_requests_total{${thanosJob("receive", ns)}}[5m]), "limit", "head_series", "", "")`,
            `) > 0`,
          ].join("\n"),
          for: "5m",
          labels: { severity: "warning", cluster },
          annotations: {
            summary: `Thanos Receive refuses writes of tenant {{ $labels.tenant }} over its {{ $labels.limit }} limit in cluster ${cluster}`,
            description:
              `For 5m the receivers have refused this tenant's remote writes: 429 when its active (head) series are over its head series limit, ` +
              `413 when a request is over its size, series or samples limit. On 429 the agent retries and falls behind, keeping samples in its WAL ` +
              `only up to edge.wal.maxTime; on 413 it drops the request's samples. Runbook: 1) find the limit (the alert's limit label, or npm run verify); ` +
              `2) head_series: look for a cardinality explosion in the tenant's series on the Multi-Tenancy dashboard, fix it at the source, or raise ` +
              `central.receive.limits.tenants.<tenant>.headSeries; 3) series/samples/body_size: the agent sends more per request than allowed - compare ` +
              `edge.remoteWrite.queue.maxSamplesPerSend with the tenant's requestSeries/requestSamples/requestSizeBytes; ` +
              `4) after changing the limits, pulumi up the central stack: the receivers reload the limits file without a restart.`,
          },
        },
        {
          alert: ALERTS.thanosCompactHalted,
          expr: `max by (job) (thanos_compact_halted{${thanosJob("compact", ns)}}) == 1`,
          for: "5m",
          labels: { severity: "warning", cluster },
          annotations: {
            summary: `Thanos Compactor is halted in cluster ${cluster}`,
            description:
              `The compactor hit an error it will not retry (often overlapping blocks). Until fixed, nothing is compacted, downsampled or deleted by retention, ` +
              `and long-range queries slow down. Runbook: 1) read the compactor's logs for the halting error and the block ids; ` +
              `2) inspect the blocks (thanos tools bucket inspect / verify); 3) move the bad block aside, then restart the compactor.`,
          },
        },
        down(
          ALERTS.thanosStoreGatewayDown,
          "store",
          "Thanos Store Gateway",
          "Data older than the receivers' local retention cannot be queried.",
          podsRunbook("storegateway"),
        ),
        down(ALERTS.thanosQueryDown, "query", "Thanos Query", "Grafana shows no data and the Ruler cannot evaluate the fleet's alerts.", podsRunbook("query")),
        down(
          ALERTS.thanosQueryFrontendDown,
          "queryFrontend",
          "Thanos Query Frontend",
          "Grafana and the queryUrl output get no answers.",
          podsRunbook("query-frontend"),
        ),
        down(
          ALERTS.thanosRulerDown,
          "ruler",
          "Thanos Ruler",
          "The fleet-wide alerts (remote write, tenants, disk, memory) are not evaluated.",
          podsRunbook("ruler"),
        ),
      ],
    },
  ];
}

/** A Prometheus rule file. */
export function ruleFileYaml(groups: RuleGroup[]): string {
  return YAML.stringify({ groups }, { lineWidth: 0 });
}

/**
 * The plain Prometheus rule files, by file name: what `npm run synth` writes to
 * out/synth/<stack>/rules/ and what the promtool tests load.
 */
export function prometheusRuleFiles(config: RulerConfig): Record<string, string> {
  return {
    [RULE_FILES.ruler]: ruleFileYaml(rulerRuleGroups(config)),
    [RULE_FILES.centralPrometheus]: ruleFileYaml(centralPrometheusRuleGroups(config)),
  };
}

/** kube-prometheus-stack's `additionalPrometheusRulesMap` value: the central Prometheus's rules. */
export function centralPrometheusRulesMap(config: AlertingConfig): Record<string, { groups: RuleGroup[] }> {
  return { "platform-thanos": { groups: centralPrometheusRuleGroups(config) } };
}
