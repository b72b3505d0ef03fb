/**
 * verify's checks of tenant identity and limits, as pure functions:
 *
 * - `limits`: remote writes the receivers refused because a tenant went over one of its
 *   limits (413 for a request over its size, series or samples limit, 429 for a tenant over
 *   its head series limit), from the receivers' limiter metrics, which name the tenant of the
 *   client certificate (their `http_requests_total` names the tenant the header claims);
 * - `certificate`: the receivers' CA, their certificate and every tenant's client
 *   certificate, from central's public `receiveTls` output: a warning EXPIRY_WARNING_DAYS
 *   before one expires, a failure once it has;
 * - `tls`: a warning when central runs plain-http lab mode.
 */
import { X509Certificate } from "crypto";
import { EXPIRY_WARNING_DAYS, plainHttpWarning } from "../../components/central/receive-identity";
import { Expectations } from "./expectations";
import { CheckSettings, Row, Sample } from "./types";

/** What a refusal looks like to the agent, per limit (the `limit` label of the receivers' metric). */
const REFUSALS: Record<string, { code: number; what: string }> = {
  head_series: { code: 429, what: "active series over the tenant's head series limit" },
  series: { code: 413, what: "requests over the tenant's series-per-request limit" },
  samples: { code: 413, what: "requests over the tenant's samples-per-request limit" },
  body_size: { code: 413, what: "requests over the tenant's size limit" },
};

const HEAD_SERIES = "head_series";

/** Writes refused per tenant and limit over the rate window, from the central cluster's receivers. */
export function limitsQuery(centralCluster: string, settings: CheckSettings): string {
  const receivers = `cluster=${JSON.stringify(centralCluster)}, job=~".*receive.*"`;
  const window = settings.rateWindow;
  return [
    `sum by (tenant, limit) (increase(thanos_receive_write_limits_hit_count{${receivers}}[${window}]))`,
    `or`,
    `sum by (tenant, limit) (label_replace(increase(thanos_receive_head_series_limited_requests_total{${receivers}}[${window}]), "limit", "${HEAD_SERIES}", "", ""))`,
  ].join("\n");
}

function clusterOf(expectations: Expectations, tenant: string): string {
  return expectations.tenants.find((t) => t.id === tenant)?.cluster ?? expectations.centralCluster;
}

/** One failing row per tenant and limit that refused writes, or one row saying none did. */
export function limitRows(expectations: Expectations, settings: CheckSettings, refused: Sample[]): Row[] {
  const rows = refused
    .filter((s) => s.value >= 0.5)
    .sort((a, b) => (a.labels.tenant ?? "").localeCompare(b.labels.tenant ?? "") || (a.labels.limit ?? "").localeCompare(b.labels.limit ?? ""))
    .map((s): Row => {
      const tenant = s.labels.tenant ?? "";
      const refusal = REFUSALS[s.labels.limit ?? ""] ?? { code: 413, what: `requests over the tenant's ${s.labels.limit} limit` };
      return {
        check: "limits",
        cluster: clusterOf(expectations, tenant),
        tenant,
        status: "limited",
        ok: false,
        detail: `${Math.round(s.value)} writes refused with ${refusal.code} in the last ${settings.rateWindow}: ${refusal.what} (central.receive.limits)`,
      };
    });
  if (rows.length > 0) return rows;
  return [{ check: "limits", cluster: expectations.centralCluster, status: "ok", ok: true, detail: `no write refused by a tenant limit in the last ${settings.rateWindow}` }];
}

const DAY_SECONDS = 86_400;

/** One row per certificate central exports, by what is left of its validity at `nowSeconds`. */
export function certificateRows(expectations: Expectations, nowSeconds: number): Row[] {
  const tls = expectations.receiveTls;
  const central = expectations.centralCluster;
  if (!tls.enabled) {
    return [{ check: "tls", cluster: central, status: "plain-http", ok: true, warning: true, detail: plainHttpWarning(expectations.tenantHeader) }];
  }
  const renew = "run pulumi up on the central stack, then on the edge stacks";
  const certificates: { name: string; pem: string; tenant?: string; cluster: string; renew: string }[] = [
    { name: "the receivers' CA", pem: tls.caCert, cluster: central, renew: `a new CA means new certificates for every receiver and agent: ${renew}` },
    { name: `the receivers' certificate (${tls.serverName})`, pem: tls.serverCert, cluster: central, renew },
    ...Object.entries(tls.clientCerts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([tenant, pem]) => ({ name: `${tenant}'s client certificate`, pem, tenant, cluster: clusterOf(expectations, tenant), renew })),
  ];
  return certificates.map(({ name, pem, tenant, cluster, renew }): Row => {
    const row = { check: "certificate", cluster, ...(tenant ? { tenant } : {}) };
    let notAfter: Date;
    try {
      notAfter = new Date(new X509Certificate(pem).validTo);
    } catch (err) {
      return { ...row, status: "invalid", ok: false, detail: `${name} is not a PEM certificate (${(err as Error).message})` };
    }
    const day = notAfter.toISOString().slice(0, 10);
    const daysLeft = Math.floor((notAfter.getTime() / 1000 - nowSeconds) / DAY_SECONDS);
    if (notAfter.getTime() / 1000 <= nowSeconds) {
      return { ...row, status: "expired", ok: false, detail: `${name} expired on ${day}: the receivers refuse its writes; ${renew}` };
    }
    if (daysLeft < EXPIRY_WARNING_DAYS) {
      return { ...row, status: "expiring", ok: true, warning: true, detail: `${name} expires on ${day}, in ${daysLeft}d (under ${EXPIRY_WARNING_DAYS}d): ${renew}` };
    }
    return { ...row, status: "ok", ok: true, detail: `${name} expires on ${day}, in ${daysLeft}d` };
  });
}
