import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { TenantSettings } from "./config";

export interface TenantAgentArgs {
  /** Cluster name; the `cluster` external label. */
  cluster: string;
  tenant: TenantSettings;
  remoteWriteUrl: pulumi.Input<string>;
  tenantHeader: pulumi.Input<string>;
}

/** One tenant's isolated Prometheus agent on a shared edge cluster. */
export class TenantAgent extends pulumi.ComponentResource {
  constructor(name: string, args: TenantAgentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("multicluster:edge:TenantAgent", name, {}, opts);
    const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: args.tenant.id } }, { parent: this });
    new k8s.apiextensions.CustomResource(
      `${name}-agent`,
      {
        apiVersion: "monitoring.coreos.com/v1alpha1",
        kind: "PrometheusAgent",
        metadata: { name: args.tenant.id, namespace: namespace.metadata.name },
        spec: {
          nodeSelector: { "kubernetes.io/hostname": args.tenant.node },
          externalLabels: { cluster: args.cluster, tenant: args.tenant.id },
          remoteWrite: [{ url: args.remoteWriteUrl, headers: pulumi.output(args.tenantHeader).apply((h) => ({ [h]: args.tenant.id })) }],
        },
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
