/**
 * Every name the program derives from a cluster name or a tenant id fits what Kubernetes and
 * Helm accept: config/names.ts lists them, the shipped plans (tests/golden) show they are all
 * it lists, and the config refuses a cluster name or tenant id one character too long.
 */
import * as fs from "fs";
import * as path from "path";
import { StackConfig } from "../../config/stack";
import { clusterDerivedNames, DerivedName, tenantDerivedNames } from "../../config/names";
import { GOLDEN_DIR } from "../../synth/golden";
import { Config, stackConfigParser } from "../support/parse";

const { committed, parse, rejection } = stackConfigParser("names-");

interface PlannedResource {
  type: string;
  name: string;
  inputs: { name?: string; metadata?: { name?: string } };
}
const planOf = (stack: string): PlannedResource[] => JSON.parse(fs.readFileSync(path.join(GOLDEN_DIR, stack, "plan.json"), "utf8")).resources;
const kindOf = (type: string) => type.split(":")[2];
const derivedNamesOf = (config: StackConfig): DerivedName[] => [
  ...clusterDerivedNames(config.cluster, config),
  ...(config.role === "edge" ? config.edge.tenants.flatMap((t) => tenantDerivedNames(t.id)) : []),
];

describe.each(["cluster-01", "cluster-02", "cluster-03", "cluster-04"])("%s: the table is every name its plan derives", (stack) => {
  const config = parse(committed(stack), stack);
  const table = derivedNamesOf(config);
  const plan = planOf(stack);
  const kubernetes = plan.filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm.sh/"));

  test("every Helm release", () => {
    const releases = plan.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => r.inputs.name);
    expect(releases.sort()).toEqual(table.filter((n) => n.kind === "Helm release").map((n) => n.name).sort());
  });

  test("every object Pulumi names itself (name and a random suffix)", () => {
    const autonamed = kubernetes.filter((r) => !r.inputs.metadata?.name).map((r) => [kindOf(r.type), r.name]);
    expect(autonamed.sort()).toEqual(table.filter((n) => n.autonamed).map((n) => [n.kind, n.name]).sort());
  });

  test("every object named after the cluster or a tenant", () => {
    const bases = [config.cluster, ...(config.role === "edge" ? config.edge.tenants.map((t) => t.id) : [])];
    const named = kubernetes.filter((r) => bases.some((base) => r.inputs.metadata?.name?.includes(base))).map((r) => [kindOf(r.type), r.inputs.metadata!.name]);
    const listed = table.filter((n) => !n.autonamed && n.kind !== "Helm release").map((n) => [n.kind, n.name]);
    expect(named.filter((n) => !listed.some((l) => l[0] === n[0] && l[1] === n[1]))).toEqual([]);
  });
});

describe("the longest cluster name each role allows, and one character more", () => {
  const named = (flat: Config, cluster: string): Config => ({ ...flat, "multicluster:cluster": cluster });
  const ofLength = (n: number) => `c${"x".repeat(n - 1)}`;

  test("an edge: 43, for the Helm release <cluster>-agent-kps", () => {
    expect(parse(named(committed("cluster-03"), ofLength(43)), "cluster-03").cluster).toBe(ofLength(43));
    expect(rejection(named(committed("cluster-03"), ofLength(44)), "cluster-03")).toEqual({
      keyPath: "multicluster:cluster",
      expected: `expected a cluster name of at most 43 characters, got ${ofLength(44)} (44): the Helm release ${ofLength(44)}-agent-kps would have 54 characters, and Helm allows 53 for a release name`,
    });
  });

  test("central with logs: 31, for the Job Pulumi names <cluster>-logging-security-apply-<8 random characters>", () => {
    expect(parse(named(committed("cluster-01"), ofLength(31)), "cluster-01").cluster).toBe(ofLength(31));
    expect(rejection(named(committed("cluster-01"), ofLength(32)), "cluster-01")).toEqual({
      keyPath: "multicluster:cluster",
      expected:
        `expected a cluster name of at most 31 characters, got ${ofLength(32)} (32): the Job ${ofLength(32)}-logging-security-apply-<8 random characters Pulumi appends> ` +
        "would have 64 characters, and Kubernetes allows 63 for a Job name (its pods carry it as a label value)",
    });
  });

  test("central without logs: 37, for the Helm release <cluster>-central-grafana", () => {
    const withoutLogs = committed("cluster-01");
    withoutLogs["multicluster:central"] = { ...withoutLogs["multicluster:central"], logging: { enabled: false } };
    expect(parse(named(withoutLogs, ofLength(37)), "cluster-01").cluster).toBe(ofLength(37));
    expect(rejection(named(withoutLogs, ofLength(38)), "cluster-01").expected).toBe(
      `expected a cluster name of at most 37 characters, got ${ofLength(38)} (38): the Helm release ${ofLength(38)}-central-grafana would have 54 characters, and Helm allows 53 for a release name`,
    );
  });

  test("a stack name standing in for the cluster name says so", () => {
    const stack = `cluster-${"x".repeat(40)}`;
    expect(rejection(committed("cluster-03"), stack).expected).toMatch(/^expected a cluster name of at most 43 characters, .* \(the stack name, as multicluster:cluster is not set\)$/);
  });

  test("a cluster name starting with a digit: the charts name Services after the release", () => {
    expect(rejection(named(committed("cluster-03"), "03-cluster"), "cluster-03")).toEqual({
      keyPath: "multicluster:cluster",
      expected: "expected a cluster name starting with a letter, got 03-cluster: the charts name Services after the Helm release 03-cluster-agent-kps, and a Service name must start with a letter",
    });
  });
});

describe("the longest tenant id, and one character more", () => {
  const withTenant = (id: string): Config => {
    const flat = committed("cluster-02");
    flat["multicluster:edge"] = { ...flat["multicluster:edge"], tenants: [{ id, node: "node-01" }] };
    return flat;
  };

  test("63, a DNS label: its namespace; the ClusterRole <id>-prometheus-agent-node fits Kubernetes' 253", () => {
    const id = `t${"x".repeat(62)}`;
    const config = parse(withTenant(id), "cluster-02");
    expect(config.role === "edge" && config.edge.tenants.map((t) => t.id)).toEqual([id]);
    expect(rejection(withTenant(`${id}x`), "cluster-02")).toEqual({
      keyPath: "multicluster:edge.tenants[0].id",
      expected: `expected a tenant id usable as header value, label value and namespace name of at most 63 characters, got "${id}x"`,
    });
  });
});
