/** Validated central settings from the committed cluster-01 stack file, optionally patched. */
import * as fs from "fs";
import * as path from "path";
import { CentralSettings } from "../../config/central";
import { parseStackConfig } from "../../config/stack";
import { mockKubeconfigFor } from "../../synth/pulumi-config";
import { committedStackConfig, scratchDir } from ".";

const kubeconfigPath = path.join(scratchDir("central-settings-"), "kubeconfig.yaml");
fs.writeFileSync(kubeconfigPath, mockKubeconfigFor(["cluster-01"]));

/** The committed central settings after `patch` (which edits the raw `multicluster:central` map). */
export function centralSettings(patch: (raw: any) => void = () => undefined): CentralSettings {
  const flat = { ...committedStackConfig("cluster-01"), "multicluster:minioUser": "admin", "multicluster:minioPassword": "admin-password" } as Record<string, any>;
  const raw = structuredClone(flat["multicluster:central"]);
  patch(raw);
  const config = parseStackConfig({ ...flat, "multicluster:central": raw }, { stack: "cluster-01", env: { KUBECONFIG: kubeconfigPath } });
  if (config.role !== "central") throw new Error("expected the central stack");
  return config.central;
}
