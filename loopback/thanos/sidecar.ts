/**
 * The Thanos sidecar kube-prometheus-stack adds to the central Prometheus (`prometheusSpec.thanos`):
 * it serves the Prometheus' data to Query over the Store API and uploads its blocks with the
 * objstore config the program's Secret holds.
 */
import { loopback, ManagedProcess } from "../process";
import { startThanos, ThanosPorts } from "./process";

export function startSidecar(dir: string, ports: ThanosPorts, prometheus: { url: string; dataDir: string }, objstoreFile: string, version: string): Promise<ManagedProcess> {
  return startThanos("thanos-sidecar", dir, [
    "sidecar",
    `--http-address=${loopback(ports.http)}`,
    `--grpc-address=${loopback(ports.grpc)}`,
    `--prometheus.url=${prometheus.url}`,
    `--tsdb.path=${prometheus.dataDir}`,
    `--objstore.config-file=${objstoreFile}`,
  ], ports.http, { version });
}
