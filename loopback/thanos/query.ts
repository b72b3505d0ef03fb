/**
 * Thanos Query as the thanos chart runs it (templates/query/deployment.yaml) with the
 * program's `query` values: its replica labels and extra flags. Its endpoints are those the
 * chart's autogen discovers (every receiver, the Store Gateway, the Ruler) and the program's
 * static ones (the Prometheus sidecars), each at its loopback address.
 */
import { ThanosValues } from "../../components/central/thanos-values";
import { loopback, ManagedProcess } from "../process";
import { extraArgs, startThanos, ThanosPorts } from "./process";

export function queryArgs(values: ThanosValues["query"], ports: ThanosPorts, endpoints: string[]): string[] {
  return [
    "query",
    `--http-address=${loopback(ports.http)}`,
    `--grpc-address=${loopback(ports.grpc)}`,
    ...endpoints.map((e) => `--endpoint=${e}`),
    ...values.replicaLabels.map((label) => `--query.replica-label=${label}`),
    ...extraArgs(values),
  ];
}

export function startQuery(dir: string, values: ThanosValues["query"], ports: ThanosPorts, endpoints: string[]): Promise<ManagedProcess> {
  return startThanos("thanos-query", dir, queryArgs(values, ports, endpoints), ports.http);
}
