/**
 * kube-prometheus-stack values for an edge cluster: Prometheus in agent mode (a
 * `PrometheusAgent`), the operator and its CRDs (the tenant agents use them too),
 * node-exporter, kube-state-metrics and the kubelet/cAdvisor monitors, remote-writing to the
 * central receiver. Nothing that evaluates rules or alerts runs on an edge.
 */
import { agentContainers, agentResources, AgentArgument, caSecretRef, CLIENT_CERTIFICATE_REF, ContainerPatch, ResourceRequirements, walArguments } from "./agent-spec";
import { prometheusStorage, StorageSpec } from "../shared/prometheus-storage";
import { EdgeStackConfig } from "../../config/stack";
import { AGENT_SELF_JOB, CLUSTER_LABEL, TENANT_NAMESPACE_LABEL } from "../shared/conventions";
import { RelabelConfig, remoteWriteSpec, RemoteWriteSpec } from "../shared/remote-write";

/** Names inside the release: `edge-agent-prometheus` (the PrometheusAgent), `edge-agent-operator`, ... */
export const EDGE_RELEASE_FULLNAME = "edge-agent";

/**
 * Port node-exporter listens on at every node's address: the node-exporter chart runs it on
 * the host network on 9100 by default. The tenant agents scrape their node there.
 */
export const NODE_EXPORTER_PORT = 9100;

export interface EdgePrometheusOptions {
  cluster: string;
  settings: EdgeStackConfig["edge"];
  /** The central receiver's remote-write URL (central's `receiveRemoteWriteUrl`). */
  remoteWriteUrl: string;
  /** The header receivers read the tenant from (central's `tenantHeader`). */
  tenantHeader: string;
  /** True when the agent has a client certificate (Secret REMOTE_WRITE_CLIENT_SECRET): central's receivers require one. */
  clientCertificate?: boolean;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

interface Enabled {
  enabled: boolean;
}

// A type alias (not an interface) so it is a plain record for helmRelease.
export type EdgePrometheusValues = {
  fullnameOverride: string;
  crds: Enabled;
  defaultRules: { create: boolean };
  alertmanager: Enabled;
  grafana: Enabled;
  kubeApiServer: Enabled;
  kubeControllerManager: Enabled;
  kubeScheduler: Enabled;
  kubeProxy: Enabled;
  kubeEtcd: Enabled;
  coreDns: Enabled;
  kubelet: Enabled & { serviceMonitor: { cAdvisor: boolean } };
  kubeStateMetrics: Enabled;
  nodeExporter: Enabled;
  prometheusOperator: Enabled;
  prometheus: {
    agentMode: boolean;
    serviceMonitor: { selfMonitor: boolean; relabelings: RelabelConfig[] };
    prometheusSpec: {
      externalLabels: Record<string, string>;
      remoteWrite: RemoteWriteSpec[];
      additionalArgs: AgentArgument[];
      containers?: ContainerPatch[];
      storageSpec: StorageSpec;
      resources: ResourceRequirements;
      serviceMonitorNamespaceSelector: LabelSelector;
      podMonitorNamespaceSelector: LabelSelector;
      probeNamespaceSelector: LabelSelector;
      scrapeConfigNamespaceSelector: LabelSelector;
    };
  };
};

/** Tenant namespaces are scraped by their own agents only. */
const NOT_A_TENANT_NAMESPACE: LabelSelector = { matchExpressions: [{ key: TENANT_NAMESPACE_LABEL, operator: "DoesNotExist" }] };

export function edgePrometheusValues(opts: EdgePrometheusOptions): EdgePrometheusValues {
  const { settings } = opts;
  const off = { enabled: false };
  return {
    fullnameOverride: EDGE_RELEASE_FULLNAME,
    // The PrometheusAgent CRD is larger than client-side apply allows; Helm creates it.
    crds: { enabled: true },
    // Nothing evaluates rules or alerts on an edge: central does, on the data written there.
    defaultRules: { create: false },
    alertmanager: off,
    grafana: off,
    // Control-plane endpoints are often unreachable on edge clusters and not part of the sized load.
    kubeApiServer: off,
    kubeControllerManager: off,
    kubeScheduler: off,
    kubeProxy: off,
    kubeEtcd: off,
    coreDns: off,
    kubelet: { enabled: true, serviceMonitor: { cAdvisor: true } },
    kubeStateMetrics: { enabled: true },
    nodeExporter: { enabled: true },
    // The operator and CRDs also run the tenant agents (TenantAgent depends on this release).
    prometheusOperator: { enabled: true },
    prometheus: {
      agentMode: true,
      // The agent's own metrics (prometheus_remote_storage_*, WAL) are how central sees a failing edge.
      serviceMonitor: { selfMonitor: true, relabelings: [{ action: "replace", targetLabel: "job", replacement: AGENT_SELF_JOB }] },
      prometheusSpec: {
        externalLabels: { [CLUSTER_LABEL]: opts.cluster },
        remoteWrite: [
          remoteWriteSpec({
            url: opts.remoteWriteUrl,
            tenantHeader: opts.tenantHeader,
            tenantId: settings.tenantId,
            settings: settings.remoteWrite,
            caSecret: caSecretRef(settings.remoteWrite.tls),
            clientCertificate: opts.clientCertificate ? CLIENT_CERTIFICATE_REF : undefined,
            enforcedLabels: { [CLUSTER_LABEL]: opts.cluster },
          }),
        ],
        additionalArgs: walArguments(settings.wal),
        ...agentContainers(settings.softMemoryLimit),
        storageSpec: prometheusStorage(settings.wal),
        resources: agentResources(settings.resources),
        serviceMonitorNamespaceSelector: NOT_A_TENANT_NAMESPACE,
        podMonitorNamespaceSelector: NOT_A_TENANT_NAMESPACE,
        probeNamespaceSelector: NOT_A_TENANT_NAMESPACE,
        scrapeConfigNamespaceSelector: NOT_A_TENANT_NAMESPACE,
      },
    },
  };
}
