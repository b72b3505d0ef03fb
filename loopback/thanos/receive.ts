/**
 * Thanos Receive as the thanos chart runs it (templates/receive/statefulset.yaml of chart
 * 0.38.0) with the program's `receive` values: its hashring (endpoints mapped to loopback by
 * pod index), replication factor, tenant header, tenant label and default tenant, TSDB
 * retention, the objstore config, and its extra volumes (the remote-write TLS Secret and the
 * limits ConfigMap), each a local directory at the path the chart mounts it.
 * Loopback only chooses ports and data directories.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { durationMs } from "../../config/duration";
import { ReceiveTlsOutput } from "../../config/outputs";
import { RECEIVE_TLS_SECRET } from "../../components/central/receive-identity";
import { RECEIVE_LIMITS_CONFIGMAP, ThanosLimitsConfig } from "../../components/central/receive-limits";
import { Hashring, ThanosValues } from "../../components/central/thanos-values";
import { ReceivePki } from "../certificates";
import { loopback, ManagedProcess, sleep } from "../process";
import { extraArgs, ThanosPorts } from "./process";

export interface ReceiverPorts extends ThanosPorts {
  remoteWrite: number;
  /** Cap'n Proto replication listener: the chart leaves it on its default port, which three receivers on one host cannot share. */
  capnproto: number;
}

export interface Receiver {
  /** The pod it stands for: `<fullname>-receive-<i>`. */
  pod: string;
  ports: ReceiverPorts;
  process: ManagedProcess;
  dataDir: string;
  remoteWriteUrl: string;
  /** Starts it again after a stop or kill, with the same data, outside the minutes it could crash in (`awaitSafeStart`). */
  restart(): Promise<void>;
}

/** Thanos' receive block length when nothing sets it. */
const DEFAULT_BLOCK_DURATION = "2h";

/**
 * Thanos v0.42.4 Receive runs its tenant-pruning job at start and then each minute whose
 * minute of the day (local time) is a multiple of twice the block length; meeting a tenant
 * whose TSDB is still opening (every receiver opens its default tenant at start) it
 * dereferences nil and exits (fixed upstream after v0.42.4, thanos-io/thanos#8990). With 2h
 * blocks that is the first minute of every fourth hour; with a test's 1m blocks, every other
 * minute. So receivers start only when the next seconds are outside such a minute: the
 * earliest such time from `now`.
 */
export function safeStartTime(now: Date, blockDuration = DEFAULT_BLOCK_DURATION): Date {
  const everyMinutes = Math.max(1, Math.round((2 * durationMs(blockDuration)) / 60_000));
  const pruneMinute = (d: Date) => (d.getHours() * 60 + d.getMinutes()) % everyMinutes === 0;
  const startsIn = (d: Date) => !pruneMinute(d) && !pruneMinute(new Date(d.getTime() + START_MARGIN_MS));
  let t = now;
  while (!startsIn(t)) {
    // The next minute's first second.
    t = new Date(t.getTime() - t.getSeconds() * 1000 - t.getMilliseconds() + 61_000);
  }
  return t;
}

/** How long a receiver takes from its start to its first pruning run, generously. */
const START_MARGIN_MS = 5_000;

export async function awaitSafeStart(blockDuration?: string): Promise<void> {
  const now = new Date();
  await sleep(safeStartTime(now, blockDuration).getTime() - now.getTime());
}

/** The ordinal of a StatefulSet pod in an endpoint such as `thanos-receive-2.thanos-receive-headless...:10901`. */
export function podIndex(endpoint: string): number {
  const match = /^[a-z0-9-]+-(\d+)\./.exec(endpoint);
  if (!match) throw new Error(`hashring endpoint ${endpoint} does not name a StatefulSet pod`);
  return Number(match[1]);
}

/** The program's hashring with every endpoint replaced by the loopback gRPC address of the receiver of the same index. */
export function loopbackHashring(rings: Hashring[], grpcPorts: number[]): Hashring[] {
  return rings.map((ring) => ({
    ...ring,
    endpoints: ring.endpoints.map((endpoint) => {
      const port = grpcPorts[podIndex(endpoint)];
      if (port === undefined) throw new Error(`hashring endpoint ${endpoint}: no receiver with that index (${grpcPorts.length} replicas)`);
      return loopback(port);
    }),
  }));
}

/**
 * The local directory of each of the chart's `extraVolumeMounts`, by mount path, from the
 * directories the platform filled for the pod's `extraVolumes`, by volume name.
 */
export function localMounts(values: ThanosValues["receive"], volumeDirs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    values.extraVolumeMounts.map((mount) => {
      const dir = volumeDirs[mount.name];
      if (!dir) throw new Error(`the program mounts volume ${mount.name} at ${mount.mountPath}, which the local platform does not provide`);
      return [mount.mountPath, dir];
    }),
  );
}

/** A flag's value under a mounted path, pointed at the local directory standing in for the mount. */
function atLocalMount(arg: string, mounts: Record<string, string>): string {
  for (const [mountPath, dir] of Object.entries(mounts)) {
    if (arg.includes(`=${mountPath}/`)) return arg.replace(`=${mountPath}/`, `=${dir}/`);
  }
  return arg;
}

/** The limits file with its meta-monitoring URL (the central Prometheus in the cluster) at loopback. */
export function loopbackLimitsConfig(text: string, resolve: (address: string) => string[]): string {
  const config = YAML.parse(text) as ThanosLimitsConfig;
  const global = config.write.global;
  if (global) {
    const url = new URL(global.meta_monitoring_url);
    global.meta_monitoring_url = `${url.protocol}//${resolve(url.host)[0]}${url.pathname.replace(/\/$/, "")}`;
  }
  return YAML.stringify(config, { lineWidth: 0 });
}

export interface VolumeSources {
  /** The data of every ConfigMap the program declares, by name. */
  configMaps: Record<string, Record<string, string>>;
  /** The harness's certificates for the receivers' TLS Secret; absent in plain-http lab mode. */
  pki?: ReceivePki;
  resolve: (address: string) => string[];
}

/**
 * The receivers' `extraVolumes` as local directories, by volume name: a ConfigMap's keys from
 * the synth plan (in-cluster addresses at loopback), the TLS Secret's keys from the harness's
 * certificates (the synth redacts Secrets). Anything else is an error naming the volume.
 */
export function writeReceiveVolumes(dir: string, values: ThanosValues["receive"], sources: VolumeSources): Record<string, string> {
  const dirs: Record<string, string> = {};
  for (const volume of values.extraVolumes) {
    const volumeDir = path.join(dir, volume.name);
    fs.mkdirSync(volumeDir, { recursive: true });
    if ("configMap" in volume) {
      const data = sources.configMaps[volume.configMap.name];
      if (!data) throw new Error(`receive volume ${volume.name}: the synth plan declares no ConfigMap ${volume.configMap.name}`);
      for (const [key, text] of Object.entries(data)) {
        const local = volume.configMap.name === RECEIVE_LIMITS_CONFIGMAP.name && key === RECEIVE_LIMITS_CONFIGMAP.key ? loopbackLimitsConfig(text, sources.resolve) : text;
        fs.writeFileSync(path.join(volumeDir, key), local);
      }
    } else if (volume.secret.secretName === RECEIVE_TLS_SECRET.name && sources.pki) {
      const { server, ca } = sources.pki;
      fs.copyFileSync(server.certFile, path.join(volumeDir, RECEIVE_TLS_SECRET.certKey));
      fs.copyFileSync(server.keyFile, path.join(volumeDir, RECEIVE_TLS_SECRET.keyKey));
      fs.copyFileSync(ca.cert.certFile, path.join(volumeDir, RECEIVE_TLS_SECRET.caKey));
    } else {
      throw new Error(`receive volume ${volume.name}: the local platform has nothing for Secret ${volume.secret.secretName}`);
    }
    dirs[volume.name] = volumeDir;
  }
  return dirs;
}

/** `url` (the program's remote-write URL: its scheme and path) at a loopback port. */
export function atLoopback(url: string, port: number): string {
  const u = new URL(url);
  return `${u.protocol}//${loopback(port)}${u.pathname}`;
}

/** Central's `receiveTls` output with the certificates the harness issued in place of the synth's mocks. */
export function receiveTlsOf(pki: ReceivePki): Pick<ReceiveTlsOutput, "caCert" | "serverCert" | "clientCerts"> {
  return {
    caCert: pki.ca.cert.certPem,
    serverCert: pki.server.certPem,
    clientCerts: Object.fromEntries(Object.entries(pki.clients).map(([tenant, c]) => [tenant, c.certPem])),
  };
}

/** What the harness may change about the receivers, beside ports and data directories. */
export interface ReceiveLoopbackOptions {
  /**
   * Time compression, not a setting of the program: the TSDB block length (the chart keeps
   * Thanos' 2h). Shorter blocks make receivers cut, upload and compact heads within a test.
   */
  blockDuration?: string;
}

/** The chart's receive args for one pod. */
export function receiveArgs(
  values: ThanosValues["receive"],
  pod: { name: string; ports: ReceiverPorts; dataDir: string; objstoreFile: string; hashringFile: string; mounts?: Record<string, string> },
  loopbackOptions: ReceiveLoopbackOptions = {},
): string[] {
  // Chart default `receive.tsdb.walCompression: true`; the program's values only set retention.
  const tsdb: { retention?: string; walCompression?: boolean } = { walCompression: true, ...values.tsdb };
  return [
    "receive",
    `--http-address=${loopback(pod.ports.http)}`,
    `--grpc-address=${loopback(pod.ports.grpc)}`,
    `--remote-write.address=${loopback(pod.ports.remoteWrite)}`,
    `--receive.capnproto-address=${loopback(pod.ports.capnproto)}`,
    `--objstore.config-file=${pod.objstoreFile}`,
    `--tsdb.path=${pod.dataDir}`,
    `--label=receive_replica="${pod.name}"`,
    `--receive.hashrings-file=${pod.hashringFile}`,
    "--receive.hashrings-algorithm=ketama",
    `--receive.local-endpoint=${loopback(pod.ports.grpc)}`,
    ...(values.tenancyHeader ? [`--receive.tenant-header=${values.tenancyHeader}`] : []),
    ...(tsdb.retention ? [`--tsdb.retention=${tsdb.retention}`] : []),
    ...(tsdb.walCompression ? ["--tsdb.wal-compression"] : []),
    ...extraArgs(values).map((arg) => atLocalMount(arg, pod.mounts ?? {})),
    ...(loopbackOptions.blockDuration ? [`--tsdb.min-block-duration=${loopbackOptions.blockDuration}`, `--tsdb.max-block-duration=${loopbackOptions.blockDuration}`] : []),
  ];
}
