/**
 * A scrape target whose content is known, for counting what a fault loses: one counter per
 * agent (`/probe/<agent>`), `fault_probe_total`, that rises by 1 on every scrape. The value
 * a scrape returned identifies that scrape, so comparing the values Thanos Query returns
 * with the values served counts lost and duplicated samples exactly, whatever timestamps
 * the agent gave them. Harness-owned: agents scrape it only when the platform is started
 * with it (`PlatformOptions.extraScrapeJobs`).
 */
import * as http from "http";
import type { ScrapeJob } from "./agent";
import { closeServer, listenOnLoopback, loopback } from "./process";

export const PROBE_METRIC = "fault_probe_total";
export const PROBE_JOB = "fault-probe";

/** One served scrape: the counter value it returned and when. */
export interface ServedScrape {
  value: number;
  at: number;
}

export class CounterProbe {
  private readonly served = new Map<string, ServedScrape[]>();

  private constructor(
    private readonly server: http.Server,
    readonly port: number,
  ) {}

  static async start(port: number): Promise<CounterProbe> {
    let probe: CounterProbe | undefined;
    const server = http.createServer((req, res) => {
      const match = /^\/probe\/([A-Za-z0-9_.-]+)$/.exec(req.url ?? "");
      if (req.method !== "GET" || !match) {
        res.writeHead(404).end();
        return;
      }
      const scrapes = probe!.scrapesOf(match[1]);
      const value = scrapes.length + 1;
      scrapes.push({ value, at: Date.now() });
      res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" }).end(`# TYPE ${PROBE_METRIC} counter\n${PROBE_METRIC} ${value}\n`);
    });
    probe = new CounterProbe(server, port);
    await listenOnLoopback(server, port);
    return probe;
  }

  /** `host:port` for a scrape config's target. */
  get target(): string {
    return loopback(this.port);
  }

  static metricsPath(agent: string): string {
    return `/probe/${agent}`;
  }

  private scrapesOf(agent: string): ServedScrape[] {
    let scrapes = this.served.get(agent);
    if (!scrapes) this.served.set(agent, (scrapes = []));
    return scrapes;
  }

  /** Every scrape served to `agent` so far, oldest first. */
  scrapes(agent: string): readonly ServedScrape[] {
    return this.scrapesOf(agent);
  }

  /** The value the last scrape of `agent` returned (0 before the first). */
  current(agent: string): number {
    return this.scrapesOf(agent).length;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }
}

/** The label the probe's scrape config puts on each agent's counter. */
export const PROBE_AGENT_LABEL = "probe_agent";

/**
 * The scrape job that makes `agent` scrape its own counter, labelled with its name: the
 * target's `__metrics_path__` label picks the agent's path on the one probe server.
 */
export function probeScrapeJob(probe: CounterProbe, agent: string): ScrapeJob {
  return { job: PROBE_JOB, targets: [{ address: probe.target, labels: { __metrics_path__: CounterProbe.metricsPath(agent), [PROBE_AGENT_LABEL]: agent } }] };
}
