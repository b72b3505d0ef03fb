/** Prometheus Agent: the edge agents' ingestion, WAL and remote-write queue to central. */
import { clusterVariable, Dashboard, DASHBOARD_UIDS, EdgeScope, newDashboard, promql, RATE, tenantVariable, timeseriesPanel, withPanels } from "./builders";

export function prometheusAgentDashboard(scope: EdgeScope): Dashboard {
  const { edge, bySource, sourceLegend } = scope;
  const board = newDashboard(DASHBOARD_UIDS.agent, "Prometheus Agent", "The edge agents: ingestion, WAL and the remote-write queue to central.")
    .withVariable(clusterVariable("prometheus_remote_storage_samples_total"))
    .withVariable(tenantVariable(scope));
  const byPod = `${bySource}, pod`;
  const podLegend = `${sourceLegend} {{pod}}`;
  const perSecond = (metric: string, legend: string) => promql(`sum by (${bySource}) (rate(${metric}{${edge}}[${RATE}]))`, legend);
  const shards = (metric: string) => `max by (${bySource}) (${metric}{${edge}})`;
  return withPanels(board, [
    timeseriesPanel("Samples appended per second", promql(`sum by (${byPod}) (rate(prometheus_agent_samples_appended_total{${edge}}[${RATE}]))`, podLegend)).unit("ops"),
    timeseriesPanel("Active series", promql(`sum by (${byPod}) (prometheus_agent_active_series{${edge}})`, podLegend)),
    timeseriesPanel(
      "Remote write: samples per second",
      perSecond("prometheus_remote_storage_samples_total", `sent ${sourceLegend}`),
      perSecond("prometheus_remote_storage_samples_failed_total", `failed ${sourceLegend}`),
      perSecond("prometheus_remote_storage_samples_retried_total", `retried ${sourceLegend}`),
      perSecond("prometheus_remote_storage_samples_dropped_total", `dropped ${sourceLegend}`),
    )
      .unit("ops")
      .span(24),
    timeseriesPanel(
      "Remote write: lag",
      promql(
        `prometheus_remote_storage_highest_timestamp_in_seconds{${edge}} - ignoring (remote_name, url) group_right prometheus_remote_storage_queue_highest_sent_timestamp_seconds{${edge}}`,
        podLegend,
      ),
    ).unit("s"),
    timeseriesPanel("Remote write: pending samples", promql(`sum by (${byPod}) (prometheus_remote_storage_samples_pending{${edge}})`, podLegend)),
    timeseriesPanel(
      "Remote write: shards",
      promql(shards("prometheus_remote_storage_shards"), `current ${sourceLegend}`),
      promql(shards("prometheus_remote_storage_shards_desired"), `desired ${sourceLegend}`),
      promql(shards("prometheus_remote_storage_shards_max"), `max ${sourceLegend}`),
    ),
    timeseriesPanel("WAL corruptions (last hour)", promql(`sum by (${byPod}) (increase(prometheus_agent_corruptions_total{${edge}}[1h]))`, podLegend)),
    timeseriesPanel("Agent memory", promql(`sum by (${byPod}) (container_memory_working_set_bytes{${edge}, container="prometheus"})`, podLegend)).unit("bytes"),
  ]);
}
