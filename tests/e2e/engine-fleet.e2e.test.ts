/**
 * The whole fleet under the real Pulumi engine (issue 20): the pinned CLI, language host and
 * Kubernetes provider, and the stand-in random, TLS and MinIO providers
 * (tools/pulumi-standin-providers), run the README's deploy commands for cluster-01, then the
 * edges, against loopback clusters and a loopback MinIO. The loopback data path then runs on
 * what the engine deployed (its certificates and keys, its MinIO user and policy), `verify
 * --stack` reads the outputs through the CLI, the receive certificates are rotated under load
 * with no sample lost, and the fleet is destroyed to a defined state.
 */
import { X509Certificate } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as tls from "tls";
import { bucketPolicy, PolicyDocument } from "../../components/central/bucket-access";
import { RECEIVE_LB_SERVICE } from "../../components/central/endpoints";
import { RECEIVE_TLS_SECRET } from "../../components/central/receive-identity";
import { CounterProbe, probeScrapeJob } from "../../loopback/counter-probe";
import { LoadBalancerController } from "../../loopback/clusters/load-balancer-controller";
import { DeployedMaterial, readDeployedMaterial, secretData } from "../../loopback/engine/deployed-material";
import { EngineFleet, startEngineFleet } from "../../loopback/engine/fleet";
import { tail } from "../../loopback/engine/pulumi-cli";
import { LocalPlatform, startPlatform } from "../../loopback/local-platform";
import { mcAsAdmin, MinioServer, startMinioServer } from "../../loopback/minio";
import { freePort, LOOPBACK_HOST, sleep, stopAll } from "../../loopback/process";
import { FleetPlan, readSynthOutput, runSynth } from "../../loopback/synth-plan";
import { scratchDir } from "../support";
import { deploy, describeWithFleetTools, hasStackTrace, namespaceNames } from "../support/engine";
import { addCounts, Count, countValues, probeSamples } from "../support/probe-count";
import { runVerifyIn, secretValuesOf, stackResources, untilNoLoss } from "../support/fleet";

const CENTRAL = "cluster-01";
const EDGES = ["cluster-02", "cluster-03", "cluster-04"];
const KEEP = Boolean(process.env.KEEP_E2E_DIR);
jest.setTimeout(60 * 60_000);

describeWithFleetTools("the whole fleet under the real Pulumi engine", () => {
  let work: string;
  let plan: FleetPlan;
  let synthDir: string;
  let minio: MinioServer;
  let fleet: EngineFleet;
  let loadBalancers: LoadBalancerController | undefined;
  let platform: LocalPlatform | undefined;
  let probe: CounterProbe | undefined;
  let material: DeployedMaterial;
  const before: Record<string, string[]> = {};
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const apis = () => Object.fromEntries(fleet.stacks.map((s) => [s.name, fleet.clusters.clusters[s.stack].api]));
  const centralNamespace = () => plan.central.namespace;
  const bucketNames = () => plan.central.outputs.bucketNames as Record<string, string>;

  beforeAll(async () => {
    work = scratchDir("engine-fleet-");
    synthDir = path.join(work, "synth");
    await runSynth(synthDir);
    plan = readSynthOutput(synthDir);
    minio = await startMinioServer(path.join(work, "minio"), "us-east-1");
    fleet = await startEngineFleet(work, { standInProviders: true, log });
    for (const stack of [CENTRAL, ...EDGES]) {
      await fleet.cli.must(["stack", "select", "--create", `organization/multicluster/${stack}`]);
      await deploy(fleet, "charts", stack);
      before[stack] = await namespaceNames(fleet.clusters.clusters[stack].api);
    }
    // The admin credentials go in on standard input, as the README says, never on a command line.
    expect((await deploy(fleet, "minioUser", CENTRAL, { input: minio.admin.accessKey })).code).toBe(0);
    expect((await deploy(fleet, "minioPassword", CENTRAL, { input: minio.admin.secretKey })).code).toBe(0);
  }, 20 * 60_000);

  afterAll(async () => {
    loadBalancers?.stop();
    await platform?.stop().catch(() => undefined);
    await probe?.stop();
    await fleet?.stop();
    await stopAll();
    if (work && !KEEP) fs.rmSync(work, { recursive: true, force: true });
    else if (work) log(`engine fleet e2e: kept ${work}`);
  });

  const oneLineError = (out: string, ...mustName: string[]) => {
    expect(hasStackTrace(out)).toBe(false);
    for (const text of mustName) expect(out).toContain(text);
  };

  test("a MinIO the deploy machine cannot reach fails preview and up before anything is created, naming the key", async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    expect((await deploy(fleet, "minioEndpoint", CENTRAL, { minioEndpoint: closed })).code).toBe(0);
    for (const step of ["preview", "up"] as const) {
      const result = await deploy(fleet, step, CENTRAL);
      expect(result.code).not.toBe(0);
      oneLineError(result.stdout + result.stderr, "Pulumi.cluster-01.yaml", "multicluster:central.minio.deployEndpoint", `http://${closed}/minio/health/live`);
    }
    expect((await stackResources(fleet, CENTRAL)).filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
    expect(await namespaceNames(fleet.clusters.clusters[CENTRAL].api)).toEqual(before[CENTRAL]);
    expect((await deploy(fleet, "minioEndpoint", CENTRAL, { minioEndpoint: minio.endpoint })).code).toBe(0);
  });

  test("without a LoadBalancer controller, up fails after addressTimeoutMinutes naming the Service; with one, up completes", async () => {
    await fleet.cli.must(["config", "set", "--path", "multicluster:central.receive.service.addressTimeoutMinutes", "1", "--stack", CENTRAL]);
    expect((await deploy(fleet, "preview", CENTRAL)).code).toBe(0);
    let started = Date.now();
    const failed = await deploy(fleet, "up", CENTRAL);
    const failedSeconds = (Date.now() - started) / 1000;
    log(`engine fleet e2e: central up without a LoadBalancer controller failed after ${failedSeconds.toFixed(0)}s:\n${tail(failed.stdout + failed.stderr, 12)}`);
    expect(failed.code).not.toBe(0);
    oneLineError(failed.stdout + failed.stderr, RECEIVE_LB_SERVICE);
    await fleet.cli.must(["config", "rm", "--path", "multicluster:central.receive.service.addressTimeoutMinutes", "--stack", CENTRAL]);

    loadBalancers = LoadBalancerController.start(fleet.clusters.clusters[CENTRAL].api);
    started = Date.now();
    const up = await deploy(fleet, "up", CENTRAL);
    log(`engine fleet e2e: central up: ${((Date.now() - started) / 1000).toFixed(0)}s`);
    expect({ code: up.code, out: up.code === 0 ? "" : up.stdout.slice(-4000) + up.stderr }).toEqual({ code: 0, out: "" });
    expect(loadBalancers.assigned).toContain(`${centralNamespace()}/${RECEIVE_LB_SERVICE}`);
  });

  test("a second preview of central is empty", async () => {
    const again = await deploy(fleet, "check", CENTRAL);
    expect({ code: again.code, out: again.code === 0 ? "" : again.stdout.slice(-3000) }).toEqual({ code: 0, out: "" });
  });

  test.each(EDGES)("%s goes up against the central the engine deployed, and a second preview is empty", async (stack) => {
    expect((await deploy(fleet, "preview", stack)).code).toBe(0);
    const up = await deploy(fleet, "up", stack);
    expect({ code: up.code, out: up.code === 0 ? "" : up.stdout.slice(-3000) + up.stderr }).toEqual({ code: 0, out: "" });
    const again = await deploy(fleet, "check", stack);
    expect({ code: again.code, out: again.code === 0 ? "" : again.stdout.slice(-3000) }).toEqual({ code: 0, out: "" });
  });

  test("the state holds every password and key only as ciphertext", async () => {
    for (const stack of [CENTRAL, ...EDGES]) {
      const secrets = await secretValuesOf(fleet, stack);
      const plain = (await fleet.cli.must(["stack", "export", "--stack", stack])).stdout;
      const leaked = secrets.filter((value) => plain.includes(value));
      expect({ stack, leaked: leaked.map((v) => `${v.slice(0, 12)}… (${v.length} chars)`) }).toEqual({ stack, leaked: [] });
      if (stack === CENTRAL) expect(secrets.length).toBeGreaterThanOrEqual(20);
      log(`engine fleet e2e: ${stack}: ${secrets.length / 3} passwords and keys in the state, none in clear`);
    }
    // The admin password was given on standard input and is in no file of the backend in clear.
    const backendFiles = fs.readdirSync(fleet.cli.backendDir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    for (const file of backendFiles) expect(fs.readFileSync(path.join(file.parentPath, file.name), "utf8")).not.toContain(minio.admin.secretKey);
  });

  test("MinIO holds the engine's buckets, and each user may use its own bucket only", async () => {
    const admin = minio.client(minio.admin);
    const buckets = (await admin.listBuckets()).map((b) => b.name).sort();
    const names = Object.values(bucketNames()).sort();
    expect(buckets).toEqual(names);
    material = await readDeployedMaterial(plan, apis(), path.join(work, "deployed"));
    const thanosBucket = bucketNames().thanos;
    const user = minio.client(material.thanosCredentials);
    await user.putObject(thanosBucket, "engine-check", "written with the engine's user");
    for (const other of names.filter((n) => n !== thanosBucket)) await expect(user.putObject(other, "engine-check", "x")).rejects.toThrow(/Access Denied/);
    // The policy attached is the program's document for that bucket.
    const info = await mcAsAdmin(minio, ["admin", "user", "info", "local", material.thanosCredentials.accessKey]);
    expect(info).toMatchObject({ policyName: `${thanosBucket}-readwrite`, userStatus: "enabled" });
    const policy = await mcAsAdmin(minio, ["admin", "policy", "info", "local", `${thanosBucket}-readwrite`]);
    // MinIO keeps a statement's actions sorted.
    const sortedActions = (doc: PolicyDocument) => ({ ...doc, Statement: doc.Statement.map((st) => ({ ...st, Action: [...st.Action].sort() })) });
    expect(sortedActions((policy.policyInfo as { Policy: PolicyDocument }).Policy)).toEqual(sortedActions(bucketPolicy(thanosBucket)));
  });

  test("the data path runs on the engine's certificates and MinIO user, and verify --stack reports every cluster and tenant healthy", async () => {
    probe = await CounterProbe.start(await freePort());
    const counter = probe;
    platform = await startPlatform({
      dir: path.join(work, "platform"),
      synthDir,
      deployed: { minio, material },
      extraScrapeJobs: (agent) => [probeScrapeJob(counter, agent.name)],
      log,
    });
    // The receivers serve the certificate of the engine's Secret.
    const serverSecret = await secretData(apis()[plan.central.cluster], centralNamespace(), RECEIVE_TLS_SECRET.name);
    const tlsVolumes = Object.values(platform.receiveVolumes).filter((d) => fs.existsSync(path.join(d, RECEIVE_TLS_SECRET.certKey)));
    expect(tlsVolumes.map((d) => fs.readFileSync(path.join(d, RECEIVE_TLS_SECRET.certKey), "utf8"))).toEqual([serverSecret[RECEIVE_TLS_SECRET.certKey]]);
    const result = await runVerifyIn(fleet, ["--stack", CENTRAL, ...EDGES.flatMap((s) => ["--stack", s]), "--query-url", platform.urls.queryFrontend], { withinMs: 4 * 60_000 });
    log(`engine fleet e2e: verify --stack:\n${result.stdout}`);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    for (const agent of plan.agents) expect(result.stdout).toContain(agent.tenant);
  });

  test("a certificate rotation (one config bump, central then the edges) issues new certificates from the same CA, and no sample is lost", async () => {
    const p = platform!;
    const counter = probe!;
    const agents = p.agents.map((a) => a.plan.name);
    const from = Object.fromEntries(agents.map((n) => [n, counter.current(n)]));
    const oldServer = material.pki.server.certPem;
    const oldCa = material.pki.ca.cert.certPem;

    expect((await deploy(fleet, "rotate", CENTRAL, { generation: 2 })).code).toBe(0);
    const central = await deploy(fleet, "up", CENTRAL);
    expect({ code: central.code, out: central.code === 0 ? "" : central.stdout.slice(-3000) }).toEqual({ code: 0, out: "" });
    // The kubelet updates a mounted Secret in place; the receivers reload their certificate on change.
    const rotatedCentral = await readDeployedMaterial(plan, apis(), path.join(work, "rotated-central"));
    expect(rotatedCentral.pki.server.certPem).not.toBe(oldServer);
    expect(rotatedCentral.pki.ca.cert.certPem).toBe(oldCa);
    for (const dir of Object.values(p.receiveVolumes).filter((d) => fs.existsSync(path.join(d, RECEIVE_TLS_SECRET.certKey)))) {
      replaceFile(path.join(dir, RECEIVE_TLS_SECRET.keyKey), fs.readFileSync(rotatedCentral.pki.server.keyFile, "utf8"));
      replaceFile(path.join(dir, RECEIVE_TLS_SECRET.certKey), rotatedCentral.pki.server.certPem);
    }
    // The receivers present the new certificate (Thanos reloads it at the next handshake).
    for (const receiver of p.receivers) expect(await servedCertificateSerial(receiver.ports.remoteWrite, material, plan)).toBe(new X509Certificate(rotatedCentral.pki.server.certPem).serialNumber);
    for (const stack of EDGES) {
      const up = await deploy(fleet, "up", stack);
      expect({ stack, code: up.code }).toEqual({ stack, code: 0 });
    }
    const rotated = await readDeployedMaterial(plan, apis(), path.join(work, "rotated"));
    for (const [tenant, files] of Object.entries(material.pki.clients)) {
      expect(rotated.pki.clients[tenant].certPem).not.toBe(files.certPem);
      replaceFile(files.keyFile, fs.readFileSync(rotated.pki.clients[tenant].keyFile, "utf8"));
      replaceFile(files.certFile, rotated.pki.clients[tenant].certPem);
    }
    // A few scrapes written with the new client certificates, then the window closes.
    await sleep(15_000);
    const to = Object.fromEntries(agents.map((n) => [n, counter.current(n)]));
    const counts: Record<string, Count> = await untilNoLoss(agents, async (name) => {
      const series = await probeSamples(p.urls.query, name, { at: Date.now(), lookbackSeconds: 1800, dedup: true });
      return countValues({ from: from[name], to: to[name] }, series.flatMap((s) => s.samples.map((x) => x.value)));
    });
    log(`engine fleet e2e: rotation: ${JSON.stringify(addCounts(Object.values(counts)))}`);
    expect(addCounts(Object.values(counts))).toMatchObject({ lost: 0 });
    expect(addCounts(Object.values(counts)).expected).toBeGreaterThan(agents.length * 5);
  });

  test("destroy, edges first: each edge leaves its cluster as it found it", async () => {
    // The data path keeps running (its stop would stop every process, the clusters' too).
    for (const stack of EDGES) {
      const result = await deploy(fleet, "destroy", stack);
      expect({ stack, code: result.code, out: result.code === 0 ? "" : result.stdout.slice(-3000) }).toEqual({ stack, code: 0, out: "" });
      expect(await namespaceNames(fleet.clusters.clusters[stack].api)).toEqual(before[stack]);
    }
  });

  test("an edge stack made with another passphrase than central's fails naming the passphrase, not a tenant", async () => {
    const other = { env: { PULUMI_CONFIG_PASSPHRASE: "not-the-passphrase-of-cluster-01" } };
    const stack = "cluster-03";
    await fleet.cli.must(["stack", "rm", "--yes", "--preserve-config", "--stack", stack]);
    const file = path.join(fleet.projectDir, `Pulumi.${stack}.yaml`);
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/^encryptionsalt:.*\n/m, ""));
    await fleet.cli.must(["stack", "init", `organization/multicluster/${stack}`], other);
    const result = await deploy(fleet, "preview", stack, other);
    log(`engine fleet e2e: preview with another passphrase: ${result.stdout.split("\n").filter((l) => /error|passphrase/i.test(l)).join("\n")}`);
    expect(result.code).not.toBe(0);
    oneLineError(result.stdout + result.stderr, `Pulumi.${stack}.yaml`, "multicluster:edge.centralStack", "PULUMI_CONFIG_PASSPHRASE");
    await fleet.cli.must(["stack", "rm", "--yes", "--preserve-config", "--stack", stack], other);
  });

  test("destroy of central keeps only its protected buckets, with their data; a plain destroy says why it stops", async () => {
    const refused = await deploy(fleet, "destroy", CENTRAL);
    expect(refused.code).not.toBe(0);
    oneLineError(refused.stdout + refused.stderr, "protected");
    const kept = await deploy(fleet, "destroyKeepingBuckets", CENTRAL);
    expect({ code: kept.code, out: kept.code === 0 ? "" : kept.stdout.slice(-3000) }).toEqual({ code: 0, out: "" });
    const left = (await stackResources(fleet, CENTRAL)).map((r) => r.type).sort();
    expect(left.filter((t) => t.startsWith("minio:"))).toEqual(Object.keys(bucketNames()).map(() => "minio:index/s3Bucket:S3Bucket"));
    expect(await namespaceNames(fleet.clusters.clusters[CENTRAL].api)).toEqual(before[CENTRAL]);
    const thanosBucket = bucketNames().thanos;
    const admin = minio.client(minio.admin);
    expect((await admin.listBuckets()).map((b) => b.name)).toContain(thanosBucket);
    await expect(admin.statObject(thanosBucket, "engine-check")).resolves.toBeDefined();
    // The users went with the stack: the engine's Thanos user is refused now.
    await expect(minio.client(material.thanosCredentials).putObject(thanosBucket, "after-destroy", "x")).rejects.toThrow();
  });
});

/** The serial of the certificate a receiver presents to an agent (its tenant's client certificate, the receivers' server name). */
function servedCertificateSerial(port: number, material: DeployedMaterial, plan: FleetPlan): Promise<string> {
  const [tenant, client] = Object.entries(material.pki.clients)[0];
  const serverName = (plan.central.outputs.receiveTls as { serverName: string }).serverName;
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      { host: LOOPBACK_HOST, port, servername: serverName, ca: material.pki.ca.cert.certPem, cert: client.certPem, key: fs.readFileSync(client.keyFile) },
      () => {
        resolve(socket.getPeerX509Certificate()?.serialNumber ?? `no certificate (tenant ${tenant})`);
        socket.end();
      },
    );
    socket.on("error", reject);
  });
}

/** Replaces a file's content at once, as the kubelet swaps a Secret volume's files. */
function replaceFile(file: string, content: string): void {
  const next = `${file}.next`;
  fs.writeFileSync(next, content, { mode: 0o600 });
  fs.renameSync(next, file);
}
