/**
 * Rule group platform-thanos (central Prometheus): the Thanos components' own health, from
 * the central Prometheus's local scrapes, so it still fires when Query or the Ruler is down.
 */
import { THANOS_METRICS, ThanosComponent, thanosJobSelector } from "../selectors";
import { ALERTS, AlertingConfig, AlertingRule, RuleGroup } from "./model";

/** What every rule of the group names: where the components run and the receivers' write quorum. */
interface ThanosScope {
  /** The central namespace. */
  ns: string;
  cluster: string;
  /** Receive's replication factor, and the replicas a write needs. */
  rf: number;
  quorum: number;
  /** A component's job selector within the central namespace. */
  job: (component: ThanosComponent) => string;
  /** The runbook's first steps for a component's pods (its app.kubernetes.io/component label). */
  podsRunbook: (component: string) => string;
}

export function thanosRuleGroup(config: AlertingConfig): RuleGroup {
  const ns = config.central.namespace;
  const rf = config.central.receive.replicationFactor;
  const scope: ThanosScope = {
    ns,
    cluster: config.cluster,
    rf,
    quorum: Math.floor(rf / 2) + 1,
    job: (component) => thanosJobSelector(component, ns),
    podsRunbook: (component) =>
      `1) kubectl -n ${ns} get pods -l app.kubernetes.io/component=${component}; 2) describe and read the logs of the failing pods; ` +
      `3) check the objstore Secret and the bucket's reachability if they fail at start.`,
  };
  return {
    name: "platform-thanos",
    rules: [...receiveRules(scope), receiveStorageFailing(scope), receiveTenantLimited(scope), compactHalted(scope), ...componentDownRules(scope)],
  };
}

/** Receivers down, their write quorum, replication and write errors. */
function receiveRules({ cluster, rf, quorum, job, podsRunbook }: ThanosScope): AlertingRule[] {
  const { httpRequests, receiveReplications } = THANOS_METRICS;
  return [
    {
      alert: ALERTS.thanosReceiveDown,
      expr: `up{${job("receive")}} == 0`,
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
      expr: `(sum(max by (pod) (up{${job("receive")}})) or vector(0)) < ${quorum}`,
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
        `sum by (job) (rate(${receiveReplications}{result="error", ${job("receive")}}[5m]))`,
        `/`,
        `sum by (job) (rate(${receiveReplications}{${job("receive")}}[5m]))`,
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
        `sum by (job) (rate(${httpRequests}{handler="receive", code=~"5..", ${job("receive")}}[5m]))`,
        `/`,
        `sum by (job) (rate(${httpRequests}{handler="receive", ${job("receive")}}[5m]))`,
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
  ];
}

/**
 * A receiver whose volume is full or read-only stays up and ready and keeps routing writes to
 * its peers, so neither `up` nor the 5xx rate shows it; its TSDB's failed WAL writes do. The
 * window is short so a single hiccup does not hold it for `for`.
 */
function receiveStorageFailing({ ns, cluster, rf, quorum, job }: ThanosScope): AlertingRule {
  return {
    alert: ALERTS.thanosReceiveStorageFailing,
    expr: `sum by (job, pod) (increase(${THANOS_METRICS.receiveWalWritesFailed}{${job("receive")}}[2m])) > 0`,
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
  };
}

/**
 * A tenant over its receive limits. The limiter's own metrics name the tenant of the client
 * certificate; http_requests_total's tenant label is only what the header claims.
 */
function receiveTenantLimited({ cluster, job }: ThanosScope): AlertingRule {
  return {
    alert: ALERTS.thanosReceiveTenantLimited,
    expr: [
      `sum by (tenant, limit) (`,
      `  rate(${THANOS_METRICS.receiveWriteLimitsHit}{${job("receive")}}[5m])`,
      `  or`,
      `  label_replace(rate(${THANOS_METRICS.receiveHeadSeriesLimited}{${job("receive")}}[5m]), "limit", "head_series", "", "")`,
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
  };
}

function compactHalted({ cluster, job }: ThanosScope): AlertingRule {
  return {
    alert: ALERTS.thanosCompactHalted,
    expr: `max by (job) (${THANOS_METRICS.compactHalted}{${job("compact")}}) == 1`,
    for: "5m",
    labels: { severity: "warning", cluster },
    annotations: {
      summary: `Thanos Compactor is halted in cluster ${cluster}`,
      description:
        `The compactor hit an error it will not retry (often overlapping blocks). Until fixed, nothing is compacted, downsampled or deleted by retention, ` +
        `and long-range queries slow down. Runbook: 1) read the compactor's logs for the halting error and the block ids; ` +
        `2) inspect the blocks (thanos tools bucket inspect / verify); 3) move the bad block aside, then restart the compactor.`,
    },
  };
}

/** "No target of the component is up", for the components a single alert covers. */
function componentDownRules(scope: ThanosScope): AlertingRule[] {
  const { podsRunbook } = scope;
  const down = (alert: string, component: ThanosComponent, what: string, impact: string, runbook: string): AlertingRule => ({
    alert,
    expr: `absent(up{${scope.job(component)}} == 1)`,
    for: "5m",
    labels: { severity: "critical", cluster: scope.cluster },
    annotations: {
      summary: `${what} is down in cluster ${scope.cluster}`,
      description: `No ${what} target in namespace ${scope.ns} has been up for 5m. ${impact} Runbook: ${runbook}`,
    },
  });
  return [
    down(ALERTS.thanosStoreGatewayDown, "store", "Thanos Store Gateway", "Data older than the receivers' local retention cannot be queried.", podsRunbook("storegateway")),
    down(ALERTS.thanosQueryDown, "query", "Thanos Query", "Grafana shows no data and the Ruler cannot evaluate the fleet's alerts.", podsRunbook("query")),
    down(ALERTS.thanosQueryFrontendDown, "queryFrontend", "Thanos Query Frontend", "Grafana and the queryUrl output get no answers.", podsRunbook("query-frontend")),
    down(
      ALERTS.thanosRulerDown,
      "ruler",
      "Thanos Ruler",
      "The fleet-wide alerts (remote write, tenants, disk, memory) are not evaluated.",
      podsRunbook("ruler"),
    ),
  ];
}
