/**
 * Helm values of the central kube-prometheus-stack (88.5.3), as a pure function of validated
 * config: Prometheus HA with the Thanos sidecar uploading to the bucket, and Alertmanager HA
 * reading its routing from ALERTMANAGER_CONFIG_SECRET. Grafana is its own release
 * (`grafanaValues`); this chart only ships its default dashboards to it as ConfigMaps.
 * Secrets are only referenced by name, never inlined.
 */
import { thanosImageReference } from "../shared/charts";
import { CentralSettings } from "../../config/central";
import { centralPrometheusRulesMap } from "../../mixin/alerts";
import { prometheusStorage, StorageSpec } from "../shared/prometheus-storage";
import { ALERTMANAGER_CONFIG_SECRET, OBJSTORE_CHECKSUM_ANNOTATION, THANOS_OBJSTORE_KEY, THANOS_OBJSTORE_SECRET } from "../shared/conventions";
import { KPS_FULLNAME, REPLICA_LABELS } from "./endpoints";

export interface CentralPrometheusValuesOptions {
  /** Cluster name: the `cluster` external label. */
  cluster: string;
  settings: CentralSettings;
  /** sha256 of the objstore config (`objstoreChecksum`), never the config itself. */
  objstoreChecksum: string;
}

export type CentralPrometheusValues = {
  fullnameOverride: string;
  kubeControllerManager: { enabled: boolean };
  kubeScheduler: { enabled: boolean };
  kubeEtcd: { enabled: boolean };
  kubeProxy: { enabled: boolean };
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
      storageSpec: StorageSpec;
      podMetadata: { annotations: Record<typeof OBJSTORE_CHECKSUM_ANNOTATION, string> };
      thanos: { image: string; objectStorageConfig: { existingSecret: { name: string; key: string } } };
    };
  };
  alertmanager: {
    alertmanagerSpec: { replicas: number; useExistingSecret: true; additionalConfig: { configSecret: string } };
  };
  grafana: { enabled: false; forceDeployDashboards: false; defaultDashboardsEnabled: false };
};

export function centralPrometheusValues({ cluster, settings, objstoreChecksum }: CentralPrometheusValuesOptions): CentralPrometheusValues {
  const { prometheus, alertmanager, controlPlane } = settings;
  return {
    fullnameOverride: KPS_FULLNAME,
    // The chart scrapes these by default; its Down alerts for them (critical) render only while
    // the component is enabled (templates/prometheus/rules-1.14/kubernetes-system-*.yaml, etcd.yaml).
    kubeControllerManager: { enabled: controlPlane.controllerManager },
    kubeScheduler: { enabled: controlPlane.scheduler },
    kubeEtcd: { enabled: controlPlane.etcd },
    kubeProxy: { enabled: controlPlane.kubeProxy },
    // The Thanos components' health, evaluated where they are scraped (mixin/alerts/index.ts).
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
        storageSpec: prometheusStorage(prometheus),
        // The operator hands the sidecar the objstore config as an env var from the Secret, read
        // once at start: a changed config (rotated MinIO keys) must roll the Prometheus pods.
        podMetadata: { annotations: { [OBJSTORE_CHECKSUM_ANNOTATION]: objstoreChecksum } },
        thanos: {
          image: thanosImageReference(settings.thanosVersion),
          objectStorageConfig: { existingSecret: { name: THANOS_OBJSTORE_SECRET, key: THANOS_OBJSTORE_KEY } },
        },
      },
    },
    alertmanager: {
      alertmanagerSpec: {
        replicas: alertmanager.replicas,
        // The routing config is a Secret another component writes; the chart must not render its own.
        useExistingSecret: true,
        // The chart's template reads a direct alertmanagerSpec.configSecret key
        // (templates/alertmanager/alertmanager.yaml), but its values.yaml has it only as a comment,
        // so check-chart-values, which knows keys from those defaults, reports it as unknown.
        // additionalConfig renders the very same spec.configSecret field (compared with helm template).
        additionalConfig: { configSecret: ALERTMANAGER_CONFIG_SECRET },
      },
    },
    // Grafana is its own release (grafanaValues), with the platform's own fleet-wide dashboards
    // (mixin/dashboards/index.ts). The chart's default dashboards are not shipped: they hide their
    // cluster variable unless grafana.sidecar.dashboards.multicluster.global.enabled, and read
    // recording rules (kube-prometheus-stack's defaultRules) that only the central Prometheus
    // evaluates, on cluster-01's data, so they would show cluster-01 alone. Every one of them
    // renders only with grafana.enabled or grafana.forceDeployDashboards
    // (templates/grafana/dashboards-1.14/*.yaml). No datasource ConfigMap either.
    grafana: { enabled: false, forceDeployDashboards: false, defaultDashboardsEnabled: false },
  };
}
