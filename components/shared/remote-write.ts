/**
 * The remote-write settings every agent uses, as a pure function of validated config, in
 * the prometheus-operator's camelCase form (`Prometheus`/`PrometheusAgent`
 * `spec.remoteWrite[]`, and kube-prometheus-stack's `prometheusSpec.remoteWrite[]`).
 * The cluster agent, the tenant agents and the end-to-end test all build on this.
 */
import { EdgeSettings } from "../../config/edge";
import { REMOTE_WRITE_NAME } from "./conventions";

/** A relabeling rule in the operator's camelCase form (`RelabelConfig`). */
export interface RelabelConfig {
  action?: "replace" | "keep" | "drop" | "labeldrop" | "labelkeep" | "labelmap";
  sourceLabels?: string[];
  regex?: string;
  targetLabel?: string;
  replacement?: string;
}

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
    sampleAgeLimit: string;
  };
  metadataConfig: { send: boolean; sendInterval: string };
  writeRelabelConfigs?: RelabelConfig[];
  tlsConfig?: { ca?: { secret: SecretKeyRef }; cert?: { secret: SecretKeyRef }; keySecret?: SecretKeyRef; serverName?: string; insecureSkipVerify: boolean };
}

/** Where an agent finds its client certificate and key: its tenant identity at the receivers. */
export interface ClientCertificateRef {
  cert: SecretKeyRef;
  key: SecretKeyRef;
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
  /** The agent's client certificate, when the receivers require one (central's `receive.tls`). */
  clientCertificate?: ClientCertificateRef;
  /**
   * Labels set on every sample as it is sent, whatever the scraped series carried. External
   * labels alone do not do this: Prometheus adds an external label only to series without it.
   */
  enforcedLabels?: Record<string, string>;
}

export function remoteWriteSpec(opts: RemoteWriteOptions): RemoteWriteSpec {
  const { queue, tls, sampleAgeLimit } = opts.settings;
  const spec: RemoteWriteSpec = {
    name: REMOTE_WRITE_NAME,
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
      // At least the WAL's age (config schema), at most the receivers' out-of-order window
      // (checked against central's outputs): what the WAL keeps is sent, and accepted.
      sampleAgeLimit,
    },
    metadataConfig: { send: true, sendInterval: "1m" },
  };
  const enforced = Object.entries(opts.enforcedLabels ?? {});
  if (enforced.length > 0) {
    // Write relabeling runs after the external labels are added, so these win over both.
    spec.writeRelabelConfigs = enforced.map(([label, value]) => ({ action: "replace", targetLabel: label, replacement: value }));
  }
  const https = opts.url.startsWith("https://");
  if (https || tls.caCert || tls.serverName || tls.insecureSkipVerify) {
    spec.tlsConfig = {
      ...(tls.caCert && opts.caSecret ? { ca: { secret: opts.caSecret } } : {}),
      ...(opts.clientCertificate ? { cert: { secret: opts.clientCertificate.cert }, keySecret: opts.clientCertificate.key } : {}),
      ...(tls.serverName ? { serverName: tls.serverName } : {}),
      insecureSkipVerify: tls.insecureSkipVerify,
    };
  }
  return spec;
}
