/** node-exporter on loopback: the real node metrics every agent scrapes (the edges' DaemonSet). */
import { loopback, ManagedProcess } from "./process";
import { requireTool } from "./tools";

export function startNodeExporter(dir: string, port: number): Promise<ManagedProcess> {
  return ManagedProcess.start({
    name: "node-exporter",
    binary: requireTool("node_exporter"),
    args: [`--web.listen-address=${loopback(port)}`],
    dir,
    readyUrl: `http://${loopback(port)}/metrics`,
  });
}
