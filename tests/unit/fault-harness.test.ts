/**
 * The fault tests' own instruments, without the Go tools: the counter probe, the counting of
 * served against returned values, the fault table, the load balancer's partition and free ports.
 */
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import { CounterProbe, PROBE_JOB, PROBE_METRIC } from "../../loopback/counter-probe";
import { LoadBalancer } from "../../loopback/load-balancer";
import { freePort, freePorts } from "../../loopback/process";
import { countValues, FaultRow, formatSeconds, renderFaultTable, runs } from "../support/probe-count";
import { PROBE_AGENT_LABEL, probeScrapeJob } from "../../loopback/counter-probe";

describe("the counter probe", () => {
  let probe: CounterProbe;
  beforeAll(async () => {
    probe = await CounterProbe.start(await freePort());
  });
  afterAll(() => probe.stop());

  test("each scrape of an agent's path returns its next value, one counter per agent, and is recorded", async () => {
    const scrape = async (agent: string) => (await fetch(`http://${probe.target}${CounterProbe.metricsPath(agent)}`)).text();
    expect(await scrape("cluster-03")).toBe(`# TYPE ${PROBE_METRIC} counter\n${PROBE_METRIC} 1\n`);
    expect(await scrape("cluster-03")).toContain(`${PROBE_METRIC} 2\n`);
    expect(await scrape("cluster-04")).toContain(`${PROBE_METRIC} 1\n`);
    expect(probe.current("cluster-03")).toBe(2);
    expect(probe.scrapes("cluster-03").map((s) => s.value)).toEqual([1, 2]);
    expect(probe.scrapes("cluster-03")[1].at).toBeGreaterThanOrEqual(probe.scrapes("cluster-03")[0].at);
    expect(probe.current("cluster-02")).toBe(0);
    expect((await fetch(`http://${probe.target}/metrics`)).status).toBe(404);
  });

  test("an agent's scrape job targets its own path and labels its counter with its name", () => {
    expect(probeScrapeJob(probe, "cluster-02-tenant-a")).toEqual({
      job: PROBE_JOB,
      targets: [{ address: probe.target, labels: { __metrics_path__: "/probe/cluster-02-tenant-a", [PROBE_AGENT_LABEL]: "cluster-02-tenant-a" } }],
    });
  });
});

describe("counting served against returned values", () => {
  test("lost values are those of the window not returned; duplicates are repeats; values outside the window do not count", () => {
    expect(countValues({ from: 10, to: 20 }, [9, 11, 12, 12, 13, 14, 15, 18, 19, 20, 21])).toEqual({
      expected: 10,
      received: 8,
      lost: 2,
      duplicates: 1,
      lostValues: "16-17",
    });
    expect(countValues({ from: 0, to: 3 }, [1, 2, 3])).toEqual({ expected: 3, received: 3, lost: 0, duplicates: 0, lostValues: "" });
  });

  test("runs of consecutive values", () => {
    expect(runs([5, 1, 2, 3, 7, 9, 10])).toBe("1-3,5,7,9-10");
    expect(runs([])).toBe("");
  });

  test("the fault table: one aligned row per fault", () => {
    const rows: FaultRow[] = [
      { fault: "1. receiver SIGKILL", duration: formatSeconds(61_200), expected: 150, received: 150, lost: 0, duplicates: 0, recovery: "4s (restart to ingesting again)" },
      { fault: "4. agent restart", duration: formatSeconds(185_000), expected: 95, received: 55, lost: 40, duplicates: 0, recovery: "12s" },
    ];
    expect(renderFaultTable(rows)).toBe(
      [
        "FAULT                DURATION  EXPECTED  RECEIVED  LOST  DUPLICATES  RECOVERY",
        "1. receiver SIGKILL  1m01s     150       150       0     0           4s (restart to ingesting again)",
        "4. agent restart     3m05s     95        55        40    0           12s",
        "",
      ].join("\n"),
    );
  });
});

describe("the load balancer's network partition", () => {
  let backend: http.Server;
  let lb: LoadBalancer;
  beforeAll(async () => {
    backend = http.createServer((_req, res) => res.end("ok"));
    const port = await freePort();
    await new Promise<void>((resolve) => backend.listen(port, "127.0.0.1", resolve));
    lb = await LoadBalancer.start(await freePort(), [{ name: "b-0", port, readyUrl: `http://127.0.0.1:${port}/ready` }]);
  });
  afterAll(async () => {
    await lb.stop();
    backend.closeAllConnections();
    await new Promise<void>((resolve) => backend.close(() => resolve()));
  });

  test("partitioned, every connection fails although the backend is ready; healed, they pass again", async () => {
    const get = () => fetch(lb.url, { signal: AbortSignal.timeout(2000) }).then((r) => r.text());
    expect(await get()).toBe("ok");
    lb.partition();
    await expect(get()).rejects.toThrow();
    lb.heal();
    expect(await get()).toBe("ok");
  });
});

describe("free ports", () => {
  test("never the same twice, and below the ephemeral range the platform's own connections take source ports from", async () => {
    const ports = await freePorts(200);
    expect(new Set(ports).size).toBe(200);
    const low = Number(fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    for (const port of ports) expect(port).toBeLessThan(low);
    // Each is really free: a server can listen on it.
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(ports[0], "127.0.0.1", resolve));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
