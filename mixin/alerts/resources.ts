/** Rule group platform-resources (Ruler): disk and memory of every cluster's nodes, volumes and containers. */
import { CONTAINER_METRICS, DATA_FILESYSTEMS, NODE_METRICS, REAL_CONTAINERS, VOLUME_METRICS } from "../selectors";
import { ALERTS, AlertingConfig, RuleGroup, sourceLabels } from "./model";

export function resourcesRuleGroup(config: AlertingConfig): RuleGroup {
  const { tenant, bySource } = sourceLabels(config);
  const bySourceContainer = `${bySource}, namespace, pod, container`;
  return {
    name: "platform-resources",
    rules: [
      {
        alert: ALERTS.nodeDiskSpaceLow,
        expr: [
          `${NODE_METRICS.filesystemAvailable}{${DATA_FILESYSTEMS}} / ${NODE_METRICS.filesystemSize} * 100 < 10`,
          `and`,
          `${NODE_METRICS.filesystemReadonly} == 0`,
        ].join("\n"),
        for: "10m",
        labels: { severity: "warning", tenant },
        annotations: {
          summary: `Disk {{ $labels.mountpoint }} on {{ $labels.instance }} in cluster {{ $labels.cluster }} has {{ $value | printf "%.1f" }}% free`,
          description:
            `Less than 10% space is left on {{ $labels.device }}. ` +
            `Runbook: 1) find what grows (du on the node, kubectl describe node for image and ephemeral storage); ` +
            `2) prune unused images (crictl rmi --prune) and old logs; ` +
            `3) grow the disk or move workloads before it fills and the kubelet starts evicting pods.`,
        },
      },
      {
        alert: ALERTS.persistentVolumeSpaceLow,
        expr: `${VOLUME_METRICS.available} / ${VOLUME_METRICS.capacity} * 100 < 10`,
        for: "10m",
        labels: { severity: "warning", tenant },
        annotations: {
          summary: `Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} in cluster {{ $labels.cluster }} has {{ $value | printf "%.1f" }}% free`,
          description:
            `Less than 10% space is left on the PersistentVolumeClaim. For a receiver, a full volume stops ingestion; for an agent, it stops the WAL. ` +
            `Runbook: 1) check what fills it (a receiver's TSDB grows when uploads to the bucket fail: see its logs and ThanosReceive* alerts); ` +
            `2) expand the PVC (receive.storageSize, edge.wal.storageSize) if the StorageClass allows expansion; ` +
            `3) otherwise shorten the retention (receive.retention, edge.wal.maxTime).`,
        },
      },
      {
        alert: ALERTS.nodeMemoryHigh,
        expr: `(1 - ${NODE_METRICS.memoryAvailable} / ${NODE_METRICS.memoryTotal}) * 100 > 90`,
        for: "15m",
        labels: { severity: "warning", tenant },
        annotations: {
          summary: `Node {{ $labels.instance }} in cluster {{ $labels.cluster }} uses {{ $value | printf "%.1f" }}% of its memory`,
          description:
            `More than 90% of the node's memory has been in use for 15m; the kernel will soon OOM-kill processes. ` +
            `Runbook: 1) find the largest pods on the node (kubectl top pods -A --sort-by=memory); ` +
            `2) check for pods without memory limits; 3) move or resize workloads, or add nodes.`,
        },
      },
      {
        alert: ALERTS.containerMemoryNearLimit,
        expr: [
          `sum by (${bySourceContainer}) (${CONTAINER_METRICS.memoryWorkingSet}{${REAL_CONTAINERS}})`,
          `/`,
          `sum by (${bySourceContainer}) (${CONTAINER_METRICS.resourceLimits}{resource="memory"})`,
          `* 100 > 90`,
        ].join("\n"),
        for: "15m",
        labels: { severity: "warning", tenant },
        annotations: {
          summary: `{{ $labels.namespace }}/{{ $labels.pod }}/{{ $labels.container }} in cluster {{ $labels.cluster }} is at {{ $value | printf "%.1f" }}% of its memory limit`,
          description:
            `The container's working set has been above 90% of its memory limit for 15m; it is about to be OOM-killed. ` +
            `Runbook: 1) check its restarts and last termination reason (kubectl describe pod); ` +
            `2) for an agent, more active series need more memory: raise edge.resources; for a receiver, raise receive.resources; ` +
            `3) look for a cardinality explosion on the Multi-Tenancy dashboard.`,
        },
      },
    ],
  };
}
