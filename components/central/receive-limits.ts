/**
 * The receivers' per-tenant write limits, in Thanos' limits-config format
 * (`--receive.limits-config-file`, pkg/receive/limiter_config.go of v0.42.4), as a pure
 * function of validated config. The file lives in a ConfigMap; receivers poll it and apply
 * a change without a restart.
 *
 * - Request limits (body size, series and samples per request) answer 413; Prometheus drops
 *   such a batch, so they are sized well above what an agent sends.
 * - The head series limit answers 429 (the agents back off and retry) once a tenant's active
 *   series reach it. Receivers learn each tenant's active series from meta-monitoring: the
 *   central Prometheus, which scrapes them. Best effort: while it cannot be queried, nothing is limited.
 */
import * as YAML from "yaml";
import { CentralSettings, ReceiveLimits } from "../../config/central";
import { centralEndpoints } from "./endpoints";

/** The ConfigMap holding the limits file, and where the receivers mount it. */
export const RECEIVE_LIMITS_CONFIGMAP = { name: "thanos-receive-limits", key: "limits.yaml" } as const;

interface RequestLimits {
  size_bytes_limit?: number;
  series_limit?: number;
  samples_limit?: number;
}

/** The limits file's `write` section. */
export interface ThanosLimitsConfig {
  write: {
    global?: { meta_monitoring_url: string; meta_monitoring_limit_query: string };
    default: { request: Required<RequestLimits>; head_series_limit: number };
    tenants?: Record<string, { request?: RequestLimits; head_series_limit?: number }>;
  };
}

/**
 * Each tenant's active series across the receivers, as the receivers ask meta-monitoring for
 * it (grouped by `tenant`, the label the receivers put on their per-tenant TSDB metrics).
 * Every series lives on `replicationFactor` receivers, so their head series sum to that many
 * times the tenant's; a pod scraped through two Services counts once.
 */
export function headSeriesQuery(namespace: string, replicationFactor: number): string {
  const series = `prometheus_tsdb_head_series{job=~".*receive.*", namespace="${namespace}", tenant!=""}`;
  return `sum by (tenant) (max by (tenant, pod) (${series})) / ${replicationFactor}`;
}

function requestLimits(limits: Partial<ReceiveLimits>): RequestLimits {
  const request: RequestLimits = {};
  if (limits.requestSizeBytes !== undefined) request.size_bytes_limit = limits.requestSizeBytes;
  if (limits.requestSeries !== undefined) request.series_limit = limits.requestSeries;
  if (limits.requestSamples !== undefined) request.samples_limit = limits.requestSamples;
  return request;
}

export function receiveLimitsConfig(settings: Pick<CentralSettings, "namespace" | "receive">): ThanosLimitsConfig {
  const { limits, replicationFactor } = settings.receive;
  const tenants = Object.entries(limits.tenants).map(([id, override]) => {
    const request = requestLimits(override);
    return [
      id,
      {
        ...(Object.keys(request).length > 0 ? { request } : {}),
        ...(override.headSeries !== undefined ? { head_series_limit: override.headSeries } : {}),
      },
    ] as const;
  });
  // Thanos runs the meta-monitoring query only when some head series limit is set.
  const headSeriesLimited = limits.default.headSeries > 0 || tenants.some(([, t]) => (t.head_series_limit ?? 0) > 0);
  return {
    write: {
      ...(headSeriesLimited
        ? { global: { meta_monitoring_url: centralEndpoints(settings.namespace).centralPrometheusUrl, meta_monitoring_limit_query: headSeriesQuery(settings.namespace, replicationFactor) } }
        : {}),
      default: { request: requestLimits(limits.default) as Required<RequestLimits>, head_series_limit: limits.default.headSeries },
      ...(tenants.length > 0 ? { tenants: Object.fromEntries(tenants) } : {}),
    },
  };
}

export function receiveLimitsYaml(settings: Pick<CentralSettings, "namespace" | "receive">): string {
  return YAML.stringify(receiveLimitsConfig(settings), { lineWidth: 0 });
}
