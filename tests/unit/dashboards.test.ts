/** The Grafana dashboards: stable uids, variables, layout, and every query valid PromQL. */
import { Dashboard, DASHBOARD_UIDS, dashboards, QueryVariable } from "../../mixin/dashboards";
import { centralConfig, promqlErrors } from "../support/alerting";

const config = centralConfig();
const all = dashboards(config);

/** Grafana's built-in interval variables and the dashboards' own, with a sample value each. */
const SAMPLE_VALUES: Record<string, string> = {
  __rate_interval: "5m",
  __interval: "1m",
  __range: "1h",
  datasource: "thanos-query",
  cluster: "cluster-03",
  tenant: "tenant-a",
};

/** The query as Grafana sends it: every `$var` / `${var}` replaced; an unknown variable is an error. */
function substitute(expr: string): string {
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (_match, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    if (!(name in SAMPLE_VALUES)) throw new Error(`unknown template variable $${name} in ${expr}`);
    return SAMPLE_VALUES[name];
  });
}

test("six dashboards with the documented, unique uids", () => {
  expect(all.map((d) => [d.uid, d.title])).toEqual([
    ["mc-overview", "Multi-Cluster Overview"],
    ["mc-prometheus-agent", "Prometheus Agent"],
    ["mc-thanos-receive", "Thanos Receive"],
    ["mc-thanos-query", "Thanos Query"],
    ["mc-multi-tenancy", "Multi-Tenancy"],
    ["mc-resources", "Resources"],
  ]);
  expect(new Set(all.map((d) => d.uid)).size).toBe(all.length);
  expect(Object.values(DASHBOARD_UIDS)).toEqual(all.map((d) => d.uid));
  for (const d of all) expect(d.uid.length).toBeLessThanOrEqual(40);
});

test("substitution rejects a misspelled variable, so the parse checks below can fail", () => {
  expect(() => substitute('up{cluster=~"$clustr"}')).toThrow(/clustr/);
  expect(promqlErrors(substitute('rate(up{cluster=~"$cluster"}[$__rate_interval)'))).not.toEqual([]);
});

describe.each(all.map((d) => [d.uid, d] as [string, Dashboard]))("%s", (_uid, dashboard) => {
  const variables = dashboard.templating.list;
  const queryVariables = variables.filter((v): v is QueryVariable => v.type === "query");

  test("has a prometheus datasource variable and a cluster variable", () => {
    expect(variables[0]).toMatchObject({ type: "datasource", name: "datasource", query: "prometheus" });
    expect(queryVariables.map((v) => v.name)).toContain("cluster");
  });

  test("every variable query is label_values over a valid series selector", () => {
    for (const v of queryVariables) {
      const match = /^label_values\((.+), (\w+)\)$/.exec(v.query.query);
      expect({ variable: v.name, query: v.query.query, matches: match !== null }).toEqual({ variable: v.name, query: v.query.query, matches: true });
      expect({ variable: v.name, errors: promqlErrors(substitute(match![1])) }).toEqual({ variable: v.name, errors: [] });
      expect(v.datasource).toEqual({ type: "prometheus", uid: "${datasource}" });
    }
  });

  test("every panel query parses as PromQL once the variables are substituted", () => {
    const targets = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, expr: t.expr })));
    expect(targets.length).toBeGreaterThanOrEqual(6);
    for (const t of targets) expect({ ...t, errors: promqlErrors(substitute(t.expr)) }).toEqual({ ...t, errors: [] });
  });

  test("every query filters by a variable the dashboard defines, and only those", () => {
    const defined = new Set(["__rate_interval", "__interval", "__range", ...variables.map((v) => v.name)]);
    for (const p of dashboard.panels) {
      for (const t of p.targets) {
        const used = [...t.expr.matchAll(/\$\{?(\w+)\}?/g)].map((m) => m[1]);
        for (const name of used) expect({ panel: p.title, variable: name, defined: defined.has(name) }).toEqual({ panel: p.title, variable: name, defined: true });
      }
    }
    const filtersCluster = dashboard.panels.some((p) => p.targets.some((t) => t.expr.includes('cluster=~"$cluster"')));
    expect(filtersCluster).toBe(true);
  });

  test("panels read the datasource variable, have unique ids and refIds, and tile the grid without overlap", () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const p of dashboard.panels) {
      expect(p.datasource).toEqual({ type: "prometheus", uid: "${datasource}" });
      for (const t of p.targets) expect(t.datasource).toEqual(p.datasource);
      expect(new Set(p.targets.map((t) => t.refId)).size).toBe(p.targets.length);
      const { x, y, w, h } = p.gridPos;
      expect(x + w).toBeLessThanOrEqual(24);
      for (let cx = x; cx < x + w; cx++) {
        for (let cy = y; cy < y + h; cy++) {
          const cell = `${cx},${cy}`;
          expect({ panel: p.title, cell, free: !cells.has(cell) }).toEqual({ panel: p.title, cell, free: true });
          cells.add(cell);
        }
      }
    }
  });

  // The SDK's own defaults hide a graph's legend and show a sparkline on stats: the builders override them.
  test("graphs show their legend and every series in the tooltip; stats and tables read instant queries, stats without a sparkline", () => {
    for (const p of dashboard.panels) {
      if (p.type === "timeseries") {
        expect({ panel: p.title, legend: p.options.legend.showLegend, tooltip: p.options.tooltip.mode }).toEqual({ panel: p.title, legend: true, tooltip: "multi" });
      } else {
        for (const t of p.targets) expect({ panel: p.title, instant: t.instant, range: t.range }).toEqual({ panel: p.title, instant: true, range: false });
      }
      if (p.type === "stat") expect({ panel: p.title, graphMode: p.options.graphMode }).toEqual({ panel: p.title, graphMode: "none" });
    }
  });

  test("serializes to JSON and back unchanged", () => {
    expect(JSON.parse(JSON.stringify(dashboard))).toEqual(dashboard);
  });
});

test("dashboards about the edges' data offer a tenant variable over the receivers' tenant label", () => {
  const tenantQuery = (uid: string) =>
    (all.find((d) => d.uid === uid)!.templating.list.find((v) => v.name === "tenant") as QueryVariable | undefined)?.query.query;
  expect(tenantQuery(DASHBOARD_UIDS.overview)).toBe('label_values(up{cluster=~"$cluster", tenant_id!=""}, tenant_id)');
  expect(tenantQuery(DASHBOARD_UIDS.agent)).toContain("tenant_id)");
  expect(tenantQuery(DASHBOARD_UIDS.tenancy)).toContain("tenant_id)");
  // Thanos Receive labels its own request metrics with `tenant`.
  expect(tenantQuery(DASHBOARD_UIDS.receive)).toMatch(/, tenant\)$/);

  const custom = dashboards(centralConfig((c) => (c.receive = { ...c.receive, tenantLabel: "team" })));
  const overview = JSON.stringify(custom.find((d) => d.uid === DASHBOARD_UIDS.overview));
  expect(overview).not.toContain("tenant_id");
  expect(overview).toContain('team=~\\"$tenant\\"');
});
