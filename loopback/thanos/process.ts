/**
 * What every Thanos component of the local platform shares: the pinned `thanos` binary, the
 * objstore config file, and a process ready on its HTTP `/-/ready`. Each component's own
 * module turns the thanos chart values (the program's) into the flags the chart's template
 * renders, with loopback addresses and data directories in place of the cluster's.
 */
import * as fs from "fs";
import * as path from "path";
import { loopback, ManagedProcess } from "../process";
import { requireTool } from "../tools";

export interface ThanosPorts {
  http: number;
  grpc: number;
}

/** The objstore config (the Secret the chart mounts at /etc/thanos/objstore.yml), as a file. */
export function writeObjstoreFile(dir: string, objstoreYaml: string): string {
  const file = path.join(dir, "objstore.yml");
  fs.writeFileSync(file, objstoreYaml, { mode: 0o600 });
  return file;
}

/** The flags the chart passes through unchanged: `<component>.extraArgs`, where the program sets them. */
export function extraArgs(values: object): string[] {
  return "extraArgs" in values && Array.isArray(values.extraArgs) ? values.extraArgs.map(String) : [];
}

export function startThanos(name: string, dir: string, args: string[], httpPort: number, readyWithinMs = 60_000): Promise<ManagedProcess> {
  return ManagedProcess.start({
    name,
    binary: requireTool("thanos"),
    args,
    dir,
    readyUrl: `http://${loopback(httpPort)}/-/ready`,
    readyWithinMs,
  });
}

/** A fresh data directory for a component. */
export function dataDir(dir: string, name: string): string {
  const d = path.join(dir, `${name}-data`);
  fs.mkdirSync(d, { recursive: true });
  return d;
}
