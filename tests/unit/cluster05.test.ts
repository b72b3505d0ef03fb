/**
 * A fifth edge cluster is one new stack file: no code change, nothing else to edit. Central's
 * expected tenants (its `tenants` output, the ExpectedTenantMissing alert, `npm run verify`,
 * and the client certificates it issues) follow from the edge stack files, so they include
 * the new cluster too.
 */
import * as fs from "fs";
import * as path from "path";
import { centralOutputsSchema, edgeOutputsSchema } from "../../config/outputs";
import { compareFiles, GOLDEN_DIR } from "../../synth/golden";
import { synthesize } from "../../synth/synth";
import { readOutputFiles } from "../../synth/output";
import { expectationsFrom } from "../../scripts/verify/expectations";
import { PROJECT_DIR, resourcesOfType, scratchDir } from "../support";

const COMMITTED = ["cluster-01", "cluster-02", "cluster-03", "cluster-04"];
const CLUSTER_05 = ["config:", "  multicluster:role: edge", "  multicluster:kubeContext: cluster-05", "  multicluster:edge:", "    centralStack: organization/multicluster/cluster-01", ""].join("\n");

/** The committed stack files plus Pulumi.cluster-05.yaml, and nothing else changed. */
function fleetWithCluster05(): string {
  const stackDir = scratchDir("cluster-05-");
  for (const stack of COMMITTED) fs.copyFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), path.join(stackDir, `Pulumi.${stack}.yaml`));
  fs.writeFileSync(path.join(stackDir, "Pulumi.cluster-05.yaml"), CLUSTER_05);
  return stackDir;
}

test("a new Pulumi.cluster-05.yaml synthesizes and writes to central", async () => {
  const stackDir = fleetWithCluster05();
  const outDir = path.join(stackDir, "out");
  const results = await synthesize({ stackDir, outDir, stacks: ["cluster-05"] });

  expect(results.map((r) => r.stack)).toEqual(["cluster-05"]);
  const [edge] = results;
  const outputs = edgeOutputsSchema.parse(edge.result.outputs);
  expect(outputs.cluster).toBe("cluster-05");
  expect(outputs.tenants).toEqual([{ id: "cluster-05", cluster: "cluster-05" }]);
  expect(outputs.remoteWriteUrl).toMatch(/^https:\/\/203\.0\.113\.10:\d+\/api\/v1\/receive$/);
  expect(resourcesOfType(edge, "pulumi:providers:kubernetes")[0].inputs.context).toBe("cluster-05");
  // Its agent writes with the client certificate central issued for its tenant.
  expect(edge.result.resources.map((r) => r.name)).toContain("cluster-05-agent-remote-write-client");
  expect(fs.existsSync(path.join(outDir, "cluster-05", "plan.json"))).toBe(true);
  // Only the requested stack is written; central ran only to feed the StackReference.
  expect(fs.existsSync(path.join(outDir, "cluster-01"))).toBe(false);
});

test("central then expects cluster-05's tenant: in its tenants output, its alert rule and verify", async () => {
  const stackDir = fleetWithCluster05();
  const outDir = path.join(stackDir, "out");
  const results = await synthesize({ stackDir, outDir });
  const central = centralOutputsSchema.parse(results.find((r) => r.stack === "cluster-01")!.result.outputs);

  expect(central.tenants.map((t) => `${t.cluster}/${t.id}`)).toEqual([
    "cluster-02/cluster-02",
    "cluster-02/tenant-a",
    "cluster-02/tenant-b",
    "cluster-03/cluster-03",
    "cluster-04/cluster-04",
    "cluster-05/cluster-05",
  ]);
  const rules = fs.readFileSync(path.join(outDir, "cluster-01", "rules", "ruler-alerts.yaml"), "utf8");
  expect(rules).toContain('absent_over_time(up{cluster="cluster-05", tenant_id="cluster-05"}[5m])');
  expect(Object.keys(central.receiveTls.clientCerts)).toContain("cluster-05");
  expect(Object.keys(central.tenantCredentials)).toContain("cluster-05");
  // verify needs only central's outputs to expect cluster-05.
  expect(expectationsFrom([{ source: "central.json", outputs: central }]).clusters).toEqual(["cluster-02", "cluster-03", "cluster-04", "cluster-05"]);

  // Against the golden output: central's alert rules (in its plan, the Ruler's values and the rule file) change, cluster-05 is new, nothing else moves.
  const rendered = readOutputFiles(outDir);
  rendered.delete("kubeconfig.yaml");
  expect(compareFiles(readOutputFiles(GOLDEN_DIR), rendered)).toEqual([
    { path: "cluster-01/plan.json", change: "changed" },
    { path: "cluster-01/releases/cluster-01-central-thanos.json", change: "changed" },
    { path: "cluster-01/rules/ruler-alerts.yaml", change: "changed" },
    { path: "cluster-05/plan.json", change: "added" },
    { path: "cluster-05/releases/cluster-05-agent-kps.json", change: "added" },
  ]);
});
