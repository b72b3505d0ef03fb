/**
 * Parsing the committed stack files (or variations of them) with `parseStackConfig`, against a
 * scratch kubeconfig with every shipped stack's context, as the config tests do.
 */
import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../../config/primitives";
import { parseStackConfig, StackConfig } from "../../config/stack";
import { mockKubeconfigFor } from "../../synth/pulumi-config";
import { committedStackConfig, scratchDir } from ".";

export type Config = Record<string, any>;

/** The admin secrets central requires, as `pulumi` hands them to the program once set. */
const CENTRAL_SECRETS = { "multicluster:minioUser": "admin", "multicluster:minioPassword": "admin-password" };

export function stackConfigParser(prefix: string) {
  const dir = scratchDir(prefix);
  const kubeconfigPath = path.join(dir, "kubeconfig.yaml");
  fs.writeFileSync(kubeconfigPath, mockKubeconfigFor(["cluster-01", "cluster-02", "cluster-03", "cluster-04"]));
  const env = { KUBECONFIG: kubeconfigPath, HOME: dir };
  const committed = (stack: string): Config => ({ ...committedStackConfig(stack), ...(stack === "cluster-01" ? CENTRAL_SECRETS : {}) });
  const parse = (flat: Config, stack: string): StackConfig => parseStackConfig(flat, { stack, projectDir: dir, env });
  /** The key path and expectation of the ConfigError the config is rejected with. */
  const rejection = (flat: Config, stack: string): { keyPath: string; expected: string } => {
    try {
      parse(flat, stack);
    } catch (err) {
      if (err instanceof ConfigError) return { keyPath: err.keyPath, expected: err.expected };
      throw err;
    }
    throw new Error("expected the config to be rejected");
  };
  return { dir, env, committed, parse, rejection };
}
