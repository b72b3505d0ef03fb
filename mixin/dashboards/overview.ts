/** Multi-Cluster Overview: which clusters and tenants send, how much, how fresh, and what is firing. */
import {
  CLUSTER,
  clusterVariable,
  Dashboard,
  DASHBOARD_UIDS,
  EdgeScope,
  newDashboard,
  promql,
  RATE,
  statPanel,
  tablePanel,
  tenantVariable,
  timeseriesPanel,
  withPanels,
} from "./builders";

export function overviewDashboard(scope: EdgeScope): Dashboard {
  const { tenantLabel: tl, edge, bySource, sourceLegend } = scope;
  const board = newDashboard(DASHBOARD_UIDS.overview, "Multi-Cluster Overview", "Which clusters and tenants send, how much, how fresh, and what is firing.")
    .withVariable(clusterVariable())
    .withVariable(tenantVariable(scope));
  const firing = `ALERTS{alertstate="firing", ${CLUSTER}}`;
  const sent = `rate(prometheus_remote_storage_samples_total{${edge}}[${RATE}])`;
  const failed = `rate(prometheus_remote_storage_samples_failed_total{${edge}}[${RATE}])`;
  return withPanels(board, [
    statPanel("Sources sending", promql(`count(count by (${bySource}) (up{${edge}, ${tl}!=""}))`)).span(6),
    statPanel("Targets down", promql(`count(up{${edge}} == 0) or vector(0)`)).span(6),
    statPanel("Firing alerts", promql(`count(${firing}) or vector(0)`)).span(6),
    statPanel("Samples sent per second", promql(`sum(${sent})`)).span(6).unit("ops"),
    tablePanel("Seconds since the last sample", promql(`time() - max by (${bySource}) (timestamp(up{${edge}}))`))
      .description("Per cluster and tenant; above 300 the TenantStoppedSending alert fires.")
      .unit("s"),
    tablePanel("Firing alerts by cluster", promql(`count by (cluster, alertname, severity) (${firing})`)),
    timeseriesPanel("Samples sent per second by source", promql(`sum by (${bySource}) (${sent})`, sourceLegend)).unit("ops"),
    timeseriesPanel("Remote-write failure ratio", promql(`sum by (${bySource}) (${failed}) / sum by (${bySource}) (${sent})`, sourceLegend)).unit("percentunit"),
    timeseriesPanel(
      "Remote-write lag",
      promql(
        `max by (${bySource}) (prometheus_remote_storage_highest_timestamp_in_seconds{${edge}} - ignoring (remote_name, url) group_right prometheus_remote_storage_queue_highest_sent_timestamp_seconds{${edge}})`,
        sourceLegend,
      ),
    )
      .description("Newest scraped sample minus newest sent sample.")
      .unit("s"),
    timeseriesPanel("Targets down by cluster", promql(`count by (cluster) (up{${edge}} == 0)`, "{{cluster}}")),
  ]);
}
