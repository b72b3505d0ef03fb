/**
 * What every Thanos component of the local platform shares: the pinned `thanos` binary of the
 * release the values name, the objstore config file, and a process ready on its HTTP
 * `/-/ready`. Each component's own module turns the thanos chart values (the program's) into
 * the flags the chart's template renders, with loopback addresses and data directories in
 * place of the cluster's.
 */
import * as fs from "fs";
import * as path from "path";
import { THANOS_VERSIONS } from "../../config/charts";
import { loopback, ManagedProcess } from "../process";
import { findToolBinary, ToolMissingError, TOOLS } from "../tools";

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

/** The `thanos` binary of a release the program may deploy (`central.thanosVersion`): each is a pinned tool of its own. */
export function thanosBinary(version: string): string {
  const spec = version === THANOS_VERSIONS.pinned ? TOOLS.thanos : version === THANOS_VERSIONS.previous ? TOOLS.thanosPrevious : undefined;
  if (!spec) throw new Error(`the local platform runs Thanos ${THANOS_VERSIONS.pinned} or ${THANOS_VERSIONS.previous}, not ${version}`);
  const file = findToolBinary(spec, "thanos");
  if (!file) throw new ToolMissingError(`thanos ${version}`);
  return file;
}

/** A Thanos component of the release `version` (the values' `global.image.tag`), ready on its HTTP `/-/ready`. */
export function startThanos(name: string, dir: string, args: string[], httpPort: number, opts: { version: string; readyWithinMs?: number }): Promise<ManagedProcess> {
  return ManagedProcess.start({
    name,
    binary: thanosBinary(opts.version),
    args,
    dir,
    readyUrl: `http://${loopback(httpPort)}/-/ready`,
    readyWithinMs: opts.readyWithinMs ?? 60_000,
  });
}

/** A fresh data directory for a component. */
export function dataDir(dir: string, name: string): string {
  const d = path.join(dir, `${name}-data`);
  fs.mkdirSync(d, { recursive: true });
  return d;
}
