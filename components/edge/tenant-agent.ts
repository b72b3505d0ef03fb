import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { remoteWriteClientSecret } from "./agent-spec";
import { TenantSettings } from "../../config/edge";
import { EdgeStackConfig } from "../../config/stack";
import { TENANT_NAMESPACE_LABEL } from "../shared/conventions";
import { ClientCredentials } from "../../config/outputs";
import { tenantObjects } from "./tenant-objects";

export interface TenantAgentArgs {
  /** Cluster name; the `cluster` label on everything the agent sends. */
  cluster: string;
  /** The tenant: its id (namespace, header value, `tenant` label), node and quota. */
  tenant: TenantSettings;
  /** The edge settings the tenant agent shares with the cluster agent (remote write, WAL, resources). */
  settings: EdgeStackConfig["edge"];
  /** The central receiver's remote-write URL, read from the central stack. */
  remoteWriteUrl: string;
  /** The header the central receivers read the tenant from, read from the central stack. */
  tenantHeader: string;
  /** What provides the PrometheusAgent CRD and the operator: the cluster's EdgeAgent. */
  operator: pulumi.Resource;
  /** This tenant's client certificate and key, read from the central stack; absent in plain-http lab mode. */
  clientCredentials?: ClientCredentials;
}

/**
 * One tenant's isolated Prometheus agent on a shared edge cluster: its namespace, RBAC,
 * quota, network policy and a `PrometheusAgent` on the tenant's node. The operator and the
 * CRD come from the cluster's EdgeAgent (`args.operator`).
 */
export class TenantAgent extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;
  readonly agentName: pulumi.Output<string>;

  constructor(name: string, args: TenantAgentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("multicluster:edge:TenantAgent", name, {}, opts);
    const credentials = args.clientCredentials;
    const objects = tenantObjects({ ...args, stack: pulumi.getStack(), clientCertificate: credentials !== undefined });
    const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, objects.namespace, { parent: this });
    const inNamespace = { parent: this, dependsOn: [namespace] };

    const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-service-account`, objects.serviceAccount, inNamespace);
    const role = new k8s.rbac.v1.Role(`${name}-role`, objects.role, inNamespace);
    const roleBinding = new k8s.rbac.v1.RoleBinding(`${name}-role-binding`, objects.roleBinding, { parent: this, dependsOn: [role, serviceAccount] });
    const nodeRole = new k8s.rbac.v1.ClusterRole(`${name}-node-role`, objects.nodeClusterRole, { parent: this });
    const nodeRoleBinding = new k8s.rbac.v1.ClusterRoleBinding(`${name}-node-role-binding`, objects.nodeClusterRoleBinding, {
      parent: this,
      dependsOn: [nodeRole, serviceAccount],
    });
    const scrapeSecret = new k8s.core.v1.Secret(`${name}-node-scrape`, objects.nodeScrapeSecret, inNamespace);
    const caSecret = objects.caSecret ? [new k8s.core.v1.Secret(`${name}-remote-write-ca`, objects.caSecret, inNamespace)] : [];
    // Its own tenant's certificate and key only: the receivers file everything it writes under that tenant.
    const clientSecret = credentials
      ? [
          new k8s.core.v1.Secret(
            `${name}-remote-write-client`,
            remoteWriteClientSecret(
              { certPem: credentials.certPem, keyPem: pulumi.secret(credentials.keyPem) },
              { namespace: args.tenant.id, labels: { [TENANT_NAMESPACE_LABEL]: args.tenant.id } },
            ),
            inNamespace,
          ),
        ]
      : [];
    // Quota and defaults first, so the agent's pod is admitted under the same rules as the tenant's.
    const quota = new k8s.core.v1.ResourceQuota(`${name}-quota`, objects.resourceQuota, inNamespace);
    const limitRange = new k8s.core.v1.LimitRange(`${name}-limit-range`, objects.limitRange, inNamespace);
    new k8s.networking.v1.NetworkPolicy(`${name}-network-policy`, objects.networkPolicy, inNamespace);

    const agent = new k8s.apiextensions.CustomResource(`${name}-agent`, objects.agent, {
      parent: this,
      dependsOn: [args.operator, roleBinding, nodeRoleBinding, scrapeSecret, ...caSecret, ...clientSecret, quota, limitRange],
    });
    this.namespace = namespace.metadata.name;
    this.agentName = agent.metadata.name;
    this.registerOutputs({ namespace: this.namespace, agentName: this.agentName });
  }
}
