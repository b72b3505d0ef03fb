/** Rule group platform-tenants (Ruler): is every tenant still sending, and every expected one at all. */
import { AlertingRule, ALERTS, REMEMBER_SOURCES, RuleGroup, RulerConfig, SILENCE, sourceLabels } from "./model";

export function tenantsRuleGroup(config: RulerConfig): RuleGroup {
  const { tenantLabel, tenant, where, bySource } = sourceLabels(config);
  return {
    name: "platform-tenants",
    rules: [
      {
        alert: ALERTS.tenantStoppedSending,
        expr: [
          `group by (${bySource}) (present_over_time(up{${tenantLabel}!=""}[${REMEMBER_SOURCES}]))`,
          `unless`,
          `group by (${bySource}) (present_over_time(up{${tenantLabel}!=""}[${SILENCE}]))`,
        ].join("\n"),
        labels: { severity: "warning", tenant },
        annotations: {
          summary: `Samples from ${where} stopped arriving`,
          description:
            `Central received samples from this cluster and tenant in the last ${REMEMBER_SOURCES} but none in the last ${SILENCE}. ` +
            `Runbook: 1) on the edge cluster, check the agent pod (kubectl -n monitoring get pods; logs); ` +
            `2) check the remote-write URL and its client certificate (Secret remote-write-client, unexpired: npm run verify); ` +
            `3) check the network path to the receive LoadBalancer (loadBalancerSourceRanges, firewalls); ` +
            `4) the agent keeps up to edge.wal.maxTime of samples and sends them once the path is back.`,
        },
      },
      ...expectedTenantMissing(config),
    ],
  };
}

/**
 * One rule covering every expected tenant (the edge stack files' tenants): each
 * absent_over_time term reports the cluster and tenant label it looked for. None without tenants.
 */
function expectedTenantMissing(config: RulerConfig): AlertingRule[] {
  const expected = config.tenants;
  if (expected.length === 0) return [];
  const { tenantLabel, tenant } = sourceLabels(config);
  return [
    {
      alert: ALERTS.expectedTenantMissing,
      expr: expected.map((t) => `absent_over_time(up{cluster="${t.cluster}", ${tenantLabel}="${t.id}"}[${SILENCE}])`).join("\nor\n"),
      labels: { severity: "critical", tenant },
      annotations: {
        summary: `Expected tenant ${tenant} of cluster {{ $labels.cluster }} sends no samples`,
        description:
          `An edge stack file declares this tenant, but no sample arrived from it in the last ${SILENCE} (or ever). ` +
          `Runbook: 1) on the cluster, check the agent writing as this tenant (the cluster agent, or the tenant's PrometheusAgent in the namespace named after it); ` +
          `2) check that it writes with its own tenant's client certificate (Secret remote-write-client in its namespace), unexpired (npm run verify); ` +
          `3) check the network path to the receive LoadBalancer; ` +
          `4) if the tenant was retired on purpose, remove it from its edge stack file and deploy the central stack again.`,
      },
    },
  ];
}
