/**
 * The remote-write settings every agent uses, as a pure function of validated config, in
 * the prometheus-operator's camelCase form (`Prometheus`/`PrometheusAgent`
 * `spec.remoteWrite[]`, and kube-prometheus-stack's `prometheusSpec.remoteWrite[]`).
 * The cluster agent, the tenant agents and the end-to-end test all build on this.
 */
import { EdgeSettings } from "./config";

/** A key in a Secret, as the operator references it. */
export interface SecretKeyRef {
  name: string;
  key: string;
}

export interface RemoteWriteSpec {
  name: string;
  url: string;
  headers: Record<string, string>;
  queueConfig: {
    capacity: number;
    minShards: number;
    maxShards: number;
    maxSamplesPerSend: number;
    batchSendDeadline: string;
    minBackoff: string;
    maxBackoff: string;
    retryOnRateLimit: boolean;
  };
  metadataConfig: { send: boolean; sendInterval: string };
  tlsConfig?: { ca?: { secret: SecretKeyRef }; serverName?: string; insecureSkipVerify: boolean };
}

export interface RemoteWriteOptions {
  /** The central receiver's remote-write URL. */
  url: string;
  /** Header the receivers read the tenant from (central's `tenantHeader` output). */
  tenantHeader: string;
  /** The tenant this agent writes as. */
  tenantId: string;
  settings: EdgeSettings["remoteWrite"];
  /** Where the CA bundle of `settings.tls.caCert` is stored, when one is set. */
  caSecret?: SecretKeyRef;
}

export function remoteWriteSpec(opts: RemoteWriteOptions): RemoteWriteSpec {
  const { queue, tls } = opts.settings;
  const spec: RemoteWriteSpec = {
    name: "central",
    url: opts.url,
    // The receiver files every sample under this tenant; one agent writes as one tenant only.
    headers: { [opts.tenantHeader]: opts.tenantId },
    queueConfig: {
      capacity: queue.capacity,
      minShards: queue.minShards,
      maxShards: queue.maxShards,
      maxSamplesPerSend: queue.maxSamplesPerSend,
      batchSendDeadline: queue.batchSendDeadline,
      minBackoff: queue.minBackoff,
      maxBackoff: queue.maxBackoff,
      // Back off on 429 instead of dropping: receivers shed load during catch-up.
      retryOnRateLimit: true,
    },
    metadataConfig: { send: true, sendInterval: "1m" },
  };
  const https = opts.url.startsWith("https://");
  if (https || tls.caCert || tls.serverName || tls.insecureSkipVerify) {
    spec.tlsConfig = {
      ...(tls.caCert && opts.caSecret ? { ca: { secret: opts.caSecret } } : {}),
      ...(tls.serverName ? { serverName: tls.serverName } : {}),
      insecureSkipVerify: tls.insecureSkipVerify,
    };
  }
  return spec;
}
