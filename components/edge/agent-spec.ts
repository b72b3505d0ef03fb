/**
 * The parts of a `PrometheusAgent` spec every edge agent shares (the cluster agent through
 * the chart's `prometheusSpec`, the tenant agents directly): WAL retention, resources, the soft
 * memory limit, and the Secrets of the TLS CA and of the agent's client certificate (the WAL
 * volume is `prometheusStorage(settings.wal)`). Pure functions of validated config.
 */
import { EdgeSettings } from "../../config/edge";
import type * as pulumi from "@pulumi/pulumi";
import { REMOTE_WRITE_CA_KEY, REMOTE_WRITE_CA_SECRET, REMOTE_WRITE_CLIENT_SECRET } from "../shared/conventions";
import { ClientCertificateRef, SecretKeyRef } from "../shared/remote-write";
import { parseQuantity } from "../../config/quantity";

/** A command-line flag as the operator takes it (`spec.additionalArgs[]`, without the dashes). */
export interface AgentArgument {
  name: string;
  value?: string;
}

export interface ResourceRequirements {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

/**
 * How long the agent keeps samples it could not send. The operator has no field for it, so
 * it goes in as a flag; without it Prometheus drops unsent samples after its own default.
 */
export function walArguments(wal: EdgeSettings["wal"]): AgentArgument[] {
  return [{ name: "storage.agent.retention.max-time", value: wal.maxTime }];
}

/** A patch of the operator's `prometheus` container (`spec.containers[]`, merged by name). */
export interface ContainerPatch {
  name: string;
  env: { name: string; value: string }[];
}

/** The variable that carries the soft memory limit into the agent's Go runtime. */
export const SOFT_MEMORY_LIMIT_ENV = "GOMEMLIMIT";

/**
 * The spec's `containers` for the agent's soft memory limit, when set: GOMEMLIMIT in bytes (Go
 * reads no Kubernetes quantities). Unset, no `containers` at all (an empty list does not survive
 * Helm's values), and Prometheus derives GOMEMLIMIT from the container's memory limit.
 */
export function agentContainers(softMemoryLimit: EdgeSettings["softMemoryLimit"]): { containers?: ContainerPatch[] } {
  if (softMemoryLimit === undefined) return {};
  return { containers: [{ name: "prometheus", env: [{ name: SOFT_MEMORY_LIMIT_ENV, value: String(parseQuantity(softMemoryLimit)) }] }] };
}

/** The configured requests and limits, without the unset ones. */
export function agentResources(resources: EdgeSettings["resources"]): ResourceRequirements {
  const defined = (r: Record<string, string | undefined>) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const requests = defined(resources.requests);
  const limits = defined(resources.limits);
  return {
    ...(Object.keys(requests).length > 0 ? { requests } : {}),
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
  };
}

/** Where an agent finds the receiver's CA bundle (a Secret in its own namespace), when one is configured. */
export function caSecretRef(tls: EdgeSettings["remoteWrite"]["tls"]): SecretKeyRef | undefined {
  return tls.caCert ? { name: REMOTE_WRITE_CA_SECRET, key: REMOTE_WRITE_CA_KEY } : undefined;
}

/** The Secret holding the receiver's CA bundle in an agent's namespace, when one is configured. */
export function remoteWriteCaSecret(tls: EdgeSettings["remoteWrite"]["tls"], metadata: { namespace: string; labels?: Record<string, string> }) {
  if (!tls.caCert) return undefined;
  return {
    apiVersion: "v1" as const,
    kind: "Secret" as const,
    metadata: { name: REMOTE_WRITE_CA_SECRET, ...metadata },
    type: "Opaque",
    stringData: { [REMOTE_WRITE_CA_KEY]: tls.caCert },
  };
}

/** Where an agent finds its client certificate and key: the Secret `remoteWriteClientSecret` declares. */
export const CLIENT_CERTIFICATE_REF: ClientCertificateRef = {
  cert: { name: REMOTE_WRITE_CLIENT_SECRET.name, key: REMOTE_WRITE_CLIENT_SECRET.certKey },
  key: { name: REMOTE_WRITE_CLIENT_SECRET.name, key: REMOTE_WRITE_CLIENT_SECRET.keyKey },
};

/**
 * The Secret holding one agent's client certificate and key in its namespace: its own
 * tenant's, and nothing else. The key must arrive as a Pulumi secret.
 */
export function remoteWriteClientSecret(credentials: { certPem: string; keyPem: pulumi.Input<string> }, metadata: { namespace: string; labels?: Record<string, string> }) {
  return {
    apiVersion: "v1" as const,
    kind: "Secret" as const,
    metadata: { name: REMOTE_WRITE_CLIENT_SECRET.name, ...metadata },
    type: "kubernetes.io/tls",
    stringData: { [REMOTE_WRITE_CLIENT_SECRET.certKey]: credentials.certPem, [REMOTE_WRITE_CLIENT_SECRET.keyKey]: credentials.keyPem },
  };
}
