/**
 * Names and in-cluster addresses of the central stack's workloads. The Thanos and
 * kube-prometheus-stack values point at each other through these, and the stack outputs
 * (`queryUrl`, `grafanaUrl`, `receiveRemoteWriteUrl`) are built from them, so a rename is
 * one change here.
 */
import { CentralSettings } from "../../config/central";

/** The clusters' DNS domain (Kubernetes' default). */
export const CLUSTER_DOMAIN = "cluster.local";

/** fullnameOverride of the Thanos release: its objects are thanos-receive, thanos-query, ... */
export const THANOS_FULLNAME = "thanos";
/** fullnameOverride of the central kube-prometheus-stack: kps-prometheus, kps-alertmanager, ... */
export const KPS_FULLNAME = "kps";

// The thanos chart's default ports, set explicitly in its values so the Services we declare agree.
export const RECEIVE_REMOTE_WRITE_PORT = 10908;
export const RECEIVE_GRPC_PORT = 10901;
export const QUERY_HTTP_PORT = 9090;
export const QUERY_FRONTEND_PORT = 9090;
/** Alertmanager's web port as the operator runs it. */
const ALERTMANAGER_PORT = 9093;

/** The external label each replicated block writer adds; Query deduplicates on all three. */
export const REPLICA_LABELS = { prometheus: "prometheus_replica", receive: "receive_replica", ruler: "ruler_replica" } as const;

/** The Secret holding Grafana's admin credentials, under the grafana chart's existing-secret keys. */
export const GRAFANA_ADMIN_SECRET = { name: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" } as const;
export const GRAFANA_ADMIN_USER = "admin";

/** The LoadBalancer Service every edge writes to (declared by CentralThanos, not by the chart). */
export const RECEIVE_LB_SERVICE = `${THANOS_FULLNAME}-receive-remote-write`;

/** The receive StatefulSet, its headless Service and the labels its pods carry. */
const RECEIVE_STATEFULSET = `${THANOS_FULLNAME}-receive`;
export function receivePodLabels(thanosRelease: string): Record<string, string> {
  return { "app.kubernetes.io/component": "receive", "app.kubernetes.io/instance": thanosRelease };
}

/** The central Prometheus's HTTP port, as kube-prometheus-stack's `<fullname>-prometheus` Service serves it. */
const PROMETHEUS_PORT = 9090;

export const serviceHost = (service: string, namespace: string) => `${service}.${namespace}.svc.${CLUSTER_DOMAIN}`;

export interface CentralEndpoints {
  /** Thanos Query's HTTP API (what the Ruler evaluates against). */
  queryUrl: string;
  /** Thanos Query Frontend's HTTP API (what Grafana and the `queryUrl` output use). */
  queryFrontendUrl: string;
  /** Every Alertmanager pod: A records of the operator's headless Service. */
  alertmanagers: string;
  /** The Prometheus sidecars' Store API: SRV records of kube-prometheus-stack's discovery Service. */
  sidecars: string;
  /** The central Prometheus's HTTP API (the receivers' meta-monitoring for head series limits). */
  centralPrometheusUrl: string;
  /** The gRPC address of each receive pod, as the pod itself announces it (`--receive.local-endpoint`). */
  receiveEndpoints(replicas: number): string[];
}

export function centralEndpoints(namespace: string): CentralEndpoints {
  const headless = `${RECEIVE_STATEFULSET}-headless`;
  return {
    queryUrl: `http://${serviceHost(`${THANOS_FULLNAME}-query`, namespace)}:${QUERY_HTTP_PORT}`,
    queryFrontendUrl: `http://${serviceHost(`${THANOS_FULLNAME}-query-frontend`, namespace)}:${QUERY_FRONTEND_PORT}`,
    alertmanagers: `dns+${serviceHost("alertmanager-operated", namespace)}:${ALERTMANAGER_PORT}`,
    sidecars: `dnssrv+_grpc._tcp.${serviceHost(`${KPS_FULLNAME}-thanos-discovery`, namespace)}`,
    centralPrometheusUrl: `http://${serviceHost(`${KPS_FULLNAME}-prometheus`, namespace)}:${PROMETHEUS_PORT}`,
    receiveEndpoints: (replicas) =>
      Array.from({ length: replicas }, (_, i) => `${RECEIVE_STATEFULSET}-${i}.${serviceHost(headless, namespace)}:${RECEIVE_GRPC_PORT}`),
  };
}

/**
 * The grafana chart's Service name for a release: the release name itself when it contains
 * "grafana", else `<release>-grafana`, cut to 63 characters. The chart's values do not declare
 * `fullnameOverride` (so the key check would reject it); the release name fixes the name instead.
 */
export function grafanaServiceName(grafanaRelease: string): string {
  const fullname = grafanaRelease.includes("grafana") ? grafanaRelease : `${grafanaRelease}-grafana`;
  return fullname.slice(0, 63).replace(/-$/, "");
}

/** Grafana's URL: the public host when one is configured, else its in-cluster Service. */
export function grafanaUrl(grafanaRelease: string, namespace: string, host: string | undefined): string {
  return host ? `http://${host}` : `http://${serviceHost(grafanaServiceName(grafanaRelease), namespace)}`;
}

/**
 * Where agents remote-write: the Ingress host when the Ingress is enabled, else the receive
 * LoadBalancer's address. https when the receivers terminate mutual TLS (`receive.tls`), or
 * in plain-http lab mode when the Ingress terminates TLS with its own Secret.
 */
export function receiveRemoteWriteUrl(loadBalancerAddress: string, receive: { ingress: CentralSettings["receive"]["ingress"]; tls: Pick<CentralSettings["receive"]["tls"], "enabled"> }): string {
  const { ingress, tls } = receive;
  if (ingress.enabled) return `${tls.enabled || ingress.tlsSecretName ? "https" : "http"}://${ingress.host}/api/v1/receive`;
  const host = loadBalancerAddress.includes(":") ? `[${loadBalancerAddress}]` : loadBalancerAddress;
  return `${tls.enabled ? "https" : "http"}://${host}:${RECEIVE_REMOTE_WRITE_PORT}/api/v1/receive`;
}
