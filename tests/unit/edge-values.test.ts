/** kube-prometheus-stack values for the edge clusters, built without the engine. */
import { durationMs } from "../../config/duration";
import { parseQuantity } from "../../config/quantity";
import { EDGE_RELEASE_FULLNAME, edgePrometheusValues } from "../../components/edge/prometheus-values";
import { CENTRAL, edgeConfig, TEST_CA_PEM } from "../support/edge";
import { expectValidManifest } from "../support/k8s-models";

const values = (config = edgeConfig("cluster-03")) => edgePrometheusValues({ cluster: config.cluster, settings: config.edge, ...CENTRAL });

test("Prometheus runs in agent mode, with the operator and its CRDs", () => {
  const v = values();
  expect(v.prometheus.agentMode).toBe(true);
  expect(v.crds.enabled).toBe(true);
  expect(v.prometheusOperator.enabled).toBe(true);
  expect(v.fullnameOverride).toBe(EDGE_RELEASE_FULLNAME);
});

test("nothing on an edge evaluates rules, alerts or serves dashboards", () => {
  const v = values();
  expect(v.defaultRules.create).toBe(false);
  expect(v.alertmanager.enabled).toBe(false);
  expect(v.grafana.enabled).toBe(false);
});

test("node-exporter, kube-state-metrics and the kubelet/cAdvisor monitors are on; control-plane monitors are off", () => {
  const v = values();
  expect([v.nodeExporter.enabled, v.kubeStateMetrics.enabled, v.kubelet.enabled, v.kubelet.serviceMonitor.cAdvisor]).toEqual([true, true, true, true]);
  for (const component of [v.kubeApiServer, v.kubeControllerManager, v.kubeScheduler, v.kubeProxy, v.kubeEtcd, v.coreDns]) expect(component.enabled).toBe(false);
});

test("the agent scrapes itself under a fixed job name, for central's remote-write and WAL alerts", () => {
  const { serviceMonitor } = values().prometheus;
  expect(serviceMonitor.selfMonitor).toBe(true);
  expect(serviceMonitor.relabelings).toEqual([{ action: "replace", targetLabel: "job", replacement: "prometheus-agent" }]);
});

test("remote write goes to central as the cluster's tenant, with the cluster label enforced", () => {
  const spec = values().prometheus.prometheusSpec;
  expect(spec.externalLabels).toEqual({ cluster: "cluster-03" });
  expect(spec.remoteWrite).toHaveLength(1);
  const [rw] = spec.remoteWrite;
  expect(rw.url).toBe(CENTRAL.remoteWriteUrl);
  expect(rw.headers).toEqual({ "THANOS-TENANT": "cluster-03" });
  expect(rw.writeRelabelConfigs).toEqual([{ action: "replace", targetLabel: "cluster", replacement: "cluster-03" }]);
  expect(rw).not.toHaveProperty("tlsConfig");
  const custom = edgeConfig("cluster-03", (e) => (e.tenantId = "edge-three"));
  expect(values(custom).prometheus.prometheusSpec.remoteWrite[0].headers).toEqual({ "THANOS-TENANT": "edge-three" });
});

test("the WAL keeps unsent samples for edge.wal.maxTime on a persistent volume", () => {
  const config = edgeConfig("cluster-03", (e) => (e.wal = { maxTime: "8h", storageSize: "20Gi", storageClassName: "local-path" }));
  const spec = values(config).prometheus.prometheusSpec;
  expect(spec.additionalArgs).toEqual([{ name: "storage.agent.retention.max-time", value: "8h" }]);
  expect(spec.storageSpec).toEqual({
    volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], storageClassName: "local-path", resources: { requests: { storage: "20Gi" } } } },
  });
});

test("resources come from edge.resources", () => {
  expect(values().prometheus.prometheusSpec.resources).toEqual({ requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } });
  const config = edgeConfig("cluster-03", (e) => (e.resources = { requests: { memory: "1Gi" } }));
  expect(values(config).prometheus.prometheusSpec.resources).toEqual({ requests: { memory: "1Gi" } });
});

test("a soft memory limit, when set, goes to the operator's prometheus container as GOMEMLIMIT, in bytes", () => {
  // Unset by default: Prometheus derives GOMEMLIMIT from the container's limit.
  expect(values().prometheus.prometheusSpec).not.toHaveProperty("containers");
  const config = edgeConfig("cluster-03", (e) => (e.softMemoryLimit = "200Mi"));
  expect(values(config).prometheus.prometheusSpec.containers).toEqual([{ name: "prometheus", env: [{ name: "GOMEMLIMIT", value: String(200 * 2 ** 20) }] }]);
});

test("the cluster agent skips tenant namespaces: their monitors belong to the tenant agents", () => {
  const spec = values().prometheus.prometheusSpec;
  const notTenant = { matchExpressions: [{ key: "multicluster/tenant", operator: "DoesNotExist" }] };
  for (const selector of [spec.serviceMonitorNamespaceSelector, spec.podMonitorNamespaceSelector, spec.probeNamespaceSelector, spec.scrapeConfigNamespaceSelector]) {
    expect(selector).toEqual(notTenant);
  }
});

test("a CA bundle is referenced from the Secret the EdgeAgent creates", () => {
  const config = edgeConfig("cluster-03", (e) => (e.remoteWrite = { tls: { caCert: TEST_CA_PEM, serverName: "receive.example.org" } }));
  const [rw] = edgePrometheusValues({ cluster: "cluster-03", settings: config.edge, remoteWriteUrl: "https://receive.example.org/api/v1/receive", tenantHeader: "THANOS-TENANT" }).prometheus
    .prometheusSpec.remoteWrite;
  expect(rw.tlsConfig).toEqual({ ca: { secret: { name: "remote-write-ca", key: "ca.crt" } }, serverName: "receive.example.org", insecureSkipVerify: false });
});

test("the fields the chart copies into the PrometheusAgent are valid for the CRD", () => {
  const spec = values(edgeConfig("cluster-03", (e) => (e.remoteWrite = { tls: { caCert: TEST_CA_PEM } }))).prometheus.prometheusSpec;
  expectValidManifest({
    apiVersion: "monitoring.coreos.com/v1alpha1",
    kind: "PrometheusAgent",
    metadata: { name: `${EDGE_RELEASE_FULLNAME}-prometheus`, namespace: "monitoring" },
    spec: {
      externalLabels: spec.externalLabels,
      remoteWrite: spec.remoteWrite,
      additionalArgs: spec.additionalArgs,
      storage: spec.storageSpec,
      resources: spec.resources,
      serviceMonitorNamespaceSelector: spec.serviceMonitorNamespaceSelector,
      podMonitorNamespaceSelector: spec.podMonitorNamespaceSelector,
      probeNamespaceSelector: spec.probeNamespaceSelector,
      scrapeConfigNamespaceSelector: spec.scrapeConfigNamespaceSelector,
    },
  });
});

/**
 * The seed's load: about 110k active series across the fleet and 7,800 samples/s at the
 * receiver. Worst case for one agent: the whole fleet's rate goes through it.
 */
describe("the default queue and WAL are sized for the seed's load", () => {
  const FLEET_SAMPLES_PER_SECOND = 7800;
  const { remoteWrite, wal } = edgeConfig("cluster-03").edge;
  const { queue } = remoteWrite;

  test("after a 2h central outage the queue catches up within 30 minutes, even at 500ms per request", () => {
    const backlog = FLEET_SAMPLES_PER_SECOND * (durationMs("2h") / 1000);
    const throughput = (queue.maxShards * queue.maxSamplesPerSend) / 0.5;
    const catchUpSeconds = backlog / (throughput - FLEET_SAMPLES_PER_SECOND);
    expect(catchUpSeconds).toBeLessThan(30 * 60);
    // Each shard buffers a few sends' worth, so a send never waits for the queue to fill.
    expect(queue.capacity).toBeGreaterThanOrEqual(3 * queue.maxSamplesPerSend);
  });

  test("the WAL outlives a 2h outage and its volume holds edge.wal.maxTime of the fleet's samples", () => {
    expect(durationMs(wal.maxTime)).toBeGreaterThanOrEqual(durationMs("2h"));
    // 16 bytes per sample is the uncompressed record; the WAL is compressed on top of that.
    const walBytes = FLEET_SAMPLES_PER_SECOND * (durationMs(wal.maxTime) / 1000) * 16;
    expect(walBytes).toBeLessThan(parseQuantity(wal.storageSize)!);
  });
});
