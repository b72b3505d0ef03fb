/**
 * What the six dashboards share: their JSON shape as deployed, the Grafana Foundation SDK
 * builders preset the way every dashboard here uses them, the template variables and the
 * selectors of the data the edges send.
 *
 * Every query goes to the data source picked by the `datasource` variable (type prometheus;
 * Grafana's default, the Thanos Query data source, unless changed), so the dashboards work
 * whatever that data source's uid is.
 */
import * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as grafana from "@grafana/grafana-foundation-sdk/dashboard";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { CentralStackConfig } from "../../config/stack";

// ---------------------------------------------------------------------------
// The JSON Grafana reads: the SDK's models, narrowed to what every dashboard here sets.

export interface DataSourceRef {
  type: "prometheus";
  uid: string;
}

/** A panel query. Table and stat panels' queries are instant (one value per series). */
export type Target = Omit<prometheus.Dataquery, "_implementsDataqueryVariant" | "datasource"> & { refId: string; datasource: DataSourceRef };

export type Panel = Omit<grafana.Panel, "id" | "title" | "gridPos" | "datasource" | "targets"> & {
  id: number;
  title: string;
  gridPos: grafana.GridPos;
  datasource: DataSourceRef;
  targets: Target[];
};

export type DatasourceVariable = Omit<grafana.VariableModel, "type" | "query"> & { type: "datasource"; query: "prometheus" };

export type QueryVariable = Omit<grafana.VariableModel, "type" | "query" | "datasource"> & {
  type: "query";
  datasource: DataSourceRef;
  /** Grafana's `label_values(<series selector>, <label>)`. */
  query: { query: string; refId: string };
  definition: string;
};

export type TemplateVariable = DatasourceVariable | QueryVariable;

export type Dashboard = Omit<grafana.Dashboard, "uid" | "title" | "description" | "panels" | "templating"> & {
  uid: string;
  title: string;
  description: string;
  templating: { list: TemplateVariable[] };
  panels: Panel[];
};

/** The uids, stable across deploys: links and bookmarks to the dashboards keep working. */
export const DASHBOARD_UIDS = {
  overview: "mc-overview",
  agent: "mc-prometheus-agent",
  receive: "mc-thanos-receive",
  query: "mc-thanos-query",
  tenancy: "mc-multi-tenancy",
  resources: "mc-resources",
} as const;

// ---------------------------------------------------------------------------
// Dashboards, panels and queries

export const DATASOURCE: DataSourceRef = { type: "prometheus", uid: "${datasource}" };
export const RATE = "$__rate_interval";
const PANEL_HEIGHT = 8;

/** The series of the clusters the `cluster` variable selects. */
export const CLUSTER = 'cluster=~"$cluster"';

/** A dashboard with the settings all six share and the `datasource` variable; its own variables follow. */
export function newDashboard(uid: string, title: string, description: string): grafana.DashboardBuilder {
  return new grafana.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(["multicluster"])
    .timezone("browser")
    .readonly()
    .version(1)
    .refresh("1m")
    .time({ from: "now-6h", to: "now" })
    .annotations([])
    .withVariable(datasourceVariable());
}

/** The three panel builders' common setters (the SDK types each kind of panel on its own). */
interface PanelBuilder extends cog.Builder<grafana.Panel> {
  id(id: number): this;
  title(title: string): this;
  datasource(datasource: common.DataSourceRef): this;
  height(h: number): this;
  span(w: number): this;
  unit(unit: string): this;
  withTarget(target: cog.Builder<cog.Dataquery>): this;
}

/**
 * The dashboard with its panels numbered in order and laid out by the SDK, left to right in
 * rows of 24 columns, as the JSON Grafana reads (the SDK's models carry marker methods that
 * JSON drops).
 */
export function withPanels(dashboard: grafana.DashboardBuilder, panels: PanelBuilder[]): Dashboard {
  panels.forEach((panel, i) => dashboard.withPanel(panel.id(i + 1)));
  return JSON.parse(JSON.stringify(dashboard.build())) as Dashboard;
}

/** A PromQL query; the panel gives it its refId. */
export function promql(expr: string, legend?: string): prometheus.DataqueryBuilder {
  const query = new prometheus.DataqueryBuilder().datasource(DATASOURCE).expr(expr);
  return legend === undefined ? query : query.legendFormat(legend);
}

/** Half the grid wide and 8 rows high unless changed; unit "short"; queries A, B, C... */
function panel<P extends PanelBuilder>(builder: P, title: string, queries: prometheus.DataqueryBuilder[]): P {
  builder.title(title).datasource(DATASOURCE).span(12).height(PANEL_HEIGHT).unit("short");
  queries.forEach((query, i) => builder.withTarget(query.refId(String.fromCharCode(65 + i))));
  return builder;
}

/** A graph over time with every series in a list below it and all of them in the tooltip. */
export function timeseriesPanel(title: string, ...queries: prometheus.DataqueryBuilder[]): timeseries.PanelBuilder {
  return panel(new timeseries.PanelBuilder(), title, queries)
    .legend(new common.VizLegendOptionsBuilder().displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom).showLegend(true))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending));
}

/** One number: the last value of an instant query. */
export function statPanel(title: string, ...queries: prometheus.DataqueryBuilder[]): stat.PanelBuilder {
  return panel(new stat.PanelBuilder(), title, queries.map((q) => q.instant()))
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).fields("").values(false))
    .colorMode(common.BigValueColorMode.Value)
    .graphMode(common.BigValueGraphMode.None);
}

/** One row per series of instant queries. */
export function tablePanel(title: string, ...queries: prometheus.DataqueryBuilder[]): table.PanelBuilder {
  return panel(new table.PanelBuilder(), title, queries.map((q) => q.instant())).showHeader(true);
}

// ---------------------------------------------------------------------------
// Template variables

function datasourceVariable(): grafana.DatasourceVariableBuilder {
  return new grafana.DatasourceVariableBuilder("datasource").label("Data source").type("prometheus").hide(grafana.VariableHide.DontHide);
}

/** A multi-value variable over `label_values(selector, labelName)`, "All" by default. */
export function queryVariable(name: string, label: string, selector: string, labelName: string): grafana.QueryVariableBuilder {
  const query = `label_values(${selector}, ${labelName})`;
  return new grafana.QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query({ query, refId: `${name}-values` })
    .definition(query)
    .refresh(grafana.VariableRefresh.OnTimeRangeChanged)
    .includeAll(true)
    .multi(true)
    // "All" as a regex that also matches series without the label (the central cluster's own have no tenant).
    .allValue(".*")
    .current({ text: "All", value: "$__all" })
    .sort(grafana.VariableSort.AlphabeticalAsc)
    .hide(grafana.VariableHide.DontHide);
}

/** Every dashboard has a `cluster` variable, over the clusters that have `selector`'s series. */
export function clusterVariable(selector = "up"): grafana.QueryVariableBuilder {
  return queryVariable("cluster", "Cluster", selector, "cluster");
}

// ---------------------------------------------------------------------------
// The data the edges send

/** Selectors and legends of the edges' data, which the receivers label with the tenant label. */
export interface EdgeScope {
  tenantLabel: string;
  /** An edge's series, narrowed by the `cluster` and `tenant` variables. */
  edge: string;
  /** The labels of a source: its cluster and tenant. */
  bySource: string;
  sourceLegend: string;
}

export function edgeScope(config: Pick<CentralStackConfig, "central">): EdgeScope {
  const tl = config.central.receive.tenantLabel;
  return { tenantLabel: tl, edge: `${CLUSTER}, ${tl}=~"$tenant"`, bySource: `cluster, ${tl}`, sourceLegend: `{{cluster}} / {{${tl}}}` };
}

/** The dashboards about the edges' data also have a `tenant` variable, over the tenant label. */
export function tenantVariable({ tenantLabel }: EdgeScope): grafana.QueryVariableBuilder {
  return queryVariable("tenant", "Tenant", `up{${CLUSTER}, ${tenantLabel}!=""}`, tenantLabel);
}
