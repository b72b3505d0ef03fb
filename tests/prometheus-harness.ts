/**
 * Real Prometheus processes for end-to-end tests: free loopback ports, temp dirs, a
 * readiness wait, and a stop that always ends the process (SIGTERM, then SIGKILL).
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import * as YAML from "yaml";

/** A loopback port nothing listens on: bind port 0, read what the kernel chose, release it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface PrometheusOptions {
  /** Names the data dir, config and log file. */
  name: string;
  binary: string;
  /** Parent temp dir. */
  dir: string;
  port: number;
  config: Record<string, unknown>;
  /** Agent mode (`--enable-feature=agent`) instead of a server. */
  agent?: boolean;
  /** Server only: accept remote write on /api/v1/write. */
  remoteWriteReceiver?: boolean;
}

export class PrometheusProcess {
  readonly url: string;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private exitCode: number | null | undefined = undefined;

  private constructor(
    readonly opts: PrometheusOptions,
    readonly logFile: string,
  ) {
    this.url = `http://127.0.0.1:${opts.port}`;
    const configFile = path.join(opts.dir, `${opts.name}.yml`);
    fs.writeFileSync(configFile, YAML.stringify(opts.config));
    const data = path.join(opts.dir, `${opts.name}-data`);
    const args = [
      `--config.file=${configFile}`,
      `--web.listen-address=127.0.0.1:${opts.port}`,
      ...(opts.agent ? ["--enable-feature=agent", `--storage.agent.path=${data}`] : [`--storage.tsdb.path=${data}`]),
      ...(opts.remoteWriteReceiver ? ["--web.enable-remote-write-receiver"] : []),
    ];
    const log = fs.openSync(logFile, "w");
    this.child = spawn(opts.binary, args, { stdio: ["ignore", log, log] });
    fs.closeSync(log);
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code) => {
        this.exitCode = code;
        resolve();
      });
      this.child.once("error", () => resolve());
    });
  }

  /** Starts Prometheus and waits until /-/ready answers 200. */
  static async start(opts: PrometheusOptions, readyWithinMs = 20_000): Promise<PrometheusProcess> {
    const p = new PrometheusProcess(opts, path.join(opts.dir, `${opts.name}.log`));
    RUNNING.add(p);
    const deadline = Date.now() + readyWithinMs;
    while (Date.now() < deadline) {
      if (p.exitCode !== undefined) throw new Error(`${opts.name} exited (code ${p.exitCode}) before it was ready:\n${p.logTail()}`);
      try {
        const res = await fetch(`${p.url}/-/ready`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return p;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    await p.stop();
    throw new Error(`${opts.name} was not ready within ${readyWithinMs}ms:\n${p.logTail()}`);
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  logTail(lines = 20): string {
    try {
      return fs.readFileSync(this.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }

  /** SIGTERM, and SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.running) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    RUNNING.delete(this);
  }

  /** Synchronous last resort when the test process exits without running afterAll. */
  killNow(): void {
    if (this.running) this.child.kill("SIGKILL");
  }
}

const RUNNING = new Set<PrometheusProcess>();
process.once("exit", () => RUNNING.forEach((p) => p.killNow()));

/** Stops every process this module started and has not stopped yet. */
export async function stopAll(): Promise<void> {
  await Promise.all([...RUNNING].map((p) => p.stop()));
}
