/**
 * What every rule group file builds on: the rule types, the config they read, every alert's
 * name, and the timing and label templates the groups share.
 */
import { CentralStackConfig } from "../../config/stack";
import { TenantRef } from "../../config/outputs";

export type Severity = "critical" | "warning";

export interface AlertingRule {
  alert: string;
  expr: string;
  /** How long the condition must hold before the alert fires; immediately when absent. */
  for?: string;
  labels: { severity: Severity } & Record<string, string>;
  /** `description` ends with the runbook: what to check, in order. */
  annotations: { summary: string; description: string };
}

export interface RuleGroup {
  name: string;
  rules: AlertingRule[];
}

/** The part of the central stack config the rules depend on. */
export type AlertingConfig = Pick<CentralStackConfig, "cluster" | "central">;

/** The Ruler's rules also name every tenant expected to write. */
export type RulerConfig = AlertingConfig & {
  /** Those of every edge stack file naming this central stack (config/fleet.ts). */
  tenants: readonly TenantRef[];
};

/** Every alert name, for routing and inhibition rules that refer to them. */
export const ALERTS = {
  remoteWriteFailing: "RemoteWriteFailing",
  remoteWriteBehind: "RemoteWriteBehind",
  agentWalCorruption: "AgentWalCorruption",
  tenantStoppedSending: "TenantStoppedSending",
  expectedTenantMissing: "ExpectedTenantMissing",
  nodeDiskSpaceLow: "NodeDiskSpaceLow",
  persistentVolumeSpaceLow: "PersistentVolumeSpaceLow",
  nodeMemoryHigh: "NodeMemoryHigh",
  containerMemoryNearLimit: "ContainerMemoryNearLimit",
  thanosReceiveDown: "ThanosReceiveDown",
  thanosReceiveQuorumLost: "ThanosReceiveQuorumLost",
  thanosReceiveReplicationFailures: "ThanosReceiveReplicationFailures",
  thanosReceiveWriteErrors: "ThanosReceiveWriteErrors",
  thanosReceiveStorageFailing: "ThanosReceiveStorageFailing",
  thanosReceiveTenantLimited: "ThanosReceiveTenantLimited",
  thanosCompactHalted: "ThanosCompactHalted",
  thanosStoreGatewayDown: "ThanosStoreGatewayDown",
  thanosQueryDown: "ThanosQueryDown",
  thanosQueryFrontendDown: "ThanosQueryFrontendDown",
  thanosRulerDown: "ThanosRulerDown",
} as const;

/** How long a source may be silent before it counts as stopped. */
export const SILENCE = "5m";
/**
 * How far back the list-free "stopped sending" alert remembers a source. A source silent
 * for longer drops out of it; listed tenants keep firing ExpectedTenantMissing.
 */
export const REMEMBER_SOURCES = "24h";

/** How the fleet-wide (Ruler) rules name and group an edge source: a cluster and tenant. */
export interface SourceLabels {
  /** The receivers' tenant label (`central.receive.tenantLabel`). */
  tenantLabel: string;
  /** Template of the alert's `tenant` label: the series' tenant label. */
  tenant: string;
  /** Template naming the source in a summary: "cluster X, tenant Y" (without tenant when absent). */
  where: string;
  /** `by (...)` labels of one source. */
  bySource: string;
}

export function sourceLabels(config: AlertingConfig): SourceLabels {
  const tenantLabel = config.central.receive.tenantLabel;
  return {
    tenantLabel,
    tenant: `{{ $labels.${tenantLabel} }}`,
    where: `cluster {{ $labels.cluster }}{{ with $labels.${tenantLabel} }}, tenant {{ . }}{{ end }}`,
    bySource: `cluster, ${tenantLabel}`,
  };
}
