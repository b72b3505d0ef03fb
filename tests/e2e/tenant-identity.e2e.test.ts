/**
 * A tenant can only write as itself, and within its limits, on the real receivers: the local
 * platform (loopback/local-platform.ts) runs Thanos Receive with the program's mutual TLS and
 * limits file, the agents with their tenants' client certificates (issued by the harness
 * with the program's subjects), and the LoadBalancer stand-in passing TLS through.
 *
 * - tenant-a's certificate writing with the header `THANOS-TENANT: tenant-b` lands as tenant-a;
 * - a client without a certificate, or with one of another CA, is refused;
 * - verify warns 30 days before a certificate expires;
 * - tenant-b over its head series limit gets 429 while the others keep writing: the limits
 *   file the program renders for a stack file with that limit replaces the mounted one, as
 *   the kubelet updates a ConfigMap, and the receivers reload it without a restart.
 *
 * Runs alone with `npx jest tenant-identity`; needs `npm run tools` and openssl. About five
 * minutes; every process is stopped in afterAll, also when a test fails.
 */
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ALERTS } from "../../mixin/alerts";
import { RECEIVE_LIMITS_CONFIGMAP } from "../../components/central/receive-limits";
import { agentSecretFiles, startAgent, Agent } from "../../loopback/agent";
import { LocalCa } from "../../loopback/certificates";
import { startPlatform, LocalPlatform } from "../../loopback/local-platform";
import { freePort, waitFor } from "../../loopback/process";
import { loopbackLimitsConfig } from "../../loopback/thanos/receive";
import { readSynthOutput, runSynth } from "../../loopback/synth-plan";
import { Expectations } from "../../scripts/verify/expectations";
import { describeWithPlatformTools, PROJECT_DIR } from "../support";
import { runVerifyCli, VerifyCliResult, verifyUntil, writeCentralOutputs } from "../support/verify";
import { instantQuery, ownMetric } from "../support/thanos-api";

const SCRAPE_INTERVAL = "2s";
const MAX_AGE_SECONDS = 20;
const VERIFY_POLL = { everyMs: 2000, maxAgeSeconds: MAX_AGE_SECONDS };
const LIMITED = "tenant-b";
/** Below the few thousand series an agent on loopback writes (its own metrics and node-exporter's). */
const HEAD_SERIES_LIMIT = 100;
const STACKS = ["cluster-01", "cluster-02", "cluster-03", "cluster-04"];

/** What a remote-write POST to `url` answers (status and body), or the error that ended it. */
function post(url: string, tls: https.RequestOptions): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = https.request(url, { method: "POST", headers: { "Content-Type": "application/x-protobuf", "THANOS-TENANT": "tenant-b" }, timeout: 10_000, ...tls }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode, body: body.trim() }));
    });
    req.on("error", (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.end(Buffer.alloc(0));
  });
}

describeWithPlatformTools("tenant identity and limits on the real receivers", () => {
  let platform: LocalPlatform;
  let tmp: string;
  let expectations: Expectations;
  const extraAgents: Agent[] = [];

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tenant-identity-e2e-"));
    platform = await startPlatform({ dir: tmp, scrapeInterval: SCRAPE_INTERVAL });
    ({ expectations } = writeCentralOutputs(platform, tmp));
  }, 300_000);

  afterAll(async () => {
    await Promise.all(extraAgents.map((a) => a.process.stop()));
    await platform?.stop();
    if (tmp && !process.env.KEEP_E2E_DIR) fs.rmSync(tmp, { recursive: true, force: true });
  }, 120_000);

  test("every agent writes over mutual TLS with its own tenant's certificate; verify is healthy and checks every certificate", async () => {
    expect(platform.urls.remoteWrite).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/api\/v1\/receive$/);
    const report = await verifyUntil(expectations, (r) => r.healthy, "healthy", { withinMs: 120_000, ...VERIFY_POLL });
    expect(report.rows.filter((r) => r.check === "samples").map((r) => `${r.cluster}/${r.tenant}`).sort()).toEqual(platform.fleet.agents.map((a) => `${a.cluster}/${a.tenant}`).sort());
    const certificates = report.rows.filter((r) => r.check === "certificate");
    expect(certificates.map((r) => [r.tenant ?? "-", r.status])).toEqual([["-", "ok"], ["-", "ok"], ...["cluster-02", "cluster-03", "cluster-04", "tenant-a", "tenant-b"].map((t) => [t, "ok"])]);
    expect(certificates.find((r) => r.tenant === "tenant-a")?.detail).toMatch(/^tenant-a's client certificate expires on \d{4}-\d\d-\d\d, in 36[45]d$/);
    for (const agent of platform.agents) {
      expect({ agent: agent.plan.name, failed: await ownMetric(agent.url, "prometheus_remote_storage_samples_failed_total") }).toEqual({ agent: agent.plan.name, failed: 0 });
    }
  }, 180_000);

  test("tenant-a's certificate writing with THANOS-TENANT: tenant-b lands as tenant-a", async () => {
    const tenantA = platform.fleet.agents.find((a) => a.tenant === "tenant-a")!;
    // tenant-a's own agent, configured as the program does, but claiming tenant-b in the header and marking its series.
    const forged = {
      ...tenantA,
      name: "forged-tenant-a",
      externalLabels: { ...tenantA.externalLabels, probe: "forged-header" },
      remoteWrite: tenantA.remoteWrite.map((rw) => ({ ...rw, headers: { "THANOS-TENANT": "tenant-b" } })),
    };
    const agent = await startAgent(tmp, forged, {
      port: await freePort(),
      remoteWriteUrl: platform.urls.remoteWrite,
      nodeExporterPort: Number(new URL(platform.processes.nodeExporter.opts.readyUrl!).port),
      scrapeInterval: SCRAPE_INTERVAL,
      secretFile: agentSecretFiles(platform.pki, "tenant-a"),
    });
    extraAgents.push(agent);
    const landed = await waitFor(
      "the forged agent's series in Thanos",
      async () => {
        const series = await instantQuery(platform.urls.query, `count by (tenant_id) (up{probe="forged-header"})`);
        return series.length > 0 ? series : undefined;
      },
      90_000,
      2000,
    );
    expect(landed.map((s) => s.metric.tenant_id)).toEqual(["tenant-a"]);
    expect(await instantQuery(platform.urls.query, `count_over_time(up{probe="forged-header", tenant_id!="tenant-a"}[10m])`)).toEqual([]);
    expect(await ownMetric(agent.url, "prometheus_remote_storage_samples_failed_total")).toBe(0);
    await agent.process.stop();
  }, 150_000);

  test("a client without a certificate, or with one from another CA, is refused; plain http gets no further", async () => {
    const pki = platform.pki!;
    const serverName = String((platform.centralOutputs.receiveTls as { serverName: string }).serverName);
    const ca = fs.readFileSync(pki.ca.cert.certFile);
    const url = platform.urls.remoteWrite;
    // tenant-a's real certificate reaches the handler, which rejects the empty body itself.
    const own = await post(url, { ca, servername: serverName, cert: fs.readFileSync(pki.clients["tenant-a"].certFile), key: fs.readFileSync(pki.clients["tenant-a"].keyFile) });
    expect(own).toEqual({ status: 400, body: "snappy decode error: s2: corrupt input" });

    // TLS 1.3: the receiver ends the handshake with a certificate_required alert.
    const anonymous = await post(url, { ca, servername: serverName });
    expect(anonymous).toEqual({ error: "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED" });

    // Same subject fields, another CA: a certificate anyone could make.
    const rogue = await LocalCa.create(path.join(tmp, "rogue-ca"), { subject: { commonName: "multicluster-receive-ca", organization: "multicluster" }, validityPeriodHours: 24, allowedUses: ["cert_signing", "digital_signature"] });
    const rogueClient = await rogue.issue({ ...platform.fleet.central.receivePki!.clients["tenant-a"], name: "rogue-tenant-a" });
    const impostor = await post(url, { ca, servername: serverName, cert: fs.readFileSync(rogueClient.certFile), key: fs.readFileSync(rogueClient.keyFile) });
    expect(impostor).toEqual({ error: "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA" });

    // Plain http to the TLS port: Go's server answers 400 before any handler runs.
    const plain = await fetch(url.replace("https:", "http:"), { method: "POST", body: "", signal: AbortSignal.timeout(10_000) });
    expect(plain.status).toBe(400);
    expect(await plain.text()).toContain("Client sent an HTTP request to an HTTPS server");
  }, 60_000);

  test("verify warns 30 days before a certificate expires, and stays healthy", async () => {
    const plan = platform.fleet.central.receivePki!.clients["tenant-a"];
    const soon = await platform.pki!.ca.issue({ ...plan, name: "tenant-a-expiring" }, 10);
    const receiveTls = platform.centralOutputs.receiveTls as { clientCerts: Record<string, string> };
    const file = path.join(tmp, "outputs-expiring.json");
    fs.writeFileSync(file, JSON.stringify({ ...platform.centralOutputs, receiveTls: { ...receiveTls, clientCerts: { ...receiveTls.clientCerts, "tenant-a": soon.certPem } } }));
    // Healthy apart from the warning; on a loaded machine a sample may arrive late once, so a few tries.
    let last: VerifyCliResult | undefined;
    const healthy = async () => {
      last = await runVerifyCli(["--outputs", file, "--max-age", `${MAX_AGE_SECONDS}s`]);
      return last.code === 0 || undefined;
    };
    await waitFor("verify healthy with the expiring certificate", healthy, 60_000, VERIFY_POLL.everyMs).catch(() => undefined);
    const { code, stdout, stderr } = last!;
    expect({ code, stderr, stdout: code === 0 ? "" : stdout }).toEqual({ code: 0, stderr: "", stdout: "" });
    expect(stdout).toMatch(/\nWARNING: certificate tenant-a: tenant-a's client certificate expires on \d{4}-\d\d-\d\d, in (9|10)d \(under 30d\): run pulumi up on the central stack, then on the edge stacks\n/);
    expect(stdout).toMatch(/\nhealthy: all \d+ checks passed, 1 warning /);
  }, 90_000);

  test(`${LIMITED} over its head series limit gets 429 while the others keep writing; the alert and verify show it`, async () => {
    // The program's limits file for the same stack files with one override, mounted as the kubelet updates a ConfigMap.
    const stackDir = path.join(tmp, "stacks-limited");
    fs.mkdirSync(stackDir);
    for (const stack of STACKS) fs.copyFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), path.join(stackDir, `Pulumi.${stack}.yaml`));
    const centralFile = path.join(stackDir, "Pulumi.cluster-01.yaml");
    const central = YAML.parse(fs.readFileSync(centralFile, "utf8"));
    central.config["multicluster:central"].receive.limits = { tenants: { [LIMITED]: { headSeries: HEAD_SERIES_LIMIT } } };
    fs.writeFileSync(centralFile, YAML.stringify(central));
    await runSynth(path.join(tmp, "synth-limited"), stackDir);
    const limits = readSynthOutput(path.join(tmp, "synth-limited")).central.configMaps[RECEIVE_LIMITS_CONFIGMAP.name][RECEIVE_LIMITS_CONFIGMAP.key];
    expect(YAML.parse(limits).write.tenants).toEqual({ [LIMITED]: { head_series_limit: HEAD_SERIES_LIMIT } });
    const prometheusAddress = new URL(platform.urls.centralPrometheus).host;
    const mounted = path.join(platform.receiveVolumes["write-limits"], RECEIVE_LIMITS_CONFIGMAP.key);
    fs.writeFileSync(`${mounted}.new`, loopbackLimitsConfig(limits, () => [prometheusAddress]));
    fs.renameSync(`${mounted}.new`, mounted);
    const limitedAt = Date.now();

    // Receivers reload the file, learn tenant-b's active series from the central Prometheus, and refuse it.
    const refusals = async (metric: string, labels: Record<string, string>) =>
      (await Promise.all(platform.receivers.map((r) => ownMetric(`http://127.0.0.1:${r.ports.http}`, metric, labels)))).reduce<number>((sum, v) => sum + (v ?? 0), 0);
    await waitFor("429s for tenant-b", async () => ((await refusals("thanos_receive_head_series_limited_requests_total", { tenant: LIMITED })) > 2 ? true : undefined), 120_000, 2000);
    expect(await refusals("http_requests_total", { handler: "receive", code: "429", tenant: LIMITED })).toBeGreaterThan(0);
    for (const other of ["tenant-a", "cluster-02", "cluster-03", "cluster-04"]) expect({ other, refused: await refusals("thanos_receive_head_series_limited_requests_total", { tenant: other }) }).toEqual({ other, refused: 0 });
    // The agent backs off and retries, losing nothing yet: the samples wait in its WAL.
    const limitedAgent = platform.agents.find((a) => a.plan.tenant === LIMITED)!;
    expect(await ownMetric(limitedAgent.url, "prometheus_remote_storage_samples_failed_total")).toBe(0);

    // Everyone else stays fresh; verify names tenant-b's refusals (and its staleness) and nothing else.
    const report = await verifyUntil(
      expectations,
      (r) => r.rows.some((row) => row.check === "limits" && row.tenant === LIMITED && row.status === "limited"),
      "verify showing tenant-b limited",
      { withinMs: 120_000, ...VERIFY_POLL },
    );
    // tenant-b's samples stop landing (it goes stale), while every other tenant's keep arriving.
    const fresh = await verifyUntil(
      expectations,
      (r) =>
        r.rows.some((row) => row.check === "samples" && row.tenant === LIMITED && row.status === "stale") && r.rows.filter((row) => row.tenant !== LIMITED).every((row) => row.ok),
      "tenant-b stale, the other tenants fresh",
      { withinMs: 120_000, ...VERIFY_POLL },
    );
    expect(report.rows.find((r) => r.check === "limits" && r.tenant === LIMITED)?.detail).toMatch(/^\d+ writes refused with 429 in the last 5m: active series over the tenant's head series limit/);
    expect(fresh.rows.filter((r) => !r.ok && r.tenant !== LIMITED)).toEqual([]);
    for (const row of fresh.rows.filter((r) => r.check === "samples" && r.tenant !== LIMITED)) expect(row.newestSampleAgeSeconds!).toBeLessThan(MAX_AGE_SECONDS);

    // The central Prometheus's alert picks it up (pending for its 5m, then firing).
    const alert = await waitFor(
      `${ALERTS.thanosReceiveTenantLimited} for tenant-b`,
      async () => {
        const series = await instantQuery(platform.urls.centralPrometheus, `ALERTS{alertname="${ALERTS.thanosReceiveTenantLimited}"}`);
        return series.length > 0 ? series : undefined;
      },
      60_000,
      2000,
    );
    expect(alert.map((s) => [s.metric.tenant, s.metric.limit, s.metric.severity])).toEqual([[LIMITED, "head_series", "warning"]]);
    console.log(`tenant-b refused ${Math.round((Date.now() - limitedAt) / 1000)}s after the limits file changed`);
  }, 420_000);
});
