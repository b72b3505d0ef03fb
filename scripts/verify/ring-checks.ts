/**
 * What an operator checks before and after changing the receivers (scaling, an upgrade) or
 * rolling the agents, as pure functions:
 *
 * - `ring`: every receiver loaded the same hashring (`thanos_receive_config_hash`) and its
 *   last reload succeeded: during a change, receivers pick the new hashring file up each at its
 *   own moment, and until they agree a write may be forwarded by two different rings;
 * - `ready`: every receiver reports itself ready (`thanos_status{check="ready"}`), which it
 *   is not while it flushes its head after a hashring change;
 * - `behind`: no agent's remote-write queue is further behind its newest scraped sample than
 *   `--max-behind` (a rolled agent replays its WAL, a restarted receiver backs queues up).
 */
import { REMOTE_WRITE_TIMESTAMPS } from "../../mixin/selectors";
import { formatAge } from "./format";
import { Expectations } from "./expectations";
import { CheckSettings, Row, Sample } from "./types";

export interface RingQueries {
  ready: string;
  configHash: string;
  reloadOk: string;
  behind: string;
}

export interface RingResults {
  ready: Sample[];
  configHash: Sample[];
  reloadOk: Sample[];
  behind: Sample[];
}

export function ringQueries(expectations: Pick<Expectations, "centralCluster" | "tenantLabel">): RingQueries {
  const receivers = `cluster=${JSON.stringify(expectations.centralCluster)}, job=~".*receive.*"`;
  const t = REMOTE_WRITE_TIMESTAMPS;
  return {
    ready: `min by (instance) (thanos_status{${receivers}, component="receive", check="ready"})`,
    configHash: `max by (instance) (thanos_receive_config_hash{${receivers}})`,
    reloadOk: `min by (instance) (thanos_receive_config_last_reload_successful{${receivers}})`,
    // A queue that has not sent yet reports 0: it is not behind by the whole epoch.
    behind: `max by (cluster, ${expectations.tenantLabel}) (${t.newestAppended} - ignoring (remote_name, url) group_right () (${t.newestSent} > 0))`,
  };
}

const instancesOf = (samples: Sample[]) => samples.map((s) => s.labels.instance ?? "?").sort();

function centralRow(expectations: Expectations, check: string, ok: boolean, status: Row["status"], detail: string): Row {
  return { check, cluster: expectations.centralCluster, tenant: "-", status, ok, detail };
}

/** One row: the receivers agree on one hashring and each last reload succeeded. */
export function ringRow(expectations: Expectations, results: RingResults): Row {
  const row = (ok: boolean, detail: string) => centralRow(expectations, "ring", ok, ok ? "ok" : "failing", detail);
  if (results.configHash.length === 0) return row(false, "no receiver reports thanos_receive_config_hash: is the central Prometheus scraping the receivers?");
  const byHash = new Map<number, string[]>();
  for (const s of results.configHash) byHash.set(s.value, [...(byHash.get(s.value) ?? []), s.labels.instance ?? "?"]);
  const failedReload = instancesOf(results.reloadOk.filter((s) => s.value < 1));
  if (byHash.size > 1) {
    const groups = [...byHash.entries()].map(([hash, instances]) => `${hash} on ${instances.sort().join(", ")}`);
    return row(false, `the receivers disagree on the hashring (config hash ${groups.join("; ")}): a change is still rolling out, or a receiver did not pick the file up`);
  }
  if (failedReload.length > 0) return row(false, `the last hashring reload failed on ${failedReload.join(", ")}: they keep the previous ring (see their logs)`);
  const [hash] = byHash.keys();
  return row(true, `${results.configHash.length}/${results.configHash.length} receivers on one hashring (config hash ${hash}), last reload successful`);
}

/** One row: every receiver is ready. */
export function readyRow(expectations: Expectations, results: RingResults): Row {
  if (results.ready.length === 0) return centralRow(expectations, "ready", false, "no-data", 'no receiver reports thanos_status{check="ready"}');
  const unready = instancesOf(results.ready.filter((s) => s.value < 1));
  if (unready.length > 0) return centralRow(expectations, "ready", false, "failing", `${unready.length}/${results.ready.length} receivers not ready (${unready.join(", ")}): flushing after a hashring change, or starting`);
  return centralRow(expectations, "ready", true, "ok", `${results.ready.length}/${results.ready.length} receivers ready`);
}

/** A failing row per (cluster, tenant) whose queue is behind, or one row with the largest lag. */
export function behindRows(expectations: Expectations, settings: CheckSettings, results: RingResults): Row[] {
  const tenantOf = (s: Sample) => s.labels[expectations.tenantLabel] ?? "-";
  const late = results.behind.filter((s) => s.value > settings.maxBehindSeconds);
  if (late.length > 0) {
    return late.map((s) => ({
      check: "behind",
      cluster: s.labels.cluster ?? "?",
      tenant: tenantOf(s),
      status: "failing",
      ok: false,
      detail: `the agent's remote-write queue is ${formatAge(s.value)} behind its newest scraped sample (limit ${formatAge(settings.maxBehindSeconds)}, --max-behind)`,
    }));
  }
  const largest = [...results.behind].sort((a, b) => b.value - a.value)[0];
  const detail = largest
    ? `no agent more than ${formatAge(settings.maxBehindSeconds)} behind (largest ${formatAge(largest.value)}, ${largest.labels.cluster}/${tenantOf(largest)})`
    : "no agent reports its remote-write queue (prometheus_remote_storage_queue_highest_sent_timestamp_seconds)";
  return [{ check: "behind", cluster: "-", tenant: "-", status: largest ? "ok" : "no-data", ok: largest !== undefined, detail }];
}
