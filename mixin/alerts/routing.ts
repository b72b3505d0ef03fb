/**
 * The central Alertmanager's routing config, as a pure function of the webhook URLs in the
 * stack config (`alertWebhookCritical`, `alertWebhookWarning`; Slack incoming webhooks are
 * webhooks too). The result holds those URLs, so it only ever goes into a Secret.
 */
import * as YAML from "yaml";
import { CentralStackConfig } from "../../config/stack";
import { ALERTS, Severity } from "./model";

export interface WebhookConfig {
  url: string;
  send_resolved: boolean;
}

export interface Receiver {
  name: string;
  webhook_configs?: WebhookConfig[];
}

export interface Route {
  receiver: string;
  matchers?: string[];
  group_by?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  routes?: Route[];
}

export interface InhibitRule {
  source_matchers: string[];
  target_matchers: string[];
  /** Labels that must be equal on source and target; absent on both counts as equal. */
  equal?: string[];
}

export interface AlertmanagerConfig {
  route: Route;
  receivers: Receiver[];
  inhibit_rules: InhibitRule[];
}

/** Receives what no route picks up, and everything when no webhook is configured. */
export const NULL_RECEIVER = "null";

/** How often a still-firing alert is sent again, per severity. */
const REPEAT_INTERVAL: Record<Severity, string> = { critical: "1h", warning: "12h" };

export function alertmanagerConfig(webhooks: CentralStackConfig["alertWebhooks"]): AlertmanagerConfig {
  const severities: Severity[] = ["critical", "warning"];
  const configured = severities.filter((s) => webhooks[s] !== undefined);
  return {
    route: {
      receiver: NULL_RECEIVER,
      // One notification per cluster and alert, listing every instance and tenant affected.
      group_by: ["cluster", "alertname"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "12h",
      routes: configured.map((severity) => ({
        receiver: severity,
        matchers: [`severity="${severity}"`],
        repeat_interval: REPEAT_INTERVAL[severity],
      })),
    },
    receivers: [
      { name: NULL_RECEIVER },
      ...configured.map((severity) => ({ name: severity, webhook_configs: [{ url: webhooks[severity]!, send_resolved: true }] })),
    ],
    inhibit_rules: [
      {
        // The critical alert already pages for that cluster; its warning twin is noise.
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        equal: ["cluster", "alertname"],
      },
      {
        // A listed tenant that stopped sending pages as ExpectedTenantMissing; the list-free
        // warning for the same cluster and tenant adds nothing.
        source_matchers: [`alertname="${ALERTS.expectedTenantMissing}"`],
        target_matchers: [`alertname="${ALERTS.tenantStoppedSending}"`],
        equal: ["cluster", "tenant"],
      },
      {
        // When the receivers cannot take writes, every edge's remote write fails and falls
        // behind: one central alert instead of one per cluster and tenant.
        source_matchers: [`alertname=~"${ALERTS.thanosReceiveQuorumLost}|${ALERTS.thanosReceiveWriteErrors}"`],
        target_matchers: [
          `alertname=~"${[ALERTS.remoteWriteFailing, ALERTS.remoteWriteBehind, ALERTS.tenantStoppedSending, ALERTS.expectedTenantMissing].join("|")}"`,
        ],
      },
    ],
  };
}

/** The `alertmanager.yaml` key of the ALERTMANAGER_CONFIG_SECRET Secret. */
export function alertmanagerConfigYaml(webhooks: CentralStackConfig["alertWebhooks"]): string {
  return YAML.stringify(alertmanagerConfig(webhooks), { lineWidth: 0 });
}
