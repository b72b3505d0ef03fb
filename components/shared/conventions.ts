/**
 * Names that one component creates and another one's Helm values point at. Kept here so
 * both sides agree, and a rename is one change.
 */

/** Secret (key `alertmanager.yaml`) holding the central Alertmanager's routing config. */
export const ALERTMANAGER_CONFIG_SECRET = "alertmanager-platform-config";

/** Label the Grafana sidecar looks for on dashboard ConfigMaps. */
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;

/**
 * Label the Grafana sidecar looks for on datasource ConfigMaps and Secrets (the grafana
 * chart's `sidecar.datasources.label`, given this value in `grafanaValues`).
 */
export const GRAFANA_DATASOURCE_LABEL = { grafana_datasource: "1" } as const;

/** Secret holding the Thanos objstore config (key `objstore.yml`), for Thanos and the sidecar. */
export const THANOS_OBJSTORE_SECRET = "thanos-objstore";
export const THANOS_OBJSTORE_KEY = "objstore.yml";
/**
 * Pod annotation carrying a checksum of the objstore config: Thanos reads the file (and the
 * sidecar its env) only at start, so a new value (rotated MinIO keys) must roll the pods.
 */
export const OBJSTORE_CHECKSUM_ANNOTATION = "checksum/thanos-objstore";

/** Label every agent's samples carry with its cluster name (external label, enforced on write). */
export const CLUSTER_LABEL = "cluster";
/** Label a tenant agent's samples carry with its tenant id (external label, enforced on write). */
export const TENANT_LABEL = "tenant";
/** `job` of every agent's scrape of itself: remote-write (`prometheus_remote_storage_*`) and WAL health. */
export const AGENT_SELF_JOB = "prometheus-agent";
/** `remote_name` of the agents' remote-write queue to the central receiver. */
export const REMOTE_WRITE_NAME = "central";
/** Namespace label marking a tenant's namespace (value: the tenant id); cluster agents skip such namespaces. */
export const TENANT_NAMESPACE_LABEL = "multicluster/tenant";
/** Secret (key `ca.crt`) with the CA bundle of the receiver, in each agent's namespace. */
export const REMOTE_WRITE_CA_SECRET = "remote-write-ca";
export const REMOTE_WRITE_CA_KEY = "ca.crt";
/** Secret (type kubernetes.io/tls) with an agent's client certificate and key, in each agent's namespace. */
export const REMOTE_WRITE_CLIENT_SECRET = { name: "remote-write-client", certKey: "tls.crt", keyKey: "tls.key" } as const;
/**
 * Namespace label naming the stack that created the namespace: the preflight lets a stack use an
 * existing namespace only with its own name here. Not `app.kubernetes.io/managed-by`, which the
 * Kubernetes provider overwrites with "pulumi" when server-side apply is off.
 */
export const OWNER_STACK_LABEL = "multicluster/stack";
