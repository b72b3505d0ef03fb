/**
 * A stand-in for the receive LoadBalancer Service: a TCP proxy on loopback that hands each
 * new connection to the next ready backend, round robin. Like Service endpoints it leaves
 * out backends whose readiness check fails (probed every second) and, in between probes,
 * a backend that refuses the connection. Connections stay on their backend until either
 * side closes them, as with kube-proxy.
 */
import * as net from "net";
import { answers, closeServer, listenOnLoopback, loopback, LOOPBACK_HOST } from "./process";

export interface Backend {
  name: string;
  port: number;
  /** A URL answering 2xx while the backend is ready (its readiness probe). */
  readyUrl: string;
}

export class LoadBalancer {
  private readonly server: net.Server;
  private readonly ready = new Map<string, boolean>();
  private readonly sockets = new Set<net.Socket>();
  private next = 0;
  private probe?: NodeJS.Timeout;
  private partitioned = false;
  /** Connections handed to each backend. */
  readonly connections = new Map<string, number>();

  private constructor(
    readonly port: number,
    private backends: Backend[],
  ) {
    for (const b of backends) this.ready.set(b.name, true);
    this.server = net.createServer((client) => this.forward(client));
  }

  static async start(port: number, backends: Backend[]): Promise<LoadBalancer> {
    const lb = new LoadBalancer(port, backends);
    await listenOnLoopback(lb.server, port);
    lb.probe = setInterval(() => void lb.probeAll(), 1000);
    await lb.probeAll();
    return lb;
  }

  get url(): string {
    return `http://${loopback(this.port)}`;
  }

  private async probeAll(): Promise<void> {
    await Promise.all(this.backends.map(async (b) => this.ready.set(b.name, await answers(b.readyUrl))));
  }

  /** Ready backends in round-robin order starting after the last one used. */
  private candidates(): Backend[] {
    const ready = this.backends.filter((b) => this.ready.get(b.name));
    const start = this.next++ % Math.max(ready.length, 1);
    return [...ready.slice(start), ...ready.slice(0, start)];
  }

  /** The Service's endpoints from now on (a scaled StatefulSet's pods); open connections stay where they are. */
  setBackends(backends: Backend[]): void {
    for (const b of backends) if (!this.ready.has(b.name)) this.ready.set(b.name, false);
    this.backends = backends;
  }

  /**
   * A network partition between the edges and the receivers: open connections are reset and
   * new ones closed at once, as if the path to every backend were down; `heal` ends it.
   */
  partition(): void {
    this.partitioned = true;
    this.sockets.forEach((s) => s.destroy());
  }

  heal(): void {
    this.partitioned = false;
  }

  private forward(client: net.Socket): void {
    if (this.partitioned) {
      client.destroy();
      return;
    }
    this.sockets.add(client);
    client.once("close", () => this.sockets.delete(client));
    client.on("error", () => client.destroy());
    client.pause();
    const tryNext = (remaining: Backend[]) => {
      const backend = remaining[0];
      if (!backend) {
        client.destroy();
        return;
      }
      const upstream = net.connect(backend.port, LOOPBACK_HOST);
      this.sockets.add(upstream);
      upstream.once("close", () => this.sockets.delete(upstream));
      upstream.once("connect", () => {
        upstream.removeAllListeners("error");
        upstream.on("error", () => client.destroy());
        upstream.once("close", () => client.destroy());
        client.once("close", () => upstream.destroy());
        this.connections.set(backend.name, (this.connections.get(backend.name) ?? 0) + 1);
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
      upstream.once("error", () => {
        // Refused: out of rotation until its probe passes again; try the next one.
        this.ready.set(backend.name, false);
        upstream.destroy();
        tryNext(remaining.slice(1));
      });
    };
    tryNext(this.candidates());
  }

  async stop(): Promise<void> {
    if (this.probe) clearInterval(this.probe);
    this.sockets.forEach((s) => s.destroy());
    await closeServer(this.server);
  }
}
