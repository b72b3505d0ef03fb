/**
 * Faults on the real data path (loopback/local-platform.ts: Thanos, MinIO and Prometheus 3 agents
 * built from the pinned Go modules, configured by the program), each counted exactly: every
 * agent also scrapes a counter that rises by 1 per scrape (loopback/counter-probe.ts), so the
 * values Thanos Query returns, compared with the values served, give the samples lost and
 * duplicated. One platform, the faults one after another:
 *
 *   1. one receiver of three SIGKILLed under load, restarted a minute later
 *   2. every receiver unreachable (a network partition) while the agents scrape, and
 *   4. one agent restarted in the middle of that outage (prometheus/prometheus#8809)
 *   3. MinIO down
 *   5. one receiver that cannot write (its files may not grow, as on a full volume)
 *
 * Time compression (what the harness changes, nothing the program sets): scrapes every 2s,
 * receiver blocks of 1m instead of 2h (so the receivers flush idle heads, cut and upload
 * blocks within minutes; a 3m outage against 1m blocks is a 6h outage against 2h blocks,
 * scaled 1:120), the Store Gateway's 10s sync and the compactor's 30s wait between runs.
 * The outages are CI-sized: 3m for the 15m central outage and the 10m MinIO outage. The
 * table (fault, duration, samples expected, received, lost, duplicates, recovery time) is
 * printed at the end (and, with KEEP_E2E_DIR=1, written into the kept work directory).
 *
 * Runs alone with `npx jest faults.e2e` (16 to 20 minutes); needs `npm run tools` and
 * util-linux's `prlimit`.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ALERTS } from "../../mixin/alerts";
import { CounterProbe, probeScrapeJob } from "../../loopback/counter-probe";
import { ulidTime } from "../../loopback/history";
import { LocalPlatform, startPlatform } from "../../loopback/local-platform";
import { freePort, loopback, sleep, waitFor } from "../../loopback/process";
import { Receiver, safeStartTime } from "../../loopback/thanos/receive";
import { addCounts, Count, FaultRow, formatSeconds, lostOf, ProbeLedger, probeSamples, renderFaultTable, Values } from "../support/probe-count";
import { describeWithPlatformTools } from "../support";
import { ownMetric } from "../support/thanos-api";

const SCRAPE_INTERVAL = "2s";
const BLOCK_DURATION = "1m";
const COMPACTOR_WAIT_INTERVAL = "30s";
/** Fault 1: the receiver comes back after a minute, as in the issue. */
const RECEIVER_DOWN_MS = 60_000;
/** Fault 2: the CI size of a 15m central outage (3 block lengths, as 6h is of 2h blocks). */
const OUTAGE_MS = 180_000;
/** Fault 4: the agent restarts this far into the outage. */
const AGENT_RESTART_AFTER_MS = 60_000;
const RESTARTED_AGENT = "cluster-04";
/** Fault 3: the CI size of a 10m MinIO outage. */
const MINIO_DOWN_MS = 180_000;
/** Values served this long before a fault began are counted with it: what was still in flight. */
const IN_FLIGHT_MS = 20_000;
/** The seeds' promise. */
const SEED_RECOVERY_MS = 7 * 60_000;

interface Outage {
  from: Values;
  to: Values;
  /** The restarted agent: the last value served before the outage, the last its old process scraped, and the first its new one did. */
  cutValue: number;
  stoppedAt: number;
  restartedFrom: number;
  durationMs: number;
  healedAt: number;
  recoveredAfterMs?: number;
  counts: Record<string, Count>;
}

describeWithPlatformTools("faults on the platform on loopback: what is survived, counted", () => {
  let tmp: string;
  let platform: LocalPlatform;
  let probe: CounterProbe;
  const rows: FaultRow[] = [];
  const recoveries: { fault: string; ms: number }[] = [];
  let outage: Outage | undefined;

  let ledger: ProbeLedger;

  const agents = () => platform.agents.map((a) => a.plan.name);
  const served = () => ledger.served();
  const servedAt = (time: number) => ledger.servedAt(time);
  const count = (names: string[], from: Values, to: Values, params?: { dedup?: boolean; storeMatch?: string }) => ledger.count(names, from, to, params);
  const untilComplete = (names: string[], from: Values, to: Values, withinMs: number) => ledger.untilComplete(names, from, to, withinMs);
  const storeOf = (r: Receiver) => `{__address__="${loopback(r.ports.grpc)}"}`;
  const receiverUrl = (r: Receiver) => `http://${loopback(r.ports.http)}`;
  /** A process's own metric, summed over its series; 0 when it has none yet. */
  const metricOf = async (url: string, name: string) => (await ownMetric(url, name)) ?? 0;
  const sumOver = async (urls: string[], name: string) => (await Promise.all(urls.map((u) => metricOf(u, name)))).reduce((a, b) => a + b, 0);
  const agentsFailed = (names = agents()) =>
    sumOver(
      platform.agents.filter((a) => names.includes(a.plan.name)).map((a) => a.url),
      "prometheus_remote_storage_samples_failed_total",
    );

  /** Where a fault's window starts: a little before it, so samples still in flight when it began count too. */
  const windowStart = () => servedAt(Date.now() - IN_FLIGHT_MS);

  function record(fault: string, durationMs: number, counts: Record<string, Count>, recovery: { ms?: number; what: string }): void {
    const sum = addCounts(Object.values(counts));
    rows.push({ fault, duration: formatSeconds(durationMs), ...sum, recovery: recovery.ms === undefined ? `not within the wait (${recovery.what})` : `${formatSeconds(recovery.ms)} (${recovery.what})` });
    if (recovery.ms !== undefined) recoveries.push({ fault, ms: recovery.ms });
    console.log(`${fault}: ${JSON.stringify(counts)}`);
  }

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "faults-e2e-"));
    probe = await CounterProbe.start(await freePort());
    platform = await startPlatform({
      dir: path.join(tmp, "platform"),
      scrapeInterval: SCRAPE_INTERVAL,
      receiveBlockDuration: BLOCK_DURATION,
      compactorWaitInterval: COMPACTOR_WAIT_INTERVAL,
      extraScrapeJobs: (agent) => [probeScrapeJob(probe, agent.name)],
    });
    ledger = new ProbeLedger(probe, platform.urls.query, agents);
    // Every agent's counter reaches Query before the first fault.
    await waitFor(
      "every agent's probe counter in Query",
      async () => {
        const counts = await count(agents(), servedAt(Date.now() - 30_000), servedAt(Date.now() - 10_000));
        return agents().every((n) => counts[n].expected > 0 && counts[n].lost === 0) || undefined;
      },
      120_000,
      2000,
    );
  }, 360_000);

  afterAll(async () => {
    const table = renderFaultTable(rows);
    console.log(table);
    await platform?.stop();
    await probe?.stop();
    if (tmp && process.env.KEEP_E2E_DIR) {
      fs.writeFileSync(path.join(tmp, "fault-table.txt"), table);
      console.log(`kept ${tmp}: every process's log under platform/, the table in fault-table.txt`);
    } else if (tmp) {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 180_000);

  test("1. one receiver of three SIGKILLed under load and restarted a minute later: writes keep the 2/3 quorum, queries stay complete", async () => {
    const victim = platform.receivers[1];
    const survivors = platform.receivers.filter((r) => r !== victim);
    const failedBefore = await agentsFailed();
    // Its restart a minute later must not wait for a safe start, which would count as recovery.
    await awaitRestartableAfter(RECEIVER_DOWN_MS);
    const killedAt = Date.now();
    const from = windowStart();
    await victim.process.kill();

    await sleep(RECEIVER_DOWN_MS / 2);
    // During: all that was scraped until a send deadline ago is already queryable, from the two survivors.
    const during = await count(agents(), from, servedAt(Date.now() - 10_000));
    await sleep(Math.max(0, killedAt + RECEIVER_DOWN_MS - Date.now()));

    const restartedAt = Date.now();
    await victim.restart();
    const appended = () => metricOf(receiverUrl(victim), "prometheus_tsdb_head_samples_appended_total");
    const atStart = await appended();
    const ingestingAt = await waitFor("the restarted receiver ingesting replicated writes", async () => ((await appended()) > atStart ? Date.now() : undefined), 120_000, 500);
    const to = served();
    const { counts } = await untilComplete(agents(), from, to, 60_000);
    // Dedup off: each survivor holds every sample by itself, so writes reached 2 of 3 all along.
    const replicas = await Promise.all(survivors.map(async (r) => ({ pod: r.pod, lost: addCounts(Object.values(await count(agents(), from, to, { dedup: false, storeMatch: storeOf(r) }))).lost })));
    console.log(`fault 1 replicas (dedup off), samples lost per surviving receiver: ${JSON.stringify(replicas)}`);

    record("1. receiver SIGKILL, back after 1m", restartedAt - killedAt, counts, { ms: ingestingAt - restartedAt, what: "restart to ingesting again" });
    expect(lostOf(during)).toEqual({});
    expect(lostOf(counts)).toEqual({});
    expect(replicas).toEqual(survivors.map((r) => ({ pod: r.pod, lost: 0 })));
    expect((await agentsFailed()) - failedBefore).toBe(0);
  }, 360_000);

  test("2. every receiver unreachable for 3m (the CI size of 15m) while the agents scrape: they backfill from their WAL, nothing lost", async () => {
    const restarted = platform.agents.find((a) => a.plan.name === RESTARTED_AGENT)!;
    const others = agents().filter((n) => n !== RESTARTED_AGENT);
    const receivers = platform.receivers.map(receiverUrl);
    const [failedBefore, outOfOrderBefore, outOfBoundsBefore] = await Promise.all([
      agentsFailed(others),
      sumOver(receivers, "prometheus_tsdb_head_out_of_order_samples_appended_total"),
      sumOver(receivers, "prometheus_tsdb_out_of_bound_samples_total"),
    ]);
    const cutAt = Date.now();
    const from = windowStart();
    const cutValue = probe.current(RESTARTED_AGENT);
    platform.loadBalancer.partition();

    // Fault 4 inside this one: SIGTERM, so the agent tries (and fails) to flush its queue, then starts again on the same WAL.
    await sleep(AGENT_RESTART_AFTER_MS);
    await restarted.process.stop(60_000);
    const stoppedAt = probe.current(RESTARTED_AGENT);
    await restarted.process.restart();
    const restartedFrom = probe.current(RESTARTED_AGENT) + 1;

    await sleep(Math.max(0, cutAt + OUTAGE_MS - Date.now()));
    const to = served();
    platform.loadBalancer.heal();
    const healedAt = Date.now();
    const { counts: othersCounts, afterMs } = await untilComplete(others, from, to, 5 * 60_000);
    // The restarted agent: what its new process scraped (after `stoppedAt`) must arrive.
    const kept = await untilComplete([RESTARTED_AGENT], { [RESTARTED_AGENT]: stoppedAt }, to, 2 * 60_000);
    const keptAfterMs = kept.afterMs === undefined ? undefined : Date.now() - healedAt;
    const restartedCounts = await count([RESTARTED_AGENT], from, to);
    outage = { from, to, cutValue, stoppedAt, restartedFrom, durationMs: healedAt - cutAt, healedAt, recoveredAfterMs: keptAfterMs, counts: { ...othersCounts, ...restartedCounts } };
    const [outOfOrder, outOfBounds] = await Promise.all([
      sumOver(receivers, "prometheus_tsdb_head_out_of_order_samples_appended_total"),
      sumOver(receivers, "prometheus_tsdb_out_of_bound_samples_total"),
    ]);
    console.log(`fault 2: the receivers appended ${outOfOrder - outOfOrderBefore} samples out of order (older than their flushed heads) and rejected ${outOfBounds - outOfBoundsBefore} as out of bounds`);

    record("2. all receivers unreachable 3m", healedAt - cutAt, othersCounts, { ms: afterMs, what: "reconnect to every sample queryable" });
    expect(lostOf(othersCounts)).toEqual({});
    expect((await agentsFailed(others)) - failedBefore).toBe(0);
    // The receivers flushed the idle heads during the outage: the backfill went through the out-of-order window, none was rejected.
    expect(outOfOrder - outOfOrderBefore).toBeGreaterThan(0);
    expect(outOfBounds - outOfBoundsBefore).toBe(0);
  }, 600_000);

  test(`4. ${RESTARTED_AGENT}'s agent restarted during that outage: it loses exactly what it had not sent before the restart, nothing after`, () => {
    expect(outage).toBeDefined();
    const { from, to, cutValue, stoppedAt, restartedFrom, counts } = outage!;
    const found = counts[RESTARTED_AGENT];
    record(`4. agent restart during outage (${RESTARTED_AGENT})`, outage!.durationMs, { [RESTARTED_AGENT]: found }, { ms: outage!.recoveredAfterMs, what: "reconnect to every sample kept queryable" });
    console.log(
      `fault 4: ${RESTARTED_AGENT} was served values ${from[RESTARTED_AGENT] + 1}-${to[RESTARTED_AGENT]}, ${cutValue} when the outage began; ` +
        `its old process scraped up to ${stoppedAt}, the new one from ${restartedFrom}; lost: ${found.lostValues || "none"}`,
    );
    // prometheus/prometheus#8809: a starting agent sends only samples newer than its start, so
    // what the old process had not sent stays in the WAL unsent. That is one run of values: from
    // the first one the outage kept from central (at the latest the first after it began) to the
    // last the old process scraped. Everything the new process scraped arrives, once.
    const runs = found.lostValues.split(",").filter(Boolean).map((run) => run.split("-").map(Number));
    expect(runs).toHaveLength(1);
    const [firstLost, lastLost = firstLost] = runs[0];
    expect(firstLost).toBeLessThanOrEqual(cutValue + 1);
    expect(lastLost).toBe(stoppedAt);
    expect(found.lost).toBe(stoppedAt - firstLost + 1);
    expect(found.duplicates).toBe(0);
  });

  test("3. MinIO down for 3m (the CI size of 10m): the receivers keep ingesting; uploads, the Store Gateway and the Compactor recover; nothing lost", async () => {
    const { minio } = platform;
    const bucket = (platform.fleet.central.outputs.bucketNames as { thanos: string }).thanos;
    const admin = minio.client(minio.admin);
    const compactor = platform.urls.compactor;
    const [retriesBefore, storeSyncFailuresBefore] = [await metricOf(compactor, "thanos_compact_retries_total"), await metricOf(platform.urls.storeGateway, "thanos_blocks_meta_sync_failures_total")];

    const downAt = Date.now();
    const from = windowStart();
    await minio.process.stop();
    await sleep(MINIO_DOWN_MS);
    const to = served();
    // Blocks the receivers cut while the bucket was away (a block's ULID carries its creation time).
    const cutDuring = localBlocks(platform.receivers).filter((b) => b.createdAt >= downAt);
    // A shipper run fails at its first bucket call (does the block exist?) or at the upload.
    const receivers = platform.receivers.map(receiverUrl);
    const failedShipperRuns = (await sumOver(receivers, "thanos_shipper_dir_sync_failures_total")) + (await sumOver(receivers, "thanos_shipper_upload_failures_total"));
    const [retriesDuring, storeSyncFailuresDuring] = [await metricOf(compactor, "thanos_compact_retries_total"), await metricOf(platform.urls.storeGateway, "thanos_blocks_meta_sync_failures_total")];

    const restartedAt = Date.now();
    await minio.process.restart();
    const inBucket = async () => new Set((await admin.listObjectsV2(bucket, "", false).toArray()).map((o) => o.prefix?.replace(/\/$/, "")).filter((p): p is string => Boolean(p)));
    const uploadedAt = await waitFor("every block cut during the outage in the bucket", async () => {
      const present = await inBucket();
      return cutDuring.every((b) => present.has(b.ulid)) ? Date.now() : undefined;
    }, 5 * 60_000, 2000);

    // The Store Gateway alone serves each agent's samples of its tenant's blocks cut during the outage.
    const storeMatch = `{__address__="${platform.storeGatewayGrpc}"}`;
    const servedByStore = async () => {
      const missing: Record<string, number> = {};
      for (const agent of platform.agents) {
        const blocks = cutDuring.filter((b) => b.tenant === agent.plan.tenant);
        if (blocks.length === 0) continue;
        const [minT, maxT] = [Math.min(...blocks.map((b) => b.minTime)), Math.max(...blocks.map((b) => b.maxTime))];
        const lookbackSeconds = (Date.now() - minT) / 1000 + 60;
        const all = (await probeSamples(platform.urls.query, agent.plan.name, { at: Date.now(), lookbackSeconds, dedup: true })).flatMap((s) => s.samples);
        const fromStore = new Set((await probeSamples(platform.urls.query, agent.plan.name, { at: Date.now(), lookbackSeconds, dedup: true, storeMatch })).flatMap((s) => s.samples.map((x) => x.value)));
        const expected = all.filter((s) => s.t >= minT && s.t < maxT);
        missing[agent.plan.name] = expected.filter((s) => !fromStore.has(s.value)).length + (expected.length === 0 ? 1 : 0);
      }
      return missing;
    };
    let lastMissing: Record<string, number> = {};
    const storeServesAt = await waitFor("the Store Gateway serving the blocks cut during the outage", async () => {
      lastMissing = await servedByStore();
      return Object.values(lastMissing).every((n) => n === 0) ? Date.now() : undefined;
    }, 3 * 60_000, 2000).catch((err: Error) => {
      throw new Error(`${err.message}; samples missing from the Store Gateway per agent: ${JSON.stringify(lastMissing)}`);
    });
    const iterationsAtRestart = await metricOf(compactor, "thanos_compact_iterations_total");
    const compactorIteratedAt = await waitFor(
      "a compactor iteration after MinIO is back",
      async () => ((await metricOf(compactor, "thanos_compact_iterations_total")) > iterationsAtRestart ? Date.now() : undefined),
      3 * 60_000,
      1000,
    );
    const { counts } = await untilComplete(agents(), from, to, 60_000);
    console.log(
      `fault 3: ${cutDuring.length} blocks cut while MinIO was down (${failedShipperRuns} failed shipper runs), all in the bucket ${formatSeconds(uploadedAt - restartedAt)} after it came back; ` +
        `Store Gateway serving them after ${formatSeconds(storeServesAt - restartedAt)}; compactor retried ${retriesDuring - retriesBefore} runs, ran again after ${formatSeconds(compactorIteratedAt - restartedAt)}; ` +
        `Store Gateway bucket syncs failed ${storeSyncFailuresDuring - storeSyncFailuresBefore} times`,
    );

    const recoveredAt = Math.max(uploadedAt, storeServesAt, compactorIteratedAt);
    record("3. MinIO down 3m", restartedAt - downAt, counts, { ms: recoveredAt - restartedAt, what: "back to blocks uploaded, served and compactor running" });
    expect(lostOf(counts)).toEqual({});
    expect(cutDuring.length).toBeGreaterThan(0);
    expect(failedShipperRuns).toBeGreaterThan(0);
    expect(retriesDuring - retriesBefore).toBeGreaterThan(0);
    expect(platform.processes.compactor.running).toBe(true);
    expect(await metricOf(compactor, "thanos_compact_halted")).toBe(0);
  }, 600_000);

  test(`5. a receiver that cannot write (its files may not grow, as on a full volume): the others keep the quorum, and ${ALERTS.thanosReceiveStorageFailing} or, once it exits, ${ALERTS.thanosReceiveDown} fires`, async () => {
    expect(spawnSync("prlimit", ["--version"]).status).toBe(0);
    const victim = platform.receivers[2];
    const victimUrl = receiverUrl(victim);
    const failedBefore = await agentsFailed();
    // The soft limit only, so lifting it needs no privilege. The receiver runs as this user; chmod would not stop root.
    const limitFileSize = (limit: string) => execFileSync("prlimit", [`--pid=${victim.process.pid}`, `--fsize=${limit}:`]);
    const faultAt = Date.now();
    const from = windowStart();
    limitFileSize("1");
    // Its WAL writes fail at once. The first head chunk it must write to disk makes the TSDB
    // panic (prometheus tsdb handleChunkWriteError), so it may also exit, at once or later: then
    // it is down.
    const matching: string[] = [ALERTS.thanosReceiveStorageFailing, ALERTS.thanosReceiveDown];
    let alerts: { labels: Record<string, string>; state: string }[] = [];
    let walFailures = 0;
    const firingAlert = async () => {
      if (victim.process.running) walFailures = Math.max(walFailures, await metricOf(victimUrl, "prometheus_tsdb_wal_writes_failed_total").catch(() => 0));
      const res = await fetch(new URL("/api/v1/alerts", platform.urls.centralPrometheus), { signal: AbortSignal.timeout(5000) });
      alerts = ((await res.json()) as { data: { alerts: typeof alerts } }).data.alerts;
      return alerts.find((a) => a.state === "firing" && matching.includes(a.labels.alertname) && a.labels.pod === victim.pod);
    };
    const alert = await waitFor(`${matching.join(" or ")} firing for ${victim.pod}`, firingAlert, 9 * 60_000, 2000).catch((err: Error) => {
      const state = alerts.map((a) => `${a.labels.alertname}/${a.labels.pod ?? "-"}: ${a.state}`).join(", ");
      throw new Error(`${err.message}; ${victim.pod} running: ${victim.process.running}; central Prometheus alerts: ${state || "none"}`);
    });
    const firedAt = Date.now();
    const exitedWhenFired = !victim.process.running;
    const path = alert.labels.severity === "critical" ? platform.webhookPaths.critical : platform.webhookPaths.warning;
    const notified = await waitFor(
      `${alert.labels.alertname} at the ${alert.labels.severity} webhook`,
      async () => platform.webhooks.received.find((r) => r.path === path && r.notification.status === "firing" && r.notification.groupLabels.alertname === alert.labels.alertname),
      120_000,
      1000,
    );
    const to = served();

    // The volume takes writes again; an exited receiver is started again, as Kubernetes would.
    const endedAt = Date.now();
    const exitedByNow = !victim.process.running;
    if (exitedByNow) await victim.restart();
    else limitFileSize("unlimited");
    const appended = () => metricOf(victimUrl, "prometheus_tsdb_head_samples_appended_total");
    const atEnd = await appended();
    const writingAt = await waitFor("the receiver writing again", async () => ((await appended()) > atEnd ? Date.now() : undefined), 120_000, 500);
    const { counts } = await untilComplete(agents(), from, to, 60_000);
    console.log(
      `fault 5: ${victim.pod} failed ${walFailures} WAL writes seen; it ${exitedByNow ? "exited (a head chunk it could not write)" : "kept running"}; ` +
        `${alert.labels.alertname} fired ${formatSeconds(firedAt - faultAt)} after the fault and reached the ${alert.labels.severity} webhook ${formatSeconds(notified.at - faultAt)} after it; ` +
        `writing again ${formatSeconds(writingAt - endedAt)} after the volume took writes${exitedByNow ? " (restarted)" : ""}`,
    );

    record(`5. receiver cannot write${exitedByNow ? " (exited)" : ""}`, endedAt - faultAt, counts, { ms: writingAt - endedAt, what: `volume writable to writing again; ${alert.labels.alertname} after ${formatSeconds(firedAt - faultAt)}` });
    // A receiver still running is not reported down.
    expect(exitedWhenFired ? matching : [ALERTS.thanosReceiveStorageFailing]).toContain(alert.labels.alertname);
    expect(notified.notification.alerts.map((a) => a.labels.pod)).toContain(victim.pod);
    expect(lostOf(counts)).toEqual({});
    expect((await agentsFailed()) - failedBefore).toBe(0);
  }, 900_000);

  test("every recovery beats the seeds' 7 minutes", () => {
    expect(recoveries.length).toBe(rows.length);
    expect(recoveries.filter((r) => r.ms >= SEED_RECOVERY_MS)).toEqual([]);
  });
});

/**
 * Waits until a receiver stopped now could start again `afterMs` later without waiting for a
 * safe start (loopback/thanos/receive.ts: the minutes Thanos v0.42.4's tenant pruning crashes it in).
 */
async function awaitRestartableAfter(afterMs: number): Promise<void> {
  for (;;) {
    const restartAt = new Date(Date.now() + afterMs);
    if (safeStartTime(restartAt, BLOCK_DURATION).getTime() === restartAt.getTime()) return;
    await sleep(1000);
  }
}

/** A TSDB block a receiver holds locally: `<data dir>/<tenant>/<ULID>/meta.json`. */
interface LocalBlock {
  tenant: string;
  ulid: string;
  createdAt: number;
  minTime: number;
  maxTime: number;
}

function localBlocks(receivers: Receiver[]): LocalBlock[] {
  return receivers.flatMap((r) =>
    fs.readdirSync(r.dataDir, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((tenant) =>
      fs
        .readdirSync(path.join(r.dataDir, tenant.name))
        .filter((name) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(name) && fs.existsSync(path.join(r.dataDir, tenant.name, name, "meta.json")))
        .map((ulid) => {
          const meta = JSON.parse(fs.readFileSync(path.join(r.dataDir, tenant.name, ulid, "meta.json"), "utf8")) as { minTime: number; maxTime: number };
          return { tenant: tenant.name, ulid, createdAt: ulidTime(ulid), minTime: meta.minTime, maxTime: meta.maxTime };
        }),
    ),
  );
}
