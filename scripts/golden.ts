/** `npm run golden`: rewrites tests/golden from the committed stack files (synth/golden.ts). */
import * as path from "path";
import { GOLDEN_DIR, updateGolden } from "../synth/golden";

async function main(): Promise<void> {
  const changes = await updateGolden();
  const where = path.relative(process.cwd(), GOLDEN_DIR) || ".";
  if (changes.length === 0) console.log(`golden: ${where} is up to date`);
  else console.log(`golden: ${where} rewritten; review and commit:\n${changes.map((c) => `  ${c.change} ${c.path}`).join("\n")}`);
}

main().catch((err) => {
  console.error(`golden: ${(err as Error).message}`);
  process.exit(1);
});
