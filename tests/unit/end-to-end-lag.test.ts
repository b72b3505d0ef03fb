import * as http from "http";
import { EndToEndLag, lagsSince, summarizeLags } from "../../bench/end-to-end-lag";
import { CounterProbe, PROBE_AGENT_LABEL, PROBE_METRIC } from "../../loopback/counter-probe";
import { closeServer, freePort, listenOnLoopback } from "../../loopback/process";

const scrapes = [
  { value: 1, at: 1_000 },
  { value: 2, at: 3_000 },
  { value: 3, at: 5_000 },
];

test("each value the newest moved past is timed from its own scrape", () => {
  expect(lagsSince("cluster-03", 1, 3, scrapes, 5_400)).toEqual([
    { agent: "cluster-03", scrapedAt: 3_000, lagMs: 2_400 },
    { agent: "cluster-03", scrapedAt: 5_000, lagMs: 400 },
  ]);
  expect(lagsSince("cluster-03", 3, 3, scrapes, 9_000)).toEqual([]);
});

test("the summary covers the values scraped in the window, in seconds, with the poll period as resolution", () => {
  const readings = [1_000, 3_000, 5_000, 7_000].map((at, i) => ({ agent: "a", scrapedAt: at, lagMs: (i + 1) * 100 }));
  expect(summarizeLags(readings, 3_000, 7_000, 200)).toEqual({ samples: 2, p50Seconds: 0.25, p99Seconds: expect.closeTo(0.299, 3), maxSeconds: 0.3, sortedSeconds: [0.2, 0.3], pollMs: 200 });
  expect(summarizeLags(readings, 8_000, 9_000, 200)).toEqual({ samples: 0, pollMs: 200 });
});

describe("polling a Query API", () => {
  let probe: CounterProbe;
  let query: http.Server;
  let visible = 0;

  beforeAll(async () => {
    probe = await CounterProbe.start(await freePort());
    query = http.createServer((req, res) => {
      const asked = new URL(req.url ?? "/", "http://x").searchParams.get("query");
      expect(asked).toBe(`max by (${PROBE_AGENT_LABEL}) (${PROBE_METRIC})`);
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ status: "success", data: { resultType: "vector", result: [{ metric: { [PROBE_AGENT_LABEL]: "cluster-03" }, value: [0, String(visible)] }] } }));
    });
    await listenOnLoopback(query, await freePort());
  });

  afterAll(async () => {
    await probe.stop();
    await closeServer(query);
  });

  test("a value Query returns for the first time is one reading, timed from its scrape; the first poll only sets the start", async () => {
    const scrapeOnce = () => fetch(`http://${probe.target}${CounterProbe.metricsPath("cluster-03")}`).then((r) => r.text());
    await scrapeOnce();
    visible = 1;
    const address = query.address() as { port: number };
    // Under CI's load a poll can take longer than the default 5 s, and a failed poll is skipped,
    // which left this test without a reading once: two polls of up to 25 s fit jest's 60 s.
    const lag = new EndToEndLag(probe, `http://127.0.0.1:${address.port}`, 50, 25_000);
    await lag.poll();
    expect(lag.readings).toEqual([]);
    await scrapeOnce();
    await scrapeOnce();
    visible = 3;
    await lag.poll();
    expect(lag.readings.map((r) => r.scrapedAt)).toEqual(probe.scrapes("cluster-03").slice(1).map((s) => s.at));
    expect(lag.readings.every((r) => r.lagMs >= 0 && r.lagMs < 30_000)).toBe(true);
  });
});
