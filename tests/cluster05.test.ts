/** A fifth edge cluster is one new stack file: no code change, nothing else to edit. */
import * as fs from "fs";
import * as path from "path";
import { edgeOutputsSchema } from "../components/outputs";
import { synthesize } from "../scripts/synth";
import { PROJECT_DIR, resourcesOfType, scratchDir } from "./support";

test("a new Pulumi.cluster-05.yaml beside the central stack file synthesizes and writes to central", async () => {
  const stackDir = scratchDir("cluster-05-");
  fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.cluster-01.yaml"), path.join(stackDir, "Pulumi.cluster-01.yaml"));
  fs.writeFileSync(
    path.join(stackDir, "Pulumi.cluster-05.yaml"),
    ["config:", "  multicluster:role: edge", "  multicluster:kubeContext: cluster-05", "  multicluster:edge:", "    centralStack: organization/multicluster/cluster-01", ""].join("\n"),
  );
  const outDir = path.join(stackDir, "out");
  const results = await synthesize({ stackDir, outDir, stacks: ["cluster-05"] });

  expect(results.map((r) => r.stack)).toEqual(["cluster-05"]);
  const [edge] = results;
  const outputs = edgeOutputsSchema.parse(edge.result.outputs);
  expect(outputs.cluster).toBe("cluster-05");
  expect(outputs.tenants).toEqual([{ id: "cluster-05", cluster: "cluster-05" }]);
  expect(outputs.remoteWriteUrl).toMatch(/^https?:\/\/203\.0\.113\.10:\d+\/api\/v1\/receive$/);
  expect(resourcesOfType(edge, "pulumi:providers:kubernetes")[0].inputs.context).toBe("cluster-05");
  expect(fs.existsSync(path.join(outDir, "cluster-05", "plan.json"))).toBe(true);
  // Only the requested stack is written; central ran only to feed the StackReference.
  expect(fs.existsSync(path.join(outDir, "cluster-01"))).toBe(false);
});
