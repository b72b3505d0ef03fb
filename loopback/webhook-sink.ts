/**
 * Where the local Alertmanager's webhooks deliver: an HTTP server on loopback that keeps
 * every notification it receives, per path (`/critical`, `/warning`).
 */
import * as http from "http";
import { closeServer, listenOnLoopback, loopback } from "./process";

/** Alertmanager's webhook payload (the fields the tests read). */
export interface WebhookNotification {
  receiver: string;
  status: "firing" | "resolved";
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string }[];
}

export class WebhookSink {
  readonly received: { path: string; at: number; notification: WebhookNotification }[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly port: number,
  ) {}

  static async start(port: number): Promise<WebhookSink> {
    let sink: WebhookSink | undefined;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        try {
          sink!.received.push({ path: req.url ?? "/", at: Date.now(), notification: JSON.parse(Buffer.concat(chunks).toString("utf8")) as WebhookNotification });
          res.writeHead(200).end();
        } catch {
          res.writeHead(400).end();
        }
      });
    });
    sink = new WebhookSink(server, port);
    await listenOnLoopback(server, port);
    return sink;
  }

  url(path: string): string {
    return `http://${loopback(this.port)}${path}`;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }
}
