/**
 * The parts of a `PrometheusAgent` spec every edge agent shares (the cluster agent through
 * the chart's `prometheusSpec`, the tenant agents directly): WAL retention, resources, and
 * the TLS CA Secret (the WAL volume is `prometheusStorage(settings.wal)`). Pure functions of
 * validated config.
 */
import { EdgeSettings } from "./config";
import { REMOTE_WRITE_CA_KEY, REMOTE_WRITE_CA_SECRET } from "./conventions";
import { SecretKeyRef } from "./remote-write";

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
