/**
 * The Thanos Store Gateway as the thanos chart runs it (templates/storegateway/statefulset.yaml)
 * with the program's `storegateway` values, reading the bucket with the Thanos user's keys.
 */
import { ThanosValues } from "../../components/central/thanos-values";
import { loopback, ManagedProcess } from "../process";
import { dataDir, extraArgs, startThanos, ThanosPorts } from "./process";

/**
 * Time compression, not a setting of the program: the Store Gateway looks for new blocks
 * every 15m by default; the local platform's tests wait for uploads in seconds.
 */
export const LOOPBACK_SYNC_INTERVAL = "10s";

export function storeGatewayArgs(values: ThanosValues["storegateway"], ports: ThanosPorts, data: string, objstoreFile: string): string[] {
  return [
    "store",
    `--grpc-address=${loopback(ports.grpc)}`,
    `--http-address=${loopback(ports.http)}`,
    `--objstore.config-file=${objstoreFile}`,
    `--data-dir=${data}`,
    ...extraArgs(values),
    `--sync-block-duration=${LOOPBACK_SYNC_INTERVAL}`,
  ];
}

export function startStoreGateway(dir: string, values: ThanosValues["storegateway"], ports: ThanosPorts, objstoreFile: string, version: string): Promise<ManagedProcess> {
  const name = "thanos-storegateway";
  return startThanos(name, dir, storeGatewayArgs(values, ports, dataDir(dir, name), objstoreFile), ports.http, { version });
}
