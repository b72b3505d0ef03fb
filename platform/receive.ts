/**
 * Thanos Receive as the thanos chart runs it (templates/receive/statefulset.yaml of chart
 * 0.38.0) with the program's `receive` values: its hashring (endpoints mapped to loopback by
 * pod index), replication factor, tenant header, tenant label and default tenant, TSDB
 * retention and the objstore config. Loopback only chooses ports and data directories.
 */
import * as fs from "fs";
import * as path from "path";
import { Hashring, ThanosValues } from "../components/values/thanos";
import { ManagedProcess } from "./process";
import { dataDir, extraArgs, loopback, startThanos, ThanosPorts } from "./thanos-process";

export interface ReceiverPorts extends ThanosPorts {
  remoteWrite: number;
  /** Cap'n Proto replication listener: the chart leaves it on its default port, which three receivers on one host cannot share. */
  capnproto: number;
}

export interface Receiver {
  /** The pod it stands for: `<fullname>-receive-<i>`. */
  pod: string;
  ports: ReceiverPorts;
  process: ManagedProcess;
  dataDir: string;
  remoteWriteUrl: string;
}

/** The ordinal of a StatefulSet pod in an endpoint such as `thanos-receive-2.thanos-receive-headless...:10901`. */
export function podIndex(endpoint: string): number {
  const match = /^[a-z0-9-]+-(\d+)\./.exec(endpoint);
  if (!match) throw new Error(`hashring endpoint ${endpoint} does not name a StatefulSet pod`);
  return Number(match[1]);
}

/** The program's hashring with every endpoint replaced by the loopback gRPC address of the receiver of the same index. */
export function loopbackHashring(rings: Hashring[], grpcPorts: number[]): Hashring[] {
  return rings.map((ring) => ({
    ...ring,
    endpoints: ring.endpoints.map((endpoint) => {
      const port = grpcPorts[podIndex(endpoint)];
      if (port === undefined) throw new Error(`hashring endpoint ${endpoint}: no receiver with that index (${grpcPorts.length} replicas)`);
      return loopback(port);
    }),
  }));
}

/** The chart's receive args for one pod. */
export function receiveArgs(
  values: ThanosValues["receive"],
  pod: { name: string; ports: ReceiverPorts; dataDir: string; objstoreFile: string; hashringFile: string },
): string[] {
  // Chart default `receive.tsdb.walCompression: true`; the program's values only set retention.
  const tsdb: { retention?: string; walCompression?: boolean } = { walCompression: true, ...values.tsdb };
  return [
    "receive",
    `--http-address=${loopback(pod.ports.http)}`,
    `--grpc-address=${loopback(pod.ports.grpc)}`,
    `--remote-write.address=${loopback(pod.ports.remoteWrite)}`,
    `--receive.capnproto-address=${loopback(pod.ports.capnproto)}`,
    `--objstore.config-file=${pod.objstoreFile}`,
    `--tsdb.path=${pod.dataDir}`,
    `--label=receive_replica="${pod.name}"`,
    `--receive.hashrings-file=${pod.hashringFile}`,
    "--receive.hashrings-algorithm=ketama",
    `--receive.local-endpoint=${loopback(pod.ports.grpc)}`,
    ...(values.tenancyHeader ? [`--receive.tenant-header=${values.tenancyHeader}`] : []),
    ...(tsdb.retention ? [`--tsdb.retention=${tsdb.retention}`] : []),
    ...(tsdb.walCompression ? ["--tsdb.wal-compression"] : []),
    ...extraArgs(values),
  ];
}

/** Starts `replicaCount` receivers sharing one hashring file. */
export async function startReceivers(dir: string, values: ThanosValues, ports: ReceiverPorts[], objstoreFile: string): Promise<Receiver[]> {
  const { receive } = values;
  if (ports.length !== receive.replicaCount) throw new Error(`receive.replicaCount is ${receive.replicaCount}, got ${ports.length} port sets`);
  const hashringFile = path.join(dir, "hashrings.json");
  fs.writeFileSync(hashringFile, JSON.stringify(loopbackHashring(receive.hashrings.static, ports.map((p) => p.grpc)), null, 2));
  return Promise.all(
    ports.map(async (p, i) => {
      const pod = `${values.fullnameOverride}-receive-${i}`;
      const data = dataDir(dir, pod);
      const process = await startThanos(pod, dir, receiveArgs(receive, { name: pod, ports: p, dataDir: data, objstoreFile, hashringFile }), p.http);
      return { pod, ports: p, process, dataDir: data, remoteWriteUrl: `http://${loopback(p.remoteWrite)}/api/v1/receive` };
    }),
  );
}
