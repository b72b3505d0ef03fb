/** The central kube-prometheus-stack values, from validated config, without the Pulumi engine. */
import { THANOS_IMAGE } from "../components/charts";
import { ALERTMANAGER_CONFIG_SECRET, GRAFANA_DASHBOARD_LABEL, THANOS_OBJSTORE_KEY, THANOS_OBJSTORE_SECRET } from "../components/conventions";
import { grafanaUrl } from "../components/values/central-endpoints";
import { centralPrometheusValues, GrafanaDatasource } from "../components/values/central-prometheus";
import { centralSettings } from "./support-central";

const values = (patch?: (raw: any) => void, extraDatasources: GrafanaDatasource[] = []) =>
  centralPrometheusValues({ cluster: "cluster-01", settings: centralSettings(patch), extraDatasources });

const opensearch: GrafanaDatasource = { name: "OpenSearch", type: "grafana-opensearch-datasource", uid: "opensearch", url: "http://opensearch:9200", access: "proxy" };

describe("Prometheus", () => {
  test("a full Prometheus, not an agent, with 2 replicas labelled for deduplication", () => {
    const { prometheus } = values();
    expect(prometheus.agentMode).toBe(false);
    expect(prometheus.prometheusSpec.replicas).toBe(2);
    expect(prometheus.prometheusSpec.replicaExternalLabelName).toBe("prometheus_replica");
    expect(prometheus.prometheusSpec.externalLabels).toEqual({ cluster: "cluster-01" });
  });

  test("the Thanos sidecar uploads with the objstore Secret, at the Thanos version of the chart", () => {
    const { thanos } = values().prometheus.prometheusSpec;
    expect(thanos.objectStorageConfig).toEqual({ existingSecret: { name: THANOS_OBJSTORE_SECRET, key: THANOS_OBJSTORE_KEY } });
    expect(thanos.image).toBe(`quay.io/thanos/thanos:${THANOS_IMAGE.tag}`);
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

test("Alertmanager runs 3 replicas on the routing config Secret another component writes", () => {
  const { alertmanagerSpec } = values().alertmanager;
  expect(alertmanagerSpec.replicas).toBe(3);
  expect(alertmanagerSpec.useExistingSecret).toBe(true);
  expect(alertmanagerSpec.additionalConfig).toEqual({ configSecret: ALERTMANAGER_CONFIG_SECRET });
});

describe("Grafana", () => {
  test("Thanos through the Query Frontend is the only default datasource", () => {
    const { grafana } = values(undefined, [opensearch]);
    expect(grafana.sidecar.datasources.defaultDatasourceEnabled).toBe(false);
    expect(grafana.additionalDataSources.filter((d) => d.isDefault)).toEqual([
      expect.objectContaining({ name: "Thanos", type: "prometheus", url: "http://thanos-query-frontend.monitoring.svc.cluster.local:9090" }),
    ]);
    expect(grafana.additionalDataSources.map((d) => d.name)).toEqual(["Thanos", "OpenSearch"]);
  });

  test("an extra datasource cannot take over the default", () => {
    expect(() => values(undefined, [{ ...opensearch, isDefault: true }])).toThrow(/must not be the default/);
  });

  test("the admin password comes from an existing Secret, never from values", () => {
    const { grafana } = values();
    expect(grafana.admin).toEqual({ existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" });
    expect(JSON.stringify(grafana)).not.toMatch(/adminPassword/);
  });

  test("the dashboard sidecar picks up labelled ConfigMaps in every namespace", () => {
    const [label, labelValue] = Object.entries(GRAFANA_DASHBOARD_LABEL)[0];
    expect(values().grafana.sidecar.dashboards).toEqual({ enabled: true, label, labelValue, searchNamespace: "ALL" });
  });

  test("a public host gets an Ingress and becomes the URL", () => {
    expect(values().grafana.ingress).toEqual({ enabled: false, hosts: [] });
    expect(values((c) => (c.grafana = { host: "grafana.example.com" })).grafana.ingress).toEqual({ enabled: true, hosts: ["grafana.example.com"] });
    expect(grafanaUrl("rel", "monitoring", "grafana.example.com")).toBe("http://grafana.example.com");
    expect(grafanaUrl("rel", "monitoring", undefined)).toBe("http://rel-grafana.monitoring.svc.cluster.local");
  });

  test("can be turned off", () => {
    expect(values((c) => (c.grafana = { enabled: false })).grafana.enabled).toBe(false);
  });
});
