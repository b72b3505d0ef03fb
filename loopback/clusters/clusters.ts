/**
 * Loopback Kubernetes clusters for the real Pulumi engine: one etcd, and per cluster a
 * kube-apiserver (Pod Security `baseline` enforced), a controller-manager, a scheduler and
 * KWOK with the nodes the stack files name. `startClusters` returns one kubeconfig with a
 * context per cluster, and a second one reaching the same clusters by another server name and
 * token. `stop` ends every process it started.
 */
import * as fs from "fs";
import * as path from "path";
import { ManagedProcess } from "../process";
import { startControllerManager, startScheduler } from "./controllers";
import { startEtcd } from "./etcd";
import { ApiEndpoint } from "./kube-api";
import { Apiserver, serviceAccountKeys, startApiserver } from "./kube-apiserver";
import { kubeconfigYaml, throughOtherName, writeKubeconfig } from "./kubeconfig";
import { addNodes, startKwok } from "./kwok";

export interface ClusterSpec {
  /** The cluster name, which is also its kubeconfig context. */
  name: string;
  /** KWOK nodes to register (`kubernetes.io/hostname` values). */
  nodes: string[];
}

export interface LoopbackCluster {
  name: string;
  api: ApiEndpoint;
  nodes: string[];
}

export interface LoopbackClusters {
  clusters: Record<string, LoopbackCluster>;
  /** One context per cluster, named after it. */
  kubeconfigFile: string;
  /** The same clusters through `localhost` and a second token. */
  otherKubeconfigFile: string;
  stop(): Promise<void>;
}

async function startCluster(spec: ClusterSpec, dir: string, etcdUrl: string, processes: ManagedProcess[]): Promise<Apiserver> {
  const apiserver = await startApiserver(spec.name, dir, etcdUrl);
  processes.push(apiserver.process);
  const own = path.join(dir, spec.name);
  const kubeconfigFile = path.join(own, "kubeconfig.yaml");
  fs.writeFileSync(kubeconfigFile, kubeconfigYaml([{ cluster: spec.name, api: apiserver.api }]), { mode: 0o600 });
  processes.push(await startControllerManager(spec.name, own, kubeconfigFile, serviceAccountKeys(dir).privateKey));
  processes.push(await startScheduler(spec.name, own, kubeconfigFile));
  processes.push(await startKwok(spec.name, own, kubeconfigFile));
  await addNodes(apiserver.api, spec.nodes);
  return apiserver;
}

export async function startClusters(specs: ClusterSpec[], dir: string, log: (line: string) => void = () => undefined): Promise<LoopbackClusters> {
  fs.mkdirSync(dir, { recursive: true });
  const processes: ManagedProcess[] = [];
  const stop = async () => {
    // Controllers first, etcd last: nothing writes into a store that is going away.
    for (const p of [...processes].reverse()) await p.stop(5_000);
  };
  try {
    const etcd = await startEtcd(dir);
    processes.push(etcd.process);
    const apiservers: Apiserver[] = [];
    for (const spec of specs) {
      log(`clusters: starting ${spec.name} (${spec.nodes.length} KWOK node(s): ${spec.nodes.join(", ")})`);
      apiservers.push(await startCluster(spec, dir, etcd.clientUrl, processes));
    }
    const clusters = Object.fromEntries(specs.map((s, i) => [s.name, { name: s.name, api: apiservers[i].api, nodes: s.nodes }]));
    return {
      clusters,
      kubeconfigFile: writeKubeconfig(path.join(dir, "kubeconfig.yaml"), apiservers.map((a) => ({ cluster: a.cluster, api: a.api }))),
      otherKubeconfigFile: writeKubeconfig(
        path.join(dir, "kubeconfig-other.yaml"),
        apiservers.map((a) => ({ cluster: a.cluster, api: throughOtherName(a.api, a.otherToken) })),
      ),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
