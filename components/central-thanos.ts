import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "./charts";
import { CentralSettings } from "./config";
import { helmRelease } from "./helm";

export interface CentralThanosArgs {
  /** Cluster name; the `cluster` external label. */
  cluster: string;
  settings: CentralSettings;
}

/** Thanos on the central cluster, with the receive endpoint every edge writes to. */
export class CentralThanos extends pulumi.ComponentResource {
  readonly receiveAddress: pulumi.Output<string>;
  readonly receiveRemoteWriteUrl: pulumi.Output<string>;
  readonly queryUrl: pulumi.Output<string>;
  readonly grafanaUrl: pulumi.Output<string>;

  constructor(name: string, args: CentralThanosArgs, opts?: pulumi.ComponentResourceOptions) {
    super("multicluster:central:CentralThanos", name, {}, opts);
    const ns = args.settings.namespace;
    const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: ns } }, { parent: this });
    const thanos = helmRelease(
      `${name}-thanos`,
      {
        chart: CHARTS.thanos,
        namespace: ns,
        values: { receive: { replicaCount: args.settings.receive.replicas, service: { type: "LoadBalancer" } } },
      },
      { parent: this, dependsOn: [namespace] },
    );
    const service = k8s.core.v1.Service.get(`${name}-receive-service`, pulumi.interpolate`${ns}/${thanos.status.name}-receive`, {
      parent: this,
      dependsOn: [thanos],
    });
    this.receiveAddress = service.status.loadBalancer.ingress.apply((ingress) => ingress?.[0]?.ip ?? ingress?.[0]?.hostname ?? "");
    this.receiveRemoteWriteUrl = pulumi.interpolate`http://${this.receiveAddress}:10908/api/v1/receive`;
    this.queryUrl = pulumi.output(`http://thanos-query-frontend.${ns}.svc:9090`);
    this.grafanaUrl = pulumi.output(`http://grafana.${ns}.svc`);
    this.registerOutputs({ receiveAddress: this.receiveAddress, receiveRemoteWriteUrl: this.receiveRemoteWriteUrl });
  }
}
