/** The alert rules as pure functions of config: PromQL syntax, labels, runbooks, delivery formats. */
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import * as YAML from "yaml";
import {
  ALERTS,
  AlertingRule,
  centralPrometheusRuleGroups,
  centralPrometheusRulesMap,
  prometheusRuleFiles,
  RULE_FILES,
  rulerRuleGroups,
} from "../../mixin/alerts";
import { centralConfig, promqlErrors } from "../support/alerting";

const config = centralConfig();

const rulerRules = rulerRuleGroups(config).flatMap((g) => g.rules);
const centralRules = centralPrometheusRuleGroups(config).flatMap((g) => g.rules);
const allRules = [...rulerRules, ...centralRules];

test("the committed central stack gets every alert the platform documents, each once", () => {
  expect(allRules.map((r) => r.alert).sort()).toEqual(Object.values(ALERTS).sort());
});

describe.each(allRules.map((r) => [r.alert, r] as [string, AlertingRule]))("%s", (_name, rule) => {
  test("its expression parses as PromQL", () => {
    expect({ expr: rule.expr, errors: promqlErrors(rule.expr) }).toEqual({ expr: rule.expr, errors: [] });
  });

  test("has a severity, a summary and a description ending in runbook steps", () => {
    expect(["critical", "warning"]).toContain(rule.labels.severity);
    expect(rule.annotations.summary.length).toBeGreaterThan(10);
    expect(rule.annotations.description).toMatch(/Runbook: 1\) .+ 2\) /);
    if (rule.for !== undefined) expect(rule.for).toMatch(/^\d+[smh]$/);
  });
});

test("fleet-wide alerts carry the tenant from the receivers' tenant label; central ones name the central cluster", () => {
  for (const rule of rulerRules) expect({ alert: rule.alert, tenant: rule.labels.tenant }).toEqual({ alert: rule.alert, tenant: "{{ $labels.tenant_id }}" });
  for (const rule of centralRules) expect({ alert: rule.alert, cluster: rule.labels.cluster }).toEqual({ alert: rule.alert, cluster: "cluster-01" });
});

test("a different tenant label is used everywhere the rules read or report the tenant", () => {
  const custom = rulerRuleGroups(centralConfig((c) => (c.receive = { ...c.receive, tenantLabel: "team" }))).flatMap((g) => g.rules);
  for (const rule of custom) expect({ alert: rule.alert, tenant: rule.labels.tenant }).toEqual({ alert: rule.alert, tenant: "{{ $labels.team }}" });
  const text = custom.map((r) => r.expr).join("\n");
  expect(text).not.toContain("tenant_id");
  expect(text).toContain('team="tenant-a"');
  expect(text).toContain('up{team!=""}');
});

test("ExpectedTenantMissing checks every tenant of the edge stack files on its own cluster", () => {
  const rule = rulerRules.find((r) => r.alert === ALERTS.expectedTenantMissing)!;
  const terms = rule.expr.split("\nor\n");
  expect(config.tenants.map((t) => t.id)).toEqual(["cluster-02", "tenant-a", "tenant-b", "cluster-03", "cluster-04"]);
  expect(terms).toEqual(config.tenants.map((t) => `absent_over_time(up{cluster="${t.cluster}", tenant_id="${t.id}"}[5m])`));
  expect(rule.labels.severity).toBe("critical");
});

test("without expected tenants there is no ExpectedTenantMissing rule, the list-free alert stays", () => {
  const names = rulerRuleGroups({ ...centralConfig(), tenants: [] }).flatMap((g) => g.rules.map((r) => r.alert));
  expect(names).not.toContain(ALERTS.expectedTenantMissing);
  expect(names).toContain(ALERTS.tenantStoppedSending);
});

test("the receive quorum follows the replication factor", () => {
  const quorumOf = (replicas: number, replicationFactor: number) =>
    centralPrometheusRuleGroups(centralConfig((c) => (c.receive = { ...c.receive, replicas, replicationFactor })))
      .flatMap((g) => g.rules)
      .find((r) => r.alert === ALERTS.thanosReceiveQuorumLost)!.expr;
  expect(quorumOf(3, 3)).toMatch(/< 2$/);
  expect(quorumOf(5, 5)).toMatch(/< 3$/);
  expect(quorumOf(1, 1)).toMatch(/< 1$/);
});

test("Thanos component matchers stay inside the central namespace", () => {
  const custom = centralPrometheusRuleGroups(centralConfig((c) => (c.namespace = "observability"))).flatMap((g) => g.rules);
  for (const rule of custom) expect({ alert: rule.alert, ns: rule.expr.includes('namespace="observability"') }).toEqual({ alert: rule.alert, ns: true });
});

describe("delivery", () => {
  test("the plain rule files hold exactly the generated groups", () => {
    const files = prometheusRuleFiles(config);
    expect(Object.keys(files).sort()).toEqual([RULE_FILES.centralPrometheus, RULE_FILES.ruler].sort());
    expect(YAML.parse(files[RULE_FILES.ruler])).toEqual({ groups: rulerRuleGroups(config) });
    expect(YAML.parse(files[RULE_FILES.centralPrometheus])).toEqual({ groups: centralPrometheusRuleGroups(config) });
  });

  test("the central Prometheus's rules form a valid PrometheusRule for kube-prometheus-stack's additionalPrometheusRulesMap", () => {
    const map = centralPrometheusRulesMap(config);
    expect(Object.keys(map)).toEqual(["platform-thanos"]);
    const rule = new PrometheusRule({ metadata: { name: "platform-thanos", namespace: "monitoring" }, spec: map["platform-thanos"] });
    expect(() => rule.validate()).not.toThrow();
    const broken = new PrometheusRule({ metadata: { name: "broken" }, spec: { groups: [{ name: "g", rules: [{ alert: "A" } as { alert: string; expr: string }] }] } });
    expect(() => broken.validate()).toThrow();
  });
});
