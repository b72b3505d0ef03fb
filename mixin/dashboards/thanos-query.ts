/** Thanos Query: the read path, Query, Query Frontend and the stores behind them. */
import { DASHBOARD_THANOS_JOBS } from "../selectors";
import { CLUSTER, clusterVariable, Dashboard, DASHBOARD_UIDS, newDashboard, promql, RATE, tablePanel, timeseriesPanel, withPanels } from "./builders";

export function thanosQueryDashboard(): Dashboard {
  const { query, queryFrontend, store, queryOrStore } = DASHBOARD_THANOS_JOBS;
  /** Query's HTTP API requests in the selected clusters. */
  const apiRequests = `${query}, ${CLUSTER}, handler=~"query|query_range"`;
  const memory = (podPattern: string) => promql(`sum by (pod) (container_memory_working_set_bytes{${CLUSTER}, pod=~"${podPattern}", container!=""})`, "{{pod}}");
  const board = newDashboard(DASHBOARD_UIDS.query, "Thanos Query", "The read path: Query, Query Frontend and the stores behind them.")
    .withVariable(clusterVariable(`up{${query}}`));
  return withPanels(board, [
    tablePanel("Read path targets up", promql(`sum by (job) (up{${queryOrStore}, ${CLUSTER}})`)),
    tablePanel("Connected store endpoints", promql(`max by (store_type) (thanos_store_nodes_grpc_connections{${query}, ${CLUSTER}})`)),
    timeseriesPanel(
      "Query requests per second by handler and code",
      promql(`sum by (handler, code) (rate(http_requests_total{${apiRequests}}[${RATE}]))`, "{{handler}} {{code}}"),
    ).unit("reqps"),
    timeseriesPanel(
      "Query error ratio",
      promql(
        `sum by (handler) (rate(http_requests_total{${apiRequests}, code=~"5.."}[${RATE}])) / sum by (handler) (rate(http_requests_total{${apiRequests}}[${RATE}]))`,
        "{{handler}}",
      ),
    ).unit("percentunit"),
    timeseriesPanel(
      "Query latency p99",
      promql(`histogram_quantile(0.99, sum by (le, handler) (rate(http_request_duration_seconds_bucket{${apiRequests}}[${RATE}])))`, "{{handler}}"),
    ).unit("s"),
    timeseriesPanel(
      "Concurrent queries",
      promql(`sum by (pod) (thanos_query_concurrent_gate_queries_in_flight{${query}, ${CLUSTER}})`, "in flight {{pod}}"),
      promql(`max by (pod) (thanos_query_concurrent_gate_queries_max{${query}, ${CLUSTER}})`, "max {{pod}}"),
    ),
    timeseriesPanel("Query Frontend requests per second by code", promql(`sum by (code) (rate(http_requests_total{${queryFrontend}, ${CLUSTER}}[${RATE}]))`, "{{code}}")).unit("reqps"),
    timeseriesPanel("Store Gateway memory", memory(".*store.*")).unit("bytes"),
    timeseriesPanel("Query memory", memory(".*query.*")).unit("bytes"),
    timeseriesPanel("Store Gateway targets up", promql(`sum(up{${store}, ${CLUSTER}})`, "up")),
  ]);
}
