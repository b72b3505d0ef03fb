/**
 * `npm run clusters`: one loopback Kubernetes cluster per stack file (etcd, kube-apiserver with
 * Pod Security `baseline` enforced, controller-manager, scheduler, KWOK nodes named as the stack
 * files name them), and a Pulumi CLI ready for a file backend, to run the README's deploy
 * commands against. Prints the environment to use and runs until Ctrl-C, then stops every process.
 *
 *   npm run clusters                  # work dir in $TMPDIR, removed on exit
 *   npm run clusters -- --dir DIR     # keep state, charts and logs in DIR
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { startEngineFleet } from "../loopback/engine/fleet";

const USAGE = "Usage: npm run clusters [-- --dir DIR]\n  --dir DIR   keep state, charts and logs in DIR (default: a temporary directory, removed on exit)";

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { dir: { type: "string" }, help: { type: "boolean", short: "h" } } });
  if (values.help) return void console.log(USAGE);
  const dir = values.dir ? path.resolve(values.dir) : fs.mkdtempSync(path.join(os.tmpdir(), "multicluster-clusters-"));
  const fleet = await startEngineFleet(dir, { log: (line) => console.log(`clusters: ${line}`) });
  const env = fleet.cli.env;
  console.log(`\n  clusters: ${fleet.stacks.map((s) => `${s.name} (${s.nodes.join(", ")})`).join(", ")}`);
  console.log(`  in ${fleet.projectDir} (a copy of the project; the stack files there may be changed):\n`);
  for (const name of ["KUBECONFIG", "PATH", "PULUMI_HOME", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "PULUMI_SKIP_UPDATE_CHECK"]) {
    console.log(`  export ${name}=${JSON.stringify(env[name])}`);
  }
  console.log(`\n  then the README's "Deploying for real" commands; charts: ${fleet.chartsDir}${fleet.standInCharts ? " (stand-ins)" : ""}`);
  console.log(`  logs: ${path.join(dir, "clusters")}\n\nCtrl-C stops everything.`);
  const shutdown = async () => {
    await fleet.stop();
    if (!values.dir) fs.rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown());
  process.once("SIGTERM", () => void shutdown());
}

main().catch((err: Error) => {
  console.error(`clusters: ${err.message.split("\n")[0]}`);
  process.exit(1);
});
