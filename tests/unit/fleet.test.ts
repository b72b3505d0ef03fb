/**
 * The fleet check (config/fleet.ts): every stack file beside the others, checked as one,
 * in every synth and in every run of the program. Each case asserts the file, the key and
 * the message, which names the other file involved.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import * as YAML from "yaml";
import { ConfigError } from "../../config/primitives";
import { expectedTenants, loadFleet } from "../../config/fleet";
import { synthesize } from "../../synth/synth";
import { committedStackConfig, ENCRYPTED, PROJECT_DIR, scratchDir } from "../support";

const COMMITTED = ["cluster-01", "cluster-02", "cluster-03", "cluster-04"];
type Config = Record<string, any>;

/** The committed stack files in a scratch directory, with `patches` applied (null removes a file) and `extra` files added. */
function fleetDir(patches: Record<string, ((c: Config) => void) | null> = {}, extra: Record<string, Config> = {}): string {
  const dir = scratchDir("fleet-");
  for (const stack of COMMITTED) {
    const patch = patches[stack];
    if (patch === null) continue;
    const config = structuredClone(committedStackConfig(stack)) as Config;
    patch?.(config);
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), YAML.stringify({ config }));
  }
  for (const [stack, config] of Object.entries(extra)) fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), YAML.stringify({ config }));
  return dir;
}

const edgeFile = (centralStack = "organization/multicluster/cluster-01", more: Config = {}): Config => ({
  "multicluster:role": "edge",
  "multicluster:edge": { centralStack, ...more },
});

function fleetError(dir: string): ConfigError {
  try {
    loadFleet(dir);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`expected the fleet in ${dir} to be rejected`);
}

function expectFleetError(dir: string, file: string, keyPath: string, expected: string): void {
  const err = fleetError(dir);
  expect({ file: err.file, keyPath: err.keyPath, expected: err.expected }).toEqual({ file, keyPath, expected });
  expect(err.message).toBe(`${file}: ${keyPath}: ${expected}`);
}

test("the committed stack files are one consistent fleet: central expects the tenants every edge declares", () => {
  const fleet = loadFleet(PROJECT_DIR);
  expect(fleet.members.map((m) => [m.stack, m.role, m.cluster])).toEqual([
    ["cluster-01", "central", "cluster-01"],
    ["cluster-02", "edge", "cluster-02"],
    ["cluster-03", "edge", "cluster-03"],
    ["cluster-04", "edge", "cluster-04"],
  ]);
  expect(expectedTenants(fleet, "cluster-01")).toEqual([
    { id: "cluster-02", cluster: "cluster-02" },
    { id: "tenant-a", cluster: "cluster-02" },
    { id: "tenant-b", cluster: "cluster-02" },
    { id: "cluster-03", cluster: "cluster-03" },
    { id: "cluster-04", cluster: "cluster-04" },
  ]);
});

describe("identities are unique across the fleet", () => {
  test("two stack files declaring the same multicluster:cluster", () => {
    const dir = fleetDir({ "cluster-03": (c) => (c["multicluster:cluster"] = "cluster-02") });
    expectFleetError(
      dir,
      "Pulumi.cluster-03.yaml",
      "multicluster:cluster",
      'expected a cluster name no other stack uses, got cluster-02, which is also the cluster of Pulumi.cluster-02.yaml: both would write cluster="cluster-02" into Thanos',
    );
  });

  test("a stack whose name is another stack's declared cluster", () => {
    const dir = fleetDir({ "cluster-02": (c) => (c["multicluster:cluster"] = "cluster-04") });
    expectFleetError(
      dir,
      "Pulumi.cluster-04.yaml",
      "multicluster:cluster",
      'expected a cluster name no other stack uses, got cluster-04 (the stack name, as multicluster:cluster is not set), which is also the cluster of Pulumi.cluster-02.yaml: both would write cluster="cluster-04" into Thanos',
    );
  });

  test("an edge whose tenantId is another cluster's name", () => {
    const dir = fleetDir({ "cluster-04": (c) => (c["multicluster:edge"].tenantId = "cluster-03") });
    expectFleetError(dir, "Pulumi.cluster-04.yaml", "multicluster:edge.tenantId", "expected a tenant id that is no other cluster's name, got cluster-03, the cluster of Pulumi.cluster-03.yaml");
  });

  test("a tenant another edge writing to the same central already has", () => {
    const dir = fleetDir({ "cluster-03": (c) => Object.assign(c["multicluster:edge"], { nodes: ["node-07"], tenants: [{ id: "tenant-b", node: "node-07" }] }) });
    expectFleetError(
      dir,
      "Pulumi.cluster-03.yaml",
      "multicluster:edge.tenants[0].id",
      "expected a tenant id no other stack writing to cluster-01 uses, got tenant-b, which Pulumi.cluster-02.yaml also writes as (multicluster:edge.tenants[1].id)",
    );
  });

  test("a tenant that is central's default tenant, where writes without a header land", () => {
    const dir = fleetDir({ "cluster-03": (c) => (c["multicluster:edge"].tenantId = "default-tenant") });
    expectFleetError(
      dir,
      "Pulumi.cluster-03.yaml",
      "multicluster:edge.tenantId",
      "expected a tenant id other than receive.defaultTenant of Pulumi.cluster-01.yaml, got default-tenant: writes without a tenant header land in that tenant",
    );
  });

  test("the same tenant id under two centrals is two tenants: allowed", () => {
    const central = structuredClone(committedStackConfig("cluster-01")) as Config;
    const dir = fleetDir({}, { "cluster-11": central, "cluster-12": edgeFile("cluster-11", { tenantId: "cluster-02-mirror", nodes: ["n1"], tenants: [{ id: "tenant-a", node: "n1" }] }) });
    const fleet = loadFleet(dir);
    expect(expectedTenants(fleet, "cluster-11")).toEqual([
      { id: "cluster-02-mirror", cluster: "cluster-12" },
      { id: "tenant-a", cluster: "cluster-12" },
    ]);
    expect(expectedTenants(fleet, "cluster-01").map((t) => t.id)).toEqual(["cluster-02", "tenant-a", "tenant-b", "cluster-03", "cluster-04"]);
  });
});

describe("central's per-tenant write limits name tenants that write to it", () => {
  const limits = (tenants: Config) => (c: Config) => (c["multicluster:central"].receive.limits = { tenants });

  test("an override for a tenant of an edge writing here is fine", () => {
    expect(() => loadFleet(fleetDir({ "cluster-01": limits({ "tenant-b": { headSeries: 50_000 } }) }))).not.toThrow();
  });

  test("an override for a tenant no edge writes as", () => {
    expectFleetError(
      fleetDir({ "cluster-01": limits({ "tenant-c": { headSeries: 50_000 } }) }),
      "Pulumi.cluster-01.yaml",
      "multicluster:central.receive.limits.tenants.tenant-c",
      "expected a tenant of an edge stack writing to this central (cluster-02, tenant-a, tenant-b, cluster-03, cluster-04), got tenant-c",
    );
  });
});

describe("edge.centralStack names a central stack among the files, and says what is wrong when not", () => {
  const KEY = "multicluster:edge.centralStack";

  test("the stack itself", () => {
    const dir = fleetDir({ "cluster-03": (c) => (c["multicluster:edge"].centralStack = "organization/multicluster/cluster-03") });
    expectFleetError(dir, "Pulumi.cluster-03.yaml", KEY, "expected the name of the central stack, but organization/multicluster/cluster-03 is this stack itself");
  });

  test("an edge that comes later", () => {
    const dir = fleetDir({ "cluster-03": (c) => (c["multicluster:edge"].centralStack = "organization/multicluster/cluster-04") });
    expectFleetError(dir, "Pulumi.cluster-03.yaml", KEY, "expected the name of a central stack (central: cluster-01), but organization/multicluster/cluster-04 is Pulumi.cluster-04.yaml, an edge stack");
  });

  test("an edge that comes earlier", () => {
    const dir = fleetDir({ "cluster-03": (c) => (c["multicluster:edge"].centralStack = "cluster-02") });
    expectFleetError(dir, "Pulumi.cluster-03.yaml", KEY, "expected the name of a central stack (central: cluster-01), but cluster-02 is Pulumi.cluster-02.yaml, an edge stack");
  });

  test("a stack with no file", () => {
    const dir = fleetDir({ "cluster-03": (c) => (c["multicluster:edge"].centralStack = "organization/multicluster/cluster-09") });
    expectFleetError(dir, "Pulumi.cluster-03.yaml", KEY, "expected the name of a central stack among the stack files (central: cluster-01), but there is no Pulumi.cluster-09.yaml");
  });

  test("no central stack file at all", () => {
    const dir = fleetDir({ "cluster-01": null });
    expectFleetError(dir, "Pulumi.cluster-02.yaml", KEY, "expected the name of a central stack among the stack files (central: none: no stack file has multicluster:role central), but there is no Pulumi.cluster-01.yaml");
  });

  test("a stack of another project", () => {
    const dir = fleetDir({ "cluster-03": (c) => (c["multicluster:edge"].centralStack = "organization/logging/cluster-01") });
    expectFleetError(dir, "Pulumi.cluster-03.yaml", KEY, "expected a central stack of project multicluster, but organization/logging/cluster-01 names project logging; the fleet is the stack files beside this one");
  });
});

describe("no secret in plain text in a stack file", () => {
  const central = (extra: Config) => fleetDir({ "cluster-01": (c) => Object.assign(c, extra) });

  test.each([
    ["minioPassword", "hunter2-hunter2"],
    ["minioUser", "admin"],
    ["alertWebhookCritical", "https://hooks.slack.com/services/T000/B000/XXXX"],
    ["kubeconfig", "apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: abc}}]\n"],
  ])("%s", (key, value) => {
    expectFleetError(
      central({ [`multicluster:${key}`]: value }),
      "Pulumi.cluster-01.yaml",
      `multicluster:${key}`,
      `expected an encrypted secret, got plain text in the stack file; remove it and run: pulumi config set --secret multicluster:${key} <value> --stack cluster-01 (and rotate it if the file was ever committed)`,
    );
  });

  test("encrypted values and a kubeconfig path are fine", () => {
    expect(() => loadFleet(central({ "multicluster:minioPassword": ENCRYPTED, "multicluster:alertWebhookWarning": ENCRYPTED, "multicluster:kubeconfig": "~/.kube/config" }))).not.toThrow();
  });
});

describe("every run performs the fleet check", () => {
  test("a synth of one stack still checks them all", async () => {
    const dir = fleetDir({ "cluster-04": (c) => (c["multicluster:cluster"] = "cluster-03") });
    const err = await synthesize({ stackDir: dir, outDir: path.join(dir, "out"), stacks: ["cluster-02"] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/^Pulumi\.cluster-04\.yaml: multicluster:cluster: expected a cluster name no other stack uses, got cluster-03, which is also the cluster of Pulumi\.cluster-03\.yaml/);
    expect(fs.existsSync(path.join(dir, "out"))).toBe(false);
  });

  test("the program itself (pulumi up of any one stack) checks its siblings, and finds its own file", async () => {
    const duplicate = fleetDir({ "cluster-04": (c) => (c["multicluster:cluster"] = "cluster-03") });
    const brokenSibling = fleetDir({ "cluster-04": (c) => (c["multicluster:role"] = "hub") });
    const withoutOwnFile = fleetDir({ "cluster-03": null });
    const cases = [
      { dir: duplicate, stack: "cluster-03" },
      { dir: duplicate, stack: "cluster-01" },
      { dir: brokenSibling, stack: "cluster-02" },
      { dir: PROJECT_DIR, stack: "cluster-01" },
      { dir: withoutOwnFile, stack: "cluster-03", configDir: PROJECT_DIR },
    ];
    // In a child process: see tests/fixtures/program-in-dir.ts.
    const tsx = path.join(PROJECT_DIR, "node_modules", ".bin", "tsx");
    const { stdout } = await promisify(execFile)(tsx, ["tests/fixtures/program-in-dir.ts", JSON.stringify(cases)], { cwd: PROJECT_DIR });
    const [dupFromEdge, dupFromCentral, broken, committed, missing] = stdout.trim().split("\n").map((line) => JSON.parse(line));
    for (const outcome of [dupFromEdge, dupFromCentral]) {
      expect(outcome.error).toMatchObject({ name: "ConfigError", file: "Pulumi.cluster-04.yaml", keyPath: "multicluster:cluster" });
    }
    expect(broken.error).toEqual({ name: "ConfigError", file: "Pulumi.cluster-04.yaml", keyPath: "multicluster:role", message: 'Pulumi.cluster-04.yaml: multicluster:role: expected "central" or "edge", got "hub"' });
    expect(committed.outputs.tenants.map((t: { id: string }) => t.id)).toEqual(["cluster-02", "tenant-a", "tenant-b", "cluster-03", "cluster-04"]);
    expect(missing.error).toMatchObject({ name: "ConfigError", file: "Pulumi.cluster-03.yaml", keyPath: "config" });
    expect(missing.error.message).toContain("expected this stack's file in");
  });
});
