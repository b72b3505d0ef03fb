/** Resources: CPU, memory and disk of every node and namespace, per cluster. */
import { DATA_FILESYSTEMS, REAL_CONTAINERS } from "../selectors";
import { CLUSTER, clusterVariable, Dashboard, DASHBOARD_UIDS, newDashboard, promql, RATE, tablePanel, timeseriesPanel, withPanels } from "./builders";

export function resourcesDashboard(): Dashboard {
  const board = newDashboard(DASHBOARD_UIDS.resources, "Resources", "CPU, memory and disk of every node and namespace, per cluster.")
    .withVariable(clusterVariable("node_memory_MemTotal_bytes"));
  /** Used over total, from 0 to 1. */
  const usedShare = (title: string, expr: string, legend: string) => timeseriesPanel(title, promql(expr, legend)).unit("percentunit").min(0).max(1);
  const filesystems = `${CLUSTER}, ${DATA_FILESYSTEMS}`;
  const containers = `${CLUSTER}, ${REAL_CONTAINERS}`;
  const byContainer = "cluster, namespace, pod, container";
  return withPanels(board, [
    usedShare("Node CPU used", `1 - avg by (cluster, instance) (rate(node_cpu_seconds_total{${CLUSTER}, mode="idle"}[${RATE}]))`, "{{cluster}} {{instance}}"),
    usedShare("Node memory used", `1 - node_memory_MemAvailable_bytes{${CLUSTER}} / node_memory_MemTotal_bytes{${CLUSTER}}`, "{{cluster}} {{instance}}"),
    usedShare(
      "Filesystem used",
      `1 - node_filesystem_avail_bytes{${filesystems}} / node_filesystem_size_bytes{${filesystems}}`,
      "{{cluster}} {{instance}} {{mountpoint}}",
    ),
    usedShare(
      "Persistent volumes used",
      `1 - kubelet_volume_stats_available_bytes{${CLUSTER}} / kubelet_volume_stats_capacity_bytes{${CLUSTER}}`,
      "{{cluster}} {{namespace}}/{{persistentvolumeclaim}}",
    ),
    timeseriesPanel("CPU by namespace (cores)", promql(`sum by (cluster, namespace) (rate(container_cpu_usage_seconds_total{${containers}}[${RATE}]))`, "{{cluster}} {{namespace}}")),
    timeseriesPanel("Memory by namespace", promql(`sum by (cluster, namespace) (container_memory_working_set_bytes{${containers}})`, "{{cluster}} {{namespace}}")).unit("bytes"),
    tablePanel(
      "Containers closest to their memory limit",
      promql(
        `topk(10, sum by (${byContainer}) (container_memory_working_set_bytes{${containers}}) / sum by (${byContainer}) (kube_pod_container_resource_limits{${CLUSTER}, resource="memory"}))`,
      ),
    )
      .unit("percentunit")
      .span(24),
  ]);
}
