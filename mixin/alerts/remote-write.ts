/** Rule group platform-remote-write (Ruler): is every agent's remote write getting through, in time, intact. */
import { REMOTE_WRITE_METRICS, REMOTE_WRITE_TIMESTAMPS, WAL_CORRUPTION_METRICS } from "../selectors";
import { ALERTS, AlertingConfig, RuleGroup, sourceLabels } from "./model";

/** A counter's rate under its current name, or its pre-2.23 one (REMOTE_WRITE_METRICS). */
function rateEither(current: string, legacy: string, window = "5m"): string {
  return `rate(${current}[${window}]) or rate(${legacy}[${window}])`;
}

export function remoteWriteRuleGroup(config: AlertingConfig): RuleGroup {
  const { tenant, where, bySource } = sourceLabels(config);
  const failed = rateEither(REMOTE_WRITE_METRICS.failed, REMOTE_WRITE_METRICS.legacyFailed);
  const sent = rateEither(REMOTE_WRITE_METRICS.sent, REMOTE_WRITE_METRICS.legacySucceeded);
  return {
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
          `max_over_time(${REMOTE_WRITE_TIMESTAMPS.newestAppended}[5m])`,
          `- ignoring (remote_name, url) group_right`,
          `max_over_time(${REMOTE_WRITE_TIMESTAMPS.newestSent}[5m])`,
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
        expr: [
          `increase(${WAL_CORRUPTION_METRICS.agent}[30m]) > 0`,
          `or`,
          `increase(${WAL_CORRUPTION_METRICS.tsdb}[30m]) > 0`,
        ].join("\n"),
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
  };
}
