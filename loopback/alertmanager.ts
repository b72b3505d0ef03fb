/**
 * Alertmanager with the program's routing: `alertmanagerConfig()`, the builder whose output
 * the central stack stores in a Secret (the synth redacts it), given the loopback webhook
 * sink's URLs in place of the real webhooks.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { alertmanagerConfig } from "../mixin/alerts/routing";
import { CentralStackConfig } from "../config/stack";
import { loopback, ManagedProcess } from "./process";
import { requireTool } from "./tools";

export function startAlertmanager(dir: string, port: number, webhooks: CentralStackConfig["alertWebhooks"]): Promise<ManagedProcess> {
  const configFile = path.join(dir, "alertmanager.yaml");
  fs.writeFileSync(configFile, YAML.stringify(alertmanagerConfig(webhooks)), { mode: 0o600 });
  const data = path.join(dir, "alertmanager-data");
  fs.mkdirSync(data, { recursive: true });
  return ManagedProcess.start({
    name: "alertmanager",
    binary: requireTool("alertmanager"),
    args: [
      `--config.file=${configFile}`,
      `--storage.path=${data}`,
      `--web.listen-address=${loopback(port)}`,
      // One replica on loopback: no gossip cluster.
      "--cluster.listen-address=",
    ],
    dir,
    readyUrl: `http://${loopback(port)}/-/ready`,
  });
}
