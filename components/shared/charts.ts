/**
 * The charts every release installs, and the images pinned to their appVersions. The chart
 * pins (name, repository, version) live in config/charts.ts, beside `multicluster:charts`,
 * which the config validates against them; they are re-exported here for the components.
 */
import * as path from "path";
import { ChartRef, ChartSource } from "../../config/charts";

import { THANOS_VERSIONS } from "../../config/charts";

export { CHARTS } from "../../config/charts";
export type { ChartRef } from "../../config/charts";

/**
 * The Helm release inputs that install `chart` from `source`: a directory makes the chart a
 * local path (Helm reads no repository), an OCI mirror makes it `oci://<mirror>/<chart>`, a
 * Helm repository mirror replaces the repository. Without a source, the public repository.
 */
export function chartInputs(chart: ChartRef, source: ChartSource | undefined): { chart: string; version: string; repositoryOpts?: { repo: string } } {
  if (source && "directory" in source) return { chart: path.join(source.directory, chart.chart), version: chart.version };
  if (source?.repository.startsWith("oci://")) return { chart: `${source.repository}/${chart.chart}`, version: chart.version };
  return { chart: chart.chart, version: chart.version, repositoryOpts: { repo: source?.repository ?? chart.repo } };
}

/**
 * The official Thanos image, pinned to the thanos chart 0.38.0's appVersion (the chart leaves
 * the tag empty and would follow its appVersion silently on a chart bump). The Prometheus
 * sidecar runs the same version; `central.thanosVersion` may hold both at the previous one.
 */
export const THANOS_IMAGE = { registry: "quay.io", repository: "thanos/thanos", tag: THANOS_VERSIONS.pinned } as const;

/** The image every Thanos component runs for a stack's `central.thanosVersion`. */
export function thanosImage(version: string): { registry: string; repository: string; tag: string } {
  return { ...THANOS_IMAGE, tag: version };
}

/** The same image as one reference, as the prometheus-operator takes the sidecar's. */
export function thanosImageReference(version: string): string {
  const image = thanosImage(version);
  return `${image.registry}/${image.repository}:${image.tag}`;
}

/**
 * OpenSearch's image, pinned to the opensearch chart 3.6.0's appVersion (the chart leaves the
 * tag empty). The security config Job runs the same image, whose securityadmin.sh must match
 * the nodes' security plugin.
 */
export const OPENSEARCH_IMAGE = { repository: "opensearchproject/opensearch", tag: "3.6.0" } as const;

/**
 * Grafana's image, pinned to the grafana chart 12.11.1's appVersion (the chart leaves the tag
 * empty and would follow its appVersion silently on a chart bump).
 */
export const GRAFANA_IMAGE = { registry: "docker.io", repository: "grafana/grafana", tag: "13.2.0" } as const;
