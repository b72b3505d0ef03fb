/**
 * Helm values of the central Grafana (the grafana chart, its own release), as a pure function
 * of validated config: the admin user from GRAFANA_ADMIN_SECRET, Thanos Query through the
 * Query Frontend as the default datasource, dashboards from labelled ConfigMaps in every
 * namespace (kube-prometheus-stack's default dashboards among them), and datasources from
 * labelled ConfigMaps/Secrets in the central namespace and, with logging on, the logging
 * namespace (where the Logging component keeps the OpenSearch datasource).
 */
import { GRAFANA_IMAGE } from "../shared/charts";
import { CentralSettings } from "../../config/central";
import { GRAFANA_DASHBOARD_LABEL, GRAFANA_DATASOURCE_LABEL } from "../shared/conventions";
import { centralEndpoints, GRAFANA_ADMIN_SECRET } from "./endpoints";
import { grafanaOpensearchValues } from "../logging/values";

/** A Grafana datasource in provisioning format. */
export interface GrafanaDatasource {
  name: string;
  type: string;
  uid: string;
  url: string;
  access: "proxy";
  isDefault?: boolean;
  editable?: boolean;
  jsonData?: Record<string, unknown>;
}

/** Key of the provisioning file the chart renders from `datasources`. */
export const GRAFANA_DATASOURCES_FILE = "datasources.yaml";

/**
 * Grafana's database (users, preferences, dashboards saved from the UI). Everything else is
 * provisioned, so a small volume is enough.
 */
const GRAFANA_STORAGE_SIZE = "10Gi";

export type GrafanaValues = {
  image: { registry: string; repository: string; tag: string };
  admin: { existingSecret: string; userKey: string; passwordKey: string };
  datasources: { [GRAFANA_DATASOURCES_FILE]: { apiVersion: 1; datasources: GrafanaDatasource[] } };
  sidecar: {
    dashboards: { enabled: true; label: string; labelValue: string; searchNamespace: "ALL" };
    datasources: { enabled: true; label: string; labelValue: string; searchNamespace: string[] };
  };
  plugins: string[];
  ingress: { enabled: boolean; hosts: string[] };
  persistence: { enabled: true; type: "pvc"; size: string };
  deploymentStrategy: { type: "Recreate" };
  serviceMonitor: { enabled: true };
};

/** Thanos' query parameter that asks for the resolution to be chosen per query (and, at the Query Frontend, coarser data where finer is gone). */
export const THANOS_AUTO_DOWNSAMPLING = "max_source_resolution=auto";

/** The default datasource: Thanos Query through the Query Frontend's results cache. */
export function thanosDatasource(namespace: string): GrafanaDatasource {
  return {
    name: "Thanos",
    type: "prometheus",
    uid: "thanos",
    url: centralEndpoints(namespace).queryFrontendUrl,
    access: "proxy",
    isDefault: true,
    editable: false,
    // Sent with every query: lets Query pick a downsampled resolution (step/5) and the Query
    // Frontend fall back to 5m, then 1h data where the finer data has passed its retention.
    jsonData: { prometheusType: "Thanos", timeInterval: "30s", customQueryParameters: THANOS_AUTO_DOWNSAMPLING },
  };
}

export function grafanaValues(settings: CentralSettings): GrafanaValues {
  const { grafana } = settings;
  const [dashboardLabel, dashboardLabelValue] = Object.entries(GRAFANA_DASHBOARD_LABEL)[0];
  const [datasourceLabel, datasourceLabelValue] = Object.entries(GRAFANA_DATASOURCE_LABEL)[0];
  // With logging on: the OpenSearch plugin, and the datasource sidecar also reading the logging namespace.
  const opensearch = settings.logging.enabled ? grafanaOpensearchValues(settings) : undefined;
  return {
    image: { ...GRAFANA_IMAGE },
    admin: { existingSecret: GRAFANA_ADMIN_SECRET.name, userKey: GRAFANA_ADMIN_SECRET.userKey, passwordKey: GRAFANA_ADMIN_SECRET.passwordKey },
    datasources: { [GRAFANA_DATASOURCES_FILE]: { apiVersion: 1, datasources: [thanosDatasource(settings.namespace)] } },
    sidecar: {
      dashboards: { enabled: true, label: dashboardLabel, labelValue: dashboardLabelValue, searchNamespace: "ALL" },
      datasources: {
        enabled: true,
        label: datasourceLabel,
        labelValue: datasourceLabelValue,
        searchNamespace: opensearch?.sidecar.datasources.searchNamespace ?? [settings.namespace],
      },
    },
    plugins: opensearch?.plugins ?? [],
    ingress: { enabled: grafana.host !== undefined, hosts: grafana.host ? [grafana.host] : [] },
    persistence: { enabled: true, type: "pvc", size: GRAFANA_STORAGE_SIZE },
    // The volume is ReadWriteOnce: a rolling update's new pod could not mount it beside the old one.
    deploymentStrategy: { type: "Recreate" },
    // The central Prometheus selects every ServiceMonitor (serviceMonitorSelectorNilUsesHelmValues: false).
    serviceMonitor: { enabled: true },
  };
}
