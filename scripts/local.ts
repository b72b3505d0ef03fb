/**
 * `npm run local`: the whole platform on loopback, configured by the program (see
 * loopback/local-platform.ts). Prints its URLs and runs until Ctrl-C, then stops every process.
 *
 *   npm run local                  # work dir in $TMPDIR, removed on exit
 *   npm run local -- --dir DIR     # keep data, configs and logs in DIR
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startPlatform } from "../loopback/local-platform";
import { ToolMissingError } from "../loopback/tools";

const USAGE = "Usage: npm run local [-- --dir DIR]\n  --dir DIR   keep data, configs and logs in DIR (default: a temporary directory, removed on exit)";

function parseArgs(argv: string[]): { dir?: string } {
  const out: { dir?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else if (arg === "--dir" && argv[i + 1]) out.dir = path.resolve(argv[++i]);
    else {
      console.error(`local: unknown argument ${arg}\n${USAGE}`);
      process.exit(2);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = args.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "multicluster-local-"));
  const platform = await startPlatform({ dir, log: (line) => console.log(`local: ${line}`) });
  const rows: [string, string][] = [
    ["Thanos Query", platform.urls.query],
    ["Thanos Query Frontend (queryUrl)", platform.urls.queryFrontend],
    ["Thanos Ruler", platform.urls.ruler],
    ["Store Gateway", platform.urls.storeGateway],
    ["Alertmanager", platform.urls.alertmanager],
    ["central Prometheus", platform.urls.centralPrometheus],
    ["MinIO S3 API", platform.urls.minio],
    ["MinIO console", `${platform.urls.minioConsole} (user ${platform.minio.admin.accessKey}, password ${platform.minio.admin.secretKey})`],
    ["remote write (LB stand-in)", platform.urls.remoteWrite],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log("");
  for (const [name, url] of rows) console.log(`  ${name.padEnd(width)}  ${url}`);
  console.log(`\n  agents: ${platform.agents.map((a) => `${a.plan.name} (${a.url})`).join(", ")}`);
  if (platform.pki) {
    console.log(`  remote write is mutual TLS: CA ${platform.pki.ca.cert.certFile}, each tenant's client certificate and key in ${path.dirname(platform.pki.ca.cert.certFile)}`);
  }
  console.log(`  logs, configs and data: ${dir}`);
  const outputsFile = path.join(dir, "central-outputs.json");
  fs.writeFileSync(outputsFile, JSON.stringify(platform.centralOutputs, null, 2));
  console.log(`  check it: npm run verify -- --outputs ${outputsFile}\n\nCtrl-C stops everything.`);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log("\nlocal: stopping (receivers flush and upload their blocks)...");
    await platform.stop();
    if (!args.dir) fs.rmSync(dir, { recursive: true, force: true });
    console.log("local: stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown());
  process.on("SIGTERM", () => void shutdown());
}

main().catch((err: Error) => {
  console.error(`local: ${err instanceof ToolMissingError ? err.message : err.message}`);
  process.exit(1);
});
