/**
 * Every Helm chart this program installs, pinned in one place. Bumping a chart is a change
 * here plus a check of the values against that version's defaults
 * (`../shared/tools/check-chart-values out/synth`).
 */
export interface ChartRef {
  /** Chart name in the repository. */
  readonly chart: string;
  /** Exact chart version; never a range. */
  readonly version: string;
  /** Helm repository URL. */
  readonly repo: string;
}

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

/**
 * The official Thanos image, pinned to the thanos chart 0.38.0's appVersion (the chart leaves
 * the tag empty and would follow its appVersion silently on a chart bump). The Prometheus
 * sidecar runs the same version.
 */
export const THANOS_IMAGE = { registry: "quay.io", repository: "thanos/thanos", tag: "v0.42.4" } as const;

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
