/**
 * The Thanos Compactor as the thanos chart runs it (templates/compactor/statefulset.yaml) with
 * the program's `compactor` values: retention per resolution and its extra flags (offline
 * deduplication of the receive replicas), waiting for new work like the chart's.
 */
import { ThanosValues } from "../../components/central/thanos-values";
import { loopback, ManagedProcess } from "../process";
import { dataDir, extraArgs, startThanos } from "./process";

export function compactorArgs(values: ThanosValues["compactor"], port: number, data: string, objstoreFile: string, waitInterval?: string): string[] {
  const { retention } = values;
  return [
    "compact",
    `--http-address=${loopback(port)}`,
    `--objstore.config-file=${objstoreFile}`,
    `--data-dir=${data}`,
    "--wait",
    ...(retention.resolutionRaw ? [`--retention.resolution-raw=${retention.resolutionRaw}`] : []),
    ...(retention.resolution5m ? [`--retention.resolution-5m=${retention.resolution5m}`] : []),
    ...(retention.resolution1h ? [`--retention.resolution-1h=${retention.resolution1h}`] : []),
    ...extraArgs(values),
    // Time compression when asked for (the chart keeps Thanos' 5m between iterations).
    ...(waitInterval ? [`--wait-interval=${waitInterval}`] : []),
  ];
}

export function startCompactor(dir: string, values: ThanosValues["compactor"], port: number, objstoreFile: string, opts: { version: string; waitInterval?: string }): Promise<ManagedProcess> {
  const name = "thanos-compactor";
  return startThanos(name, dir, compactorArgs(values, port, dataDir(dir, name), objstoreFile, opts.waitInterval), port, { version: opts.version });
}
