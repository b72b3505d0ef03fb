/**
 * History the loopback platform cannot grow in minutes: raw TSDB blocks of days-old samples
 * (written with promtool here, or by the bench's `loadgen backfill`), uploaded to the Thanos
 * bucket as a receiver would have uploaded them (Thanos block metadata with the receiver's
 * external labels, a block id from its own time). The Compactor then treats them like any
 * other block: downsamples them, applies retention, and the Store Gateway serves what is left.
 */
import { execFile } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as Minio from "minio";
import { requireTool } from "./tools";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A ULID (block id) whose time part is `ms`: the Compactor reads a block's age from it. */
export function ulidAt(ms: number): string {
  let time = "";
  for (let t = ms, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32] + time;
  const bits = [...randomBytes(10)].map((b) => b.toString(2).padStart(8, "0")).join("");
  let random = "";
  for (let i = 0; i < 80; i += 5) random += CROCKFORD[parseInt(bits.slice(i, i + 5), 2)];
  return time + random;
}

/** The time a ULID's first 10 characters encode, in Unix ms (a block's creation time). */
export function ulidTime(ulid: string): number {
  return [...ulid.slice(0, 10)].reduce((ms, ch) => ms * 32 + CROCKFORD.indexOf(ch), 0);
}

export interface HistorySeries {
  labels: Record<string, string>;
  value: number;
}

export interface HistoricalBlock {
  /** Series (with `__name__`) and the constant value each carries. */
  series: HistorySeries[];
  /** Samples from `startMs` (inclusive) to `endMs` (exclusive), every `stepMs`. */
  startMs: number;
  endMs: number;
  stepMs: number;
  /** The block's Thanos external labels, e.g. a receiver's `receive_replica` and tenant label. */
  externalLabels: Record<string, string>;
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(" ")}: ${stderr || stdout}`)) : resolve(stdout)));
  });
}

function openMetrics(block: HistoricalBlock): string {
  const lines: string[] = [];
  const names = new Set(block.series.map((s) => s.labels.__name__));
  for (const name of names) {
    lines.push(`# TYPE ${name} gauge`);
    for (const s of block.series.filter((x) => x.labels.__name__ === name)) {
      const labels = Object.entries(s.labels)
        .filter(([k]) => k !== "__name__")
        .map(([k, v]) => `${k}="${v}"`)
        .join(",");
      for (let t = block.startMs; t < block.endMs; t += block.stepMs) lines.push(`${name}{${labels}} ${s.value} ${t / 1000}`);
    }
  }
  lines.push("# EOF", "");
  return lines.join("\n");
}

/**
 * Writes the block with `promtool tsdb create-blocks-from openmetrics` into `dir` and uploads
 * it under a block id as old as its newest sample. Returns the block id. promtool cuts blocks
 * at multiples of the largest range 2h * 3^n within `maxBlockHours` since the epoch (54h for
 * 54): the window must fit one of them.
 */
export async function uploadHistoricalBlock(dir: string, bucket: { client: Minio.Client; name: string }, block: HistoricalBlock, maxBlockHours: number): Promise<string> {
  const work = fs.mkdtempSync(path.join(dir, "history-"));
  const input = path.join(work, "history.om");
  fs.writeFileSync(input, openMetrics(block));
  const out = path.join(work, "blocks");
  await run(requireTool("promtool"), ["tsdb", "create-blocks-from", "openmetrics", `--max-block-duration=${maxBlockHours}h`, input, out]);
  const made = fs.readdirSync(out).filter((d) => fs.existsSync(path.join(out, d, "meta.json")));
  if (made.length !== 1) throw new Error(`promtool cut the history into ${made.length} blocks; choose a window inside one ${maxBlockHours}h block`);
  const id = await uploadBlock(bucket, path.join(out, made[0]), block.externalLabels, block.endMs);
  fs.rmSync(work, { recursive: true, force: true });
  return id;
}

/**
 * Uploads a TSDB block directory under a block id as old as `endMs` (the Compactor's
 * consistency delay reads a block's age from its id), with Thanos block metadata: the
 * external labels, raw resolution, source receive. Returns the block id.
 */
export async function uploadBlock(bucket: { client: Minio.Client; name: string }, blockDir: string, externalLabels: Record<string, string>, endMs: number): Promise<string> {
  const id = ulidAt(endMs);
  const meta = JSON.parse(fs.readFileSync(path.join(blockDir, "meta.json"), "utf8")) as Record<string, unknown>;
  meta.ulid = id;
  meta.thanos = { labels: externalLabels, downsample: { resolution: 0 }, source: "receive" };
  fs.writeFileSync(path.join(blockDir, "meta.json"), JSON.stringify(meta, null, 2));
  // Data first, meta.json last: a block without meta.json is a partial upload to every reader.
  const files = ["index", ...fs.readdirSync(path.join(blockDir, "chunks")).map((c) => `chunks/${c}`), "meta.json"];
  for (const file of files) {
    await bucket.client.fPutObject(bucket.name, `${id}/${file}`, path.join(blockDir, file)).catch((err: Error) => {
      throw new Error(`uploading ${bucket.name}/${id}/${file}: ${err.message}`);
    });
  }
  return id;
}
