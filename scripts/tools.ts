/**
 * `npm run tools`: builds the pinned Go tools the local platform and the tests run (Thanos,
 * Prometheus, Alertmanager, MinIO, mc, node-exporter) into a cache outside the repository,
 * and prints where they are. Idempotent: a tool whose pins did not change is not rebuilt.
 */
import { buildTools, toolsCacheDir } from "../loopback/tools";

async function main(): Promise<void> {
  const started = Date.now();
  const results = await buildTools({ log: (line) => console.log(`tools: ${line}`) });
  const built = results.filter((r) => r.built).length;
  console.log(`tools: ${results.length} tools ready in ${toolsCacheDir()} (${built} built, ${results.length - built} cached) in ${((Date.now() - started) / 1000).toFixed(0)}s`);
}

main().catch((err: Error) => {
  console.error(`tools: ${err.message}`);
  process.exit(1);
});
