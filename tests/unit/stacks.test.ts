/**
 * Runs the real index.ts once per committed stack file through the offline synth and
 * asserts on what the mocks recorded: one kubeconfig provider per stack behind every
 * Kubernetes resource, the outputs contract, the cross-stack remote-write URL, and the
 * files `npm run synth` writes.
 */
import * as fs from "fs";
import * as path from "path";
import { centralOutputsSchema, edgeOutputsSchema, SECRET_OUTPUTS } from "../../config/outputs";
import { mockSecretValue } from "../../synth/mock-runtime";
import { mockConfigSecret } from "../../synth/pulumi-config";
import { synthesize, SynthesizedStack } from "../../synth/synth";
import { filesUnder, PROJECT_DIR, resourcesOfType, scratchDir } from "../support";

const STACKS = ["cluster-01", "cluster-02", "cluster-03", "cluster-04"];
const outDir = scratchDir("stacks-");
let byStack: Record<string, SynthesizedStack>;

beforeAll(async () => {
  const results = await synthesize({ stackDir: PROJECT_DIR, outDir });
  byStack = Object.fromEntries(results.map((r) => [r.stack, r]));
});

test("every committed stack file is synthesized, central first", () => {
  expect(Object.keys(byStack)).toEqual(STACKS);
});

describe.each(STACKS)("%s", (stack) => {
  test("has exactly one Kubernetes provider: identified by its cluster, on its own context, reading the machine's kubeconfig", () => {
    const providers = resourcesOfType(byStack[stack], "pulumi:providers:kubernetes");
    expect(providers).toHaveLength(1);
    expect(providers[0].inputs).toMatchObject({ clusterIdentifier: stack, context: stack, kubeconfig: "" });
  });

  test("sends every Kubernetes resource through that provider, never the default one", () => {
    const [provider] = resourcesOfType(byStack[stack], "pulumi:providers:kubernetes");
    const kubernetes = byStack[stack].result.resources.filter((r) => r.type.startsWith("kubernetes:"));
    expect(kubernetes.length).toBeGreaterThan(0);
    for (const r of kubernetes) expect({ resource: r.name, provider: r.provider }).toEqual({ resource: r.name, provider: provider.name });
  });

  test("writes plan.json in the documented shape and one file per Helm release", () => {
    const plan = JSON.parse(fs.readFileSync(path.join(outDir, stack, "plan.json"), "utf8"));
    expect(Object.keys(plan)).toEqual(["stack", "outputs", "resources"]);
    expect(plan.stack).toBe(stack);
    expect(plan.resources.length).toBe(byStack[stack].result.resources.length);
    for (const r of plan.resources) expect(Object.keys(r)).toEqual(["type", "name", "parent", "provider", "inputs"]);
    const releases = fs.readdirSync(path.join(outDir, stack, "releases"));
    expect(releases.length).toBe(resourcesOfType(byStack[stack], "kubernetes:helm.sh/v3:Release").length);
    for (const file of releases) {
      const release = JSON.parse(fs.readFileSync(path.join(outDir, stack, "releases", file), "utf8"));
      expect(Object.keys(release)).toEqual(["chart", "version", "repo", "namespace", "values"]);
      expect(release.version).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });
});

test("central exports the outputs contract, secrets only as Pulumi secrets", () => {
  const central = byStack["cluster-01"].result;
  const outputs = centralOutputsSchema.parse(central.outputs);
  expect(outputs.receiveAddress).toBe("203.0.113.10");
  expect(outputs.receiveRemoteWriteUrl).toContain(outputs.receiveAddress);
  expect(central.secretOutputs.sort()).toEqual([...SECRET_OUTPUTS].sort());
  const plan = JSON.parse(fs.readFileSync(path.join(outDir, "cluster-01", "plan.json"), "utf8"));
  for (const key of SECRET_OUTPUTS) expect(plan.outputs[key]).toBe("[secret]");
});

test.each(["cluster-02", "cluster-03", "cluster-04"])("%s writes to the URL central exported, read through a StackReference", (stack) => {
  const edge = byStack[stack].result;
  const outputs = edgeOutputsSchema.parse(edge.outputs);
  expect(outputs.remoteWriteUrl).toBe(byStack["cluster-01"].result.outputs.receiveRemoteWriteUrl);
  const refs = resourcesOfType(byStack[stack], "pulumi:pulumi:StackReference");
  expect(refs.map((r) => r.inputs.name)).toEqual(["organization/multicluster/cluster-01"]);
  expect(outputs.tenants[0]).toEqual({ id: stack, cluster: stack });
});

test("no secret value, from config or generated, appears in any file the synth writes", () => {
  const secrets = [mockConfigSecret("minioUser"), mockConfigSecret("minioPassword"), mockSecretValue(""), "synth-not-a-token"];
  const files = filesUnder(outDir).filter((f) => !f.endsWith("kubeconfig.yaml"));
  expect(files.length).toBeGreaterThanOrEqual(2 * STACKS.length);
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8");
    for (const secret of secrets) expect({ file, leaks: text.includes(secret) }).toEqual({ file, leaks: false });
  }
});
