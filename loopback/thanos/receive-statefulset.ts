/**
 * The receivers as the thanos chart's StatefulSet runs them, through changes as well as at the
 * start (templates/receive/statefulset.yaml of chart 0.38.0):
 *
 * - each pod reads the hashring from its own ConfigMap volume, which the kubelet updates at
 *   its own moment after a change (the new file replaces the old in one rename, as the kubelet
 *   swaps the volume's `..data` link);
 * - the chart leaves `podManagementPolicy` at OrderedReady: pods are added in ordinal order,
 *   each ready before the next, and removed from the highest ordinal down, each gone before
 *   the next;
 * - the pod template carries `checksum/hashrings`, the image and the flags, so a change of any
 *   of them rolls the remaining pods from the highest ordinal down, one at a time, each ready
 *   before the next (RollingUpdate), after the scaling.
 *
 * A stopped pod gets the pod's default 30s grace (the chart sets none). Loopback only chooses
 * ports and data directories.
 */
import * as fs from "fs";
import * as path from "path";
import { Hashring, ThanosValues } from "../../components/central/thanos-values";
import { freePorts, loopback, sleep } from "../process";
import { dataDir, startThanos, thanosBinary } from "./process";
import { awaitSafeStart, localMounts, loopbackHashring, Receiver, ReceiveLoopbackOptions, receiveArgs, ReceiverPorts } from "./receive";

/** Kubernetes' default `terminationGracePeriodSeconds`, which the chart keeps. */
const TERMINATION_GRACE_MS = 30_000;

export interface ReceiveSetOptions {
  /** Work directory: data, per-pod config volumes and logs. */
  dir: string;
  objstoreFile: string;
  /** The local directories of the chart's extraVolumes, by volume name. */
  volumeDirs: Record<string, string>;
  loopback?: ReceiveLoopbackOptions;
  log?: (line: string) => void;
}

/** When each running pod (by ordinal) sees a changed ConfigMap after the release is upgraded. */
export type ConfigMapDelay = (ordinal: number) => number;

/** What one applied change did, for the operation table. */
export interface RolloutSteps {
  added: string[];
  removed: string[];
  rolled: string[];
}

/** What a pod's spec is made of: a change here rolls it (the chart's checksum covers the hashring). */
function podTemplate(values: ThanosValues): string {
  const { replicaCount: _replicas, ...receive } = values.receive;
  return JSON.stringify({ image: values.global.image.tag, receive });
}

export class ReceiveStatefulSet {
  /** The running pods by ordinal, kept up to date in place. */
  readonly pods: Receiver[] = [];
  private readonly ports: ReceiverPorts[] = [];
  private readonly listeners: ((running: readonly Receiver[]) => void)[] = [];

  private constructor(
    private values: ThanosValues,
    private readonly opts: ReceiveSetOptions,
  ) {}

  /** Installs the StatefulSet: every pod at once (nothing writes before they are all ready). */
  static async start(values: ThanosValues, opts: ReceiveSetOptions): Promise<ReceiveStatefulSet> {
    const set = new ReceiveStatefulSet(values, opts);
    await awaitSafeStart(opts.loopback?.blockDuration);
    await set.reservePorts(values.receive.replicaCount);
    const rings = set.ringFor(values);
    const started = await Promise.all(Array.from({ length: values.receive.replicaCount }, (_, i) => set.startPod(i, values, rings)));
    set.pods.push(...started);
    return set;
  }

  private podName(ordinal: number): string {
    return `${this.values.fullnameOverride}-receive-${ordinal}`;
  }

  private hashringFile(ordinal: number): string {
    const dir = path.join(this.opts.dir, `${this.podName(ordinal)}-config`);
    fs.mkdirSync(dir, { recursive: true });
    return path.join(dir, "hashrings.json");
  }

  /** Ports for ordinals up to `count`, chosen once per ordinal (a re-created pod keeps its address, as its DNS name). */
  private async reservePorts(count: number): Promise<void> {
    while (this.ports.length < count) {
      const [http, grpc, remoteWrite, capnproto] = await freePorts(4);
      this.ports.push({ http, grpc, remoteWrite, capnproto });
    }
  }

  private ringFor(values: ThanosValues): Hashring[] {
    return loopbackHashring(values.receive.hashrings.static, this.ports.map((p) => p.grpc));
  }

  /** A pod's ConfigMap volume gets the new hashring: one rename, as the kubelet swaps `..data`. */
  private deliverHashring(ordinal: number, rings: Hashring[]): void {
    const file = this.hashringFile(ordinal);
    fs.writeFileSync(`${file}.new`, JSON.stringify(rings, null, 2));
    fs.renameSync(`${file}.new`, file);
  }

  private argsFor(ordinal: number, values: ThanosValues): string[] {
    const pod = this.podName(ordinal);
    return receiveArgs(
      values.receive,
      {
        name: pod,
        ports: this.ports[ordinal],
        dataDir: dataDir(this.opts.dir, pod),
        objstoreFile: this.opts.objstoreFile,
        hashringFile: this.hashringFile(ordinal),
        mounts: localMounts(values.receive, this.opts.volumeDirs),
      },
      this.opts.loopback,
    );
  }

  private async startPod(ordinal: number, values: ThanosValues, rings: Hashring[]): Promise<Receiver> {
    const pod = this.podName(ordinal);
    const ports = this.ports[ordinal];
    this.deliverHashring(ordinal, rings);
    const process = await startThanos(pod, this.opts.dir, this.argsFor(ordinal, values), ports.http, { version: values.global.image.tag });
    const blockDuration = this.opts.loopback?.blockDuration;
    const restart = async () => {
      await awaitSafeStart(blockDuration);
      await process.restart();
    };
    return { pod, ports, process, dataDir: dataDir(this.opts.dir, pod), remoteWriteUrl: `http://${loopback(ports.remoteWrite)}/api/v1/receive`, restart };
  }

  /**
   * Calls `listener` with the running pods whenever one starts or stops: the Service's
   * endpoints, Query's discovery and the ServiceMonitor follow the pods.
   */
  follow(listener: (running: readonly Receiver[]) => void): void {
    this.listeners.push(listener);
  }

  private membersChanged(): void {
    const running = this.pods.filter((p) => p.process.running);
    for (const listener of this.listeners) listener(running);
  }

  /**
   * Applies the release's new values as Kubernetes rolls them out: the running pods' ConfigMap
   * volumes update after `configMapDelay` each, while the controller adds or removes pods and
   * then rolls the rest if their template changed. Resolves when all of it is done.
   */
  async apply(next: ThanosValues, configMapDelay: ConfigMapDelay): Promise<RolloutSteps> {
    const log = this.opts.log ?? (() => undefined);
    const from = this.pods.length;
    const to = next.receive.replicaCount;
    await this.reservePorts(to);
    const rings = this.ringFor(next);
    const templateChanged = podTemplate(next) !== podTemplate(this.values);
    // The kubelet touches a ConfigMap volume only when the ConfigMap changed.
    const ringChanged = JSON.stringify(rings) !== JSON.stringify(this.ringFor(this.values));
    const kubelet = Promise.all(
      this.pods.slice(0, ringChanged ? Math.min(from, to) : 0).map(async (_, ordinal) => {
        await sleep(configMapDelay(ordinal));
        // A pod rolled meanwhile already started with this file.
        this.deliverHashring(ordinal, rings);
      }),
    );
    const steps: RolloutSteps = { added: [], removed: [], rolled: [] };
    for (let ordinal = from; ordinal < to; ordinal++) {
      await awaitSafeStart(this.opts.loopback?.blockDuration);
      this.pods.push(await this.startPod(ordinal, next, rings));
      steps.added.push(this.podName(ordinal));
      log(`receive: ${this.podName(ordinal)} added and ready`);
      this.membersChanged();
    }
    for (let ordinal = from - 1; ordinal >= to; ordinal--) {
      const pod = this.pods.pop()!;
      await pod.process.stop(TERMINATION_GRACE_MS);
      steps.removed.push(pod.pod);
      log(`receive: ${pod.pod} removed`);
      this.membersChanged();
    }
    if (templateChanged) {
      for (let ordinal = Math.min(from, to) - 1; ordinal >= 0; ordinal--) {
        await this.rollPod(ordinal, next, rings);
        steps.rolled.push(this.podName(ordinal));
        log(`receive: ${this.podName(ordinal)} rolled and ready`);
      }
    }
    await kubelet;
    this.values = next;
    return steps;
  }

  /** Deletes the pod and starts it again with the new spec on its volume, as the controller does. */
  private async rollPod(ordinal: number, next: ThanosValues, rings: Hashring[]): Promise<void> {
    const pod = this.pods[ordinal];
    await pod.process.stop(TERMINATION_GRACE_MS);
    this.membersChanged();
    this.deliverHashring(ordinal, rings);
    await awaitSafeStart(this.opts.loopback?.blockDuration);
    await pod.process.restart({ binary: thanosBinary(next.global.image.tag), args: this.argsFor(ordinal, next) });
    this.membersChanged();
  }

  async stop(): Promise<void> {
    await Promise.all(this.pods.map((p) => p.process.stop()));
  }
}
