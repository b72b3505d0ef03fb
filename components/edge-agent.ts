import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "./charts";
import { EdgeStackConfig } from "./config";
import { helmRelease } from "./helm";

export interface EdgeAgentArgs {
  /** Cluster name; the `cluster` external label. */
  cluster: string;
  settings: EdgeStackConfig["edge"];
  /** The central receiver's remote-write URL (from the StackReference). */
  remoteWriteUrl: pulumi.Input<string>;
  /** The header the central receivers read the tenant from. */
  tenantHeader: pulumi.Input<string>;
}

/** Prometheus in agent mode for one edge cluster, writing to the central receiver. */
export class EdgeAgent extends pulumi.ComponentResource {
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: EdgeAgentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("multicluster:edge:EdgeAgent", name, {}, opts);
    const ns = args.settings.namespace;
    const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: ns } }, { parent: this });
    this.release = helmRelease(
      `${name}-kps`,
      {
        chart: CHARTS.kubePrometheusStack,
        namespace: ns,
        values: pulumi.all([args.remoteWriteUrl, args.tenantHeader]).apply(([url, header]) => ({
          prometheus: {
            agentMode: true,
            prometheusSpec: {
              externalLabels: { cluster: args.cluster },
              remoteWrite: [{ url, headers: { [header]: args.settings.tenantId } }],
            },
          },
        })),
      },
      { parent: this, dependsOn: [namespace] },
    );
    this.registerOutputs({});
  }
}
