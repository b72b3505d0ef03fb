/**
 * The platform's Grafana dashboards as typed JSON, a pure function of the validated central
 * config. Grafana's sidecar provisions them from ConfigMaps labelled GRAFANA_DASHBOARD_LABEL
 * (see PlatformAlerting).
 *
 * Every query goes to the data source picked by the `datasource` variable (type prometheus;
 * Grafana's default, the Thanos Query data source, unless changed), so the dashboards work
 * whatever that data source's uid is. Every dashboard has a `cluster` variable; those about
 * the data the edges send also have `tenant` (the receivers' tenant label).
 */
import { CentralStackConfig } from "../../config/stack";

export interface DataSourceRef {
  type: "prometheus";
  uid: string;
}

export interface Target {
  refId: string;
  datasource: DataSourceRef;
  expr: string;
  legendFormat?: string;
  /** Table panels show one value per series. */
  instant?: boolean;
  range?: boolean;
}

export type PanelType = "timeseries" | "stat" | "table";

export type Unit = "short" | "percentunit" | "s" | "bytes" | "reqps" | "ops";

export interface Panel {
  id: number;
  type: PanelType;
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: DataSourceRef;
  targets: Target[];
  fieldConfig: { defaults: { unit: Unit; min?: number; max?: number }; overrides: never[] };
  options: Record<string, unknown>;
}

export interface DatasourceVariable {
  type: "datasource";
  name: string;
  label: string;
  query: "prometheus";
  hide: 0;
}

export interface QueryVariable {
  type: "query";
  name: string;
  label: string;
  datasource: DataSourceRef;
  /** Grafana's `label_values(<series selector>, <label>)`. */
  query: { query: string; refId: string };
  definition: string;
  /** 2: reload the values when the time range changes. */
  refresh: 2;
  includeAll: true;
  multi: true;
  /** "All" as a regex that also matches series without the label (the central cluster's own have no tenant). */
  allValue: ".*";
  current: { text: "All"; value: "$__all" };
  sort: 1;
  hide: 0;
}

export type TemplateVariable = DatasourceVariable | QueryVariable;

export interface Dashboard {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  timezone: "browser";
  editable: boolean;
  schemaVersion: number;
  version: number;
  refresh: string;
  time: { from: string; to: string };
  templating: { list: TemplateVariable[] };
  annotations: { list: never[] };
  panels: Panel[];
}

/** The uids, stable across deploys: links and bookmarks to the dashboards keep working. */
export const DASHBOARD_UIDS = {
  overview: "mc-overview",
  agent: "mc-prometheus-agent",
  receive: "mc-thanos-receive",
  query: "mc-thanos-query",
  tenancy: "mc-multi-tenancy",
  resources: "mc-resources",
} as const;

const DATASOURCE: DataSourceRef = { type: "prometheus", uid: "${datasource}" };
const GRID_WIDTH = 24;

// ---------------------------------------------------------------------------
// Builder

interface PanelSpec {
  title: string;
  description?: string;
  type?: PanelType;
  unit?: Unit;
  max?: number;
  /** Width in grid columns (of 24); 12 by default. */
  width?: number;
  queries: { expr: string; legend?: string }[];
}

function datasourceVariable(): DatasourceVariable {
  return { type: "datasource", name: "datasource", label: "Data source", query: "prometheus", hide: 0 };
}

function queryVariable(name: string, label: string, selector: string, labelName: string): QueryVariable {
  const query = `label_values(${selector}, ${labelName})`;
  return {
    type: "query",
    name,
    label,
    datasource: DATASOURCE,
    query: { query, refId: `${name}-values` },
    definition: query,
    refresh: 2,
    includeAll: true,
    multi: true,
    allValue: ".*",
    current: { text: "All", value: "$__all" },
    sort: 1,
    hide: 0,
  };
}

/** Lays the panels out left to right, wrapping at the grid's width, and numbers them. */
function layout(specs: PanelSpec[]): Panel[] {
  let x = 0;
  let y = 0;
  const height = 8;
  return specs.map((spec, i) => {
    const type = spec.type ?? "timeseries";
    const w = spec.width ?? 12;
    if (x + w > GRID_WIDTH) {
      x = 0;
      y += height;
    }
    const gridPos = { x, y, w, h: height };
    x += w;
    const tableLike = type !== "timeseries";
    return {
      id: i + 1,
      type,
      title: spec.title,
      ...(spec.description ? { description: spec.description } : {}),
      gridPos,
      datasource: DATASOURCE,
      targets: spec.queries.map((q, j) => ({
        refId: String.fromCharCode(65 + j),
        datasource: DATASOURCE,
        expr: q.expr,
        ...(q.legend ? { legendFormat: q.legend } : {}),
        ...(tableLike ? { instant: true, range: false } : {}),
      })),
      fieldConfig: { defaults: { unit: spec.unit ?? "short", ...(spec.max !== undefined ? { min: 0, max: spec.max } : {}) }, overrides: [] },
      options:
        type === "timeseries"
          ? { legend: { displayMode: "list", placement: "bottom" }, tooltip: { mode: "multi", sort: "desc" } }
          : type === "stat"
            ? { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, colorMode: "value", graphMode: "none" }
            : { showHeader: true },
    };
  });
}

function dashboard(uid: string, title: string, description: string, variables: TemplateVariable[], panels: PanelSpec[]): Dashboard {
  return {
    uid,
    title,
    description,
    tags: ["multicluster"],
    timezone: "browser",
    editable: false,
    schemaVersion: 39,
    version: 1,
    refresh: "1m",
    time: { from: "now-6h", to: "now" },
    templating: { list: [datasourceVariable(), ...variables] },
    annotations: { list: [] },
    panels: layout(panels),
  };
}

// ---------------------------------------------------------------------------
// Dashboards

/** Selectors of the Thanos components' scrape jobs (see the rules' job matchers). */
const RECEIVE = 'job=~".*receive.*"';
const QUERY = 'job=~".*query.*", job!~".*frontend.*"';
const QUERY_FRONTEND = 'job=~".*query-frontend.*"';
const STORE = 'job=~".*store.*"';
const RATE = "$__rate_interval";

export function dashboards(config: Pick<CentralStackConfig, "central">): Dashboard[] {
  const tl = config.central.receive.tenantLabel;
  const rf = config.central.receive.replicationFactor;
  /** The data an edge sent, narrowed by the cluster and tenant variables. */
  const edge = `cluster=~"$cluster", ${tl}=~"$tenant"`;
  const central = `cluster=~"$cluster"`;
  const bySource = `cluster, ${tl}`;
  const sourceLegend = `{{cluster}} / {{${tl}}}`;
  const clusterVariable = (selector = "up") => queryVariable("cluster", "Cluster", selector, "cluster");
  const tenantVariable = queryVariable("tenant", "Tenant", `up{cluster=~"$cluster", ${tl}!=""}`, tl);
  const receiveTenantVariable = queryVariable("tenant", "Tenant", `http_requests_total{${RECEIVE}, handler="receive", tenant!=""}`, "tenant");
  const fsFilter = 'fstype!~"tmpfs|ramfs|squashfs|overlay", mountpoint!=""';

  return [
    dashboard(
      DASHBOARD_UIDS.overview,
      "Multi-Cluster Overview",
      "Which clusters and tenants send, how much, how fresh, and what is firing.",
      [clusterVariable(), tenantVariable],
      [
        { title: "Sources sending", type: "stat", width: 6, queries: [{ expr: `count(count by (${bySource}) (up{${edge}, ${tl}!=""}))` }] },
        { title: "Targets down", type: "stat", width: 6, queries: [{ expr: `count(up{${edge}} == 0) or vector(0)` }] },
        { title: "Firing alerts", type: "stat", width: 6, queries: [{ expr: `count(ALERTS{alertstate="firing", cluster=~"$cluster"}) or vector(0)` }] },
        {
          title: "Samples sent per second",
          type: "stat",
          width: 6,
          unit: "ops",
          queries: [{ expr: `sum(rate(prometheus_remote_storage_samples_total{${edge}}[${RATE}]))` }],
        },
        {
          title: "Seconds since the last sample",
          description: "Per cluster and tenant; above 300 the TenantStoppedSending alert fires.",
          type: "table",
          unit: "s",
          queries: [{ expr: `time() - max by (${bySource}) (timestamp(up{${edge}}))` }],
        },
        {
          title: "Firing alerts by cluster",
          type: "table",
          queries: [{ expr: `count by (cluster, alertname, severity) (ALERTS{alertstate="firing", cluster=~"$cluster"})` }],
        },
        {
          title: "Samples sent per second by source",
          unit: "ops",
          queries: [{ expr: `sum by (${bySource}) (rate(prometheus_remote_storage_samples_total{${edge}}[${RATE}]))`, legend: sourceLegend }],
        },
        {
          title: "Remote-write failure ratio",
          unit: "percentunit",
          queries: [
            {
              expr: `sum by (${bySource}) (rate(prometheus_remote_storage_samples_failed_total{${edge}}[${RATE}])) / sum by (${bySource}) (rate(prometheus_remote_storage_samples_total{${edge}}[${RATE}]))`,
              legend: sourceLegend,
            },
          ],
        },
        {
          title: "Remote-write lag",
          description: "Newest scraped sample minus newest sent sample.",
          unit: "s",
          queries: [
            {
              expr: `max by (${bySource}) (prometheus_remote_storage_highest_timestamp_in_seconds{${edge}} - ignoring (remote_name, url) group_right prometheus_remote_storage_queue_highest_sent_timestamp_seconds{${edge}})`,
              legend: sourceLegend,
            },
          ],
        },
        {
          title: "Targets down by cluster",
          queries: [{ expr: `count by (cluster) (up{${edge}} == 0)`, legend: "{{cluster}}" }],
        },
      ],
    ),
    dashboard(
      DASHBOARD_UIDS.agent,
      "Prometheus Agent",
      "The edge agents: ingestion, WAL and the remote-write queue to central.",
      [clusterVariable("prometheus_remote_storage_samples_total"), tenantVariable],
      [
        {
          title: "Samples appended per second",
          unit: "ops",
          queries: [{ expr: `sum by (${bySource}, pod) (rate(prometheus_agent_samples_appended_total{${edge}}[${RATE}]))`, legend: `${sourceLegend} {{pod}}` }],
        },
        {
          title: "Active series",
          queries: [{ expr: `sum by (${bySource}, pod) (prometheus_agent_active_series{${edge}})`, legend: `${sourceLegend} {{pod}}` }],
        },
        {
          title: "Remote write: samples per second",
          unit: "ops",
          width: 24,
          queries: [
            { expr: `sum by (${bySource}) (rate(prometheus_remote_storage_samples_total{${edge}}[${RATE}]))`, legend: `sent ${sourceLegend}` },
            { expr: `sum by (${bySource}) (rate(prometheus_remote_storage_samples_failed_total{${edge}}[${RATE}]))`, legend: `failed ${sourceLegend}` },
            { expr: `sum by (${bySource}) (rate(prometheus_remote_storage_samples_retried_total{${edge}}[${RATE}]))`, legend: `retried ${sourceLegend}` },
            { expr: `sum by (${bySource}) (rate(prometheus_remote_storage_samples_dropped_total{${edge}}[${RATE}]))`, legend: `dropped ${sourceLegend}` },
          ],
        },
        {
          title: "Remote write: lag",
          unit: "s",
          queries: [
            {
              expr: `prometheus_remote_storage_highest_timestamp_in_seconds{${edge}} - ignoring (remote_name, url) group_right prometheus_remote_storage_queue_highest_sent_timestamp_seconds{${edge}}`,
              legend: `${sourceLegend} {{pod}}`,
            },
          ],
        },
        {
          title: "Remote write: pending samples",
          queries: [{ expr: `sum by (${bySource}, pod) (prometheus_remote_storage_samples_pending{${edge}})`, legend: `${sourceLegend} {{pod}}` }],
        },
        {
          title: "Remote write: shards",
          queries: [
            { expr: `max by (${bySource}) (prometheus_remote_storage_shards{${edge}})`, legend: `current ${sourceLegend}` },
            { expr: `max by (${bySource}) (prometheus_remote_storage_shards_desired{${edge}})`, legend: `desired ${sourceLegend}` },
            { expr: `max by (${bySource}) (prometheus_remote_storage_shards_max{${edge}})`, legend: `max ${sourceLegend}` },
          ],
        },
        {
          title: "WAL corruptions (last hour)",
          queries: [
            { expr: `sum by (${bySource}, pod) (increase(prometheus_agent_corruptions_total{${edge}}[1h]))`, legend: `${sourceLegend} {{pod}}` },
          ],
        },
        {
          title: "Agent memory",
          unit: "bytes",
          queries: [
            { expr: `sum by (${bySource}, pod) (container_memory_working_set_bytes{${edge}, container="prometheus"})`, legend: `${sourceLegend} {{pod}}` },
          ],
        },
      ],
    ),
    dashboard(
      DASHBOARD_UIDS.receive,
      "Thanos Receive",
      "The central receivers: writes per tenant, errors, replication, TSDB and uploads.",
      [clusterVariable(`up{${RECEIVE}}`), receiveTenantVariable],
      [
        { title: "Receivers up", type: "stat", width: 6, queries: [{ expr: `sum(up{${RECEIVE}, ${central}})` }] },
        {
          title: "Write error ratio",
          type: "stat",
          width: 6,
          unit: "percentunit",
          queries: [
            {
              expr: `sum(rate(http_requests_total{${RECEIVE}, ${central}, handler="receive", code=~"5.."}[${RATE}])) / sum(rate(http_requests_total{${RECEIVE}, ${central}, handler="receive"}[${RATE}]))`,
            },
          ],
        },
        {
          title: "Seconds since the last upload",
          type: "table",
          unit: "s",
          queries: [{ expr: `time() - max by (pod) (thanos_objstore_bucket_last_successful_upload_time{${RECEIVE}, ${central}})` }],
        },
        {
          title: "Write requests per second by tenant and code",
          unit: "reqps",
          queries: [
            {
              expr: `sum by (tenant, code) (rate(http_requests_total{${RECEIVE}, ${central}, handler="receive", tenant=~"$tenant"}[${RATE}]))`,
              legend: "{{tenant}} {{code}}",
            },
          ],
        },
        {
          title: "Write latency p99",
          unit: "s",
          queries: [
            {
              expr: `histogram_quantile(0.99, sum by (le, pod) (rate(http_request_duration_seconds_bucket{${RECEIVE}, ${central}, handler="receive"}[${RATE}])))`,
              legend: "{{pod}}",
            },
          ],
        },
        {
          title: "Samples received per second by tenant",
          unit: "ops",
          queries: [
            {
              expr: `sum by (tenant) (rate(thanos_receive_write_samples_sum{${RECEIVE}, ${central}, code=~"2..", tenant=~"$tenant"}[${RATE}]))`,
              legend: "{{tenant}}",
            },
          ],
        },
        {
          title: "Replication and forward error ratio",
          unit: "percentunit",
          queries: [
            {
              expr: `sum(rate(thanos_receive_replications_total{${RECEIVE}, ${central}, result="error"}[${RATE}])) / sum(rate(thanos_receive_replications_total{${RECEIVE}, ${central}}[${RATE}]))`,
              legend: "replication",
            },
            {
              expr: `sum(rate(thanos_receive_forward_requests_total{${RECEIVE}, ${central}, result="error"}[${RATE}])) / sum(rate(thanos_receive_forward_requests_total{${RECEIVE}, ${central}}[${RATE}]))`,
              legend: "forward",
            },
          ],
        },
        {
          title: "Head series by tenant and receiver",
          queries: [
            { expr: `sum by (tenant, pod) (prometheus_tsdb_head_series{${RECEIVE}, ${central}, tenant=~"$tenant"})`, legend: "{{tenant}} {{pod}}" },
          ],
        },
        {
          title: "Receiver memory",
          unit: "bytes",
          queries: [{ expr: `sum by (pod) (container_memory_working_set_bytes{${central}, pod=~".*receive.*", container!=""})`, legend: "{{pod}}" }],
        },
      ],
    ),
    dashboard(
      DASHBOARD_UIDS.query,
      "Thanos Query",
      "The read path: Query, Query Frontend and the stores behind them.",
      [clusterVariable(`up{${QUERY}}`)],
      [
        {
          title: "Read path targets up",
          type: "table",
          queries: [{ expr: `sum by (job) (up{job=~".*(query|store).*", ${central}})` }],
        },
        {
          title: "Connected store endpoints",
          type: "table",
          queries: [{ expr: `max by (store_type) (thanos_store_nodes_grpc_connections{${QUERY}, ${central}})` }],
        },
        {
          title: "Query requests per second by handler and code",
          unit: "reqps",
          queries: [
            {
              expr: `sum by (handler, code) (rate(http_requests_total{${QUERY}, ${central}, handler=~"query|query_range"}[${RATE}]))`,
              legend: "{{handler}} {{code}}",
            },
          ],
        },
        {
          title: "Query error ratio",
          unit: "percentunit",
          queries: [
            {
              expr: `sum by (handler) (rate(http_requests_total{${QUERY}, ${central}, handler=~"query|query_range", code=~"5.."}[${RATE}])) / sum by (handler) (rate(http_requests_total{${QUERY}, ${central}, handler=~"query|query_range"}[${RATE}]))`,
              legend: "{{handler}}",
            },
          ],
        },
        {
          title: "Query latency p99",
          unit: "s",
          queries: [
            {
              expr: `histogram_quantile(0.99, sum by (le, handler) (rate(http_request_duration_seconds_bucket{${QUERY}, ${central}, handler=~"query|query_range"}[${RATE}])))`,
              legend: "{{handler}}",
            },
          ],
        },
        {
          title: "Concurrent queries",
          queries: [
            { expr: `sum by (pod) (thanos_query_concurrent_gate_queries_in_flight{${QUERY}, ${central}})`, legend: "in flight {{pod}}" },
            { expr: `max by (pod) (thanos_query_concurrent_gate_queries_max{${QUERY}, ${central}})`, legend: "max {{pod}}" },
          ],
        },
        {
          title: "Query Frontend requests per second by code",
          unit: "reqps",
          queries: [{ expr: `sum by (code) (rate(http_requests_total{${QUERY_FRONTEND}, ${central}}[${RATE}]))`, legend: "{{code}}" }],
        },
        {
          title: "Store Gateway memory",
          unit: "bytes",
          queries: [{ expr: `sum by (pod) (container_memory_working_set_bytes{${central}, pod=~".*store.*", container!=""})`, legend: "{{pod}}" }],
        },
        {
          title: "Query memory",
          unit: "bytes",
          queries: [{ expr: `sum by (pod) (container_memory_working_set_bytes{${central}, pod=~".*query.*", container!=""})`, legend: "{{pod}}" }],
        },
        {
          title: "Store Gateway targets up",
          queries: [{ expr: `sum(up{${STORE}, ${central}})`, legend: "up" }],
        },
      ],
    ),
    dashboard(
      DASHBOARD_UIDS.tenancy,
      "Multi-Tenancy",
      "Per tenant: what it sends, how many series it holds, and whether it is healthy.",
      [clusterVariable(), tenantVariable],
      [
        {
          title: "Seconds since the last sample",
          type: "table",
          unit: "s",
          queries: [{ expr: `time() - max by (${bySource}) (timestamp(up{${edge}, ${tl}!=""}))` }],
        },
        {
          title: "Targets per tenant (up / total)",
          type: "table",
          queries: [
            { expr: `sum by (${bySource}) (up{${edge}, ${tl}!=""})` },
            { expr: `count by (${bySource}) (up{${edge}, ${tl}!=""})` },
          ],
        },
        {
          title: "Samples sent per second by tenant",
          unit: "ops",
          queries: [{ expr: `sum by (${bySource}) (rate(prometheus_remote_storage_samples_total{${edge}}[${RATE}]))`, legend: sourceLegend }],
        },
        {
          title: "Samples per scrape by tenant",
          description: "Sum of every target's scrape size: the tenant's cardinality at the source.",
          queries: [{ expr: `sum by (${bySource}) (scrape_samples_scraped{${edge}, ${tl}!=""})`, legend: sourceLegend }],
        },
        {
          title: "Head series by tenant",
          description: `Series the receivers hold per tenant, divided by the replication factor (${rf}).`,
          queries: [{ expr: `sum by (tenant) (prometheus_tsdb_head_series{${RECEIVE}, tenant=~"$tenant"}) / ${rf}`, legend: "{{tenant}}" }],
        },
        {
          title: "Rejected writes per second by tenant and code",
          unit: "reqps",
          queries: [
            {
              expr: `sum by (tenant, code) (rate(http_requests_total{${RECEIVE}, handler="receive", code!~"2..", tenant=~"$tenant"}[${RATE}]))`,
              legend: "{{tenant}} {{code}}",
            },
          ],
        },
        {
          title: "Tenant namespace memory",
          description: "Working set of the containers in the namespace named after the selected tenant (every namespace when All is selected).",
          unit: "bytes",
          queries: [
            {
              expr: `sum by (cluster, namespace) (container_memory_working_set_bytes{cluster=~"$cluster", namespace=~"$tenant", container!=""})`,
              legend: "{{cluster}} / {{namespace}}",
            },
          ],
        },
        {
          title: "Tenant namespace CPU",
          unit: "short",
          queries: [
            {
              expr: `sum by (cluster, namespace) (rate(container_cpu_usage_seconds_total{cluster=~"$cluster", namespace=~"$tenant", container!=""}[${RATE}]))`,
              legend: "{{cluster}} / {{namespace}}",
            },
          ],
        },
      ],
    ),
    dashboard(
      DASHBOARD_UIDS.resources,
      "Resources",
      "CPU, memory and disk of every node and namespace, per cluster.",
      [clusterVariable("node_memory_MemTotal_bytes")],
      [
        {
          title: "Node CPU used",
          unit: "percentunit",
          max: 1,
          queries: [
            { expr: `1 - avg by (cluster, instance) (rate(node_cpu_seconds_total{${central}, mode="idle"}[${RATE}]))`, legend: "{{cluster}} {{instance}}" },
          ],
        },
        {
          title: "Node memory used",
          unit: "percentunit",
          max: 1,
          queries: [
            {
              expr: `1 - node_memory_MemAvailable_bytes{${central}} / node_memory_MemTotal_bytes{${central}}`,
              legend: "{{cluster}} {{instance}}",
            },
          ],
        },
        {
          title: "Filesystem used",
          unit: "percentunit",
          max: 1,
          queries: [
            {
              expr: `1 - node_filesystem_avail_bytes{${central}, ${fsFilter}} / node_filesystem_size_bytes{${central}, ${fsFilter}}`,
              legend: "{{cluster}} {{instance}} {{mountpoint}}",
            },
          ],
        },
        {
          title: "Persistent volumes used",
          unit: "percentunit",
          max: 1,
          queries: [
            {
              expr: `1 - kubelet_volume_stats_available_bytes{${central}} / kubelet_volume_stats_capacity_bytes{${central}}`,
              legend: "{{cluster}} {{namespace}}/{{persistentvolumeclaim}}",
            },
          ],
        },
        {
          title: "CPU by namespace (cores)",
          queries: [
            {
              expr: `sum by (cluster, namespace) (rate(container_cpu_usage_seconds_total{${central}, container!="", image!=""}[${RATE}]))`,
              legend: "{{cluster}} {{namespace}}",
            },
          ],
        },
        {
          title: "Memory by namespace",
          unit: "bytes",
          queries: [
            {
              expr: `sum by (cluster, namespace) (container_memory_working_set_bytes{${central}, container!="", image!=""})`,
              legend: "{{cluster}} {{namespace}}",
            },
          ],
        },
        {
          title: "Containers closest to their memory limit",
          type: "table",
          unit: "percentunit",
          width: 24,
          queries: [
            {
              expr: `topk(10, sum by (cluster, namespace, pod, container) (container_memory_working_set_bytes{${central}, container!="", image!=""}) / sum by (cluster, namespace, pod, container) (kube_pod_container_resource_limits{${central}, resource="memory"}))`,
            },
          ],
        },
      ],
    ),
  ];
}
