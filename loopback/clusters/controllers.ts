/**
 * The controllers a loopback cluster needs for Helm releases to finish: the controller-manager
 * (Deployments make ReplicaSets make Pods; namespaces finish deleting; service-account tokens)
 * and the scheduler (Pods get KWOK nodes). Neither serves a port here (`--secure-port=0`), so
 * each counts as ready once it has stayed up for a moment.
 */
import { ManagedProcess } from "../process";
import { requireTool } from "../tools";

const STAYS_UP_MS = 1_500;

function startedAndAlive(): () => Promise<boolean> {
  const started = Date.now();
  return async () => Date.now() - started > STAYS_UP_MS;
}

export function startControllerManager(cluster: string, dir: string, kubeconfigFile: string, serviceAccountKey: string): Promise<ManagedProcess> {
  return ManagedProcess.start({
    name: `${cluster}-kube-controller-manager`,
    binary: requireTool("kube-controller-manager"),
    args: [
      `--kubeconfig=${kubeconfigFile}`,
      "--secure-port=0",
      "--leader-elect=false",
      // KWOK renews node leases on its own schedule; when one runs late the node-lifecycle
      // controller marks the node's pods NotReady and nothing marks them Ready again.
      "--controllers=*,-node-lifecycle-controller",
      `--service-account-private-key-file=${serviceAccountKey}`,
      "--use-service-account-credentials=false",
      "--v=1",
    ],
    dir,
    readyCheck: startedAndAlive(),
  });
}

export function startScheduler(cluster: string, dir: string, kubeconfigFile: string): Promise<ManagedProcess> {
  return ManagedProcess.start({
    name: `${cluster}-kube-scheduler`,
    binary: requireTool("kube-scheduler"),
    args: [`--kubeconfig=${kubeconfigFile}`, "--secure-port=0", "--leader-elect=false", "--v=1"],
    dir,
    readyCheck: startedAndAlive(),
  });
}
