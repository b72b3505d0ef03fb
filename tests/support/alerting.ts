/** Helpers for the alerting, dashboard and rule tests. */
import * as fs from "fs";
import * as path from "path";
import { parser } from "@prometheus-io/lezer-promql";
import { CentralStackConfig, parseStackConfig } from "../../config/stack";
import { expectedTenants, loadFleet } from "../../config/fleet";
import { RulerConfig } from "../../mixin/alerts";
import { mockKubeconfigFor } from "../../synth/pulumi-config";
import { committedStackConfig, PROJECT_DIR, scratchDir } from ".";

/** Positions of the syntax errors lezer-promql finds in `expr`; empty when it parses. */
export function promqlErrors(expr: string): number[] {
  const errors: number[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(node.from);
    },
  });
  return errors;
}

/**
 * The committed cluster-01 stack file, validated, with `patch` applied to `multicluster:central`
 * first, and the tenants the committed edge stack files declare.
 */
export function centralConfig(patch: (central: Record<string, any>) => void = () => undefined, extra: Record<string, unknown> = {}): CentralStackConfig & RulerConfig {
  const dir = scratchDir("alerting-config-");
  const kubeconfig = path.join(dir, "kubeconfig.yaml");
  fs.writeFileSync(kubeconfig, mockKubeconfigFor(["cluster-01"]));
  const flat = committedStackConfig("cluster-01");
  const central = structuredClone(flat["multicluster:central"]) as Record<string, any>;
  patch(central);
  const config = parseStackConfig(
    { ...flat, "multicluster:central": central, "multicluster:minioUser": "admin", "multicluster:minioPassword": "admin-password", ...extra },
    { stack: "cluster-01", projectDir: dir, env: { KUBECONFIG: kubeconfig, HOME: dir } },
  );
  if (config.role !== "central") throw new Error("expected the central stack");
  return { ...config, tenants: expectedTenants(loadFleet(PROJECT_DIR), "cluster-01") };
}

