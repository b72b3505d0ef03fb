/** The load generator (tools/loadgen): the mixin's fleet families with their exporters' labels, exact sizing, shards, counters. */
import { parser } from "@prometheus-io/lezer-promql";
import { FLEET_FAMILIES, FleetShape, LoadGenerator, seriesPerNode, sizeForSeries, startLoadGenerator } from "../../bench/load";
import { parseExposition, Sample } from "../../bench/metrics";
import { centralPrometheusRuleGroups, rulerRuleGroups } from "../../mixin/alerts";
import { dashboards } from "../../mixin/dashboards";
import { dashboardQueries, metricsOf } from "../../mixin/dashboards/queries";
import { freePort, sleep } from "../../loopback/process";
import { describeWithTool, scratchDir } from "../support";
import { centralConfig } from "../support/alerting";

const config = centralConfig();
const mixinExprs = [
  ...dashboardQueries(dashboards(config)).map((q) => q.expr),
  ...[...rulerRuleGroups(config), ...centralPrometheusRuleGroups(config)].flatMap((g) => g.rules.map((r) => r.expr)),
];
/** What node-exporter, kube-state-metrics, cAdvisor and the kubelet expose. */
const EXPORTED = /^(node|kube|kubelet|container|machine)_/;
/** Labels the scrape adds (instance, job) and the agents' external labels (cluster, the receivers' tenant label). */
const ADDED_LABELS = ["instance", "job", "cluster", config.central.receive.tenantLabel];
type SyntaxNode = ReturnType<typeof parser.parse>["topNode"];
const familyLabels = new Map(FLEET_FAMILIES.map((f) => [f.name, new Set(f.labels)]));

const descendants = (node: SyntaxNode, name: string): SyntaxNode[] => {
  const found: SyntaxNode[] = [];
  node.cursor().iterate((n) => void (n.name === name && found.push(n.node)));
  return found;
};

/** Every vector selector's metric and label names, and the expression's grouping labels (by, on, ...). */
function labelUse(expr: string): { selectors: { metric: string; labels: string[] }[]; grouping: string[] } {
  const tree = parser.parse(expr).topNode;
  const text = (n: SyntaxNode) => expr.slice(n.from, n.to);
  const selectors = descendants(tree, "VectorSelector").map((v) => ({
    metric: descendants(v, "Identifier").map(text)[0] ?? "",
    labels: descendants(v, "LabelName").map(text),
  }));
  return { selectors, grouping: descendants(tree, "GroupingLabels").flatMap((g) => descendants(g, "LabelName").map(text)) };
}

describe("the fleet families against the mixin", () => {
  test("every exporter metric the dashboards and alert rules read is a fleet family", () => {
    const read = [...new Set(mixinExprs.flatMap(metricsOf))].filter((m) => EXPORTED.test(m));
    expect(read.length).toBeGreaterThan(5);
    expect(read.filter((m) => !familyLabels.has(m))).toEqual([]);
  });

  test("every label the mixin selects or groups a fleet family by is the exporter's or one the scrape and the agent add", () => {
    const unknown: string[] = [];
    for (const expr of mixinExprs) {
      const use = labelUse(expr);
      const fleet = use.selectors.filter((s) => familyLabels.has(s.metric));
      for (const s of fleet) unknown.push(...s.labels.filter((l) => !familyLabels.get(s.metric)!.has(l) && !ADDED_LABELS.includes(l)).map((l) => `${s.metric}: ${l}`));
      if (fleet.length === use.selectors.length && fleet.length) {
        const known = new Set([...ADDED_LABELS, ...fleet.flatMap((s) => [...familyLabels.get(s.metric)!])]);
        unknown.push(...use.grouping.filter((l) => !known.has(l)).map((l) => `${expr}: by ${l}`));
      }
    }
    expect(unknown).toEqual([]);
  });
});

const key = (s: Sample) => `${s.name}${JSON.stringify(s.labels)}`;
const TYPE_LINE = /^# TYPE (\S+) (\S+)$/gm;

describeWithTool("loadgen", "the load generator (tools/loadgen)", () => {
  const started: LoadGenerator[] = [];
  afterAll(async () => Promise.all(started.map((g) => g.process.stop())));

  async function start(series: number, shape?: FleetShape): Promise<LoadGenerator> {
    const generator = await startLoadGenerator({ dir: scratchDir("loadgen-"), name: "test", port: await freePort(), series, valueInterval: "1s", shape });
    started.push(generator);
    return generator;
  }
  const scrape = async (g: LoadGenerator, query = "") => (await fetch(`${g.url}/metrics${query}`)).text();
  const byKey = (samples: Sample[]) => new Map(samples.map((s) => [key(s), s]));

  test("serves every fleet family with its exporter's label names and type, exactly as many series as the TS sizing says", async () => {
    const g = await start(3 * seriesPerNode());
    const text = await scrape(g);
    const samples = parseExposition(text);
    expect(samples).toHaveLength(sizeForSeries(3 * seriesPerNode()).series);
    expect(byKey(samples).size).toBe(samples.length);
    expect(new Set(samples.map((s) => s.name))).toEqual(new Set(FLEET_FAMILIES.map((f) => f.name)));
    for (const s of samples) expect([s.name, Object.keys(s.labels).sort()]).toEqual([s.name, [...familyLabels.get(s.name)!].sort()]);
    expect(Object.fromEntries([...text.matchAll(TYPE_LINE)].map((m) => [m[1], m[2]]))).toEqual(Object.fromEntries(FLEET_FAMILIES.map((f) => [f.name, f.type])));
    // Both kinds of cAdvisor series: containers proper, and the pod cgroups the dashboards' REAL_CONTAINERS leaves out.
    const cadvisor = samples.filter((s) => s.name === "container_memory_working_set_bytes");
    expect(cadvisor.filter((s) => s.labels.container === "")).toHaveLength(3 * 10);
    expect(cadvisor.filter((s) => s.labels.container !== "" && s.labels.image !== "")).toHaveLength(3 * 10 * 2);
  });

  test("the series count follows the shape, as seriesPerNode computes it", async () => {
    const shape = { cpusPerNode: 2, podsPerNode: 3, containersPerPod: 1, volumesPerNode: 0 };
    const g = await start(10 * seriesPerNode(shape), shape);
    expect(parseExposition(await scrape(g))).toHaveLength(10 * seriesPerNode(shape));
  });

  test("shards partition the series by node; a shard outside the range is refused", async () => {
    const [g] = started;
    const all = byKey(parseExposition(await scrape(g)));
    const shards = await Promise.all([0, 1].map(async (i) => parseExposition(await scrape(g, `?shard=${i}&shards=2`))));
    expect(shards[0].length + shards[1].length).toBe(all.size);
    expect(new Set([...shards[0], ...shards[1]].map(key))).toEqual(new Set(all.keys()));
    const nodes = (samples: Sample[]) => new Set(samples.filter((s) => s.name === "kube_pod_info").map((s) => s.labels.node));
    expect(nodes(shards[0])).toEqual(new Set(["node-0000", "node-0002"]));
    expect(nodes(shards[1])).toEqual(new Set(["node-0001"]));
    expect((await fetch(`${g.url}/metrics?shard=2&shards=2`)).status).toBe(400);
  });

  test("no churn; counters only grow, gauges stay clear of the alert thresholds", async () => {
    const [g] = started;
    const before = byKey(parseExposition(await scrape(g)));
    await sleep(2_500);
    const after = byKey(parseExposition(await scrape(g)));
    expect(new Set(after.keys())).toEqual(new Set(before.keys()));
    const counters = new Set(FLEET_FAMILIES.filter((f) => f.type === "counter").map((f) => f.name));
    const grown = [...after].filter(([k, s]) => counters.has(s.name) && s.value > before.get(k)!.value);
    expect([...after].filter(([k, s]) => counters.has(s.name) && s.value < before.get(k)!.value)).toEqual([]);
    expect(grown.length).toBeGreaterThan(100);
    const value = (name: string, labels: Record<string, string>) => after.get(key({ name, labels, value: 0 }))!.value;
    for (const s of after.values()) {
      if (s.name === "node_memory_MemAvailable_bytes") expect(s.value / value("node_memory_MemTotal_bytes", s.labels)).toBeGreaterThan(0.1);
      if (s.name === "node_filesystem_avail_bytes") expect(s.value / value("node_filesystem_size_bytes", s.labels)).toBeGreaterThan(0.1);
      if (s.name === "kubelet_volume_stats_available_bytes") expect(s.value / value("kubelet_volume_stats_capacity_bytes", s.labels)).toBeGreaterThan(0.1);
    }
  });

  test("resizes to the nodes closest to the series asked for, keeping the nodes it had", async () => {
    const [g] = started;
    const before = byKey(parseExposition(await scrape(g)));
    expect(await g.resize(2_000)).toBe(sizeForSeries(2_000).series);
    const after = byKey(parseExposition(await scrape(g)));
    expect(after.size).toBe(sizeForSeries(2_000).series);
    expect([...before.keys()].filter((k) => !after.has(k))).toEqual([]);
    expect(await g.resize(0)).toBe(0);
    expect(await scrape(g)).toBe("");
    await expect(g.resize(-1)).rejects.toThrow("HTTP 400");
  });
});
