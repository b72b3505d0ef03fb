/**
 * Everything one tenant's agent needs on a shared edge cluster, as plain Kubernetes objects
 * built from validated config (the TenantAgent component only declares them):
 *
 * - the tenant's namespace, labelled so the cluster agent leaves it alone;
 * - a `PrometheusAgent` on the tenant's node that selects monitors in that namespace only,
 *   scrapes that node's node-exporter and kubelet, and writes with the tenant's header and
 *   labels (enforced on write, so no scraped series can carry another tenant's id);
 * - a ServiceAccount with read access to its namespace's targets and to its node only;
 * - a ResourceQuota, a LimitRange, and a NetworkPolicy admitting no other tenant's traffic.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { agentContainers, agentResources, AgentArgument, caSecretRef, ContainerPatch, CLIENT_CERTIFICATE_REF, remoteWriteCaSecret, ResourceRequirements, walArguments } from "./agent-spec";
import { prometheusStorage, StorageSpec } from "../shared/prometheus-storage";
import { TenantSettings } from "../../config/edge";
import { EdgeStackConfig } from "../../config/stack";
import { AGENT_SELF_JOB, CLUSTER_LABEL, OWNER_STACK_LABEL, TENANT_LABEL, TENANT_NAMESPACE_LABEL } from "../shared/conventions";
import { remoteWriteSpec, RemoteWriteSpec } from "../shared/remote-write";
import { NODE_EXPORTER_PORT } from "./prometheus-values";

/** A Kubernetes object as plain data: the provider's input type without Outputs. */
type Plain<T> = pulumi.Unwrap<T>;

/** Name of the agent, its ServiceAccount and its RBAC inside the tenant's namespace. */
export const TENANT_AGENT_NAME = "prometheus-agent";
/** Secret (in the tenant's namespace) holding the agent's node scrape jobs. */
export const NODE_SCRAPE_SECRET = "prometheus-agent-node-scrape";
export const NODE_SCRAPE_KEY = "node-scrape-configs.yaml";
/** The port the agent serves its own metrics on (the operator's default web port). */
const AGENT_WEB_PORT = 9090;

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export interface TenantObjectsOptions {
  /** Cluster name; the `cluster` label. */
  cluster: string;
  /** The stack creating the tenant's namespace: its OWNER_STACK_LABEL. */
  stack: string;
  tenant: TenantSettings;
  /** The edge settings the agent shares with the cluster agent: remote write, WAL, resources. */
  settings: EdgeStackConfig["edge"];
  /** The central receiver's remote-write URL (central's `receiveRemoteWriteUrl`). */
  remoteWriteUrl: string;
  /** The header receivers read the tenant from (central's `tenantHeader`). */
  tenantHeader: string;
  /** True when the agent has its tenant's client certificate (Secret REMOTE_WRITE_CLIENT_SECRET): central's receivers require one. */
  clientCertificate?: boolean;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
}

/** The `PrometheusAgent` fields this program sets (monitoring.coreos.com/v1alpha1). */
export interface PrometheusAgentManifest {
  apiVersion: "monitoring.coreos.com/v1alpha1";
  kind: "PrometheusAgent";
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: {
    replicas: number;
    serviceAccountName: string;
    nodeSelector: Record<string, string>;
    podMetadata: { labels: Record<string, string> };
    securityContext: {
      runAsNonRoot: boolean;
      runAsUser: number;
      runAsGroup: number;
      fsGroup: number;
      seccompProfile: { type: string };
    };
    externalLabels: Record<string, string>;
    remoteWrite: RemoteWriteSpec[];
    serviceMonitorSelector: LabelSelector;
    serviceMonitorNamespaceSelector: LabelSelector;
    podMonitorSelector: LabelSelector;
    podMonitorNamespaceSelector: LabelSelector;
    ignoreNamespaceSelectors: boolean;
    overrideHonorLabels: boolean;
    additionalScrapeConfigs: { name: string; key: string };
    additionalArgs: AgentArgument[];
    containers?: ContainerPatch[];
    storage: StorageSpec;
    resources: ResourceRequirements;
  };
}

export interface TenantObjects {
  namespace: Plain<k8s.types.input.core.v1.Namespace>;
  serviceAccount: Plain<k8s.types.input.core.v1.ServiceAccount>;
  /** Discovery of targets in the tenant's own namespace. */
  role: Plain<k8s.types.input.rbac.v1.Role>;
  roleBinding: Plain<k8s.types.input.rbac.v1.RoleBinding>;
  /** The tenant's node only: discovery and the kubelet's metrics (the kubelet authorizes per node name). */
  nodeClusterRole: Plain<k8s.types.input.rbac.v1.ClusterRole>;
  nodeClusterRoleBinding: Plain<k8s.types.input.rbac.v1.ClusterRoleBinding>;
  nodeScrapeSecret: Plain<k8s.types.input.core.v1.Secret>;
  /** The receiver's CA bundle, when edge.remoteWrite.tls.caCert is set. */
  caSecret?: Plain<k8s.types.input.core.v1.Secret>;
  resourceQuota: Plain<k8s.types.input.core.v1.ResourceQuota>;
  limitRange: Plain<k8s.types.input.core.v1.LimitRange>;
  networkPolicy: Plain<k8s.types.input.networking.v1.NetworkPolicy>;
  agent: PrometheusAgentManifest;
}

/** A Prometheus scrape job (prometheus.yml `scrape_configs[]`), as the agent reads it from a Secret. */
export interface ScrapeConfig {
  job_name: string;
  honor_labels: boolean;
  scheme?: "http" | "https";
  metrics_path?: string;
  authorization?: { credentials_file: string };
  tls_config?: { ca_file: string; insecure_skip_verify: boolean };
  static_configs?: { targets: string[] }[];
  kubernetes_sd_configs?: { role: "node"; selectors: { role: "node"; field: string }[] }[];
  relabel_configs?: PromRelabelConfig[];
  metric_relabel_configs?: PromRelabelConfig[];
}

interface PromRelabelConfig {
  action?: "replace" | "keep" | "drop";
  source_labels?: string[];
  regex?: string;
  target_label?: string;
  replacement?: string;
}

/**
 * The agent's jobs for its own node and itself. Discovery asks the API server for the
 * tenant's node only (and RBAC allows nothing else); the kubelet reports containers of every
 * namespace on the node, so only series of the tenant's namespace (or of no namespace) are kept.
 */
export function tenantScrapeConfigs(tenant: TenantSettings): ScrapeConfig[] {
  const ownNodeOnly = [{ role: "node" as const, selectors: [{ role: "node" as const, field: `metadata.name=${tenant.node}` }] }];
  const ownNamespaceOnly: PromRelabelConfig[] = [{ source_labels: ["namespace"], regex: `|${escapeRegex(tenant.id)}`, action: "keep" }];
  const nodeLabel: PromRelabelConfig = { source_labels: ["__meta_kubernetes_node_name"], target_label: "node" };
  const kubelet = (jobName: string, path: string): ScrapeConfig => ({
    job_name: jobName,
    honor_labels: false,
    scheme: "https",
    metrics_path: path,
    authorization: { credentials_file: `${SERVICE_ACCOUNT_DIR}/token` },
    // Kubelet serving certificates are self-signed on most installs (kubeadm's default).
    tls_config: { ca_file: `${SERVICE_ACCOUNT_DIR}/ca.crt`, insecure_skip_verify: true },
    kubernetes_sd_configs: ownNodeOnly,
    relabel_configs: [nodeLabel, { target_label: "job", replacement: "kubelet" }, { target_label: "metrics_path", replacement: path }],
    metric_relabel_configs: ownNamespaceOnly,
  });
  return [
    {
      job_name: "node-exporter",
      honor_labels: false,
      kubernetes_sd_configs: ownNodeOnly,
      relabel_configs: [
        // Discovery yields the kubelet's address; node-exporter listens on the same host.
        { source_labels: ["__address__"], regex: "(.+):\\d+", target_label: "__address__", replacement: `$1:${NODE_EXPORTER_PORT}` },
        nodeLabel,
      ],
      metric_relabel_configs: ownNamespaceOnly,
    },
    kubelet("kubelet", "/metrics"),
    kubelet("kubelet-cadvisor", "/metrics/cadvisor"),
    { job_name: AGENT_SELF_JOB, honor_labels: false, static_configs: [{ targets: [`localhost:${AGENT_WEB_PORT}`] }] },
  ];
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Every object of one tenant, in the order TenantAgent declares them; each comes from the builder for its concern below. */
export function tenantObjects(opts: TenantObjectsOptions): TenantObjects {
  return {
    namespace: tenantNamespace(opts.tenant, opts.stack),
    ...tenantRbac(opts.tenant),
    ...tenantSecrets(opts.tenant, opts.settings),
    ...tenantQuotaAndLimits(opts.tenant),
    networkPolicy: tenantNetworkPolicy(opts.tenant),
    agent: tenantAgent(opts),
  };
}

/** The label marking an object as the tenant's: the cluster agent skips such namespaces and the network policies tell tenants apart by it. */
function tenantLabels(tenant: TenantSettings): Record<string, string> {
  return { [TENANT_NAMESPACE_LABEL]: tenant.id };
}

/** Metadata of an object in the tenant's namespace (named after the tenant id), labelled as the tenant's. */
function inTenantNamespace(tenant: TenantSettings, name: string) {
  return { name, namespace: tenant.id, labels: tenantLabels(tenant) };
}

/** The tenant's namespace, owned by the stack that creates it, with Pod Security that keeps host access away from the other tenants' nodes. */
function tenantNamespace(tenant: TenantSettings, stack: string): TenantObjects["namespace"] {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: tenant.id,
      labels: {
        ...tenantLabels(tenant),
        [OWNER_STACK_LABEL]: stack,
        // No host namespaces, host paths or privileged pods next to another tenant's node. Not
        // `restricted`: the tenant's own workloads (which its monitors scrape) run here too. The
        // agent's pod would pass it (non-root, RuntimeDefault seccomp, and the operator drops all
        // capabilities and privilege escalation in its containers), so say where others would not.
        "pod-security.kubernetes.io/enforce": "baseline",
        "pod-security.kubernetes.io/warn": "restricted",
      },
    },
  };
}

type TenantRbac = Pick<TenantObjects, "serviceAccount" | "role" | "roleBinding" | "nodeClusterRole" | "nodeClusterRoleBinding">;

/** The agent's identity: read-only discovery in its own namespace (a Role) and on its own node by name (a ClusterRole, as nodes are cluster-scoped). */
function tenantRbac(tenant: TenantSettings): TenantRbac {
  const nodeRoleName = `${tenant.id}-${TENANT_AGENT_NAME}-node`;
  const subject = { kind: "ServiceAccount", name: TENANT_AGENT_NAME, namespace: tenant.id };
  const read = ["get", "list", "watch"];
  return {
    serviceAccount: { apiVersion: "v1", kind: "ServiceAccount", metadata: inTenantNamespace(tenant, TENANT_AGENT_NAME) },
    role: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: inTenantNamespace(tenant, TENANT_AGENT_NAME),
      rules: [
        { apiGroups: [""], resources: ["services", "endpoints", "pods"], verbs: read },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: read },
      ],
    },
    roleBinding: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: inTenantNamespace(tenant, TENANT_AGENT_NAME),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: TENANT_AGENT_NAME },
      subjects: [subject],
    },
    nodeClusterRole: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: nodeRoleName, labels: tenantLabels(tenant) },
      rules: [
        // list/watch by name work with the metadata.name field selector the scrape jobs use.
        { apiGroups: [""], resources: ["nodes"], resourceNames: [tenant.node], verbs: read },
        { apiGroups: [""], resources: ["nodes/metrics"], resourceNames: [tenant.node], verbs: ["get"] },
      ],
    },
    nodeClusterRoleBinding: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: nodeRoleName, labels: tenantLabels(tenant) },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: nodeRoleName },
      subjects: [subject],
    },
  };
}

/** The agent's Secrets: its node scrape jobs (the operator reads additional scrape configs from a Secret only), and the receiver's CA bundle when there is one. */
function tenantSecrets(tenant: TenantSettings, settings: TenantObjectsOptions["settings"]): Pick<TenantObjects, "nodeScrapeSecret" | "caSecret"> {
  const caSecret = remoteWriteCaSecret(settings.remoteWrite.tls, { namespace: tenant.id, labels: tenantLabels(tenant) });
  return {
    nodeScrapeSecret: {
      apiVersion: "v1",
      kind: "Secret",
      metadata: inTenantNamespace(tenant, NODE_SCRAPE_SECRET),
      type: "Opaque",
      stringData: { [NODE_SCRAPE_KEY]: YAML.stringify(tenantScrapeConfigs(tenant)) },
    },
    ...(caSecret ? { caSecret } : {}),
  };
}

/** The tenant's share of the shared cluster: a quota on what its pods request, and defaults so that pods which set nothing still count against it. */
function tenantQuotaAndLimits(tenant: TenantSettings): Pick<TenantObjects, "resourceQuota" | "limitRange"> {
  return {
    resourceQuota: {
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: inTenantNamespace(tenant, "tenant-quota"),
      spec: {
        hard: {
          "requests.cpu": tenant.quota.cpu,
          "requests.memory": tenant.quota.memory,
          "limits.memory": tenant.quota.memory,
          pods: String(tenant.quota.pods),
        },
      },
    },
    limitRange: {
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: inTenantNamespace(tenant, "container-defaults"),
      spec: {
        limits: [
          {
            type: "Container",
            // The quota counts requests and memory limits: containers without them get these.
            defaultRequest: { cpu: tenant.containerDefaults.cpuRequest, memory: tenant.containerDefaults.memoryRequest },
            default: { memory: tenant.containerDefaults.memoryLimit },
          },
        ],
      },
    },
  };
}

/** Ingress from the tenant's own namespace and from namespaces of no tenant only, so no other tenant's pod reaches the tenant's. */
function tenantNetworkPolicy(tenant: TenantSettings): TenantObjects["networkPolicy"] {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: inTenantNamespace(tenant, "deny-other-tenants"),
    spec: {
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            // Its own namespace, and namespaces that belong to no tenant (ingress controllers, system).
            { podSelector: {} },
            { namespaceSelector: { matchExpressions: [{ key: TENANT_NAMESPACE_LABEL, operator: "DoesNotExist" }] } },
          ],
        },
      ],
    },
  };
}

/** One agent pinned to the tenant's node, seeing the tenant's namespace only and writing with the tenant's header and labels enforced on write. */
function tenantAgent(opts: TenantObjectsOptions): PrometheusAgentManifest {
  const { tenant, settings } = opts;
  const identity = { [CLUSTER_LABEL]: opts.cluster, [TENANT_LABEL]: tenant.id };
  const ownNamespace = { matchLabels: { "kubernetes.io/metadata.name": tenant.id } };
  return {
    apiVersion: "monitoring.coreos.com/v1alpha1",
    kind: "PrometheusAgent",
    metadata: inTenantNamespace(tenant, TENANT_AGENT_NAME),
    spec: {
      replicas: 1,
      serviceAccountName: TENANT_AGENT_NAME,
      nodeSelector: { "kubernetes.io/hostname": tenant.node },
      podMetadata: { labels: tenantLabels(tenant) },
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 2000, fsGroup: 2000, seccompProfile: { type: "RuntimeDefault" } },
      externalLabels: identity,
      remoteWrite: [
        remoteWriteSpec({
          url: opts.remoteWriteUrl,
          tenantHeader: opts.tenantHeader,
          tenantId: tenant.id,
          settings: settings.remoteWrite,
          caSecret: caSecretRef(settings.remoteWrite.tls),
          clientCertificate: opts.clientCertificate ? CLIENT_CERTIFICATE_REF : undefined,
          enforcedLabels: { ...identity },
        }),
      ],
      // Monitors in the tenant's namespace only, and they may not reach into other namespaces.
      serviceMonitorSelector: {},
      serviceMonitorNamespaceSelector: ownNamespace,
      podMonitorSelector: {},
      podMonitorNamespaceSelector: ownNamespace,
      ignoreNamespaceSelectors: true,
      // Target labels (namespace, pod, job) win over scraped ones; `tenant` and `cluster` are enforced on write.
      overrideHonorLabels: true,
      additionalScrapeConfigs: { name: NODE_SCRAPE_SECRET, key: NODE_SCRAPE_KEY },
      additionalArgs: walArguments(settings.wal),
      ...agentContainers(settings.softMemoryLimit),
      storage: prometheusStorage(settings.wal),
      resources: agentResources(settings.resources),
    },
  };
}
