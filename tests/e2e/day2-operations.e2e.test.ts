/**
 * Day-2 operations on the real data path, counted like the faults (tests/e2e/faults.e2e.test.ts):
 * every agent scrapes a counter that rises by 1 per scrape, so the values Query returns against
 * the values served give the samples lost and duplicated. The seed's load runs throughout: a
 * load generator per agent adds the seed's 7,800 samples/s (a tenth of it unless
 * DAY2_LOAD_FRACTION says otherwise), split over the clusters and cluster-02's tenants as the
 * stack files describe them.
 *
 * Each operation applies the program's output for a changed stack file the way Kubernetes
 * rolls it out (loopback/thanos/receive-statefulset.ts): ConfigMap volumes updated by the
 * kubelet at each pod's own moment, pods added in ordinal order and removed from the highest,
 * changed pods rolled from the highest ordinal down, one at a time, each ready before the next.
 * The platform starts on `central.thanosVersion: v0.41.0`, then:
 *
 *   1. Thanos v0.41.0 -> v0.42.4: the receivers, then Query, Store Gateway, Compactor, Ruler, sidecar
 *   2. receivers scaled 3 -> 5 (the program's hashring for 5, its replication factor)
 *   3. back to 3 (rollback of 2)
 *   4. every agent rolled: a new queue setting and WAL retention (a flag, so the pods restart)
 *   5. back to the previous agent configuration (rollback of 4)
 *   6. Thanos back to v0.41.0 (rollback of 1)
 *
 * After each: 0 lost and 0 duplicates (with dedup), and the time until the ring agrees, every
 * receiver is ready, no agent is behind (verify's checks) and every probe value is queryable.
 * The table (operation, duration, expected, received, lost, duplicates, write errors, steady
 * after) is printed at the end (and, with KEEP_E2E_DIR=1, written into the kept directory).
 *
 * Time compression (the harness's, not the program's): scrapes every 2s. Runs alone with
 * `npx jest day2-operations` (about 15 minutes); needs `npm run tools`.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { FleetShape, LoadGenerator, SEED_ACTIVE_SERIES, SEED_SCRAPE_INTERVAL_SECONDS, seriesShares, shardTargets, startLoadGenerator } from "../../bench/load";
import { AGENT_SELF_JOB } from "../../components/shared/conventions";
import { THANOS_VERSIONS } from "../../config/charts";
import { CounterProbe, probeScrapeJob } from "../../loopback/counter-probe";
import { LocalPlatform, startPlatform } from "../../loopback/local-platform";
import { freePort } from "../../loopback/process";
import { FleetPlan, readSynthOutput, runSynth } from "../../loopback/synth-plan";
import { ConfigMapDelay } from "../../loopback/thanos/receive-statefulset";
import { Expectations } from "../../scripts/verify/expectations";
import { verify } from "../../scripts/verify/run";
import { describeWithPlatformTools, PROJECT_DIR } from "../support";
import { addCounts, formatSeconds, lostOf, OperationRow, ProbeLedger, renderOperationTable, Values } from "../support/probe-count";
import { instantQuery } from "../support/thanos-api";
import { writeCentralOutputs } from "../support/verify";

const SCRAPE_INTERVAL_SECONDS = 2;
/**
 * The share of the seed's load the generators add: a tenth by default, the CI size (beside two
 * other end-to-end files on 2 cores, the whole seed starved every process); `DAY2_LOAD_FRACTION=1`
 * runs the seed's own rate, as the documented table was measured.
 */
const LOAD_FRACTION = Number(process.env.DAY2_LOAD_FRACTION ?? "0.1");
/** That share of the seed's samples per second (110,000 series every 15s), as series scraped every 2s. */
const LOAD_SERIES = Math.round(LOAD_FRACTION * (SEED_ACTIVE_SERIES / SEED_SCRAPE_INTERVAL_SECONDS) * SCRAPE_INTERVAL_SECONDS);
/** Small simulated nodes (56 series each), so a tenth of the seed's load splits into whole nodes closely. */
const LOAD_NODE_SHAPE: FleetShape = { cpusPerNode: 1, podsPerNode: 2, containersPerPod: 1, volumesPerNode: 0 };
/** Values served this long before an operation began are counted with it: what was still in flight. */
const IN_FLIGHT_MS = 20_000;
/** How long an operation may take to reach its steady state after the rollout. */
const STEADY_WITHIN_MS = 5 * 60_000;
/** Steady means no agent's queue more than this behind its newest sample. */
const STEADY_MAX_BEHIND_SECONDS = 10;
/** The kubelet refreshes a pod's ConfigMap volumes within about a minute: each pod at its own moment in it. */
const KUBELET_DELAY: ConfigMapDelay = (ordinal) => 5_000 + 20_000 * ordinal;
const STACKS = ["cluster-01", "cluster-02", "cluster-03", "cluster-04"];

type StackConfig = Record<string, Record<string, unknown>>;

describeWithPlatformTools(
  "day-2 operations on the platform on loopback: upgrade, scale, roll, roll back, counted",
  () => {
    let tmp: string;
    let platform: LocalPlatform;
    let probe: CounterProbe;
    let ledger: ProbeLedger;
    let expectations: Expectations;
    const generators: LoadGenerator[] = [];
    const rows: OperationRow[] = [];
    const plans: Record<"previous" | "pinned" | "fiveReceivers" | "agentsChanged", FleetPlan> = {} as never;

    const agents = () => platform.agents.map((a) => a.plan.name);

    /** The project's stack files with `patch` applied to each stack's config, synthesized by the program. */
    async function synthVariant(name: string, patch: (config: StackConfig, stack: string) => void): Promise<FleetPlan> {
      const stackDir = path.join(tmp, `stacks-${name}`);
      fs.mkdirSync(stackDir);
      for (const stack of STACKS) {
        const file = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8"));
        patch(file.config, stack);
        fs.writeFileSync(path.join(stackDir, `Pulumi.${stack}.yaml`), YAML.stringify(file));
      }
      await runSynth(path.join(tmp, `synth-${name}`), stackDir);
      return readSynthOutput(path.join(tmp, `synth-${name}`));
    }

    const central = (config: StackConfig) => (config["multicluster:central"] ??= {}) as Record<string, Record<string, unknown>>;
    const edge = (config: StackConfig) => (config["multicluster:edge"] ??= {}) as Record<string, Record<string, unknown>>;

    async function startLoad(fleet: FleetPlan): Promise<Map<string, string>> {
      if (!(LOAD_FRACTION > 0 && LOAD_FRACTION <= 4)) throw new Error(`DAY2_LOAD_FRACTION=${process.env.DAY2_LOAD_FRACTION}: expected a share of the seed's load above 0 and at most 4`);
      const shares = seriesShares(fleet.agents, LOAD_SERIES);
      const addresses = new Map<string, string>();
      for (const agent of fleet.agents) {
        const generator = await startLoadGenerator({ dir: tmp, name: agent.name, port: await freePort(), series: shares.get(agent.name)!, valueInterval: "30s", shape: LOAD_NODE_SHAPE });
        generators.push(generator);
        addresses.set(agent.name, new URL(generator.url).host);
      }
      return addresses;
    }

    /** Why the last `ringSteady` said no, for the log. */
    let unsteady = "";

    /** verify's operator checks: the ring agrees over every running receiver, each is ready, no agent is behind. */
    async function ringSteady(): Promise<boolean> {
      const report = await verify({ expectations, settings: { maxBehindSeconds: STEADY_MAX_BEHIND_SECONDS }, timeoutMs: 20_000 }).catch((err: Error) => err);
      if (report instanceof Error) {
        unsteady = `verify: ${report.message}`;
        return false;
      }
      const n = platform.receivers.length;
      const rows = report.rows.filter((r) => ["ring", "ready", "behind"].includes(r.check));
      const failing = rows.filter((r) => !r.ok || (r.check !== "behind" && !r.detail.startsWith(`${n}/${n} `)));
      unsteady = failing.map((r) => `${r.check}: ${r.detail}`).join("; ");
      return rows.length >= 3 && failing.length === 0;
    }

    /**
     * Samples the agents sent again or dropped since `sinceMs` (a little before, so the window
     * holds several of their own scrapes), their share of the samples sent, and how many were
     * dropped: their own counters through Query, whose `increase` spans the agents' restarts.
     */
    async function writeErrors(sinceMs: number): Promise<string> {
      const window = `${Math.ceil((Date.now() - sinceMs + IN_FLIGHT_MS) / 1000)}s`;
      const sum = async (metric: string) => {
        const [series] = await instantQuery(platform.urls.query, `sum(increase(${metric}{job="${AGENT_SELF_JOB}"}[${window}]))`);
        return series?.value ? Math.round(Number(series.value[1])) : undefined;
      };
      const [retried, failed, sent] = await Promise.all(["retried_total", "failed_total", "total"].map((kind) => sum(`prometheus_remote_storage_samples_${kind}`)));
      if (retried === undefined || failed === undefined || !sent) return `no data (retried ${retried}, failed ${failed}, sent ${sent})`;
      return `${retried + failed} (${((100 * (retried + failed)) / sent).toFixed(2)}%; ${failed} dropped)`;
    }

    /** Applies an operation while the probe and the load run, then counts it and waits for the steady state. */
    async function operate(operation: string, apply: () => Promise<void>): Promise<OperationRow> {
      const startedAt = Date.now();
      const from: Values = ledger.servedAt(startedAt - IN_FLIGHT_MS);
      await apply();
      const appliedAt = Date.now();
      const to = ledger.served();
      const steady = await ledger.untilComplete(agents(), from, to, STEADY_WITHIN_MS, ringSteady);
      const counts = await ledger.count(agents(), from, to);
      const row: OperationRow = {
        operation,
        duration: formatSeconds(appliedAt - startedAt),
        ...addCounts(Object.values(counts)),
        writeErrors: await writeErrors(startedAt),
        steadyAfter: steady.afterMs === undefined ? `not within ${formatSeconds(STEADY_WITHIN_MS)}` : formatSeconds(appliedAt - startedAt + steady.afterMs),
      };
      rows.push(row);
      const gap = `${(ledger.largestScrapeGapMs(from, to) / 1000).toFixed(1)}s`;
      console.log(`${operation}: ${JSON.stringify(row)}; largest gap between scrapes ${gap}; lost or duplicated: ${JSON.stringify(lostOf(counts))}${steady.afterMs === undefined ? `; not steady: ${unsteady}` : ""}`);
      return row;
    }

    /** Rolls every agent to its plan in `fleet`, each in its own cluster at once, as the operator does. */
    const rollAgents = (fleet: FleetPlan) => Promise.all(platform.agents.map((a) => a.roll(fleet.agents.find((p) => p.name === a.plan.name)!)));

    const expectClean = (row: OperationRow) => expect({ lost: row.lost, duplicates: row.duplicates, steady: row.steadyAfter.startsWith("not") ? row.steadyAfter : "steady" }).toEqual({ lost: 0, duplicates: 0, steady: "steady" });

    beforeAll(async () => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), "day2-e2e-"));
      plans.previous = await synthVariant("previous", (c, stack) => stack === "cluster-01" && (central(c).thanosVersion = THANOS_VERSIONS.previous as never));
      plans.pinned = await synthVariant("pinned", () => undefined);
      plans.fiveReceivers = await synthVariant("five-receivers", (c, stack) => stack === "cluster-01" && (central(c).receive = { ...central(c).receive, replicas: 5 }));
      plans.agentsChanged = await synthVariant("agents-changed", (c, stack) => {
        if (stack === "cluster-01") return;
        edge(c).wal = { ...edge(c).wal, maxTime: "4h" };
        edge(c).remoteWrite = { ...edge(c).remoteWrite, queue: { ...(edge(c).remoteWrite?.queue as object), maxSamplesPerSend: 1000 } };
      });
      probe = await CounterProbe.start(await freePort());
      const load = await startLoad(plans.previous);
      platform = await startPlatform({
        dir: path.join(tmp, "platform"),
        synthDir: path.join(tmp, "synth-previous"),
        scrapeInterval: `${SCRAPE_INTERVAL_SECONDS}s`,
        extraScrapeJobs: (agent) => [probeScrapeJob(probe, agent.name), { job: "loadgen", targets: shardTargets(load.get(agent.name)!, 4) }],
        log: (line) => console.log(line),
      });
      ledger = new ProbeLedger(probe, platform.urls.query, agents);
      ({ expectations } = writeCentralOutputs(platform, tmp));
      const ready = await ledger.untilComplete(agents(), ledger.servedAt(Date.now() - 20_000), ledger.servedAt(Date.now() - 10_000), 180_000, ringSteady);
      if (ready.afterMs === undefined) throw new Error(`the platform did not reach its steady state before the first operation: ${JSON.stringify(ready.counts)}`);
    }, 600_000);

    afterAll(async () => {
      const table = renderOperationTable(rows);
      console.log(table);
      await platform?.stop();
      await Promise.all(generators.map((g) => g.process.stop()));
      await probe?.stop();
      if (tmp && process.env.KEEP_E2E_DIR) {
        fs.writeFileSync(path.join(tmp, "operation-table.txt"), table);
        console.log(`kept ${tmp}: every process's log under platform/, the table in operation-table.txt`);
      } else if (tmp) {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    }, 300_000);

    test("1. Thanos v0.41.0 -> v0.42.4, receivers one at a time, then the other components: nothing lost or duplicated", async () => {
      expect(plans.previous.central.thanos.global.image.tag).toBe("v0.41.0");
      const row = await operate("1. upgrade Thanos v0.41.0 -> v0.42.4", async () => {
        const steps = await platform.receive.apply(plans.pinned.central.thanos, KUBELET_DELAY);
        expect(steps).toEqual({ added: [], removed: [], rolled: ["thanos-receive-2", "thanos-receive-1", "thanos-receive-0"] });
        await platform.rollThanosComponents(THANOS_VERSIONS.pinned);
      });
      expectClean(row);
    }, 900_000);

    test("2. receivers scaled 3 -> 5: the program's hashring reaches each pod at its own moment, new pods in order", async () => {
      const { receive } = plans.fiveReceivers.central.thanos;
      expect(receive.hashrings.static[0].endpoints).toHaveLength(5);
      const row = await operate(`2. scale receivers 3 -> 5 (RF ${/--receive.replication-factor=(\d+)/.exec(receive.extraArgs.join(" "))?.[1]})`, async () => {
        const steps = await platform.receive.apply(plans.fiveReceivers.central.thanos, KUBELET_DELAY);
        expect(steps).toEqual({ added: ["thanos-receive-3", "thanos-receive-4"], removed: [], rolled: ["thanos-receive-2", "thanos-receive-1", "thanos-receive-0"] });
      });
      expectClean(row);
    }, 900_000);

    test("3. back to 3 receivers: the highest ordinals stop first, and what they held stays queryable", async () => {
      const row = await operate("3. scale receivers 5 -> 3 (rollback of 2)", async () => {
        const steps = await platform.receive.apply(plans.pinned.central.thanos, KUBELET_DELAY);
        expect(steps).toEqual({ added: [], removed: ["thanos-receive-4", "thanos-receive-3"], rolled: ["thanos-receive-2", "thanos-receive-1", "thanos-receive-0"] });
      });
      expectClean(row);
    }, 900_000);

    test("4. every agent rolled by a configuration change (queue setting and WAL retention) while central is up", async () => {
      const changed = plans.agentsChanged.agents[0];
      expect(changed.additionalArgs).toContainEqual({ name: "storage.agent.retention.max-time", value: "4h" });
      const row = await operate("4. roll every agent (new queue setting and WAL retention)", () => rollAgents(plans.agentsChanged).then(() => undefined));
      expectClean(row);
    }, 900_000);

    test("5. the agents rolled back to the previous configuration", async () => {
      const row = await operate("5. roll the agents back (rollback of 4)", () => rollAgents(plans.pinned).then(() => undefined));
      expectClean(row);
    }, 900_000);

    test("6. Thanos back to v0.41.0, the receivers one at a time, then the other components", async () => {
      const row = await operate("6. Thanos v0.42.4 -> v0.41.0 (rollback of 1)", async () => {
        await platform.receive.apply(plans.previous.central.thanos, KUBELET_DELAY);
        await platform.rollThanosComponents(THANOS_VERSIONS.previous);
      });
      expectClean(row);
    }, 900_000);
  },
  ["thanosPrevious"],
);
