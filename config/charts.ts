/**
 * Every Helm chart this program installs, pinned in one place, and where a stack takes them
 * from (`multicluster:charts`): the public repositories by default; for an air-gapped
 * cluster a mirror (a Helm repository or an OCI registry) or a local directory of the pinned
 * charts as `helm pull --untar` writes them. Bumping a chart is a change here plus a check of
 * the values against that version's defaults (`../shared/tools/check-chart-values out/synth`).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { z } from "zod";

export interface ChartRef {
  /** Chart name in the repository. */
  readonly chart: string;
  /** Exact chart version; never a range. */
  readonly version: string;
  /** Helm repository URL. */
  readonly repo: string;
}

/**
 * The Thanos releases a stack may run (`central.thanosVersion`): the one this release pins to
 * the thanos chart's appVersion and tests, and the previous minor, which the rolling-upgrade
 * test moves from and a rollback returns to (docs/operations.md, "Upgrading Thanos").
 */
export const THANOS_VERSIONS = { pinned: "v0.42.4", previous: "v0.41.0" } as const;

export const CHARTS = {
  kubePrometheusStack: {
    chart: "kube-prometheus-stack",
    version: "88.5.3",
    repo: "https://prometheus-community.github.io/helm-charts",
  },
  // The thanos-community chart runs the official quay.io/thanos/thanos image
  // (Bitnami's thanos images stopped being published in 2025).
  thanos: {
    chart: "thanos",
    version: "0.38.0",
    repo: "https://thanos-community.github.io/helm-charts",
  },
  opensearch: {
    chart: "opensearch",
    version: "3.6.0",
    repo: "https://opensearch-project.github.io/helm-charts/",
  },
  opensearchDashboards: {
    chart: "opensearch-dashboards",
    version: "3.6.0",
    repo: "https://opensearch-project.github.io/helm-charts/",
  },
  fluentBit: {
    chart: "fluent-bit",
    version: "0.58.1",
    repo: "https://fluent.github.io/helm-charts/",
  },
  // Its own release rather than kube-prometheus-stack's subchart, so its values are the
  // grafana chart's own (kube-prometheus-stack lists only a few of them).
  grafana: {
    chart: "grafana",
    version: "12.11.1",
    repo: "https://grafana-community.github.io/helm-charts",
  },
} as const satisfies Record<string, ChartRef>;

/** What decides which charts (and so which releases) a stack installs. */
export type StackFeatures = { role: "central"; central: { grafana: { enabled: boolean }; logging: { enabled: boolean } } } | { role: "edge" };

/** The charts a stack installs, as its components declare them (tests/unit/charts.test.ts holds the two together). */
export function chartsOf(stack: StackFeatures): ChartRef[] {
  if (stack.role === "edge") return [CHARTS.kubePrometheusStack];
  const { grafana, logging } = stack.central;
  return [
    CHARTS.kubePrometheusStack,
    CHARTS.thanos,
    ...(grafana.enabled ? [CHARTS.grafana] : []),
    ...(logging.enabled ? [CHARTS.opensearch, CHARTS.opensearchDashboards, CHARTS.fluentBit] : []),
  ];
}

/** A validated `multicluster:charts`: a mirror URL, or the absolute path of a directory of charts. */
export type ChartSource = { repository: string } | { directory: string };

const MIRROR_URL = /^(https|oci):\/\/[^/\s]+(\/[^\s]*)?$/;

export const chartSourceSchema = z
  .strictObject({
    repository: z
      .string()
      .regex(MIRROR_URL, "expected a mirror of the pinned charts: a Helm repository https:// URL or an OCI registry oci:// URL")
      .optional(),
    directory: z.string().min(1, "expected the path of a directory of the pinned charts").optional(),
  })
  .refine((s) => s.repository === undefined || s.directory === undefined, {
    message: "expected at most one of repository (a mirror) and directory (local charts), got both",
  });

/** The `helm pull` that writes `chart` into `directory` as the program expects it. */
export function helmPullCommand(chart: ChartRef, directory: string): string {
  return `helm pull ${chart.chart} --repo ${chart.repo} --version ${chart.version} --untar --untardir ${directory}`;
}

/**
 * The chart source a stack file sets, checked: a directory must exist and hold every chart
 * the stack installs (`charts`) at its pinned version, as `<directory>/<chart>/Chart.yaml`.
 * A relative directory resolves against `projectDir`, `~` against the home directory.
 */
export function resolveChartSource(
  raw: z.output<typeof chartSourceSchema> | undefined,
  charts: readonly ChartRef[],
  opts: { projectDir?: string; env?: NodeJS.ProcessEnv },
  fail: (keyPath: (string | number)[], expected: string) => never,
): ChartSource | undefined {
  if (raw?.repository !== undefined) return { repository: raw.repository.replace(/\/+$/, "") };
  if (raw?.directory === undefined) return undefined;
  const home = opts.env?.HOME ?? os.homedir();
  const directory = path.resolve(opts.projectDir ?? process.cwd(), raw.directory.replace(/^~(?=$|\/)/, home));
  const key = ["charts", "directory"];
  if (!fs.existsSync(directory)) fail(key, `expected a directory of the pinned charts, but ${directory} does not exist`);
  if (!fs.statSync(directory).isDirectory()) fail(key, `expected a directory of the pinned charts, but ${directory} is a file`);
  for (const chart of charts) {
    const problem = chartFileProblem(path.join(directory, chart.chart, "Chart.yaml"), chart);
    if (problem) fail(key, `expected ${chart.chart}@${chart.version} in ${directory}, but ${problem}; write it with: ${helmPullCommand(chart, directory)}`);
  }
  return { directory };
}

/** What is wrong with `file` as the Chart.yaml of the pinned `chart`, or undefined. */
function chartFileProblem(file: string, chart: ChartRef): string | undefined {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) return `there is no ${file}`;
  let doc: { name?: unknown; version?: unknown } | null;
  try {
    doc = YAML.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return `${file} does not parse as YAML`;
  }
  if (doc?.name === chart.chart && String(doc.version) === chart.version) return undefined;
  return `${file} is ${String(doc?.name ?? "a chart without a name")}@${String(doc?.version ?? "no version")}`;
}
