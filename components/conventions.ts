/**
 * Names that one component creates and another one's Helm values point at. Kept here so
 * both sides agree, and a rename is one change.
 */

/** Secret (key `alertmanager.yaml`) holding the central Alertmanager's routing config. */
export const ALERTMANAGER_CONFIG_SECRET = "alertmanager-platform-config";

/** Label the Grafana sidecar looks for on dashboard ConfigMaps. */
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;

/**
 * Label the Grafana sidecar looks for on datasource ConfigMaps and Secrets (the grafana
 * chart's `sidecar.datasources.label`, given this value in `grafanaValues`).
 */
export const GRAFANA_DATASOURCE_LABEL = { grafana_datasource: "1" } as const;

/** Secret holding the Thanos objstore config (key `objstore.yml`), for Thanos and the sidecar. */
export const THANOS_OBJSTORE_SECRET = "thanos-objstore";
export const THANOS_OBJSTORE_KEY = "objstore.yml";
