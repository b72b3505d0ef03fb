/**
 * One synth of a fleet directory, measured from inside the process that runs it (so the
 * time leaves out tsx's start-up): `tsx bench/synth-run.ts STACK_DIR OUT_DIR` prints one JSON
 * line {stacks, ms, maxRssBytes}.
 */
import { synthesize } from "../synth/synth";

async function main(): Promise<void> {
  const [stackDir, outDir] = process.argv.slice(2);
  if (!stackDir || !outDir) throw new Error("usage: tsx bench/synth-run.ts STACK_DIR OUT_DIR");
  const began = performance.now();
  const results = await synthesize({ stackDir, outDir });
  const ms = performance.now() - began;
  // resourceUsage().maxRSS is in KiB.
  console.log(JSON.stringify({ stacks: results.length, ms, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
}

main().catch((err) => {
  console.error((err as Error).message);
  process.exit(1);
});
