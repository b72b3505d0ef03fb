/**
 * Long-running child processes on loopback: free ports, a log file per process, a bounded
 * readiness wait, and a stop that always ends the process (SIGTERM, then SIGKILL). Every
 * process started here is remembered until stopped, so `stopAll` (and, as a last resort,
 * the exit of the Node process) leaves nothing behind.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";

/** The address every process of the harness listens on and is reached at. */
export const LOOPBACK_HOST = "127.0.0.1";

/** `host:port` of `port` on loopback, as listen flags and scrape targets take it. */
export const loopback = (port: number) => `${LOOPBACK_HOST}:${port}`;

/** Ports this process has handed out: a port chosen but not yet bound is not handed out twice. */
const handedOut = new Set<number>();

/**
 * Listening ports come from below the kernel's ephemeral range (ip_local_port_range), where
 * the source ports of outgoing connections come from: a port chosen there could be taken by
 * one of the platform's own connections before the process meant to listen on it starts.
 */
function listenPortRange(): [number, number] {
  try {
    const [low] = fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (low > 11_000) return [10_000, low - 1];
  } catch {
    // Not Linux: any port the kernel offers.
  }
  return [0, 0];
}

function canListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.on("error", () => resolve(undefined));
    server.listen(port, LOOPBACK_HOST, () => {
      const { port: bound } = server.address() as net.AddressInfo;
      server.close(() => resolve(bound));
    });
  });
}

/** A loopback port nothing listens on and this process has not handed out before. */
export async function freePort(): Promise<number> {
  const [low, high] = listenPortRange();
  for (let attempt = 0; attempt < 1000; attempt++) {
    const candidate = low === 0 ? 0 : low + Math.floor(Math.random() * (high - low + 1));
    if (handedOut.has(candidate)) continue;
    const port = await canListen(candidate);
    if (port !== undefined && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free loopback port found in ${low}-${high}`);
}

/** Starts `server` (one of the harness's own: a sink, a probe, a proxy) listening on loopback `port`. */
export function listenOnLoopback(server: net.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, LOOPBACK_HOST, () => resolve());
  });
}

/** Closes `server`; an HTTP server's open connections are ended first, or keep-alive clients would hold the close. */
export function closeServer(server: net.Server): Promise<void> {
  if (server instanceof http.Server) server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it returns a value other than undefined; throws `describe()` at the deadline. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, withinMs: number, everyMs = 500): Promise<T> {
  const deadline = Date.now() + withinMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`${what}: not within ${(withinMs / 1000).toFixed(0)}s${lastError ? ` (last error: ${(lastError as Error).message})` : ""}`);
}

/** True when `url` answers 2xx within a second. */
export async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

export interface ProcessOptions {
  /** Names the log file (`<dir>/<name>.log`) and appears in errors. */
  name: string;
  binary: string;
  args: string[];
  /** Directory for the log file. */
  dir: string;
  env?: NodeJS.ProcessEnv;
  /** A URL that answers 2xx once the process is ready. */
  readyUrl?: string;
  /** Instead of `readyUrl`: true once the process is ready (a TLS endpoint, a file written, a port open). */
  readyCheck?: () => Promise<boolean>;
  readyWithinMs?: number;
}

export class ManagedProcess {
  readonly logFile: string;
  private child!: ChildProcess;
  private exited!: Promise<void>;
  private exitCode: number | null | undefined;

  private constructor(private options: ProcessOptions) {
    this.logFile = path.join(options.dir, `${options.name}.log`);
  }

  get opts(): Readonly<ProcessOptions> {
    return this.options;
  }

  /** Starts the process and waits until `readyUrl` answers; on failure the process is stopped and the log tail is in the error. */
  static async start(opts: ProcessOptions): Promise<ManagedProcess> {
    const p = new ManagedProcess(opts);
    await p.spawnAndWait();
    return p;
  }

  private async spawnAndWait(): Promise<void> {
    const log = fs.openSync(this.logFile, "a");
    this.exitCode = undefined;
    this.child = spawn(this.options.binary, this.options.args, { stdio: ["ignore", log, log], env: this.opts.env ?? process.env });
    fs.closeSync(log);
    RUNNING.add(this);
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code) => {
        this.exitCode = code;
        resolve();
      });
      this.child.once("error", () => {
        this.exitCode = -1;
        resolve();
      });
    });
    const within = this.opts.readyWithinMs ?? 30_000;
    const deadline = Date.now() + within;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.opts.name} exited (code ${this.exitCode}) before it was ready:\n${this.logTail()}`);
      if (await this.isReady()) return;
      await sleep(200);
    }
    await this.stop();
    throw new Error(`${this.opts.name} was not ready within ${within / 1000}s (${this.opts.readyUrl ?? "its readiness check"}):\n${this.logTail()}`);
  }

  private isReady(): Promise<boolean> {
    if (this.opts.readyCheck) return this.opts.readyCheck().catch(() => false);
    if (this.opts.readyUrl) return answers(this.opts.readyUrl);
    throw new Error(`${this.opts.name}: ProcessOptions needs readyUrl or readyCheck`);
  }

  get name(): string {
    return this.opts.name;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  logTail(lines = 20): string {
    try {
      return fs.readFileSync(this.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }

  /** SIGTERM (a graceful shutdown: receivers flush and upload), and SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.running) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    RUNNING.delete(this);
  }

  /** SIGKILL: a crash, no shutdown work. */
  async kill(): Promise<void> {
    if (this.running) {
      this.child.kill("SIGKILL");
      await this.exited;
    }
    RUNNING.delete(this);
  }

  /**
   * Starts it again (after stop or kill) with the same data: the same command, or a new binary
   * and flags, as a rolled pod starts the new image with the new spec on its old volume.
   */
  async restart(changes: Partial<Pick<ProcessOptions, "binary" | "args" | "env">> = {}): Promise<void> {
    if (this.running) throw new Error(`${this.opts.name} is still running`);
    this.options = { ...this.options, ...changes };
    await this.spawnAndWait();
  }

  /** SIGHUP: Prometheus re-reads its configuration file without a restart. */
  reload(): void {
    if (!this.running) throw new Error(`${this.opts.name} is not running`);
    this.child.kill("SIGHUP");
  }

  killNow(): void {
    if (this.running) this.child.kill("SIGKILL");
  }
}

const RUNNING = new Set<ManagedProcess>();
process.once("exit", () => RUNNING.forEach((p) => p.killNow()));

/** Stops every process started here and not stopped yet. */
export async function stopAll(): Promise<void> {
  await Promise.all([...RUNNING].map((p) => p.stop()));
}
