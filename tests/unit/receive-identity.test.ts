/** Tenant identity and write limits as pure functions of validated config: certificate names and subjects, and the receivers' limits file. */
import * as YAML from "yaml";
import { receiveServerNames, stackWarnings, TENANT_CERTIFICATE_FIELD, tenantCertificateSubject } from "../../components/central/receive-identity";
import { headSeriesQuery, receiveLimitsConfig, receiveLimitsYaml } from "../../components/central/receive-limits";
import { centralConfig, promqlErrors } from "../support/alerting";
import { centralSettings } from "../support/central";

describe("certificates", () => {
  test("a tenant's certificate carries its id in the field the receivers read", () => {
    expect(TENANT_CERTIFICATE_FIELD).toBe("commonName");
    expect(tenantCertificateSubject("tenant-a")).toEqual({ commonName: "tenant-a", organization: "multicluster" });
  });

  test("agents verify the LoadBalancer Service's in-cluster name, which the receivers' certificate holds in every form", () => {
    expect(receiveServerNames(centralSettings())).toEqual({
      serverName: "thanos-receive-remote-write.monitoring.svc.cluster.local",
      dnsNames: [
        "thanos-receive-remote-write.monitoring.svc.cluster.local",
        "thanos-receive-remote-write",
        "thanos-receive-remote-write.monitoring",
        "thanos-receive-remote-write.monitoring.svc",
      ],
      ipAddresses: [],
    });
  });

  test("through an Ingress they verify its host (which routes by SNI); a fixed LoadBalancer IP is in the certificate too", () => {
    const names = receiveServerNames(
      centralSettings((c) => Object.assign(c.receive, { ingress: { enabled: true, host: "receive.example.com" }, service: { loadBalancerIP: "10.0.10.50" } })),
    );
    expect(names.serverName).toBe("receive.example.com");
    expect(names.dnsNames[0]).toBe("receive.example.com");
    expect(names.dnsNames).toContain("thanos-receive-remote-write.monitoring.svc.cluster.local");
    expect(names.ipAddresses).toEqual(["10.0.10.50"]);
  });

  test("plain-http lab mode is the only thing the synth warns about", () => {
    expect(stackWarnings(centralConfig())).toEqual([]);
    const [warning] = stackWarnings(centralConfig((c) => (c.receive.tls = { enabled: false })));
    expect(warning).toMatch(/^PLAIN-HTTP REMOTE WRITE .* any client that reaches the receive endpoint can write as any tenant by setting the THANOS-TENANT header$/);
  });
});

describe("write limits", () => {
  test("defaults for every tenant, head series counted through the central Prometheus", () => {
    expect(receiveLimitsConfig(centralSettings())).toEqual({
      write: {
        global: {
          meta_monitoring_url: "http://kps-prometheus.monitoring.svc.cluster.local:9090",
          meta_monitoring_limit_query: headSeriesQuery("monitoring", 3),
        },
        default: { request: { size_bytes_limit: 4194304, series_limit: 10000, samples_limit: 10000 }, head_series_limit: 100000 },
      },
    });
  });

  test("a tenant's override names only what it changes; Thanos takes the rest from the defaults", () => {
    const settings = centralSettings((c) => (c.receive.limits = { tenants: { "tenant-a": { headSeries: 20_000 }, "cluster-03": { requestSamples: 20_000, requestSeries: 0 } } }));
    expect(receiveLimitsConfig(settings).write.tenants).toEqual({
      "tenant-a": { head_series_limit: 20000 },
      "cluster-03": { request: { series_limit: 0, samples_limit: 20000 } },
    });
  });

  test("without any head series limit the receivers run no meta-monitoring query", () => {
    const settings = centralSettings((c) => (c.receive.limits = { default: { headSeries: 0 } }));
    expect(receiveLimitsConfig(settings).write.global).toBeUndefined();
    const oneTenant = centralSettings((c) => (c.receive.limits = { default: { headSeries: 0 }, tenants: { "tenant-b": { headSeries: 50 } } }));
    expect(receiveLimitsConfig(oneTenant).write.global?.meta_monitoring_url).toBe("http://kps-prometheus.monitoring.svc.cluster.local:9090");
  });

  test("the meta-monitoring query counts each tenant's series once across replicas and pods scraped twice", () => {
    const query = headSeriesQuery("monitoring", 3);
    expect(promqlErrors(query)).toEqual([]);
    expect(query).toBe('sum by (tenant) (max by (tenant, pod) (prometheus_tsdb_head_series{job=~".*receive.*", namespace="monitoring", tenant!=""})) / 3');
    expect(headSeriesQuery("observability", 1)).toContain('namespace="observability"');
  });

  test("the file is YAML Thanos parses strictly: only its own keys", () => {
    const file = YAML.parse(receiveLimitsYaml(centralSettings((c) => (c.receive.limits = { tenants: { "tenant-a": { requestSizeBytes: 1024 } } }))));
    expect(Object.keys(file)).toEqual(["write"]);
    expect(Object.keys(file.write)).toEqual(["global", "default", "tenants"]);
    expect(file.write.tenants["tenant-a"]).toEqual({ request: { size_bytes_limit: 1024 } });
  });
});
