/**
 * Helm values of the central kube-prometheus-stack (88.5.3), as a pure function of validated
 * config: Prometheus HA with the Thanos sidecar uploading to the bucket, Alertmanager HA
 * reading its routing from ALERTMANAGER_CONFIG_SECRET, and Grafana reading Thanos through
 * the Query Frontend. Secrets are only referenced by name, never inlined.
 */
import { THANOS_IMAGE } from "../charts";
import { CentralSettings } from "../config";
import { centralPrometheusRulesMap } from "../rules";
import { ALERTMANAGER_CONFIG_SECRET, GRAFANA_DASHBOARD_LABEL, THANOS_OBJSTORE_KEY, THANOS_OBJSTORE_SECRET } from "../conventions";
import { centralEndpoints, GRAFANA_ADMIN_SECRET, KPS_FULLNAME, REPLICA_LABELS } from "./central-endpoints";

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

export interface CentralPrometheusValuesOptions {
  /** Cluster name: the `cluster` external label. */
  cluster: string;
  settings: CentralSettings;
  /** Datasources beside the default Thanos one (e.g. OpenSearch when logging is on). */
  extraDatasources: GrafanaDatasource[];
}

export type CentralPrometheusValues = {
  fullnameOverride: string;
  additionalPrometheusRulesMap: ReturnType<typeof centralPrometheusRulesMap>;
  prometheus: {
    agentMode: false;
    thanosService: { enabled: true };
    thanosServiceMonitor: { enabled: true };
    prometheusSpec: {
      replicas: number;
      retention: string;
      externalLabels: Record<string, string>;
      replicaExternalLabelName: string;
      serviceMonitorSelectorNilUsesHelmValues: false;
      podMonitorSelectorNilUsesHelmValues: false;
      ruleSelectorNilUsesHelmValues: false;
      storageSpec: { volumeClaimTemplate: { spec: PersistentVolumeClaimSpec } };
      thanos: { image: string; objectStorageConfig: { existingSecret: { name: string; key: string } } };
    };
  };
  alertmanager: {
    alertmanagerSpec: { replicas: number; useExistingSecret: true; additionalConfig: { configSecret: string } };
  };
  grafana: {
    enabled: boolean;
    admin: { existingSecret: string; userKey: string; passwordKey: string };
    sidecar: {
      dashboards: { enabled: true; label: string; labelValue: string; searchNamespace: "ALL" };
      datasources: { defaultDatasourceEnabled: false };
    };
    additionalDataSources: GrafanaDatasource[];
    ingress: { enabled: boolean; hosts: string[] };
  };
};

interface PersistentVolumeClaimSpec {
  accessModes: ["ReadWriteOnce"];
  storageClassName?: string;
  resources: { requests: { storage: string } };
}

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
    jsonData: { prometheusType: "Thanos", timeInterval: "30s" },
  };
}

export function centralPrometheusValues({ cluster, settings, extraDatasources }: CentralPrometheusValuesOptions): CentralPrometheusValues {
  const { prometheus, alertmanager, grafana } = settings;
  const [dashboardLabel, dashboardLabelValue] = Object.entries(GRAFANA_DASHBOARD_LABEL)[0];
  if (extraDatasources.some((d) => d.isDefault)) throw new Error("extra Grafana datasources must not be the default: Thanos is");
  return {
    fullnameOverride: KPS_FULLNAME,
    // The Thanos components' health, evaluated where they are scraped (components/rules.ts).
    additionalPrometheusRulesMap: centralPrometheusRulesMap({ cluster, central: settings }),
    prometheus: {
      // Central keeps a full Prometheus: it evaluates rules and feeds the sidecar.
      agentMode: false,
      // The headless discovery Service Thanos Query finds the sidecars through, and their metrics.
      thanosService: { enabled: true },
      thanosServiceMonitor: { enabled: true },
      prometheusSpec: {
        replicas: prometheus.replicas,
        retention: prometheus.retention,
        externalLabels: { cluster },
        replicaExternalLabelName: REPLICA_LABELS.prometheus,
        // Scrape the Thanos chart's ServiceMonitors and evaluate its PrometheusRules, not only this release's.
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        ruleSelectorNilUsesHelmValues: false,
        storageSpec: {
          volumeClaimTemplate: {
            spec: {
              accessModes: ["ReadWriteOnce"],
              ...(prometheus.storageClassName ? { storageClassName: prometheus.storageClassName } : {}),
              resources: { requests: { storage: prometheus.storageSize } },
            },
          },
        },
        thanos: {
          image: `${THANOS_IMAGE.registry}/${THANOS_IMAGE.repository}:${THANOS_IMAGE.tag}`,
          objectStorageConfig: { existingSecret: { name: THANOS_OBJSTORE_SECRET, key: THANOS_OBJSTORE_KEY } },
        },
      },
    },
    alertmanager: {
      alertmanagerSpec: {
        replicas: alertmanager.replicas,
        // The routing config is a Secret another component writes; the chart must not render its own.
        useExistingSecret: true,
        // The chart's own `configSecret` key exists only as a commented example in its defaults;
        // additionalConfig is its documented way to set an Alertmanager spec field directly.
        additionalConfig: { configSecret: ALERTMANAGER_CONFIG_SECRET },
      },
    },
    grafana: {
      enabled: grafana.enabled,
      admin: { existingSecret: GRAFANA_ADMIN_SECRET.name, userKey: GRAFANA_ADMIN_SECRET.userKey, passwordKey: GRAFANA_ADMIN_SECRET.passwordKey },
      sidecar: {
        dashboards: { enabled: true, label: dashboardLabel, labelValue: dashboardLabelValue, searchNamespace: "ALL" },
        // The chart's default datasource is this Prometheus; Thanos replaces it as the default.
        datasources: { defaultDatasourceEnabled: false },
      },
      additionalDataSources: [thanosDatasource(settings.namespace), ...extraDatasources],
      ingress: { enabled: grafana.host !== undefined, hosts: grafana.host ? [grafana.host] : [] },
    },
  };
}
