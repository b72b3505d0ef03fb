/** The central Grafana's values (grafana chart, its own release), from validated config, without the Pulumi engine. */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { CHARTS, GRAFANA_IMAGE } from "../../components/shared/charts";
import { GRAFANA_DASHBOARD_LABEL, GRAFANA_DATASOURCE_LABEL } from "../../components/shared/conventions";
import { grafanaServiceName, grafanaUrl } from "../../components/central/endpoints";
import { GRAFANA_DATASOURCES_FILE, grafanaValues } from "../../components/central/grafana-values";
import { OPENSEARCH_GRAFANA_PLUGIN } from "../../components/logging/values";
import { PROJECT_DIR, scratchDir } from "../support";
import { centralSettings } from "../support/central";

const values = (patch?: (raw: any) => void) => grafanaValues(centralSettings(patch));
const withLogging = (patch: (raw: any) => void = () => undefined) =>
  values((c) => {
    c.logging = { enabled: true };
    patch(c);
  });
const CHECK_CHART_VALUES = path.resolve(PROJECT_DIR, "..", "shared", "tools", "check-chart-values");

describe("datasources", () => {
  test("Thanos through the Query Frontend is the only default datasource, and the only one in values", () => {
    for (const { datasources } of [values(), withLogging()]) {
      const provisioned = datasources[GRAFANA_DATASOURCES_FILE].datasources;
      expect(provisioned.filter((d) => d.isDefault)).toEqual([
        expect.objectContaining({ name: "Thanos", type: "prometheus", uid: "thanos", url: "http://thanos-query-frontend.monitoring.svc.cluster.local:9090" }),
      ]);
      expect(provisioned.map((d) => d.uid)).toEqual(["thanos"]);
    }
  });

  test("Thanos is asked to choose the resolution of every query, so dashboards reach past the raw retention", () => {
    const [thanos] = values().datasources[GRAFANA_DATASOURCES_FILE].datasources;
    expect(thanos.jsonData).toMatchObject({ prometheusType: "Thanos", customQueryParameters: "max_source_resolution=auto" });
  });

  test("the Query Frontend URL follows the central namespace", () => {
    const [thanos] = values((c) => (c.namespace = "observability")).datasources[GRAFANA_DATASOURCES_FILE].datasources;
    expect(thanos.url).toBe("http://thanos-query-frontend.observability.svc.cluster.local:9090");
  });

  test("the datasource sidecar reads labelled objects in the central namespace only while logging is off", () => {
    const [label, labelValue] = Object.entries(GRAFANA_DATASOURCE_LABEL)[0];
    const off = values((c) => (c.logging = { enabled: false }));
    expect(off.sidecar.datasources).toEqual({ enabled: true, label, labelValue, searchNamespace: ["monitoring"] });
    expect(off.plugins).toEqual([]);
  });

  test("with logging on: the OpenSearch plugin, and the datasource sidecar also reads the logging namespace", () => {
    const on = withLogging((c) => (c.logging.namespace = "logs"));
    expect(on.plugins).toEqual([OPENSEARCH_GRAFANA_PLUGIN]);
    expect(on.sidecar.datasources.searchNamespace).toEqual(["monitoring", "logs"]);
  });
});

test("the admin user and password come from the existing Secret, never from values", () => {
  for (const v of [values(), withLogging()]) {
    expect(v.admin).toEqual({ existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" });
    expect(JSON.stringify(v)).not.toMatch(/adminPassword|GF_SECURITY_ADMIN_PASSWORD/);
  }
});

test("the dashboard sidecar picks up labelled ConfigMaps in every namespace", () => {
  const [label, labelValue] = Object.entries(GRAFANA_DASHBOARD_LABEL)[0];
  expect(values().sidecar.dashboards).toEqual({ enabled: true, label, labelValue, searchNamespace: "ALL" });
});

test("a public host gets an Ingress and becomes the URL; else the URL is the release's Service", () => {
  expect(values().ingress).toEqual({ enabled: false, hosts: [] });
  expect(values((c) => (c.grafana = { host: "grafana.example.com" })).ingress).toEqual({ enabled: true, hosts: ["grafana.example.com"] });
  expect(grafanaUrl("cluster-01-central-grafana", "monitoring", "grafana.example.com")).toBe("http://grafana.example.com");
  expect(grafanaUrl("cluster-01-central-grafana", "monitoring", undefined)).toBe("http://cluster-01-central-grafana.monitoring.svc.cluster.local");
});

test("the Service name follows the chart's fullname rule", () => {
  expect(grafanaServiceName("cluster-01-central-grafana")).toBe("cluster-01-central-grafana");
  expect(grafanaServiceName("rel")).toBe("rel-grafana");
  // Cut to 63 characters (a DNS label), then a trailing dash dropped.
  expect(grafanaServiceName(`${"a".repeat(60)}-central-grafana`)).toBe(`${"a".repeat(60)}-ce`);
  expect(grafanaServiceName(`${"a".repeat(62)}-grafana`)).toBe("a".repeat(62));
});

test("the image is pinned to a fixed version, not the chart's empty default", () => {
  const { image } = values();
  expect(image).toEqual(GRAFANA_IMAGE);
  expect(image.tag).toMatch(/^\d+\.\d+\.\d+$/);
});

test("scraped by the central Prometheus, data on a volume that survives restarts", () => {
  const v = values();
  expect(v.serviceMonitor).toEqual({ enabled: true });
  expect(v.persistence).toMatchObject({ enabled: true, type: "pvc" });
  // A ReadWriteOnce volume: the old pod must go before the new one mounts it.
  expect(v.deploymentStrategy).toEqual({ type: "Recreate" });
});

(fs.existsSync(CHECK_CHART_VALUES) ? test : test.skip)("check-chart-values knows every key, with logging off and on", async () => {
  const dir = scratchDir("grafana-values-");
  const { chart, version, repo } = CHARTS.grafana;
  fs.writeFileSync(path.join(dir, "off.json"), JSON.stringify({ chart, version, repo, values: values((c) => (c.logging = { enabled: false })) }));
  fs.writeFileSync(path.join(dir, "on.json"), JSON.stringify({ chart, version, repo, values: withLogging() }));
  const { stdout } = await promisify(execFile)("python3", [CHECK_CHART_VALUES, dir]).catch((err: { stdout: string }) => {
    throw new Error(`check-chart-values failed:\n${err.stdout}`);
  });
  expect(stdout).toContain("2 releases checked, 0 unknown keys");
});
