/**
 * Surprising input a new user can give: absurd sizes, near-miss keys, a directory for a
 * file, bad synth arguments. Each is one error naming the file, the key and what was
 * expected, never a stack trace; and a failed synth leaves no output behind.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigError } from "../../config/primitives";
import { parseStackConfig } from "../../config/stack";
import { mockKubeconfigFor } from "../../synth/pulumi-config";
import { runCli, synthesize } from "../../synth/synth";
import { SynthError } from "../../synth/output";
import { TEST_CA_PEM } from "../support/edge";
import { committedStackConfig, PROJECT_DIR, scratchDir, synthCliFailure } from "../support";

const dir = scratchDir("bad-input-");
const kubeconfigPath = path.join(dir, "kubeconfig.yaml");
fs.writeFileSync(kubeconfigPath, mockKubeconfigFor(["cluster-01", "cluster-02", "cluster-03", "cluster-04"]));
const env = { KUBECONFIG: kubeconfigPath, HOME: dir };
type Config = Record<string, any>;

const centralFlat = (): Config => ({ ...committedStackConfig("cluster-01"), "multicluster:minioUser": "admin", "multicluster:minioPassword": "admin-password" });
const withCentral = (patch: (c: Config) => void): Config => {
  const flat = centralFlat();
  const settings = structuredClone(flat["multicluster:central"]);
  patch(settings);
  return { ...flat, "multicluster:central": settings };
};
const withEdge = (patch: (e: Config) => void): Config => {
  const flat = committedStackConfig("cluster-03") as Config;
  const settings = structuredClone(flat["multicluster:edge"]);
  patch(settings);
  return { ...flat, "multicluster:edge": settings };
};

function configError(flat: Config, stack: string, secretKeys?: string[]): ConfigError {
  try {
    parseStackConfig(flat, { stack, projectDir: dir, env, secretKeys });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw new Error(`expected a ConfigError, got ${(err as Error).stack}`);
  }
  throw new Error("expected the config to be rejected");
}

/** Asserts the file, the key path and the whole message. */
function expectRejected(flat: Config, keyPath: string, expected: string, stack = flat["multicluster:role"] === "edge" ? "cluster-03" : "cluster-01"): void {
  const err = configError(flat, stack);
  expect({ file: err.file, keyPath: err.keyPath, expected: err.expected }).toEqual({ file: `Pulumi.${stack}.yaml`, keyPath, expected });
}

describe("sanity bounds, with the reason in the message", () => {
  const RECEIVERS = "each receiver is a hashring member with its own volume; 3 carry this fleet's ~7,800 samples/s";
  test.each([
    ["100000 receivers", (c: Config) => (c.receive.replicas = 100000), "receive.replicas", `expected at most 50 (${RECEIVERS}), got 100000`],
    ["2^53-1 receivers (was a RangeError)", (c: Config) => (c.receive.replicas = 9007199254740991), "receive.replicas", `expected at most 50 (${RECEIVERS}), got 9007199254740991`],
    ["100000 Alertmanagers", (c: Config) => (c.alertmanager = { replicas: 100000 }), "alertmanager.replicas", "expected at most 10 (every replica gossips with every other; 3 survive losing one), got 100000"],
    ["100000 Prometheus replicas", (c: Config) => (c.prometheus.replicas = 100000), "prometheus.replicas", "expected at most 10 (every replica scrapes every target again; 2 make the HA pair), got 100000"],
    ["a fractional replica count", (c: Config) => (c.receive.replicas = 2.5), "receive.replicas", "expected a whole number, got 2.5"],
    ["999999999Ei receiver volumes", (c: Config) => (c.receive.storageSize = "999999999Ei"), "receive.storageSize", 'expected at most 64Ti (the largest single volume common block storage provisions), got "999999999Ei"'],
    ["1000y of raw retention", (c: Config) => (c.retention.raw = "1000y"), "retention.raw", 'expected at most 10y (ten years: longer than any metrics retention this platform plans for), got "1000y"'],
    ["a month of receiver retention", (c: Config) => (c.receive.retention = "60d"), "receive.retention", 'expected at most 30d (receivers upload every 2h block to the bucket; local blocks only serve recent queries), got "60d"'],
    ["a 64g OpenSearch heap", (c: Config) => (c.logging = { heapSize: "64g" }), "logging.heapSize", 'expected at most 31g (above that the JVM loses compressed object pointers), got "64g"'],
    ["10Ti of receiver memory", (c: Config) => (c.receive.resources = { limits: { memory: "10Ti" } }), "receive.resources.limits.memory", 'expected at most 1Ti (more memory than one node has), got "10Ti"'],
  ])("central: %s", (_name, patch, key, expected) => {
    expectRejected(withCentral(patch), `multicluster:central.${key}`, expected);
  });

  test.each([
    ["a queue capacity of 2^53", (e: Config) => (e.remoteWrite = { queue: { capacity: 2 ** 53 } }), "remoteWrite.queue.capacity", "expected at most 1000000 (samples every shard buffers in the agent's memory), got 9007199254740992"],
    ["a billion shards", (e: Config) => (e.remoteWrite = { queue: { maxShards: 1e9 } }), "remoteWrite.queue.maxShards", "expected at most 1000 (each shard is one concurrent request to the receivers), got 1000000000"],
    ["1000y of WAL", (e: Config) => (e.wal = { maxTime: "1000y" }), "wal.maxTime", 'expected at most 7d (unsent samples must fit on wal.storageSize, and a restarting agent replays all of them), got "1000y"'],
    ["999999999Ei WAL volumes", (e: Config) => (e.wal = { storageSize: "999999999Ei" }), "wal.storageSize", 'expected at most 64Ti (the largest single volume common block storage provisions), got "999999999Ei"'],
    ["a backoff longer than its maximum", (e: Config) => (e.remoteWrite = { queue: { minBackoff: "1m", maxBackoff: "10s" } }), "remoteWrite.queue.maxBackoff", 'expected queue.maxBackoff of at least queue.minBackoff'],
    ["a 101st tenant", (e: Config) => ((e.nodes = ["n"]), (e.tenants = Array.from({ length: 101 }, (_, i) => ({ id: `t-${i}`, node: "n" })))), "tenants", "expected at most 100 tenants (each runs its own agent on its node)"],
  ])("edge: %s", (_name, patch, key, expected) => {
    expectRejected(withEdge(patch), `multicluster:edge.${key}`, expected);
  });

  test("the shipped values and the documented defaults are within the bounds", () => {
    expect(() => parseStackConfig(centralFlat(), { stack: "cluster-01", projectDir: dir, env })).not.toThrow();
    expect(() => parseStackConfig(withEdge((e) => (e.remoteWrite = { queue: { capacity: 1_000_000, maxShards: 1000 } })), { stack: "cluster-03", projectDir: dir, env })).not.toThrow();
  });
});

describe("messages that say what was wrong", () => {
  test("an IP address that is not one", () => {
    expectRejected(withCentral((c) => (c.receive.service = { loadBalancerIP: "10.0.10.300" })), "multicluster:central.receive.service.loadBalancerIP", 'expected an IPv4 or IPv6 address, got "10.0.10.300"');
  });

  test("a source range that is not a CIDR", () => {
    expectRejected(
      withCentral((c) => (c.receive.service = { loadBalancerSourceRanges: ["10.0.0.0/33"] })),
      "multicluster:central.receive.service.loadBalancerSourceRanges[0]",
      'expected a CIDR such as 10.0.0.0/8, got "10.0.0.0/33"',
    );
  });

  test.each([
    ["a nested key", withCentral((c) => ((c.recieve = c.receive), delete c.receive)), "multicluster:central.recieve", "unknown key; did you mean receive?"],
    ["a top-level key in the wrong case", { ...centralFlat(), "multicluster:kubecontext": "cluster-01" }, "multicluster:kubecontext", "unknown key; did you mean kubeContext?"],
    ["a key inside a list item", withEdge((e) => ((e.nodes = ["n"]), (e.tenants = [{ id: "t", nod: "n" }]))), "multicluster:edge.tenants[0].nod", "unknown key; did you mean node?"],
    [
      "a key like none",
      withEdge((e) => (e.wal = { compression: true })),
      "multicluster:edge.wal.compression",
      "unknown key (expected one of maxTime, storageSize, storageClassName; see docs/configuration.md)",
    ],
  ])("a misspelt key: %s", (_name, flat, keyPath, expected) => {
    expectRejected(flat as Config, keyPath as string, expected as string);
  });

  test("a central stack file without the deploy machine's MinIO endpoint", () => {
    expectRejected(
      withCentral((c) => delete (c.minio as Record<string, unknown>).deployEndpoint),
      "multicluster:central.minio.deployEndpoint",
      "expected host:port of the same MinIO as the machine running pulumi reaches it (the in-cluster endpoint does not resolve there), got nothing",
    );
  });

  test("central.tenants, now derived from the edge stack files", () => {
    expectRejected(
      withCentral((c) => (c.tenants = [{ id: "cluster-02", cluster: "cluster-02" }])),
      "multicluster:central.tenants",
      "expected no tenants list: the tenants central expects now come from the edge stack files (every edge whose edge.centralStack names this stack), so remove this key",
    );
  });

  test("a kubeconfig path that is a directory (was EISDIR)", () => {
    // The path is in the stack file in plain text, so the message may show it.
    const plainPath: string[] = [];
    const err = configError({ ...centralFlat(), "multicluster:kubeconfig": "kube" }, "cluster-01", plainPath);
    fs.mkdirSync(path.join(dir, "kube"), { recursive: true });
    const again = configError({ ...centralFlat(), "multicluster:kubeconfig": "kube" }, "cluster-01", plainPath);
    expect(err.expected).toMatch(/does not exist$/);
    expect({ keyPath: again.keyPath, expected: again.expected }).toEqual({
      keyPath: "multicluster:kubeconfig",
      expected: `expected a kubeconfig file or its content, but ${path.join(dir, "kube")} is a directory`,
    });
  });
});

describe("an invalid secret is refused without its value in the message", () => {
  // Recognisable, and invalid for the key: each must be rejected, and appear nowhere in the message.
  const SECRET = "Tr0ub4dor-SECRET";
  test.each([
    ["a MinIO password too short", "multicluster:minioPassword", "S3CRET7", /^expected the MinIO admin secret key of at least 8 characters \(set it with --secret\), got a value not shown here \(it is a secret\)$/],
    ["a MinIO access key too short", "multicluster:minioUser", "Q7", /^expected the MinIO admin access key \(set it with --secret\), got a value not shown here \(it is a secret\)$/],
    ["a MinIO password of the wrong type", "multicluster:minioPassword", 73317331, /^expected string, got a value not shown here \(it is a secret\)$/],
    ["a webhook that is no URL", "multicluster:alertWebhookCritical", `hooks.example.org/${SECRET}`, /^Invalid URL, got a value not shown here \(it is a secret\)$/],
    ["a webhook, the warning one", "multicluster:alertWebhookWarning", `token ${SECRET}`, /got a value not shown here/],
  ])("%s", (_name, key, value, expected) => {
    const err = configError({ ...centralFlat(), [key]: value }, "cluster-01");
    expect(err.keyPath).toBe(key);
    expect(err.expected).toMatch(expected);
    expect(err.message).not.toContain(String(value));
  });

  test("a kubeconfig secret in a form not recognised as content (base64) is taken for a path, and not shown", () => {
    const value = Buffer.from(`apiVersion: v1\nusers: [{user: {token: ${SECRET}}}]`).toString("base64");
    const err = configError({ ...centralFlat(), "multicluster:kubeconfig": value }, "cluster-01");
    expect({ keyPath: err.keyPath, expected: err.expected }).toEqual({
      keyPath: "multicluster:kubeconfig",
      expected: "expected a kubeconfig file or its content, but the file multicluster:kubeconfig names (not shown: it is a secret) does not exist",
    });
    expect(err.message).not.toContain(value);
  });

  test("inline kubeconfig content that does not parse: where, not what", () => {
    const value = `apiVersion: v1\nusers:\n- name: admin\n  user: {token: ${SECRET}\n`;
    const err = configError({ ...centralFlat(), "multicluster:kubeconfig": value }, "cluster-01");
    expect(err.keyPath).toBe("multicluster:kubeconfig");
    expect(err.expected).toMatch(/^expected a kubeconfig in YAML, but inline does not parse: at line \d+, column \d+ \(the parser's message is not shown: it may quote the secret\)$/);
    expect(err.message).not.toContain(SECRET);
  });

  test("a non-secret value is still shown", () => {
    expect(configError({ ...centralFlat(), "multicluster:kubeContext": "cluster-09" }, "cluster-01").expected).toMatch(/got cluster-09$/);
  });
});

describe("synth's command line", () => {
  async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, {}, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  test("--help prints the usage and exits 0", async () => {
    const { code, out } = await cli("--help");
    expect(code).toBe(0);
    expect(out).toMatch(/^usage: npm run synth /);
    for (const flag of ["--stack NAME", "--dir DIR", "--out DIR", "-h, --help", "Exit codes"]) expect(out).toContain(flag);
  });

  test.each([
    ["--dir without a value", ["--dir"], "synth: --dir needs a value"],
    ["a --dir that does not exist", ["--dir", "/nonexistent/stacks"], "synth: --dir /nonexistent/stacks: no such directory"],
    ["a --dir without stack files", ["--dir", scratchDir("empty-")], /^synth: no Pulumi\.<stack>\.yaml files in \/.*empty-/],
    ["an unknown --stack", ["--stack", "cluster-09"], `synth: --stack cluster-09: no stack file Pulumi.cluster-09.yaml in ${PROJECT_DIR} (stacks: cluster-01, cluster-02, cluster-03, cluster-04)`],
  ])("%s: exit 2, one line, no stack trace", async (_name, argv, message) => {
    const { code, err } = await cli(...(argv as string[]), "--out", path.join(scratchDir("cli-out-"), "synth"));
    expect(code).toBe(2);
    const [first] = err.split("\n");
    if (typeof message === "string") expect(first).toBe(message);
    else expect(first).toMatch(message);
    expect(err).not.toMatch(/^\s+at /m);
  });

  test("an --out holding other files is refused, and left alone", async () => {
    const out = scratchDir("cli-foreign-");
    fs.writeFileSync(path.join(out, "notes.txt"), "mine");
    const { code, err } = await cli("--out", out);
    expect([code, err]).toEqual([2, `synth: refusing to replace ${out}: notes.txt in it is not synth output; choose an empty or new --out`]);
    expect(fs.readFileSync(path.join(out, "notes.txt"), "utf8")).toBe("mine");
  });

  test("invalid config: exit 1 with the file and key, the real CLI prints no stack trace", async () => {
    const stackDir = scratchDir("cli-bad-");
    fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.cluster-01.yaml"), path.join(stackDir, "Pulumi.cluster-01.yaml"));
    const central = YAML.parse(fs.readFileSync(path.join(stackDir, "Pulumi.cluster-01.yaml"), "utf8"));
    central.config["multicluster:central"].receive.replicas = 9007199254740991;
    fs.writeFileSync(path.join(stackDir, "Pulumi.cluster-01.yaml"), YAML.stringify(central));
    const failed = await synthCliFailure(stackDir);
    expect(failed?.code).toBe(1);
    expect(failed?.stderr.trim()).toBe(
      "synth: invalid config: Pulumi.cluster-01.yaml: multicluster:central.receive.replicas: expected at most 50 " +
        "(each receiver is a hashring member with its own volume; 3 carry this fleet's ~7,800 samples/s), got 9007199254740991",
    );
  });
});

describe("synth output is all or nothing", () => {
  const copyCommitted = (stackDir: string, stacks = ["cluster-01", "cluster-02", "cluster-03", "cluster-04"]) => {
    for (const s of stacks) fs.copyFileSync(path.join(PROJECT_DIR, `Pulumi.${s}.yaml`), path.join(stackDir, `Pulumi.${s}.yaml`));
  };

  test("a stack that fails after others ran leaves no output, not even the previous run's", async () => {
    const stackDir = scratchDir("partial-");
    copyCommitted(stackDir);
    const outDir = path.join(stackDir, "out", "synth");
    await synthesize({ stackDir, outDir });
    expect(fs.readdirSync(outDir).sort()).toEqual(["cluster-01", "cluster-02", "cluster-03", "cluster-04", "kubeconfig.yaml"]);

    // TLS settings against central's plain-http (lab) receiver fail cluster-03 at run time, after cluster-01 and cluster-02 ran.
    const central = YAML.parse(fs.readFileSync(path.join(stackDir, "Pulumi.cluster-01.yaml"), "utf8"));
    central.config["multicluster:central"].receive.tls = { enabled: false };
    fs.writeFileSync(path.join(stackDir, "Pulumi.cluster-01.yaml"), YAML.stringify(central));
    const edge = YAML.parse(fs.readFileSync(path.join(stackDir, "Pulumi.cluster-03.yaml"), "utf8"));
    edge.config["multicluster:edge"].remoteWrite = { tls: { caCert: TEST_CA_PEM } };
    fs.writeFileSync(path.join(stackDir, "Pulumi.cluster-03.yaml"), YAML.stringify(edge));
    // The real CLI: a program failing under mocks leaves rejections jest would pin on this test.
    const failed = await synthCliFailure(stackDir, outDir);
    expect(failed?.code).toBe(1);
    // The lab central's program warns first (as pulumi up shows it), then the error ends the run.
    expect(failed?.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^warning: \[runtime\] PLAIN-HTTP REMOTE WRITE/),
      expect.stringMatching(/^synth: invalid config: Pulumi\.cluster-03\.yaml: multicluster:edge\.remoteWrite\.tls: expected no TLS settings for a plain-http receiver/),
    ]);
    expect(failed?.stdout).toMatch(/== cluster-02 /);
    expect(failed?.stdout).toContain(`synth: removed the previous output in ${outDir}: it does not match these stack files`);
    expect(fs.existsSync(outDir)).toBe(false);
    expect(fs.readdirSync(path.dirname(outDir))).toEqual([]);
  });

  test("a stack file removed since the last run leaves no stale directory", async () => {
    const stackDir = scratchDir("stale-");
    copyCommitted(stackDir);
    const outDir = path.join(stackDir, "out");
    await synthesize({ stackDir, outDir });
    fs.rmSync(path.join(stackDir, "Pulumi.cluster-04.yaml"));
    await synthesize({ stackDir, outDir });
    expect(fs.readdirSync(outDir).sort()).toEqual(["cluster-01", "cluster-02", "cluster-03", "kubeconfig.yaml"]);
  });

  test("bad arguments touch nothing: no output is created, an earlier one stays", async () => {
    const outDir = path.join(scratchDir("args-first-"), "synth");
    await expect(synthesize({ stackDir: "/nonexistent/stacks", outDir })).rejects.toThrow(SynthError);
    expect(fs.existsSync(outDir)).toBe(false);
    await synthesize({ stackDir: PROJECT_DIR, outDir, stacks: ["cluster-03"] });
    await expect(synthesize({ stackDir: PROJECT_DIR, outDir, stacks: ["cluster-09"] })).rejects.toThrow(SynthError);
    expect(fs.readdirSync(outDir).sort()).toEqual(["cluster-03", "kubeconfig.yaml"]);
  });
});
