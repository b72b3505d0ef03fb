/** The central kube-prometheus-stack values, from validated config, without the Pulumi engine. */
import { THANOS_IMAGE } from "../../components/shared/charts";
import { ALERTMANAGER_CONFIG_SECRET, THANOS_OBJSTORE_KEY, THANOS_OBJSTORE_SECRET } from "../../components/shared/conventions";
import { centralPrometheusValues } from "../../components/central/prometheus-values";
import { centralSettings } from "../support/central";

const CHECKSUM = "0123456789abcdef".repeat(4);
const values = (patch?: (raw: any) => void) => centralPrometheusValues({ cluster: "cluster-01", settings: centralSettings(patch), objstoreChecksum: CHECKSUM });

describe("Prometheus", () => {
  test("a full Prometheus, not an agent, with 2 replicas labelled for deduplication", () => {
    const { prometheus } = values();
    expect(prometheus.agentMode).toBe(false);
    expect(prometheus.prometheusSpec.replicas).toBe(2);
    expect(prometheus.prometheusSpec.replicaExternalLabelName).toBe("prometheus_replica");
    expect(prometheus.prometheusSpec.externalLabels).toEqual({ cluster: "cluster-01" });
  });

  test("the Prometheus pods carry the objstore config's checksum: the sidecar reads it once, from an env var", () => {
    expect(values().prometheus.prometheusSpec.podMetadata).toEqual({ annotations: { "checksum/thanos-objstore": CHECKSUM } });
  });

  test("the Thanos sidecar uploads with the objstore Secret, at the Thanos version of the chart", () => {
    const { thanos } = values().prometheus.prometheusSpec;
    expect(thanos.objectStorageConfig).toEqual({ existingSecret: { name: THANOS_OBJSTORE_SECRET, key: THANOS_OBJSTORE_KEY } });
    expect(thanos.image).toBe(`quay.io/thanos/thanos:${THANOS_IMAGE.tag}`);
    expect(values((c) => (c.thanosVersion = "v0.41.0")).prometheus.prometheusSpec.thanos.image).toBe("quay.io/thanos/thanos:v0.41.0");
    expect(values().prometheus.thanosService).toEqual({ enabled: true });
  });

  test("retention and storage from config", () => {
    const spec = values((c) => (c.prometheus = { replicas: 3, retention: "6h", storageSize: "20Gi", storageClassName: "fast" })).prometheus.prometheusSpec;
    expect(spec.replicas).toBe(3);
    expect(spec.retention).toBe("6h");
    expect(spec.storageSpec.volumeClaimTemplate.spec).toEqual({ accessModes: ["ReadWriteOnce"], storageClassName: "fast", resources: { requests: { storage: "20Gi" } } });
  });

  test("selects monitors and rules of other releases (the Thanos chart's)", () => {
    const spec = values().prometheus.prometheusSpec;
    expect(spec.serviceMonitorSelectorNilUsesHelmValues).toBe(false);
    expect(spec.ruleSelectorNilUsesHelmValues).toBe(false);
  });
});

test("control-plane scrapes (and their Down alerts) are off unless configured", () => {
  const off = values();
  expect([off.kubeControllerManager, off.kubeScheduler, off.kubeEtcd, off.kubeProxy]).toEqual([{ enabled: false }, { enabled: false }, { enabled: false }, { enabled: false }]);
  const on = values((c) => (c.controlPlane = { controllerManager: true, etcd: true }));
  expect([on.kubeControllerManager, on.kubeScheduler, on.kubeEtcd, on.kubeProxy]).toEqual([{ enabled: true }, { enabled: false }, { enabled: true }, { enabled: false }]);
});

test("Alertmanager runs 3 replicas on the routing config Secret another component writes", () => {
  const { alertmanagerSpec } = values().alertmanager;
  expect(alertmanagerSpec.replicas).toBe(3);
  expect(alertmanagerSpec.useExistingSecret).toBe(true);
  expect(alertmanagerSpec.additionalConfig).toEqual({ configSecret: ALERTMANAGER_CONFIG_SECRET });
  // Not also through the chart's direct key: the template would render spec.configSecret twice.
  expect(alertmanagerSpec).not.toHaveProperty("configSecret");
});

describe("Grafana (its own release: see grafana-values.test.ts)", () => {
  test("is not installed by this chart, which provisions no datasource for it", () => {
    const { grafana } = values();
    expect(grafana.enabled).toBe(false);
    // Neither the chart's Prometheus datasource ConfigMap nor any datasource or admin setting.
    expect(grafana).not.toHaveProperty("forceDeployDatasources");
    expect(JSON.stringify(grafana)).not.toMatch(/datasource|admin/i);
  });

  test("ships none of its default dashboards, which would show the central cluster alone", () => {
    // With Grafana on or off: every default dashboard template needs grafana.enabled or forceDeployDashboards.
    for (const { grafana } of [values(), values((c) => (c.grafana = { enabled: false }))]) {
      expect(grafana).toEqual({ enabled: false, forceDeployDashboards: false, defaultDashboardsEnabled: false });
    }
  });
});
