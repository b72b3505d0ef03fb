/**
 * KWOK makes a loopback cluster's nodes and pods look real: nodes registered by the harness
 * (annotated `kwok.x-k8s.io/node: fake`) report Ready and renew their leases, and pods
 * scheduled on them turn Running and Ready, so Helm's `--wait` and `atomic` complete. KWOK has
 * no stages built in; the pinned module's own `node/fast`, `node/heartbeat-with-lease` and
 * `pod/fast` stages are copied beside the binary when it is built (loopback/tools.ts).
 */
import { ManagedProcess, waitFor } from "../process";
import { kwokStagesFile, requireTool } from "../tools";
import { ApiEndpoint, kubeRequest, ObjectList } from "./kube-api";

const FAKE_NODE = { annotation: "kwok.x-k8s.io/node", value: "fake" };

export function startKwok(cluster: string, dir: string, kubeconfigFile: string): Promise<ManagedProcess> {
  const started = Date.now();
  return ManagedProcess.start({
    name: `${cluster}-kwok`,
    binary: requireTool("kwok"),
    args: [
      `--kubeconfig=${kubeconfigFile}`,
      `--config=${kwokStagesFile()}`,
      "--manage-all-nodes=false",
      `--manage-nodes-with-annotation-selector=${FAKE_NODE.annotation}=${FAKE_NODE.value}`,
      // Its own metrics and health server is not needed; a port of 0 keeps it off loopback ports others want.
      "--server-address=",
    ],
    dir,
    readyCheck: async () => Date.now() - started > 1_500,
  });
}

/** A node KWOK keeps alive: sized like a generous worker, labelled with its hostname for nodeSelectors. */
function fakeNode(name: string): object {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      annotations: { [FAKE_NODE.annotation]: FAKE_NODE.value, "node.alpha.kubernetes.io/ttl": "0" },
      labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", type: "kwok" },
    },
    status: {
      allocatable: { cpu: "32", memory: "256Gi", pods: "110" },
      capacity: { cpu: "32", memory: "256Gi", pods: "110" },
      nodeInfo: { architecture: "amd64", operatingSystem: "linux", kubeletVersion: "fake", kubeProxyVersion: "fake", containerRuntimeVersion: "fake", kernelVersion: "fake", osImage: "fake", machineID: "", systemUUID: "", bootID: "" },
      phase: "Running",
    },
  };
}

interface NodeStatus {
  metadata: { name: string };
  status?: { conditions?: { type: string; status: string }[] };
}

/**
 * Registers `names` as KWOK nodes and waits until every one reports Ready. The apiserver taints
 * a new node `node.kubernetes.io/not-ready`, which the node-lifecycle controller would lift once
 * the node is Ready; that controller does not run here, so the harness lifts it.
 */
export async function addNodes(api: ApiEndpoint, names: string[]): Promise<void> {
  for (const name of names) await kubeRequest(api, "POST", "/api/v1/nodes", fakeNode(name));
  await waitFor(
    `nodes ${names.join(", ")} Ready`,
    async () => {
      const nodes = await kubeRequest<ObjectList<NodeStatus>>(api, "GET", "/api/v1/nodes");
      const ready = nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).map((n) => n.metadata.name);
      return names.every((n) => ready.includes(n)) ? true : undefined;
    },
    60_000,
  );
  for (const name of names) {
    const node = await kubeRequest<{ spec?: { taints?: { key: string }[] } }>(api, "GET", `/api/v1/nodes/${name}`);
    const taints = (node.spec?.taints ?? []).filter((t) => t.key !== "node.kubernetes.io/not-ready");
    await kubeRequest(api, "PUT", `/api/v1/nodes/${name}`, { ...node, spec: { ...node.spec, taints } });
  }
}
