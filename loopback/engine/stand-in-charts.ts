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
 *
 * For the recovery test one chart can be written to hang: a `post-install,post-upgrade` hook
 * Job whose pod no node accepts, so Helm waits on it with the release in pending-install (or
 * pending-upgrade) until the release's timeout.
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

/** The nodeSelector of the hanging hook's pod: no KWOK node carries this label. */
const NO_NODE_SELECTOR = { "multicluster/stand-in-node": "none" } as const;

/** The hook Job of a hanging stand-in; its pod passes Pod Security `restricted` and is never scheduled. */
const HANGING_HOOK = `apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-hanging-hook
  namespace: {{ .Release.Namespace }}
  annotations:
    helm.sh/hook: post-install,post-upgrade
    helm.sh/hook-delete-policy: before-hook-creation
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      nodeSelector: ${JSON.stringify(NO_NODE_SELECTOR)}
      securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: wait
          image: stand-in.invalid/never-pulled:1
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }
`;

/** The Job a hanging stand-in release runs as its hook (Helm leaves hook objects behind on uninstall). */
export function hangingHookJob(release: string): string {
  return `${release}-hanging-hook`;
}

/**
 * Writes a stand-in for every pinned chart under `dir`; returns `dir`. `hangingChart` names
 * the chart (e.g. kube-prometheus-stack) whose stand-in also carries the hanging hook.
 */
export function writeStandInCharts(dir: string, opts: { hangingChart?: string } = {}): string {
  for (const chart of Object.values(CHARTS)) {
    const root = path.join(dir, chart.chart);
    fs.mkdirSync(path.join(root, "templates"), { recursive: true });
    fs.writeFileSync(
      path.join(root, "Chart.yaml"),
      YAML.stringify({ apiVersion: "v2", name: chart.chart, version: chart.version, description: `Stand-in for ${chart.chart} ${chart.version} (loopback tests only)`, type: "application" }),
    );
    fs.writeFileSync(path.join(root, "values.yaml"), "{}\n");
    fs.writeFileSync(path.join(root, "templates", "values-configmap.yaml"), VALUES_CONFIGMAP);
    if (chart.chart === opts.hangingChart) fs.writeFileSync(path.join(root, "templates", "hanging-hook.yaml"), HANGING_HOOK);
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
