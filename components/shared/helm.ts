import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartRef } from "./charts";

export interface ReleaseArgs {
  chart: ChartRef;
  namespace: pulumi.Input<string>;
  values: pulumi.Input<Record<string, unknown>>;
  /** Seconds Helm waits for the release to become ready; 15 minutes by default. */
  timeoutSeconds?: number;
}

/**
 * A pinned, production-style Helm release: atomic (a failed install or upgrade rolls back),
 * waits for readiness, keeps a short history. Every release of the program goes through here.
 */
export function helmRelease(name: string, args: ReleaseArgs, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
  return new k8s.helm.v3.Release(
    name,
    {
      name,
      chart: args.chart.chart,
      version: args.chart.version,
      repositoryOpts: { repo: args.chart.repo },
      namespace: args.namespace,
      values: args.values,
      atomic: true,
      cleanupOnFail: true,
      timeout: args.timeoutSeconds ?? 900,
      maxHistory: 10,
    },
    opts,
  );
}
