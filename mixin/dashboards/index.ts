/**
 * The platform's Grafana dashboards, built with the Grafana Foundation SDK, one file each, as
 * a pure function of the validated central config. Grafana's sidecar provisions them from
 * ConfigMaps labelled GRAFANA_DASHBOARD_LABEL (see MonitoringMixin).
 *
 * Every dashboard has a `cluster` variable; those about the data the edges send also have
 * `tenant` (the receivers' tenant label).
 */
import { CentralStackConfig } from "../../config/stack";
import { Dashboard, edgeScope } from "./builders";
import { multiTenancyDashboard } from "./multi-tenancy";
import { overviewDashboard } from "./overview";
import { prometheusAgentDashboard } from "./prometheus-agent";
import { resourcesDashboard } from "./resources";
import { thanosQueryDashboard } from "./thanos-query";
import { thanosReceiveDashboard } from "./thanos-receive";

export { DASHBOARD_UIDS } from "./builders";
export type { Dashboard, DataSourceRef, DatasourceVariable, Panel, QueryVariable, Target, TemplateVariable } from "./builders";

/** The six dashboards, in the order of DASHBOARD_UIDS. */
export function dashboards(config: Pick<CentralStackConfig, "central">): Dashboard[] {
  const edges = edgeScope(config);
  return [
    overviewDashboard(edges),
    prometheusAgentDashboard(edges),
    thanosReceiveDashboard(),
    thanosQueryDashboard(),
    multiTenancyDashboard(edges, config.central.receive.replicationFactor),
    resourcesDashboard(),
  ];
}
