/**
 * One etcd for every loopback cluster: each kube-apiserver keeps its objects under its own
 * `--etcd-prefix=/<cluster>`, so several clusters cost one etcd's memory.
 */
import * as path from "path";
import { freePorts, loopback, ManagedProcess } from "../process";
import { requireTool } from "../tools";

export interface Etcd {
  process: ManagedProcess;
  /** `http://127.0.0.1:<port>`, for `--etcd-servers`. */
  clientUrl: string;
}

export async function startEtcd(dir: string): Promise<Etcd> {
  const [client, peer] = await freePorts(2);
  const clientUrl = `http://${loopback(client)}`;
  const peerUrl = `http://${loopback(peer)}`;
  const process = await ManagedProcess.start({
    name: "etcd",
    binary: requireTool("etcd"),
    args: [
      "--name=loopback",
      `--data-dir=${path.join(dir, "etcd-data")}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=loopback=${peerUrl}`,
      // A test cluster's history is minutes long; keep the database small.
      "--auto-compaction-retention=5m",
      "--quota-backend-bytes=2147483648",
      "--log-level=warn",
    ],
    dir,
    readyUrl: `${clientUrl}/health`,
    readyWithinMs: 60_000,
  });
  return { process, clientUrl };
}
