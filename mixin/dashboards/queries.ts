/**
 * The dashboards' queries as Grafana sends them with every variable at "All", and which
 * metrics each one reads: the platform e2e test runs them against the real Thanos Query.
 */
import { parser } from "@prometheus-io/lezer-promql";
import { Dashboard } from ".";

/** Grafana's built-in variables at a short range (the loopback platform is minutes old), the dashboards' own at "All" (their allValue). */
const ALL_VALUES: Record<string, string> = { __rate_interval: "1m", __interval: "1m", __range: "1h", cluster: ".*", tenant: ".*" };

/**
 * Grafana's built-in variables for a panel over `rangeSeconds` at `stepSeconds`: $__interval
 * is the step, $__rate_interval the larger of step plus the data source's scrape interval and
 * four scrape intervals, $__range the range.
 */
export function grafanaVariables(rangeSeconds: number, stepSeconds: number, scrapeSeconds: number): Record<string, string> {
  return { __interval: `${stepSeconds}s`, __rate_interval: `${Math.max(stepSeconds + scrapeSeconds, 4 * scrapeSeconds)}s`, __range: `${rangeSeconds}s` };
}

/** The expression with every variable replaced: `builtIns` override the short-range defaults. */
export function substituteAll(expr: string, builtIns: Record<string, string> = {}): string {
  const values = { ...ALL_VALUES, ...builtIns };
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    if (!(name in values)) throw new Error(`unknown template variable $${name} in ${expr}`);
    return values[name];
  });
}

export function dashboardQueries(all: Dashboard[]): { uid: string; title: string; expr: string }[] {
  return all.flatMap((d) => d.panels.flatMap((p) => p.targets.map((t) => ({ uid: d.uid, title: p.title, expr: substituteAll(t.expr) }))));
}

/** Metric names the expression selects (the identifiers of its vector selectors). */
export function metricsOf(expr: string): string[] {
  const names = new Set<string>();
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector") names.add(expr.slice(node.from, node.to));
    },
  });
  return [...names].sort();
}

/** Metrics only a Kubernetes cluster produces: kube-state-metrics, the kubelet and cAdvisor. */
const K8S_ONLY_PREFIXES = ["kube_", "kubelet_", "container_", "apiserver_"];

export function k8sOnlyMetrics(metrics: string[]): string[] {
  return metrics.filter((m) => K8S_ONLY_PREFIXES.some((p) => m.startsWith(p)));
}

/** Queries that count failures (5xx, rejected writes, targets down, firing alerts): empty while all is well. */
export function countsFailures(expr: string): boolean {
  return /code=~"5\.\."|code!~"2\.\."|== 0\b|alertstate="firing"/.test(expr);
}
