/** Renders a verify report and the stacks' deployment state for people (a table, lines) and for machines (JSON). */
import { formatAge } from "./format";
import { LockState, ReleaseState, StackState } from "./deployment-state";
import { Report } from "./types";

const COLUMNS = ["CHECK", "CLUSTER", "TENANT", "STATUS", "NEWEST SAMPLE", "DETAIL"] as const;

export function renderTable(report: Report): string {
  const cells = report.rows.map((r) => [
    r.check,
    r.cluster,
    r.tenant ?? "-",
    r.ok ? r.status : r.status.toUpperCase(),
    r.newestSampleAgeSeconds === undefined ? "-" : `${formatAge(r.newestSampleAgeSeconds)} ago`,
    r.detail,
  ]);
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...cells.map((row) => row[i].length)));
  // The last column is not padded, so lines carry no trailing spaces.
  const line = (row: readonly string[]) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ");
  const failed = report.rows.filter((r) => !r.ok).length;
  const attention = report.rows.filter((r) => r.ok && r.warning);
  const warned = attention.length > 0 ? `, ${attention.length} warning${attention.length > 1 ? "s" : ""}` : "";
  const summary = report.healthy
    ? `healthy: all ${report.rows.length} checks passed${warned} (${report.queryUrl}, max age ${formatAge(report.settings.maxAgeSeconds)})`
    : `UNHEALTHY: ${failed} of ${report.rows.length} checks failed${warned} (${report.queryUrl}, max age ${formatAge(report.settings.maxAgeSeconds)})`;
  return (
    [
      line(COLUMNS),
      ...cells.map(line),
      "",
      ...attention.map((r) => `WARNING: ${r.check}${r.tenant ? ` ${r.tenant}` : ""}: ${r.detail}`),
      ...report.warnings.map((w) => `warning from the query API: ${w}`),
      summary,
    ].join("\n") + "\n"
  );
}

/** The report as JSON; with deployment states, `healthy` covers them too and they follow as `deploymentState`. With `--state-only` there is no report. */
export function renderJson(report: Report | undefined, states: StackState[] = []): string {
  if (states.length === 0 && report) return JSON.stringify(report, null, 2) + "\n";
  const healthy = (report?.healthy ?? true) && states.every((s) => s.ok);
  return JSON.stringify({ ...report, healthy, deploymentState: states }, null, 2) + "\n";
}

function lockLines(lock: LockState): string[] {
  if (lock.kind !== "held") return [];
  return lock.locks.map((l) => {
    const who = l.username || l.hostname ? ` by ${l.username ?? "?"}@${l.hostname ?? "?"}` : "";
    return `  lock: ${l.path}, taken${who}${l.pid === undefined ? "" : ` (pid ${l.pid})`}${l.timestamp ? ` at ${l.timestamp}` : ""}`;
  });
}

function releaseLines(releases: ReleaseState): string[] {
  if (releases.kind === "unread") return [`  WARNING: Helm releases not checked: ${releases.why}`];
  return releases.pending.map((r) => `  Helm release ${r.namespace}/${r.release}: revision ${r.revision} is ${r.status}`);
}

/** One line per stack with nothing pending; otherwise what is pending and the commands that recover, in order. */
export function renderStates(states: StackState[]): string {
  const lines = states.flatMap((state) => {
    if (state.ok) {
      const helm = state.releases.kind === "read" ? ", no pending Helm releases" : "";
      return [`deployment state: no pending operations${helm} (stack ${state.stack})`, ...releaseLines(state.releases)];
    }
    const width = Math.max(...state.steps.map((s) => s.command.length));
    return [
      `deployment state of stack ${state.stack}: INTERRUPTED (an update was killed, or one is running now)`,
      ...state.pendingOperations.map((op) => `  pending operation: ${op.type} ${op.resourceType} ${op.name} (${op.urn})`),
      ...lockLines(state.lock),
      ...releaseLines(state.releases),
      ...state.notes.map((note) => `  note: ${note}`),
      "  to recover, once no pulumi command of this stack runs, run in this order:",
      ...state.steps.map((s) => `    ${s.command.padEnd(width)}  # ${s.why}`),
    ];
  });
  return lines.length > 0 ? lines.join("\n") + "\n" : "";
}
