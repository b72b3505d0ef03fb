import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { CHARTS } from "./charts";
import { LoggingSettings } from "./config";
import { helmRelease } from "./helm";
import {
  dashboardsUrl,
  dashboardsValues,
  fluentBitValues,
  GRAFANA_DATASOURCE_FILE,
  GRAFANA_DATASOURCE_SECRET_LABELS,
  grafanaDatasourceProvisioning,
  ismConfigMap,
  ismJob,
  OPENSEARCH_ADMIN_SECRET,
  OPENSEARCH_ADMIN_USER,
  opensearchUrl,
  opensearchValues,
} from "./values/logging";

export interface LoggingArgs {
  /** `central.logging`: namespace, OpenSearch size and retention. */
  logging: LoggingSettings;
  /**
   * Whether Grafana runs (`central.grafana.enabled`): then a labelled Secret in the logging
   * namespace provisions its OpenSearch datasource (see `grafanaOpensearchValues`).
   */
  grafanaDatasource: boolean;
}

/**
 * Central logs: OpenSearch with the security plugin, OpenSearch Dashboards, Fluent Bit on
 * every node, and an index lifecycle policy deleting log indices after the retention.
 * Pass the cluster's Kubernetes provider through `opts.providers`.
 */
export class Logging extends pulumi.ComponentResource {
  /** HTTPS URL of the OpenSearch REST API inside the cluster. */
  readonly opensearchUrl: pulumi.Output<string>;
  readonly dashboardsUrl: pulumi.Output<string>;
  readonly adminUser: pulumi.Output<string>;
  /** Secret: the OpenSearch admin password (also in the `opensearch-admin` Secret). */
  readonly adminPassword: pulumi.Output<string>;

  constructor(name: string, args: LoggingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("multicluster:central:Logging", name, {}, opts);
    const logging = args.logging;
    const ns = logging.namespace;

    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      // Fluent Bit reads host paths and OpenSearch's init container sets a kernel sysctl.
      { metadata: { name: ns, labels: { "pod-security.kubernetes.io/enforce": "privileged" } } },
      { parent: this },
    );

    // The security plugin's password rules want upper, lower, digits and specials; these
    // specials survive Fluent Bit's ${VAR} expansion and URLs unquoted.
    const password = new random.RandomPassword(
      `${name}-admin-password`,
      { length: 32, minUpper: 2, minLower: 2, minNumeric: 2, minSpecial: 2, overrideSpecial: "-_.+" },
      { parent: this },
    );
    const cookie = new random.RandomPassword(`${name}-dashboards-cookie`, { length: 32, special: false }, { parent: this });
    // Under mocks RandomPassword results are not marked secret; wrap them regardless.
    const adminPassword = pulumi.secret(password.result);

    const adminSecret = new k8s.core.v1.Secret(
      `${name}-admin`,
      {
        metadata: { name: OPENSEARCH_ADMIN_SECRET.name, namespace: ns },
        type: "Opaque",
        stringData: {
          [OPENSEARCH_ADMIN_SECRET.usernameKey]: OPENSEARCH_ADMIN_USER,
          [OPENSEARCH_ADMIN_SECRET.passwordKey]: adminPassword,
          [OPENSEARCH_ADMIN_SECRET.cookieKey]: pulumi.secret(cookie.result),
        },
      },
      { parent: this, dependsOn: [namespace] },
    );

    const opensearch = helmRelease(
      `${name}-opensearch`,
      { chart: CHARTS.opensearch, namespace: ns, values: opensearchValues(logging), timeoutSeconds: 1200 },
      { parent: this, dependsOn: [adminSecret] },
    );
    helmRelease(
      `${name}-dashboards`,
      { chart: CHARTS.opensearchDashboards, namespace: ns, values: dashboardsValues(logging) },
      { parent: this, dependsOn: [opensearch] },
    );

    const ismConfig = ismConfigMap(logging);
    const ismPolicy = new k8s.core.v1.ConfigMap(`${name}-ism-policy`, ismConfig, { parent: this, dependsOn: [namespace] });
    // Completes once the policy is in place; replaced (and so run again) when the ConfigMap name changes.
    const ismApply = new k8s.batch.v1.Job(`${name}-ism-apply`, ismJob(logging, ismConfig.metadata.name), {
      parent: this,
      dependsOn: [opensearch, ismPolicy],
      customTimeouts: { create: "30m", update: "30m" },
    });
    // After the policy, so its ism_template catches the very first log index.
    helmRelease(`${name}-fluent-bit`, { chart: CHARTS.fluentBit, namespace: ns, values: fluentBitValues(logging) }, { parent: this, dependsOn: [ismApply] });

    if (args.grafanaDatasource) {
      new k8s.core.v1.Secret(
        `${name}-grafana-datasource`,
        {
          metadata: { namespace: ns, labels: GRAFANA_DATASOURCE_SECRET_LABELS },
          type: "Opaque",
          stringData: { [GRAFANA_DATASOURCE_FILE]: pulumi.secret(adminPassword.apply((p) => grafanaDatasourceProvisioning(logging, p))) },
        },
        { parent: this, dependsOn: [namespace] },
      );
    }

    this.opensearchUrl = pulumi.output(opensearchUrl(logging));
    this.dashboardsUrl = pulumi.output(dashboardsUrl(logging));
    this.adminUser = pulumi.output(OPENSEARCH_ADMIN_USER);
    this.adminPassword = adminPassword;
    this.registerOutputs({ opensearchUrl: this.opensearchUrl, dashboardsUrl: this.dashboardsUrl, adminUser: this.adminUser, adminPassword: this.adminPassword });
  }
}
