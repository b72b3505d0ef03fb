import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../shared/charts";
import { EdgeStackConfig } from "../../config/stack";
import { remoteWriteCaSecret, remoteWriteClientSecret } from "./agent-spec";
import { ClientCredentials } from "../../config/outputs";
import { helmRelease } from "../shared/helm";
import { OWNER_STACK_LABEL } from "../shared/conventions";
import { edgePrometheusValues } from "./prometheus-values";

export interface EdgeAgentArgs {
  /** Cluster name; the `cluster` label on everything the agent sends. */
  cluster: string;
  /** The validated edge settings (namespace, tenant id, remote write, WAL, resources). */
  settings: EdgeStackConfig["edge"];
  /** The central receiver's remote-write URL, read from the central stack. */
  remoteWriteUrl: string;
  /** The header the central receivers read the tenant from, read from the central stack. */
  tenantHeader: string;
  /** The client certificate and key of `settings.tenantId`, read from the central stack; absent in plain-http lab mode. */
  clientCredentials?: ClientCredentials;
}

/**
 * kube-prometheus-stack in agent mode for one edge cluster: the cluster-wide agent writing to
 * the central receiver as `settings.tenantId`, node-exporter, kube-state-metrics, the kubelet
 * monitors, and the operator with its CRDs (which the tenant agents use too).
 */
export class EdgeAgent extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;
  readonly release: k8s.helm.v3.Release;
  readonly remoteWriteUrl: pulumi.Output<string>;

  constructor(name: string, args: EdgeAgentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("multicluster:edge:EdgeAgent", name, {}, opts);
    const ns = args.settings.namespace;
    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      // node-exporter needs the host's network, PID namespace and filesystem.
      { metadata: { name: ns, labels: { [OWNER_STACK_LABEL]: pulumi.getStack(), "pod-security.kubernetes.io/enforce": "privileged" } } },
      { parent: this },
    );
    const dependencies: pulumi.Resource[] = [namespace];
    const caSecret = remoteWriteCaSecret(args.settings.remoteWrite.tls, { namespace: ns });
    if (caSecret) dependencies.push(new k8s.core.v1.Secret(`${name}-remote-write-ca`, caSecret, { parent: this, dependsOn: [namespace] }));
    const credentials = args.clientCredentials;
    if (credentials) {
      const secret = remoteWriteClientSecret({ certPem: credentials.certPem, keyPem: pulumi.secret(credentials.keyPem) }, { namespace: ns });
      dependencies.push(new k8s.core.v1.Secret(`${name}-remote-write-client`, secret, { parent: this, dependsOn: [namespace] }));
    }
    this.release = helmRelease(
      `${name}-kps`,
      {
        chart: CHARTS.kubePrometheusStack,
        namespace: ns,
        values: edgePrometheusValues({
          cluster: args.cluster,
          settings: args.settings,
          remoteWriteUrl: args.remoteWriteUrl,
          tenantHeader: args.tenantHeader,
          clientCertificate: credentials !== undefined,
        }),
      },
      { parent: this, dependsOn: dependencies },
    );
    this.namespace = namespace.metadata.name;
    this.remoteWriteUrl = pulumi.output(args.remoteWriteUrl);
    this.registerOutputs({ namespace: this.namespace, remoteWriteUrl: this.remoteWriteUrl });
  }
}
