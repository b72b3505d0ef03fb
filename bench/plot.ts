/**
 * The bench's plots, drawn as SVG text by this module so the bench needs no plotting program.
 * svgPlot: offered and ingested samples/s (left axis) and the end-to-end lag p50 and p99
 * (right axis, dashed) against the load level (log2 x axis). svgLatencyPlot: dashboard query
 * latency by range, and the distribution of the end-to-end lag at each level. Pure: results
 * in, SVG text out.
 */
import { LagSummary } from "./end-to-end-lag";
import { WindowSummary } from "./sampler";

/** What the plot reads of a level's result (a `LevelResult` is one). */
export interface PlotLevel {
  level: number;
  offeredSamplesPerSecond: number;
  window: Pick<WindowSummary, "ingestedSamplesPerSecond">;
  endToEndLag?: Pick<LagSummary, "p50Seconds" | "p99Seconds">;
}

const WIDTH = 1000;
const HEIGHT = 600;
/** The plot area inside the margins that hold the title, tick labels and axis labels. */
const FRAME = { left: 90, right: WIDTH - 90, top: 50, bottom: HEIGHT - 70 };
/** Headroom above the highest point, so no line runs along the frame. */
const RATE_HEADROOM = 1.15;
const LAG_HEADROOM = 1.3;
const X_LABEL = "offered load (fleet active series at 15s, multiples of the seed's 110k)";

type Axis = "left" | "right";

interface Series {
  title: string;
  axis: Axis;
  color: string;
  /** SVG stroke-dasharray; solid when absent. */
  dash?: string;
  value: (l: PlotLevel) => number | undefined;
}

const SERIES: Series[] = [
  { title: "offered samples/s", axis: "left", color: "#1f77b4", value: (l) => l.offeredSamplesPerSecond },
  { title: "ingested samples/s", axis: "left", color: "#2ca02c", value: (l) => l.window.ingestedSamplesPerSecond },
  { title: "lag p50 (s, right axis)", axis: "right", color: "#d62728", dash: "8 5", value: (l) => l.endToEndLag?.p50Seconds },
  { title: "lag p99 (s, right axis)", axis: "right", color: "#9467bd", dash: "2 4", value: (l) => l.endToEndLag?.p99Seconds },
];

type Scale = (v: number) => number;

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

const coord = (n: number) => n.toFixed(1);
const defined = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);
const tickText = (v: number) => v.toLocaleString("en-US", { maximumFractionDigits: 2 });

/** Maps [lo, hi] onto [from, to]. */
function linearScale(lo: number, hi: number, from: number, to: number): Scale {
  return (v) => from + ((v - lo) / (hi - lo)) * (to - from);
}

/** Ticks from 0 to at most `max` at a 1, 2 or 5 times a power of ten step, about `count` of them. */
function niceTicks(max: number, count = 6): number[] {
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
  return Array.from({ length: Math.floor(max / step + 1e-9) + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

const strokeOf = (s: Series) => `stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}`;
const text = (x: number, y: number, content: string, attrs = "") => `<text x="${coord(x)}" y="${coord(y)}"${attrs ? ` ${attrs}` : ""}>${escapeXml(content)}</text>`;
const line = (x1: number, y1: number, x2: number, y2: number, attrs: string) => `<line x1="${coord(x1)}" y1="${coord(y1)}" x2="${coord(x2)}" y2="${coord(y2)}" ${attrs}/>`;

/** The x axis: a grid line and an `Nx` label at every level, and the axis label. */
function xAxis(levels: number[], x: Scale): string[] {
  return [
    ...levels.flatMap((level) => [
      line(x(level), FRAME.top, x(level), FRAME.bottom, `class="grid"`),
      text(x(level), FRAME.bottom + 20, `${level}x`, `text-anchor="middle"`),
    ]),
    text((FRAME.left + FRAME.right) / 2, HEIGHT - 20, X_LABEL, `text-anchor="middle"`),
  ];
}

/** A y axis on the left or right edge: tick labels, grid lines for the left one and tick marks for the right, and the rotated axis label. */
function yAxis(axis: Axis, ticks: number[], y: Scale, label: string): string[] {
  const edge = axis === "left" ? FRAME.left : FRAME.right;
  const labelX = axis === "left" ? 25 : WIDTH - 25;
  return [
    ...ticks.flatMap((t) => [
      axis === "left" ? line(FRAME.left, y(t), FRAME.right, y(t), `class="grid"`) : line(FRAME.right - 6, y(t), FRAME.right, y(t), `stroke="#444"`),
      text(edge + (axis === "left" ? -8 : 8), y(t) + 4, tickText(t), `text-anchor="${axis === "left" ? "end" : "start"}"`),
    ]),
    text(labelX, (FRAME.top + FRAME.bottom) / 2, label, `text-anchor="middle" transform="rotate(-90 ${labelX} ${coord((FRAME.top + FRAME.bottom) / 2)})"`),
  ];
}

/** Where a level's value of a series sits on the plot, or undefined when the level has no value for it. */
function pointOf(level: PlotLevel, s: Series, x: Scale, y: Scale): { x: number; y: number } | undefined {
  const v = s.value(level);
  return defined(v) ? { x: x(level.level), y: y(v) } : undefined;
}

/** One polyline per run of consecutive points with a value, so a level without one leaves a gap; a marker on every point. */
function seriesLines(points: ({ x: number; y: number } | undefined)[], s: Series): string[] {
  const runs: { x: number; y: number }[][] = [];
  points.forEach((p, i) => {
    if (!p) return;
    if (i === 0 || !points[i - 1]) runs.push([]);
    runs[runs.length - 1].push(p);
  });
  return [
    `<g class="series">`,
    ...runs.map((run) => `<polyline fill="none" ${strokeOf(s)} points="${run.map((p) => `${coord(p.x)},${coord(p.y)}`).join(" ")}"/>`),
    ...runs.flat().map((p) => `<circle cx="${coord(p.x)}" cy="${coord(p.y)}" r="3.5" fill="${s.color}"/>`),
    `</g>`,
  ];
}

/** The key, top left inside the frame on a white ground: a line sample in each series' style and its title. */
function legend(series: Series[]): string[] {
  const ground = `<rect x="${FRAME.left + 6}" y="${FRAME.top + 6}" width="220" height="${series.length * 20 + 8}" fill="#fff" fill-opacity="0.85" stroke="#bbb"/>`;
  return [ground, ...series.flatMap((s, i) => {
    const y = FRAME.top + 20 + i * 20;
    return [
      line(FRAME.left + 12, y - 4, FRAME.left + 42, y - 4, strokeOf(s)),
      text(FRAME.left + 50, y, s.title),
    ];
  })];
}

/** The SVG of throughput and lag against load, one level per x tick; throws when there is no level to plot. */
export function svgPlot(levels: PlotLevel[], title: string): string {
  if (levels.length === 0) throw new Error("svgPlot: expected at least one level, got none");
  const bad = levels.find((l) => !(l.level > 0 && Number.isFinite(l.level)));
  if (bad) throw new Error(`svgPlot: expected levels above 0 (the x axis is log2), got ${bad.level}`);
  const sorted = [...levels].sort((a, b) => a.level - b.level);
  const log2s = sorted.map((l) => Math.log2(l.level));
  // Half a doubling either side, so the first and last points sit off the frame.
  const log2x = linearScale(log2s[0] - 0.5, log2s[log2s.length - 1] + 0.5, FRAME.left, FRAME.right);
  const x = (level: number) => log2x(Math.log2(level));
  const highest = (axis: Axis) => Math.max(1, ...SERIES.filter((s) => s.axis === axis).flatMap((s) => sorted.map(s.value).filter(defined)));
  const top = { left: highest("left") * RATE_HEADROOM, right: highest("right") * LAG_HEADROOM };
  const y = { left: linearScale(0, top.left, FRAME.bottom, FRAME.top), right: linearScale(0, top.right, FRAME.bottom, FRAME.top) };
  const body = [
    `<style>text { font: 13px sans-serif; fill: #222; } .title { font-size: 16px; } .grid { stroke: #ddd; stroke-width: 1; }</style>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    ...xAxis(sorted.map((l) => l.level), x),
    ...yAxis("left", niceTicks(top.left), y.left, "samples/s"),
    ...yAxis("right", niceTicks(top.right), y.right, "lag end to end, scrape to queryable (s)"),
    `<rect x="${FRAME.left}" y="${FRAME.top}" width="${FRAME.right - FRAME.left}" height="${FRAME.bottom - FRAME.top}" fill="none" stroke="#444"/>`,
    ...SERIES.flatMap((s) => seriesLines(sorted.map((l) => pointOf(l, s, x, y[s.axis])), s)),
    ...legend(SERIES),
    text(WIDTH / 2, 30, title, `class="title" text-anchor="middle"`),
  ];
  return [`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">`, ...body, `</svg>`, ""].join("\n");
}

/** What the latency plot reads: each range's dashboard latency at 1x, each level's lag readings. */
export interface LatencyPlotInput {
  ranges: { range: string; coldP50Ms?: number; coldP99Ms?: number; cachedP50Ms?: number; cachedP99Ms?: number }[];
  lags: { level: number; sortedSeconds: number[] }[];
  goals: { queryP99Ms: number; lagSeconds: number };
}

const PANEL_GAP = 80;
const HALF = (FRAME.right - FRAME.left - PANEL_GAP) / 2;
const LEFT_PANEL = { left: FRAME.left, right: FRAME.left + HALF };
const RIGHT_PANEL = { left: FRAME.left + HALF + PANEL_GAP, right: FRAME.right };
const LATENCY_SERIES: { title: string; color: string; dash?: string; key: keyof LatencyPlotInput["ranges"][number] }[] = [
  { title: "cold p99", color: "#d62728", key: "coldP99Ms" },
  { title: "cold p50", color: "#ff9896", key: "coldP50Ms" },
  { title: "cached p99", color: "#1f77b4", dash: "8 5", key: "cachedP99Ms" },
  { title: "cached p50", color: "#aec7e8", dash: "8 5", key: "cachedP50Ms" },
];
const LEVEL_COLORS = ["#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

const framed = (panel: { left: number; right: number }) => `<rect x="${panel.left}" y="${FRAME.top}" width="${panel.right - panel.left}" height="${FRAME.bottom - FRAME.top}" fill="none" stroke="#444"/>`;
const polyline = (points: { x: number; y: number }[], stroke: string) => `<polyline fill="none" ${stroke} points="${points.map((p) => `${coord(p.x)},${coord(p.y)}`).join(" ")}"/>`;

/** Left panel: p50 and p99, cold and cached, per range on a log10 ms axis, and the goal. */
function latencyPanel(input: LatencyPlotInput): string[] {
  const values = input.ranges.flatMap((r) => LATENCY_SERIES.map((s) => r[s.key] as number | undefined)).filter(defined).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(input.goals.queryP99Ms, ...values)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(input.goals.queryP99Ms, ...values) * 1.1));
  const y = (ms: number) => linearScale(Math.log10(lo), Math.log10(hi), FRAME.bottom, FRAME.top)(Math.log10(ms));
  const x = (i: number) => LEFT_PANEL.left + ((i + 0.5) / input.ranges.length) * HALF;
  const decades = Array.from({ length: Math.round(Math.log10(hi / lo)) + 1 }, (_, i) => lo * 10 ** i);
  return [
    ...decades.flatMap((d) => [line(LEFT_PANEL.left, y(d), LEFT_PANEL.right, y(d), `class="grid"`), text(LEFT_PANEL.left - 8, y(d) + 4, tickText(d), `text-anchor="end"`)]),
    ...input.ranges.map((r, i) => text(x(i), FRAME.bottom + 20, r.range, `text-anchor="middle"`)),
    line(LEFT_PANEL.left, y(input.goals.queryP99Ms), LEFT_PANEL.right, y(input.goals.queryP99Ms), `stroke="#000" stroke-dasharray="3 3"`),
    text(LEFT_PANEL.right - 4, y(input.goals.queryP99Ms) - 6, `goal p99 ${input.goals.queryP99Ms} ms`, `text-anchor="end"`),
    ...LATENCY_SERIES.flatMap((s) => {
      const points = input.ranges.map((r, i) => ({ x: x(i), v: r[s.key] as number | undefined })).filter((p) => defined(p.v) && p.v > 0).map((p) => ({ x: p.x, y: y(p.v!) }));
      const stroke = `stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}`;
      return [polyline(points, stroke), ...points.map((p) => `<circle cx="${coord(p.x)}" cy="${coord(p.y)}" r="3.5" fill="${s.color}"/>`)];
    }),
    ...LATENCY_SERIES.map((s, i) => text(LEFT_PANEL.left + 10, FRAME.top + 18 + i * 18, `— ${s.title}`, `fill="${s.color}"`)),
    text(LEFT_PANEL.left - 60, (FRAME.top + FRAME.bottom) / 2, "dashboard query latency (ms, log)", `text-anchor="middle" transform="rotate(-90 ${LEFT_PANEL.left - 60} ${coord((FRAME.top + FRAME.bottom) / 2)})"`),
    text((LEFT_PANEL.left + LEFT_PANEL.right) / 2, HEIGHT - 20, "range (1x load)", `text-anchor="middle"`),
  ];
}

/** Right panel: the share of probe values queryable within x seconds of their scrape, a step line per level, and the goal. */
function lagPanel(input: LatencyPlotInput): string[] {
  const longest = Math.max(input.goals.lagSeconds, ...input.lags.flatMap((l) => l.sortedSeconds));
  const top = longest * 1.1;
  const x = linearScale(0, top, RIGHT_PANEL.left, RIGHT_PANEL.right);
  const y = linearScale(0, 1, FRAME.bottom, FRAME.top);
  return [
    ...niceTicks(top).flatMap((t) => [line(x(t), FRAME.top, x(t), FRAME.bottom, `class="grid"`), text(x(t), FRAME.bottom + 20, tickText(t), `text-anchor="middle"`)]),
    ...[0, 0.25, 0.5, 0.75, 0.99, 1].map((f) => text(RIGHT_PANEL.left - 8, y(f) + 4, `${Math.round(f * 100)}%`, `text-anchor="end"`)),
    line(RIGHT_PANEL.left, y(0.99), RIGHT_PANEL.right, y(0.99), `class="grid"`),
    line(x(input.goals.lagSeconds), FRAME.top, x(input.goals.lagSeconds), FRAME.bottom, `stroke="#000" stroke-dasharray="3 3"`),
    text(x(input.goals.lagSeconds) + 4, FRAME.bottom - 8, `goal p99 ${input.goals.lagSeconds} s`),
    ...input.lags.flatMap((l, i) => {
      const color = LEVEL_COLORS[i % LEVEL_COLORS.length];
      const n = l.sortedSeconds.length;
      const steps = l.sortedSeconds.flatMap((s, k) => [{ x: x(s), y: y(k / n) }, { x: x(s), y: y((k + 1) / n) }]);
      return [polyline([{ x: x(0), y: y(0) }, ...steps, { x: x(top), y: y(1) }], `stroke="${color}" stroke-width="2"`), text(RIGHT_PANEL.right - 10, FRAME.top + 18 + 18 * i, `— ${l.level}x (${n} values)`, `text-anchor="end" fill="${color}"`)];
    }),
    text((RIGHT_PANEL.left + RIGHT_PANEL.right) / 2, HEIGHT - 20, "lag end to end, scrape to queryable (s)", `text-anchor="middle"`),
  ];
}

/** The SVG of dashboard latency by range and the end-to-end lag distribution; throws when there is neither. */
export function svgLatencyPlot(input: LatencyPlotInput, title: string): string {
  if (input.ranges.length === 0 && input.lags.every((l) => l.sortedSeconds.length === 0)) throw new Error("svgLatencyPlot: expected query timings or lag readings, got neither");
  const body = [
    `<style>text { font: 13px sans-serif; fill: #222; } .title { font-size: 16px; } .grid { stroke: #ddd; stroke-width: 1; }</style>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    framed(LEFT_PANEL),
    framed(RIGHT_PANEL),
    ...(input.ranges.length ? latencyPanel(input) : []),
    ...lagPanel({ ...input, lags: input.lags.filter((l) => l.sortedSeconds.length > 0) }),
    text(WIDTH / 2, 30, title, `class="title" text-anchor="middle"`),
  ];
  return [`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">`, ...body, `</svg>`, ""].join("\n");
}
