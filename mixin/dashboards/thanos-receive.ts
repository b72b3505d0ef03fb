/** Thanos Receive: the central receivers' writes per tenant, errors, replication, TSDB and uploads. */
import { DASHBOARD_THANOS_JOBS } from "../selectors";
import {
  CLUSTER,
  clusterVariable,
  Dashboard,
  DASHBOARD_UIDS,
  newDashboard,
  promql,
  queryVariable,
  RATE,
  statPanel,
  tablePanel,
  timeseriesPanel,
  withPanels,
} from "./builders";

export function thanosReceiveDashboard(): Dashboard {
  const receive = DASHBOARD_THANOS_JOBS.receive;
  /** The receivers' series in the selected clusters. */
  const receivers = `${receive}, ${CLUSTER}`;
  const board = newDashboard(DASHBOARD_UIDS.receive, "Thanos Receive", "The central receivers: writes per tenant, errors, replication, TSDB and uploads.")
    .withVariable(clusterVariable(`up{${receive}}`))
    // Thanos Receive labels its own request metrics with `tenant`, whatever the tenant label of the series.
    .withVariable(queryVariable("tenant", "Tenant", `http_requests_total{${receive}, handler="receive", tenant!=""}`, "tenant"));
  const writes = (matchers = "") => `sum(rate(http_requests_total{${receivers}, handler="receive"${matchers}}[${RATE}]))`;
  const errorRatio = (metric: string) => `sum(rate(${metric}{${receivers}, result="error"}[${RATE}])) / sum(rate(${metric}{${receivers}}[${RATE}]))`;
  return withPanels(board, [
    statPanel("Receivers up", promql(`sum(up{${receivers}})`)).span(6),
    statPanel("Write error ratio", promql(`${writes(', code=~"5.."')} / ${writes()}`)).span(6).unit("percentunit"),
    tablePanel("Seconds since the last upload", promql(`time() - max by (pod) (thanos_objstore_bucket_last_successful_upload_time{${receivers}})`)).unit("s"),
    timeseriesPanel(
      "Write requests per second by tenant and code",
      promql(`sum by (tenant, code) (rate(http_requests_total{${receivers}, handler="receive", tenant=~"$tenant"}[${RATE}]))`, "{{tenant}} {{code}}"),
    ).unit("reqps"),
    timeseriesPanel(
      "Write latency p99",
      promql(`histogram_quantile(0.99, sum by (le, pod) (rate(http_request_duration_seconds_bucket{${receivers}, handler="receive"}[${RATE}])))`, "{{pod}}"),
    ).unit("s"),
    timeseriesPanel(
      "Samples received per second by tenant",
      promql(`sum by (tenant) (rate(thanos_receive_write_samples_sum{${receivers}, code=~"2..", tenant=~"$tenant"}[${RATE}]))`, "{{tenant}}"),
    ).unit("ops"),
    timeseriesPanel(
      "Replication and forward error ratio",
      promql(errorRatio("thanos_receive_replications_total"), "replication"),
      promql(errorRatio("thanos_receive_forward_requests_total"), "forward"),
    ).unit("percentunit"),
    timeseriesPanel("Head series by tenant and receiver", promql(`sum by (tenant, pod) (prometheus_tsdb_head_series{${receivers}, tenant=~"$tenant"})`, "{{tenant}} {{pod}}")),
    timeseriesPanel("Receiver memory", promql(`sum by (pod) (container_memory_working_set_bytes{${CLUSTER}, pod=~".*receive.*", container!=""})`, "{{pod}}")).unit("bytes"),
  ]);
}
