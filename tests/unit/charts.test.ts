/**
 * `multicluster:charts`: every release installs its pinned chart from the public repository
 * by default, or from the mirror or local directory a stack file names, for an air-gapped
 * cluster. A directory must hold each chart the stack installs at its pinned version.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CHARTS, ChartRef, chartsOf, helmPullCommand } from "../../config/charts";
import { chartInputs } from "../../components/shared/charts";
import { GOLDEN_DIR } from "../../synth/golden";
import { committedStackConfig, resourcesOfType, scratchDir, synthStacks } from "../support";
import { Config, stackConfigParser } from "../support/parse";

const { dir, env, committed, parse, rejection } = stackConfigParser("charts-");
const withCharts = (stack: string, charts: unknown): Config => ({ ...committed(stack), "multicluster:charts": charts });

/** A directory of charts as `helm pull --untar` lays them out: `<dir>/<chart>/Chart.yaml`. */
function chartDirectory(charts: readonly ChartRef[], name = "pulled"): string {
  const root = path.join(scratchDir("charts-dir-"), name);
  for (const chart of charts) {
    fs.mkdirSync(path.join(root, chart.chart, "templates"), { recursive: true });
    fs.writeFileSync(path.join(root, chart.chart, "Chart.yaml"), YAML.stringify({ apiVersion: "v2", name: chart.chart, version: chart.version }));
  }
  return root;
}
const ALL_CHARTS = Object.values(CHARTS);

describe.each(["cluster-01", "cluster-02", "cluster-03", "cluster-04"])("%s", (stack) => {
  test("installs exactly the charts chartsOf names (the charts a directory must hold)", () => {
    const releases = fs.readdirSync(path.join(GOLDEN_DIR, stack, "releases")).map((f) => JSON.parse(fs.readFileSync(path.join(GOLDEN_DIR, stack, "releases", f), "utf8")));
    const installed = releases.map((r) => ({ chart: r.chart, version: r.version, repo: r.repo }));
    expect(installed.map((c) => c.chart).sort()).toEqual(chartsOf(parse(committed(stack), stack)).map((c) => c.chart).sort());
    // Without multicluster:charts, every release comes from its public repository.
    for (const c of installed) expect(c).toEqual(ALL_CHARTS.find((pinned) => pinned.chart === c.chart));
  });
});

test("a central stack needs the logging charts only with logs, Grafana's only with Grafana", () => {
  const central = committed("cluster-01");
  const lean = { ...central, "multicluster:central": { ...central["multicluster:central"], logging: { enabled: false }, grafana: { enabled: false } } };
  expect(chartsOf(parse(lean, "cluster-01")).map((c) => c.chart)).toEqual(["kube-prometheus-stack", "thanos"]);
});

describe("the release inputs for each source", () => {
  const kps = CHARTS.kubePrometheusStack;
  test.each([
    ["none: the public repository", undefined, { chart: "kube-prometheus-stack", version: "88.5.3", repositoryOpts: { repo: kps.repo } }],
    ["a Helm repository mirror replaces the repository", { repository: "https://mirror.example.org/helm" }, { chart: "kube-prometheus-stack", version: "88.5.3", repositoryOpts: { repo: "https://mirror.example.org/helm" } }],
    ["an OCI mirror makes the chart oci://<mirror>/<chart>", { repository: "oci://registry.example.org/charts" }, { chart: "oci://registry.example.org/charts/kube-prometheus-stack", version: "88.5.3" }],
    ["a directory makes the chart a local path", { directory: "/srv/charts" }, { chart: "/srv/charts/kube-prometheus-stack", version: "88.5.3" }],
  ])("%s", (_name, source, inputs) => {
    expect(chartInputs(kps, source)).toEqual(inputs);
  });
});

describe("the key is validated like every other", () => {
  const KEY = "multicluster:charts";
  test.each([
    ["both a mirror and a directory", { repository: "https://mirror.example.org/helm", directory: "/srv/charts" }, KEY, "expected at most one of repository (a mirror) and directory (local charts), got both"],
    ["a plain-http mirror", { repository: "http://mirror.example.org/helm" }, `${KEY}.repository`, 'expected a mirror of the pinned charts: a Helm repository https:// URL or an OCI registry oci:// URL, got "http://mirror.example.org/helm"'],
    ["a mirror without a host", { repository: "oci://" }, `${KEY}.repository`, 'expected a mirror of the pinned charts: a Helm repository https:// URL or an OCI registry oci:// URL, got "oci://"'],
    ["an empty directory path", { directory: "" }, `${KEY}.directory`, 'expected the path of a directory of the pinned charts, got ""'],
    ["a misspelt key", { dirctory: "/srv/charts" }, `${KEY}.dirctory`, "unknown key; did you mean directory?"],
    ["not a map", "/srv/charts", KEY, 'expected object, got "/srv/charts"'],
  ])("%s", (_name, charts, keyPath, expected) => {
    expect(rejection(withCharts("cluster-03", charts), "cluster-03")).toEqual({ keyPath, expected });
  });

  test("a mirror is kept, without a trailing slash", () => {
    expect(parse(withCharts("cluster-03", { repository: "oci://registry.example.org/charts/" }), "cluster-03").charts).toEqual({ repository: "oci://registry.example.org/charts" });
  });
});

describe("a chart directory", () => {
  const DIRECTORY_KEY = "multicluster:charts.directory";

  test("holding every pinned chart serves every stack; a relative path resolves against the project directory, ~ against home", () => {
    const charts = chartDirectory(ALL_CHARTS);
    expect(parse(withCharts("cluster-01", { directory: charts }), "cluster-01").charts).toEqual({ directory: charts });
    fs.cpSync(charts, path.join(dir, "vendored"), { recursive: true });
    expect(parse(withCharts("cluster-03", { directory: "vendored" }), "cluster-03").charts).toEqual({ directory: path.join(dir, "vendored") });
    expect(parse(withCharts("cluster-03", { directory: "~/vendored" }), "cluster-03").charts).toEqual({ directory: path.join(dir, "vendored") });
  });

  test("an edge needs only kube-prometheus-stack", () => {
    const charts = chartDirectory([CHARTS.kubePrometheusStack]);
    expect(parse(withCharts("cluster-03", { directory: charts }), "cluster-03").charts).toEqual({ directory: charts });
    expect(rejection(withCharts("cluster-01", { directory: charts }), "cluster-01")).toEqual({
      keyPath: DIRECTORY_KEY,
      expected: `expected thanos@0.38.0 in ${charts}, but there is no ${charts}/thanos/Chart.yaml; write it with: ${helmPullCommand(CHARTS.thanos, charts)}`,
    });
  });

  test("that does not exist, or is a file", () => {
    const missing = path.join(dir, "no-such-charts");
    expect(rejection(withCharts("cluster-03", { directory: missing }), "cluster-03")).toEqual({ keyPath: DIRECTORY_KEY, expected: `expected a directory of the pinned charts, but ${missing} does not exist` });
    expect(rejection(withCharts("cluster-03", { directory: env.KUBECONFIG }), "cluster-03")).toEqual({ keyPath: DIRECTORY_KEY, expected: `expected a directory of the pinned charts, but ${env.KUBECONFIG} is a file` });
  });

  test("holding another version of a chart names the chart@version expected and the one found", () => {
    const charts = chartDirectory([{ ...CHARTS.kubePrometheusStack, version: "88.4.0" }]);
    expect(rejection(withCharts("cluster-03", { directory: charts }), "cluster-03")).toEqual({
      keyPath: DIRECTORY_KEY,
      expected:
        `expected kube-prometheus-stack@88.5.3 in ${charts}, but ${charts}/kube-prometheus-stack/Chart.yaml is kube-prometheus-stack@88.4.0; ` +
        `write it with: helm pull kube-prometheus-stack --repo https://prometheus-community.github.io/helm-charts --version 88.5.3 --untar --untardir ${charts}`,
    });
  });

  test("holding a Chart.yaml that does not parse", () => {
    const charts = chartDirectory([CHARTS.kubePrometheusStack]);
    fs.writeFileSync(path.join(charts, "kube-prometheus-stack", "Chart.yaml"), "name: [unclosed\n");
    expect(rejection(withCharts("cluster-03", { directory: charts }), "cluster-03").expected).toMatch(/Chart\.yaml does not parse as YAML; write it with: helm pull /);
  });
});

test("the synth installs every release from the source its stack file names, each stack its own", async () => {
  const charts = chartDirectory(ALL_CHARTS);
  const { byStack } = await synthStacks({
    "cluster-01": { ...committedStackConfig("cluster-01"), "multicluster:charts": { directory: charts } },
    "cluster-02": committedStackConfig("cluster-02"),
    "cluster-03": { ...committedStackConfig("cluster-03"), "multicluster:charts": { repository: "oci://registry.example.org/charts" } },
    "cluster-04": { ...committedStackConfig("cluster-04"), "multicluster:charts": { repository: "https://mirror.example.org/helm" } },
  });
  const releases = (stack: string) => resourcesOfType(byStack[stack], "kubernetes:helm.sh/v3:Release").map((r) => [r.inputs.chart, r.inputs.version, r.inputs.repositoryOpts]);
  expect(releases("cluster-01").sort()).toEqual(chartsOf(byStack["cluster-01"].config).map((c) => [path.join(charts, c.chart), c.version, undefined]).sort());
  expect(releases("cluster-02")).toEqual([["kube-prometheus-stack", "88.5.3", { repo: CHARTS.kubePrometheusStack.repo }]]);
  expect(releases("cluster-03")).toEqual([["oci://registry.example.org/charts/kube-prometheus-stack", "88.5.3", undefined]]);
  expect(releases("cluster-04")).toEqual([["kube-prometheus-stack", "88.5.3", { repo: "https://mirror.example.org/helm" }]]);
});
