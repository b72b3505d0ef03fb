/** Multi-Tenancy: per tenant, what it sends, how many series it holds, and whether it is healthy. */
import { DASHBOARD_THANOS_JOBS } from "../selectors";
import { CLUSTER, clusterVariable, Dashboard, DASHBOARD_UIDS, EdgeScope, newDashboard, promql, RATE, tablePanel, tenantVariable, timeseriesPanel, withPanels } from "./builders";

/** `replicationFactor`: the receivers hold each series that many times. */
export function multiTenancyDashboard(scope: EdgeScope, replicationFactor: number): Dashboard {
  const { tenantLabel: tl, edge, bySource, sourceLegend } = scope;
  const receive = DASHBOARD_THANOS_JOBS.receive;
  const board = newDashboard(DASHBOARD_UIDS.tenancy, "Multi-Tenancy", "Per tenant: what it sends, how many series it holds, and whether it is healthy.")
    .withVariable(clusterVariable())
    .withVariable(tenantVariable(scope));
  const tenantTargets = `up{${edge}, ${tl}!=""}`;
  /** The containers of the namespace named after the selected tenant. */
  const tenantNamespace = `${CLUSTER}, namespace=~"$tenant", container!=""`;
  const namespaceLegend = "{{cluster}} / {{namespace}}";
  return withPanels(board, [
    tablePanel("Seconds since the last sample", promql(`time() - max by (${bySource}) (timestamp(${tenantTargets}))`)).unit("s"),
    tablePanel("Targets per tenant (up / total)", promql(`sum by (${bySource}) (${tenantTargets})`), promql(`count by (${bySource}) (${tenantTargets})`)),
    timeseriesPanel(
      "Samples sent per second by tenant",
      promql(`sum by (${bySource}) (rate(prometheus_remote_storage_samples_total{${edge}}[${RATE}]))`, sourceLegend),
    ).unit("ops"),
    timeseriesPanel("Samples per scrape by tenant", promql(`sum by (${bySource}) (scrape_samples_scraped{${edge}, ${tl}!=""})`, sourceLegend))
      .description("Sum of every target's scrape size: the tenant's cardinality at the source."),
    timeseriesPanel("Head series by tenant", promql(`sum by (tenant) (prometheus_tsdb_head_series{${receive}, tenant=~"$tenant"}) / ${replicationFactor}`, "{{tenant}}"))
      .description(`Series the receivers hold per tenant, divided by the replication factor (${replicationFactor}).`),
    timeseriesPanel(
      "Rejected writes per second by tenant and code",
      promql(`sum by (tenant, code) (rate(http_requests_total{${receive}, handler="receive", code!~"2..", tenant=~"$tenant"}[${RATE}]))`, "{{tenant}} {{code}}"),
    ).unit("reqps"),
    timeseriesPanel("Tenant namespace memory", promql(`sum by (cluster, namespace) (container_memory_working_set_bytes{${tenantNamespace}})`, namespaceLegend))
      .description("Working set of the containers in the namespace named after the selected tenant (every namespace when All is selected).")
      .unit("bytes"),
    timeseriesPanel("Tenant namespace CPU", promql(`sum by (cluster, namespace) (rate(container_cpu_usage_seconds_total{${tenantNamespace}}[${RATE}]))`, namespaceLegend)),
  ]);
}
