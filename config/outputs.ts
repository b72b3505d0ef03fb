/**
 * The stack outputs contract. Ops scripts (`npm run verify`), the edge stacks'
 * StackReference and the tests all read outputs through these schemas, so a renamed or
 * reshaped output breaks loudly here instead of silently in an ops script.
 */
import { z } from "zod";

/** A tenant that writes to the central receiver, and the cluster its agent runs in. */
export const tenantRefSchema = z.object({ id: z.string(), cluster: z.string() });
export type TenantRef = z.infer<typeof tenantRefSchema>;

/** A tenant's client certificate and key (PEM): its identity at the receivers. */
export const clientCredentialsSchema = z.object({ certPem: z.string(), keyPem: z.string() });
export type ClientCredentials = z.infer<typeof clientCredentialsSchema>;

/** The receivers' mutual TLS, all public: what agents verify the receivers with, and what `verify` checks for expiry. */
export const receiveTlsSchema = z.object({
  /** False in plain-http lab mode (`central.receive.tls.enabled: false`); the rest is then empty. */
  enabled: z.boolean(),
  /** PEM of the CA that signs the receivers' and every tenant's certificate. */
  caCert: z.string(),
  /** The name agents verify the receivers' certificate against (their TLS server name). */
  serverName: z.string(),
  serverCert: z.string(),
  /** Each tenant's client certificate by tenant id; the keys are in `tenantCredentials`. */
  clientCerts: z.record(z.string(), z.string()),
});
export type ReceiveTlsOutput = z.infer<typeof receiveTlsSchema>;

const bucketNamesSchema = z.object({ thanos: z.string(), longhorn: z.string(), opensearch: z.string() });
const credentialsSchema = z.object({ accessKey: z.string(), secretKey: z.string() });

export const centralOutputsSchema = z.object({
  role: z.literal("central"),
  cluster: z.string(),
  /** `http(s)://<address>:<port>/api/v1/receive`: where every agent writes. */
  receiveRemoteWriteUrl: z.string(),
  /** The receive LoadBalancer's IP or host name, as the Service status reports it; the Ingress host when remote write goes through the Ingress. */
  receiveAddress: z.string(),
  /** The header agents send their tenant id in; the receivers read the tenant from it only without TLS (lab mode). */
  tenantHeader: z.string(),
  /** The label receivers add to every series with the tenant id. */
  tenantLabel: z.string(),
  /** How far behind a tenant's newest sample the receivers still accept one (a duration): the oldest catch-up an edge may send. */
  receiveOutOfOrderWindow: z.string(),
  /** Thanos Query Frontend's HTTP API (what Grafana and `verify` query). */
  queryUrl: z.string(),
  grafanaUrl: z.string(),
  bucketNames: bucketNamesSchema,
  /** The tenants central expects to hear from: those of every edge stack file naming it (config/fleet.ts). */
  tenants: z.array(tenantRefSchema),
  /** The compactor's retention per resolution (central.retention): verify reads history older than `raw`. */
  retention: z.object({ raw: z.string(), fiveMinutes: z.string(), oneHour: z.string() }),
  /** Secret: MinIO credentials per consumer, for Longhorn's and OpenSearch's backup targets. */
  bucketCredentials: z.object({ thanos: credentialsSchema, longhorn: credentialsSchema, opensearch: credentialsSchema }),
  /** Secret: Grafana's admin password. */
  grafanaAdminPassword: z.string(),
  receiveTls: receiveTlsSchema,
  /** Secret: each tenant's client certificate and key by tenant id, for the edge stacks' agents; empty without TLS. */
  tenantCredentials: z.record(z.string(), clientCredentialsSchema),
});
export type CentralOutputs = z.infer<typeof centralOutputsSchema>;

export const edgeOutputsSchema = z.object({
  role: z.literal("edge"),
  cluster: z.string(),
  /** The URL this cluster's agents write to (the central `receiveRemoteWriteUrl`). */
  remoteWriteUrl: z.string(),
  /** Every tenant id this cluster writes as: the cluster agent's, then each TenantAgent's. */
  tenants: z.array(tenantRefSchema),
});
export type EdgeOutputs = z.infer<typeof edgeOutputsSchema>;

export const stackOutputsSchema = z.discriminatedUnion("role", [centralOutputsSchema, edgeOutputsSchema]);
export type StackOutputs = z.infer<typeof stackOutputsSchema>;

/** Outputs that are exported only as Pulumi secrets. */
export const SECRET_OUTPUTS = ["bucketCredentials", "grafanaAdminPassword", "tenantCredentials"] as const satisfies readonly (keyof CentralOutputs)[];

/** The central outputs the edge stacks read through their StackReference. */
export const REMOTE_WRITE_URL_OUTPUT = "receiveRemoteWriteUrl" satisfies keyof CentralOutputs;
export const TENANT_HEADER_OUTPUT = "tenantHeader" satisfies keyof CentralOutputs;
export const OUT_OF_ORDER_WINDOW_OUTPUT = "receiveOutOfOrderWindow" satisfies keyof CentralOutputs;
export const RECEIVE_TLS_OUTPUT = "receiveTls" satisfies keyof CentralOutputs;
export const TENANT_CREDENTIALS_OUTPUT = "tenantCredentials" satisfies keyof CentralOutputs;
