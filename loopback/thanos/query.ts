/**
 * Thanos Query as the thanos chart runs it (templates/query/deployment.yaml) with the
 * program's `query` values: its replica labels and extra flags. Its endpoints are those the
 * chart's autogen discovers (every receiver, the Store Gateway, the Ruler) and the program's
 * static ones (the Prometheus sidecars), each at its loopback address. In the cluster Query
 * finds the receivers through their headless Service's DNS records, which it resolves every
 * 30s (`--store.sd-dns-interval`'s default), so it follows a scaled StatefulSet; here an
 * endpoint file it re-reads as often stands in for those records.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ThanosValues } from "../../components/central/thanos-values";
import { loopback, ManagedProcess } from "../process";
import { extraArgs, startThanos, ThanosPorts } from "./process";

/** How often Query resolves its endpoints' DNS names in the cluster (Thanos' default). */
const DNS_DISCOVERY_INTERVAL = "30s";

export function queryArgs(values: ThanosValues["query"], ports: ThanosPorts, endpointsFile: string): string[] {
  return [
    "query",
    `--http-address=${loopback(ports.http)}`,
    `--grpc-address=${loopback(ports.grpc)}`,
    `--endpoint.sd-config-file=${endpointsFile}`,
    `--endpoint.sd-config-reload-interval=${DNS_DISCOVERY_INTERVAL}`,
    ...values.replicaLabels.map((label) => `--query.replica-label=${label}`),
    ...extraArgs(values),
  ];
}

/** The endpoint file Query reloads on change, as DNS answers for the discovered Services. */
export function writeQueryEndpoints(file: string, endpoints: string[]): void {
  fs.writeFileSync(`${file}.new`, YAML.stringify({ endpoints: endpoints.map((address) => ({ address })) }));
  fs.renameSync(`${file}.new`, file);
}

export interface QueryProcess {
  process: ManagedProcess;
  /** Query's endpoints from now on (a scaled StatefulSet's pods). */
  setEndpoints(endpoints: string[]): void;
}

export async function startQuery(dir: string, values: ThanosValues["query"], ports: ThanosPorts, endpoints: string[], version: string): Promise<QueryProcess> {
  const endpointsFile = path.join(dir, "thanos-query-endpoints.yaml");
  writeQueryEndpoints(endpointsFile, endpoints);
  const process = await startThanos("thanos-query", dir, queryArgs(values, ports, endpointsFile), ports.http, { version });
  return { process, setEndpoints: (next) => writeQueryEndpoints(endpointsFile, next) };
}
