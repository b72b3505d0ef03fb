/** Renders a verify report for people (a table) and for machines (JSON). */
import { formatAge } from "./checks";
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

export function renderJson(report: Report): string {
  return JSON.stringify(report, null, 2) + "\n";
}
