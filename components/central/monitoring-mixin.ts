import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { alertmanagerConfigYaml } from "../../mixin/alerts/routing";
import { CentralStackConfig } from "../../config/stack";
import { ALERTMANAGER_CONFIG_SECRET, GRAFANA_DASHBOARD_LABEL } from "../shared/conventions";
import { Dashboard, dashboards } from "../../mixin/dashboards";

export interface MonitoringMixinArgs {
  /** Namespace of the central kube-prometheus-stack: its Alertmanager and Grafana read from here. */
  namespace: pulumi.Input<string>;
  /** The validated central stack config: webhook URLs, tenant label, replication factor. */
  config: Pick<CentralStackConfig, "central" | "alertWebhooks">;
}

/** The ConfigMap a dashboard is provisioned from (its JSON under `<uid>.json`). */
export function dashboardConfigMapName(dashboard: Pick<Dashboard, "uid">): string {
  return `grafana-dashboard-${dashboard.uid}`;
}

/**
 * What the central Alertmanager and Grafana read: the Alertmanager routing config Secret
 * (ALERTMANAGER_CONFIG_SECRET, key `alertmanager.yaml`; it holds the webhook URLs, so it is
 * a Pulumi secret) and one dashboard ConfigMap per dashboard, labelled for Grafana's sidecar.
 * The alert rules themselves go into the Thanos Ruler's and kube-prometheus-stack's values
 * (mixin/alerts/index.ts).
 */
export class MonitoringMixin extends pulumi.ComponentResource {
  readonly alertmanagerConfigSecretName: pulumi.Output<string>;
  readonly dashboardConfigMapNames: pulumi.Output<string[]>;
  /** The dashboards' uids, for links (`/d/<uid>`). */
  readonly dashboardUids: string[];

  constructor(name: string, args: MonitoringMixinArgs, opts?: pulumi.ComponentResourceOptions) {
    // The type token keeps the component's old name, so the URNs of existing stacks do not change.
    super("multicluster:central:PlatformAlerting", name, {}, opts);
    const secret = new k8s.core.v1.Secret(
      `${name}-alertmanager-config`,
      {
        metadata: { name: ALERTMANAGER_CONFIG_SECRET, namespace: args.namespace },
        type: "Opaque",
        stringData: { "alertmanager.yaml": pulumi.secret(alertmanagerConfigYaml(args.config.alertWebhooks)) },
      },
      { parent: this },
    );
    // Dashboards only where a Grafana reads them.
    const all = args.config.central.grafana.enabled ? dashboards(args.config) : [];
    const configMaps = all.map(
      (dashboard) =>
        new k8s.core.v1.ConfigMap(
          `${name}-dashboard-${dashboard.uid}`,
          {
            metadata: { name: dashboardConfigMapName(dashboard), namespace: args.namespace, labels: { ...GRAFANA_DASHBOARD_LABEL } },
            data: { [`${dashboard.uid}.json`]: JSON.stringify(dashboard) },
          },
          { parent: this },
        ),
    );
    this.alertmanagerConfigSecretName = secret.metadata.name;
    this.dashboardConfigMapNames = pulumi.all(configMaps.map((c) => c.metadata.name));
    this.dashboardUids = all.map((d) => d.uid);
    this.registerOutputs({ alertmanagerConfigSecretName: this.alertmanagerConfigSecretName, dashboardConfigMapNames: this.dashboardConfigMapNames });
  }
}
