/**
 * Stand-ins for the pinned Helm charts, generated at test time where no chart repository is
 * reachable (CI). Each has the pinned chart's name and version, laid out as `helm pull
 * --untar` writes a chart (`<dir>/<chart>/Chart.yaml`), and installs only:
 * - a ConfigMap `<release>-values` holding the values Helm received, as JSON, so a test can
 *   compare them with the synth's `releases/<name>.json`;
 * - for kube-prometheus-stack, the prometheus-operator CRD of the custom resources the program
 *   declares itself (PrometheusAgent), with an open schema: the real chart's CRD is not here.
 * They never run a workload. With the real charts (MULTICLUSTER_CHARTS_DIR) the same tests
 * install the real thing; stand-ins are never committed.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CHARTS } from "../../components/shared/charts";

/** The CRDs the program's own objects need, by chart. */
const CRDS: Partial<Record<string, { group: string; version: string; kind: string; plural: string }[]>> = {
  "kube-prometheus-stack": [{ group: "monitoring.coreos.com", version: "v1alpha1", kind: "PrometheusAgent", plural: "prometheusagents" }],
};

function openCrd(crd: { group: string; version: string; kind: string; plural: string }): object {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${crd.plural}.${crd.group}` },
    spec: {
      group: crd.group,
      names: { kind: crd.kind, listKind: `${crd.kind}List`, plural: crd.plural, singular: crd.kind.toLowerCase() },
      scope: "Namespaced",
      versions: [
        {
          name: crd.version,
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
        },
      ],
    },
  };
}

const VALUES_CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-values
  namespace: {{ .Release.Namespace }}
  labels:
    multicluster/stand-in-chart: {{ .Chart.Name }}
data:
  values.json: {{ .Values | toJson | quote }}
`;

/** Writes a stand-in for every pinned chart under `dir`; returns `dir`. */
export function writeStandInCharts(dir: string): string {
  for (const chart of Object.values(CHARTS)) {
    const root = path.join(dir, chart.chart);
    fs.mkdirSync(path.join(root, "templates"), { recursive: true });
    fs.writeFileSync(
      path.join(root, "Chart.yaml"),
      YAML.stringify({ apiVersion: "v2", name: chart.chart, version: chart.version, description: `Stand-in for ${chart.chart} ${chart.version} (loopback tests only)`, type: "application" }),
    );
    fs.writeFileSync(path.join(root, "values.yaml"), "{}\n");
    fs.writeFileSync(path.join(root, "templates", "values-configmap.yaml"), VALUES_CONFIGMAP);
    const crds = CRDS[chart.chart] ?? [];
    if (crds.length > 0) {
      fs.mkdirSync(path.join(root, "crds"), { recursive: true });
      for (const crd of crds) fs.writeFileSync(path.join(root, "crds", `${crd.plural}.yaml`), YAML.stringify(openCrd(crd)));
    }
  }
  return dir;
}

/** The name of the ConfigMap a stand-in release writes its values to. */
export function standInValuesConfigMap(release: string): string {
  return `${release}-values`;
}
