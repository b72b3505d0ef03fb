/**
 * The platform's alert rules, as pure functions of the validated central config; one file
 * per rule group (remote-write, tenants, resources, thanos), assembled here.
 *
 * Two evaluators, because an alert cannot watch the path it is evaluated through:
 *
 * - The Thanos Ruler evaluates the fleet-wide rules (every edge cluster and tenant:
 *   remote write, silence, WAL, disk, memory) through Thanos Query, which is the only
 *   place that sees all clusters. `ruleFileYaml(rulerRuleGroups(config))` becomes the thanos
 *   chart's `ruler.rules` file (components/central/thanos-values.ts).
 * - The central Prometheus evaluates the Thanos components' own health from its local
 *   scrapes (the chart's ServiceMonitors), so "Query down" or "Ruler down" still fires
 *   when Query or the Ruler is down. `centralPrometheusRulesMap` feeds
 *   kube-prometheus-stack's `additionalPrometheusRulesMap`.
 *
 * Every alert carries `severity` (critical | warning) and `cluster`, plus `tenant` where a
 * tenant applies (taken from the receivers' tenant label, `central.receive.tenantLabel`).
 */
import * as YAML from "yaml";
import { AlertingConfig, RuleGroup, RulerConfig } from "./model";
import { remoteWriteRuleGroup } from "./remote-write";
import { resourcesRuleGroup } from "./resources";
import { tenantsRuleGroup } from "./tenants";
import { thanosRuleGroup } from "./thanos";

export { ALERTS, REMEMBER_SOURCES, SILENCE } from "./model";
export type { AlertingConfig, AlertingRule, RuleGroup, RulerConfig, Severity } from "./model";

/** File names of the plain Prometheus rule files (synth output, promtool tests). */
export const RULE_FILES = { ruler: "ruler-alerts.yaml", centralPrometheus: "central-prometheus-alerts.yaml" } as const;

/** Rules evaluated by the Thanos Ruler through Thanos Query: every cluster and tenant. */
export function rulerRuleGroups(config: RulerConfig): RuleGroup[] {
  return [remoteWriteRuleGroup(config), tenantsRuleGroup(config), resourcesRuleGroup(config)];
}

/** Rules evaluated by the central Prometheus from its own scrapes of the Thanos components. */
export function centralPrometheusRuleGroups(config: AlertingConfig): RuleGroup[] {
  return [thanosRuleGroup(config)];
}

/** A Prometheus rule file. */
export function ruleFileYaml(groups: RuleGroup[]): string {
  return YAML.stringify({ groups }, { lineWidth: 0 });
}

/**
 * The plain Prometheus rule files, by file name: what `npm run synth` writes to
 * out/synth/<stack>/rules/ and what the promtool tests load.
 */
export function prometheusRuleFiles(config: RulerConfig): Record<string, string> {
  return {
    [RULE_FILES.ruler]: ruleFileYaml(rulerRuleGroups(config)),
    [RULE_FILES.centralPrometheus]: ruleFileYaml(centralPrometheusRuleGroups(config)),
  };
}

/** kube-prometheus-stack's `additionalPrometheusRulesMap` value: the central Prometheus's rules. */
export function centralPrometheusRulesMap(config: AlertingConfig): Record<string, { groups: RuleGroup[] }> {
  return { "platform-thanos": { groups: centralPrometheusRuleGroups(config) } };
}
