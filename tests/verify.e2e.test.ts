/**
 * End to end: `verify` against real Prometheus processes standing in for the platform.
 *
 * - A Prometheus server with `--web.enable-remote-write-receiver` stands in for Thanos
 *   Receive + Query: it takes remote writes and answers the same /api/v1/query API.
 * - One agent-mode Prometheus per tenant of the committed fleet (the stack files' tenants),
 *   each writing with the remote-write settings the program generates (`remoteWriteSpec`
 *   from the validated edge config, translated to Prometheus' snake_case), scraping itself
 *   every second so `up` and `prometheus_remote_storage_*` exist.
 *
 * Runs alone with `npx jest e2e`. Skips only when the prometheus binary is absent, and fails
 * instead when CI is set. Every process is stopped in afterAll, also when a test fails.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CentralStackConfig, decodePulumiConfig, EdgeStackConfig, parseStackConfig, StackConfig } from "../components/config";
import { remoteWriteSpec } from "../components/remote-write";
import { toPrometheusRemoteWrite } from "../scripts/prometheus-remote-write";
import { mockKubeconfigFor, readStackFiles, toPulumiConfig } from "../scripts/stack-files";
import { Report } from "../scripts/verify/checks";
import { expectationsFrom, Expectations, parseStackOutputs } from "../scripts/verify/expectations";
import { renderTable } from "../scripts/verify/report";
import { verify } from "../scripts/verify/run";
import { freePort, PrometheusProcess, stopAll } from "./prometheus-harness";
import { describeWithTool, PROJECT_DIR } from "./support";

/** Scrapes every second and a batch deadline of 5s keep healthy ages at a few seconds. */
const MAX_AGE_SECONDS = 10;
const SCRAPE_INTERVAL = "1s";
/** The stopped agent in the last test; any edge cluster of the committed fleet would do. */
const STOPPED_CLUSTER = "cluster-03";
/**
 * Job names like those of the Thanos components' ServiceMonitors (a job is its Service's
 * name): the stand-in central server scrapes itself under them, so verify's receive, store
 * gateway and compactor checks find targets that are up.
 */
const THANOS_STAND_IN_JOBS = ["thanos-receive", "thanos-storegateway", "thanos-compactor"];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The committed stack files, validated as the synth does (mock secrets and kubeconfig). */
function committedFleet(tmp: string): { central: CentralStackConfig; edges: EdgeStackConfig[] } {
  const files = readStackFiles(PROJECT_DIR);
  const kubeconfig = mockKubeconfigFor(files.map((f) => String(f.config["multicluster:kubeContext"] ?? f.stack)));
  const kubeconfigFile = path.join(tmp, "kubeconfig.yaml");
  fs.writeFileSync(kubeconfigFile, kubeconfig);
  const configs: StackConfig[] = files.map((f) =>
    parseStackConfig(decodePulumiConfig(toPulumiConfig(f, kubeconfig).config, f.file), { stack: f.stack, file: f.file, env: { ...process.env, KUBECONFIG: kubeconfigFile } }),
  );
  const centrals = configs.filter((c): c is CentralStackConfig => c.role === "central");
  expect(centrals).toHaveLength(1);
  return { central: centrals[0], edges: configs.filter((c): c is EdgeStackConfig => c.role === "edge") };
}

/** Polls `verify` until `done` holds; fails with the last report's table at the deadline. */
async function verifyUntil(expectations: Expectations, done: (r: Report) => boolean, what: string, withinMs: number): Promise<Report> {
  const deadline = Date.now() + withinMs;
  let last: Report | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await verify({ expectations, settings: { maxAgeSeconds: MAX_AGE_SECONDS }, timeoutMs: 5000 });
      if (done(last)) return last;
    } catch (err) {
      lastError = err;
    }
    await sleep(1000);
  }
  throw new Error(`not ${what} within ${withinMs / 1000}s; last report:\n${last ? renderTable(last) : `none (${String(lastError)})`}`);
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const tsx = path.join(PROJECT_DIR, "node_modules", ".bin", "tsx");
  return new Promise((resolve) => {
    execFile(tsx, ["scripts/verify.ts", ...args], { cwd: PROJECT_DIR, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

describeWithTool("prometheus", "install Debian's prometheus package (apt-get install prometheus; .ci/run and the PR workflow do)", "verify against real Prometheus processes", (prometheus) => {
  let tmp: string;
  const agents = new Map<string, PrometheusProcess>();
  let expectations: Expectations;
  let centralOutputsFile: string;
  let edgeOutputsFile: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "verify-e2e-"));
    const { central, edges } = committedFleet(tmp);
    const { tenantHeader, tenantLabel } = central.central.receive;

    // A plain Prometheus labels nothing: Thanos' Prometheus sidecar adds the central
    // Prometheus' external label `cluster` to what Query sees, so the stand-in jobs carry it
    // as a target label.
    const serverPort = await freePort();
    const server = await PrometheusProcess.start({
      name: "central",
      binary: prometheus,
      dir: tmp,
      port: serverPort,
      remoteWriteReceiver: true,
      config: {
        global: { scrape_interval: SCRAPE_INTERVAL },
        scrape_configs: THANOS_STAND_IN_JOBS.map((job) => ({
          job_name: job,
          static_configs: [{ targets: [`127.0.0.1:${serverPort}`], labels: { cluster: central.cluster } }],
        })),
      },
    });

    const centralOutputs = {
      role: "central",
      cluster: central.cluster,
      receiveRemoteWriteUrl: `${server.url}/api/v1/write`,
      receiveAddress: "127.0.0.1",
      tenantHeader,
      tenantLabel,
      queryUrl: server.url,
      grafanaUrl: "http://grafana.invalid",
      bucketNames: central.central.buckets,
      tenants: central.central.tenants,
      retention: central.central.retention,
      // As `pulumi stack output --json` prints secrets without --show-secrets.
      bucketCredentials: "[secret]",
      grafanaAdminPassword: "[secret]",
    };
    centralOutputsFile = path.join(tmp, "central-outputs.json");
    fs.writeFileSync(centralOutputsFile, JSON.stringify(centralOutputs, null, 2));

    const tenantAgents = edges.flatMap((e) => [e.edge.tenantId, ...e.edge.tenants.map((t) => t.id)].map((tenantId) => ({ edge: e, tenantId })));
    const [firstEdge] = edges;
    edgeOutputsFile = path.join(tmp, `${firstEdge.stack}-outputs.json`);
    fs.writeFileSync(
      edgeOutputsFile,
      JSON.stringify({
        role: "edge",
        cluster: firstEdge.cluster,
        remoteWriteUrl: centralOutputs.receiveRemoteWriteUrl,
        tenants: tenantAgents.filter((a) => a.edge === firstEdge).map((a) => ({ id: a.tenantId, cluster: firstEdge.cluster })),
      }),
    );
    expectations = expectationsFrom([
      { source: centralOutputsFile, outputs: parseStackOutputs(fs.readFileSync(centralOutputsFile, "utf8"), centralOutputsFile) },
      { source: edgeOutputsFile, outputs: parseStackOutputs(fs.readFileSync(edgeOutputsFile, "utf8"), edgeOutputsFile) },
    ]);
    // The committed central stack expects exactly the tenants the edge stack files declare.
    expect(expectations.tenants.map((t) => `${t.cluster}/${t.id}`).sort()).toEqual(tenantAgents.map((a) => `${a.edge.cluster}/${a.tenantId}`).sort());

    // Started together: each agent's readiness wait overlaps the others'.
    await Promise.all(
      tenantAgents.map(async ({ edge, tenantId }) => {
        const port = await freePort();
        const remoteWrite = toPrometheusRemoteWrite(
          remoteWriteSpec({ url: centralOutputs.receiveRemoteWriteUrl, tenantHeader, tenantId, settings: edge.edge.remoteWrite }),
        );
        const agent = await PrometheusProcess.start({
          name: `agent-${edge.cluster}-${tenantId}`,
          binary: prometheus,
          dir: tmp,
          port,
          agent: true,
          config: {
            global: {
              scrape_interval: SCRAPE_INTERVAL,
              // Thanos Receive adds the tenant label from the tenant header; a plain Prometheus
              // receiver ignores the header, so the agent sets the label itself here.
              external_labels: { cluster: edge.cluster, [tenantLabel]: tenantId },
            },
            scrape_configs: [{ job_name: "prometheus-agent", static_configs: [{ targets: [`127.0.0.1:${port}`] }] }],
            remote_write: [remoteWrite],
          },
        });
        agents.set(`${edge.cluster}/${tenantId}`, agent);
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await stopAll();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }, 30_000);

  test("reports every tenant fresh, every cluster's remote write clean and the Thanos targets up", async () => {
    // Agents replay their WAL for ~5s before the first send.
    const report = await verifyUntil(expectations, (r) => r.healthy, "healthy", 45_000);
    const samples = report.rows.filter((r) => r.check === "samples");
    expect(samples.map((r) => `${r.cluster}/${r.tenant}`).sort()).toEqual([...agents.keys()].sort());
    for (const row of samples) {
      expect(row.status).toBe("ok");
      expect(row.newestSampleAgeSeconds).toBeLessThanOrEqual(MAX_AGE_SECONDS);
    }
    expect(report.rows.filter((r) => r.check === "remote-write").map((r) => [r.cluster, r.status])).toEqual(expectations.clusters.map((c) => [c, "ok"]));
    expect(report.rows.filter((r) => ["receive", "store-gateway", "compactor"].includes(r.check)).map((r) => r.status)).toEqual(["ok", "ok", "ok"]);
    // Nothing here is older than the raw retention: a young platform, which passes.
    expect(report.rows.filter((r) => r.check === "history").map((r) => [r.cluster, r.status, r.ok])).toEqual(expectations.clusters.map((c) => [c, "no-history", true]));
  }, 60_000);

  test("the CLI reads the outputs files and exits 0 with a table", async () => {
    const { code, stdout, stderr } = await runCli(["--outputs", centralOutputsFile, "--outputs", edgeOutputsFile, "--max-age", `${MAX_AGE_SECONDS}s`]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toMatch(/^CHECK\s+CLUSTER\s+TENANT\s+STATUS\s+NEWEST SAMPLE\s+DETAIL$/m);
    for (const key of agents.keys()) {
      const [cluster, tenant] = key.split("/");
      expect(stdout).toMatch(new RegExp(`^samples\\s+${cluster}\\s+${tenant}\\s+ok\\s`, "m"));
    }
    expect(stdout).toContain("healthy: all");
  }, 40_000);

  test(`a stopped agent makes ${STOPPED_CLUSTER} stale and the CLI exit 1`, async () => {
    const stopped = [...agents.entries()].filter(([key]) => key.startsWith(`${STOPPED_CLUSTER}/`));
    expect(stopped.length).toBeGreaterThan(0);
    await Promise.all(stopped.map(([, agent]) => agent.stop()));

    const isStoppedTenant = (cluster: string) => cluster === STOPPED_CLUSTER;
    const report = await verifyUntil(
      expectations,
      (r) => r.rows.some((row) => row.check === "samples" && isStoppedTenant(row.cluster) && row.status === "stale"),
      `reporting ${STOPPED_CLUSTER} stale`,
      (MAX_AGE_SECONDS + 25) * 1000,
    );
    expect(report.healthy).toBe(false);
    for (const row of report.rows.filter((r) => r.check === "samples")) {
      expect({ tenant: `${row.cluster}/${row.tenant}`, status: row.status }).toEqual({
        tenant: `${row.cluster}/${row.tenant}`,
        status: isStoppedTenant(row.cluster) ? "stale" : "ok",
      });
    }

    const { code, stdout } = await runCli(["--outputs", centralOutputsFile, "--max-age", `${MAX_AGE_SECONDS}s`, "--json"]);
    expect(code).toBe(1);
    const json = JSON.parse(stdout) as Report;
    expect(json.healthy).toBe(false);
    const stale = json.rows.filter((r) => !r.ok);
    expect(stale.map((r) => [r.check, r.cluster, r.status])).toEqual(stopped.map(([key]) => ["samples", key.split("/")[0], "stale"]));
  }, 90_000);
});
