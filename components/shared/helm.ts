import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartSource } from "../../config/charts";
import { chartInputs, ChartRef } from "./charts";
import { RELEASE_TIMEOUT_SECONDS } from "./timeouts";

export interface ReleaseArgs {
  chart: ChartRef;
  namespace: pulumi.Input<string>;
  values: pulumi.Input<Record<string, unknown>>;
  /** Seconds Helm waits for the release to become ready; RELEASE_TIMEOUT_SECONDS by default. */
  timeoutSeconds?: number;
}

const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

/**
 * A pinned, production-style Helm release: atomic (a failed install or upgrade rolls back),
 * waits for readiness, keeps a short history. Every release of the program goes through here.
 */
export function helmRelease(name: string, args: ReleaseArgs, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
  return new k8s.helm.v3.Release(
    name,
    {
      name,
      ...chartInputs(args.chart, undefined),
      namespace: args.namespace,
      values: args.values,
      atomic: true,
      cleanupOnFail: true,
      timeout: args.timeoutSeconds ?? RELEASE_TIMEOUT_SECONDS,
      maxHistory: 10,
    },
    opts,
  );
}

/**
 * Installs every Helm release of the running stack from the stack file's chart source
 * (`multicluster:charts`, validated against the pins by config/charts.ts) instead of the
 * public repositories; nothing without one. A stack transformation: it holds for every
 * release this stack declares, and for this stack only (the synth runs several in one process).
 */
export function useChartSource(source: ChartSource | undefined): void {
  if (!source) return;
  pulumi.runtime.registerStackTransformation(({ type, props, opts }) => {
    if (type !== RELEASE_TYPE) return undefined;
    const { repositoryOpts, ...release } = props;
    const pinned: ChartRef = { chart: props.chart, version: props.version, repo: repositoryOpts?.repo };
    return { props: { ...release, ...chartInputs(pinned, source) }, opts };
  });
}
