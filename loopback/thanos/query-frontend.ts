/**
 * Thanos Query Frontend as the thanos chart runs it (templates/query-frontend/deployment.yaml)
 * with the program's `queryFrontend` values: the results cache config (the chart's
 * configmap-cache.yaml) and extra flags, in front of the loopback Query.
 */
import * as fs from "fs";
import * as path from "path";
import { ThanosValues } from "../../components/central/thanos-values";
import { loopback, ManagedProcess } from "../process";
import { extraArgs, startThanos } from "./process";

export function queryFrontendArgs(values: ThanosValues["queryFrontend"], port: number, downstreamUrl: string, cacheFile: string | undefined): string[] {
  return [
    "query-frontend",
    `--http-address=${loopback(port)}`,
    `--query-frontend.downstream-url=${downstreamUrl}`,
    ...(cacheFile ? [`--query-range.response-cache-config-file=${cacheFile}`] : []),
    ...extraArgs(values),
  ];
}

export function startQueryFrontend(dir: string, values: ThanosValues["queryFrontend"], port: number, downstreamUrl: string, version: string): Promise<ManagedProcess> {
  let cacheFile: string | undefined;
  if (values.cacheConfig) {
    cacheFile = path.join(dir, "query-frontend-cache.yaml");
    fs.writeFileSync(cacheFile, values.cacheConfig);
  }
  return startThanos("thanos-query-frontend", dir, queryFrontendArgs(values, port, downstreamUrl, cacheFile), port, { version });
}
