/**
 * The operator's camelCase remote-write spec (components/shared/remote-write.ts) as a plain
 * Prometheus `remote_write` entry in snake_case, for a Prometheus started outside the
 * operator (the end-to-end test). Field by field, so a new spec field fails to compile here
 * instead of being dropped silently.
 */
import { RelabelConfig, RemoteWriteSpec, SecretKeyRef } from "../components/shared/remote-write";

export interface PrometheusRemoteWrite {
  name: string;
  url: string;
  headers: Record<string, string>;
  queue_config: {
    capacity: number;
    min_shards: number;
    max_shards: number;
    max_samples_per_send: number;
    batch_send_deadline: string;
    min_backoff: string;
    max_backoff: string;
    retry_on_http_429: boolean;
    sample_age_limit: string;
  };
  metadata_config: { send: boolean; send_interval: string };
  write_relabel_configs?: PrometheusRelabelConfig[];
  tls_config?: { ca_file?: string; cert_file?: string; key_file?: string; server_name?: string; insecure_skip_verify: boolean };
}

export interface PrometheusRelabelConfig {
  action?: RelabelConfig["action"];
  source_labels?: string[];
  regex?: string;
  target_label?: string;
  replacement?: string;
}

/** Field by field, like the rest: the operator's RelabelConfig in Prometheus' snake_case. */
export function toPrometheusRelabelConfig(r: RelabelConfig): PrometheusRelabelConfig {
  const out: PrometheusRelabelConfig = {};
  if (r.action !== undefined) out.action = r.action;
  if (r.sourceLabels !== undefined) out.source_labels = r.sourceLabels;
  if (r.regex !== undefined) out.regex = r.regex;
  if (r.targetLabel !== undefined) out.target_label = r.targetLabel;
  if (r.replacement !== undefined) out.replacement = r.replacement;
  return out;
}

export interface TranslateOptions {
  /** Where the file holding a Secret key lives; required when the spec references one. */
  secretFile?: (ref: SecretKeyRef) => string;
}

export function toPrometheusRemoteWrite(spec: RemoteWriteSpec, opts: TranslateOptions = {}): PrometheusRemoteWrite {
  const q = spec.queueConfig;
  const out: PrometheusRemoteWrite = {
    name: spec.name,
    url: spec.url,
    headers: { ...spec.headers },
    queue_config: {
      capacity: q.capacity,
      min_shards: q.minShards,
      max_shards: q.maxShards,
      max_samples_per_send: q.maxSamplesPerSend,
      batch_send_deadline: q.batchSendDeadline,
      min_backoff: q.minBackoff,
      max_backoff: q.maxBackoff,
      // The operator renders retryOnRateLimit as this field.
      retry_on_http_429: q.retryOnRateLimit,
      sample_age_limit: q.sampleAgeLimit,
    },
    metadata_config: { send: spec.metadataConfig.send, send_interval: spec.metadataConfig.sendInterval },
  };
  if (spec.writeRelabelConfigs) out.write_relabel_configs = spec.writeRelabelConfigs.map(toPrometheusRelabelConfig);
  const tls = spec.tlsConfig;
  if (tls) {
    const fileOf = (what: string, ref: SecretKeyRef): string => {
      if (!opts.secretFile) throw new Error(`remote write ${spec.name}: the ${what} is in Secret ${ref.name} (key ${ref.key}); pass secretFile to say where that file is`);
      return opts.secretFile(ref);
    };
    out.tls_config = {
      ...(tls.ca ? { ca_file: fileOf("CA", tls.ca.secret) } : {}),
      ...(tls.cert ? { cert_file: fileOf("client certificate", tls.cert.secret) } : {}),
      ...(tls.keySecret ? { key_file: fileOf("client key", tls.keySecret) } : {}),
      ...(tls.serverName ? { server_name: tls.serverName } : {}),
      insecure_skip_verify: tls.insecureSkipVerify,
    };
  }
  return out;
}
