/**
 * The preflight against a tiny fake kube-apiserver over HTTPS (a certificate openssl issues for
 * the test): a reachable cluster, an unreachable or silent one, refused credentials, and the
 * namespaces the program would create being absent, this stack's, or someone else's.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as net from "net";
import * as path from "path";
import { TLSSocket } from "tls";
import { promisify } from "util";
import * as YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { ClaimedNamespace, checkCluster, claimedNamespaces, preflight } from "../../components/shared/preflight";
import { OWNER_STACK_LABEL } from "../../components/shared/conventions";
import { Kubeconfig } from "../../config/kubeconfig";
import { ConfigError } from "../../config/primitives";
import { centralConfig } from "../support/alerting";
import { edgeConfig } from "../support/edge";
import { describeWithSystemTool, scratchDir } from "../support";

const run = promisify(execFile);
const TOKEN = "preflight-test-token-0123456789";
const FILE = "Pulumi.cluster-02.yaml";
const STACK = "cluster-02";
const CLAIMS: ClaimedNamespace[] = [
  { name: "monitoring", key: "multicluster:edge.namespace" },
  { name: "tenant-a", key: "multicluster:edge.tenants[0].id" },
];

test("under Pulumi mocks nothing is checked: the synth's kubeconfigs name *.invalid servers", async () => {
  await pulumi.runtime.setMocks({ newResource: (args) => ({ id: args.name, state: args.inputs }), call: () => ({}) }, "multicluster", STACK);
  await expect(preflight(edgeConfig(STACK))).resolves.toBeUndefined();
});

test("the namespaces each shipped stack creates, with the keys that name them", () => {
  expect(claimedNamespaces(edgeConfig("cluster-02"))).toEqual([
    { name: "monitoring", key: "multicluster:edge.namespace" },
    { name: "tenant-a", key: "multicluster:edge.tenants[0].id" },
    { name: "tenant-b", key: "multicluster:edge.tenants[1].id" },
  ]);
  expect(claimedNamespaces(edgeConfig("cluster-03"))).toEqual([{ name: "monitoring", key: "multicluster:edge.namespace" }]);
  expect(claimedNamespaces(centralConfig())).toEqual([
    { name: "monitoring", key: "multicluster:central.namespace" },
    { name: "logging", key: "multicluster:central.logging.namespace" },
  ]);
});

interface FakeApiserver {
  url: string;
  /** Requests as `<path> <authorization> <client certificate CN>`. */
  requests: string[];
  close: () => Promise<void>;
}

type Namespaces = Record<string, { labels?: Record<string, string>; phase?: string }>;

describeWithSystemTool("openssl", "install Debian's openssl package", "the preflight against a fake kube-apiserver", () => {
  const dir = scratchDir("preflight-");
  const file = (name: string) => path.join(dir, name);
  const pem = (name: string) => fs.readFileSync(file(name), "utf8");
  const b64 = (name: string) => fs.readFileSync(file(name)).toString("base64");

  /** A CA; a server certificate for localhost and 127.0.0.1; a client certificate; another CA. */
  beforeAll(async () => {
    const openssl = (...args: string[]) => run("openssl", args, { cwd: dir });
    for (const ca of ["ca", "other-ca"]) await openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${ca}.key`, "-out", `${ca}.crt`, "-days", "1", "-subj", `/CN=${ca}`);
    fs.writeFileSync(file("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    for (const [name, subject, ext] of [["server", "/CN=kube-apiserver", ["-extfile", "server.ext"]], ["client", "/O=system:masters/CN=admin", []]] as const) {
      await openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject);
      await openssl("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.crt`, "-days", "1", ...ext);
    }
  });

  /** Answers /version and GET namespace like a kube-apiserver; 401 without the token or a client certificate. */
  async function fakeApiserver(namespaces: Namespaces = {}): Promise<FakeApiserver> {
    const requests: string[] = [];
    const answer = (url: string, authorized: boolean): [number, unknown] => {
      if (!authorized) return [401, { kind: "Status", message: "Unauthorized", code: 401 }];
      if (url === "/version") return [200, { major: "1", minor: "36", gitVersion: "v1.36.3" }];
      const name = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(url)?.[1];
      const found = name === undefined ? undefined : namespaces[name];
      if (!found) return [404, { kind: "Status", message: `namespaces "${name}" not found`, code: 404 }];
      return [200, { kind: "Namespace", apiVersion: "v1", metadata: { name, labels: found.labels ?? {} }, status: { phase: found.phase ?? "Active" } }];
    };
    const server = https.createServer({ key: pem("server.key"), cert: pem("server.crt"), ca: pem("ca.crt"), requestCert: true, rejectUnauthorized: false }, (req, res) => {
      const socket = req.socket as TLSSocket;
      const clientCn = socket.authorized ? socket.getPeerCertificate().subject?.CN : undefined;
      requests.push(`${req.url} ${req.headers.authorization ?? "-"} ${clientCn ?? "-"}`);
      const [status, body] = answer(req.url ?? "", req.headers.authorization === `Bearer ${TOKEN}` || clientCn !== undefined);
      res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
    });
    return listen(server, requests);
  }

  async function listen(server: net.Server, requests: string[] = []): Promise<FakeApiserver> {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    // Connections a client gave up on stay open on this side: end them, or close() waits forever.
    const connections = new Set<net.Socket>();
    server.on("connection", (socket: net.Socket) => connections.add(socket));
    const close = () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        connections.forEach((socket) => socket.destroy());
      });
    return { url: `https://localhost:${port}`, requests, close };
  }

  /** A kubeconfig file with one context, `cluster-02`, whose user is `user`. */
  function kubeconfig(server: string, user: Record<string, unknown>, cluster: Record<string, unknown> = { "certificate-authority-data": b64("ca.crt") }): Kubeconfig {
    const doc = {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c2", cluster: { server, ...cluster } }],
      users: [{ name: "u2", user }],
      contexts: [{ name: "cluster-02", context: { cluster: "c2", user: "u2" } }],
      "current-context": "cluster-02",
    };
    const source = file(`kubeconfig-${Math.random().toString(36).slice(2)}.yaml`);
    const content = YAML.stringify(doc);
    fs.writeFileSync(source, content);
    return { source, content, context: "cluster-02", fromConfig: true };
  }

  async function check(config: Kubeconfig, opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<{ warnings: string[]; error?: ConfigError }> {
    const warnings: string[] = [];
    try {
      await checkCluster({ file: FILE, stack: STACK, kubeconfig: config, namespaces: CLAIMS, warn: (m) => warnings.push(m), timeoutMs: opts.timeoutMs, env: opts.env ?? {} });
      return { warnings };
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return { warnings, error: err as ConfigError };
    }
  }

  async function withServer<T>(namespaces: Namespaces, body: (api: FakeApiserver) => Promise<T>): Promise<T> {
    const api = await fakeApiserver(namespaces);
    try {
      return await body(api);
    } finally {
      await api.close();
    }
  }

  test("a reachable cluster where the namespaces do not exist yet passes, asking with the token", async () => {
    await withServer({}, async (api) => {
      expect(await check(kubeconfig(api.url, { token: TOKEN }))).toEqual({ warnings: [] });
      expect(api.requests).toEqual([`/version Bearer ${TOKEN} -`, `/api/v1/namespaces/monitoring Bearer ${TOKEN} -`, `/api/v1/namespaces/tenant-a Bearer ${TOKEN} -`]);
    });
  });

  test("a client certificate and a CA file beside the kubeconfig work as with kubectl; so does a tokenFile", async () => {
    await withServer({}, async (api) => {
      const certificate = kubeconfig(api.url, { "client-certificate": "client.crt", "client-key-data": b64("client.key") }, { "certificate-authority": "ca.crt" });
      expect(await check(certificate)).toEqual({ warnings: [] });
      fs.writeFileSync(file("token"), `${TOKEN}\n`);
      expect(await check(kubeconfig(api.url, { tokenFile: "token" }))).toEqual({ warnings: [] });
      expect(api.requests.slice(0, 3).every((r) => r.endsWith(" - admin"))).toBe(true);
      expect(api.requests.slice(3).every((r) => r.includes(`Bearer ${TOKEN}`))).toBe(true);
    });
  });

  test("namespaces this stack created pass; one still being deleted does not", async () => {
    const owned = { labels: { [OWNER_STACK_LABEL]: STACK } };
    await withServer({ monitoring: owned, "tenant-a": owned }, async (api) => {
      expect(await check(kubeconfig(api.url, { token: TOKEN }))).toEqual({ warnings: [] });
    });
    await withServer({ "tenant-a": { ...owned, phase: "Terminating" } }, async (api) => {
      const { error } = await check(kubeconfig(api.url, { token: TOKEN }));
      expect(error?.message).toBe(`${FILE}: multicluster:edge.tenants[0].id: expected namespace tenant-a to be usable, but it is still being deleted; run again once it is gone`);
    });
  });

  test("a namespace that exists without this stack's label fails, naming the key and the command that hands it over", async () => {
    await withServer({ "tenant-a": { labels: { team: "a" } } }, async (api) => {
      const config = kubeconfig(api.url, { token: TOKEN });
      const { error } = await check(config);
      expect(error?.file).toBe(FILE);
      expect(error?.keyPath).toBe("multicluster:edge.tenants[0].id");
      expect(error?.message).toContain("but tenant-a already exists without the label multicluster/stack=cluster-02");
      expect(error?.message).toContain("pulumi destroy would delete it");
      expect(error?.message).toContain(`Choose another namespace, or hand it over to this stack: kubectl --kubeconfig ${config.source} --context cluster-02 label namespace tenant-a multicluster/stack=cluster-02`);
      expect(error?.message).not.toContain("\n");
    });
  });

  test("a namespace of another stack fails too, and the command overwrites its label", async () => {
    await withServer({ monitoring: { labels: { [OWNER_STACK_LABEL]: "cluster-03" } } }, async (api) => {
      const { error } = await check(kubeconfig(api.url, { token: TOKEN }));
      expect(error?.keyPath).toBe("multicluster:edge.namespace");
      expect(error?.message).toContain("but monitoring already exists labelled for stack cluster-03 (multicluster/stack=cluster-03)");
      expect(error?.message).toMatch(/label namespace monitoring multicluster\/stack=cluster-02 --overwrite$/);
    });
  });

  test("a closed port fails, naming the key, context, server and cause, and never the token", async () => {
    const api = await fakeApiserver();
    await api.close();
    const config = kubeconfig(api.url, { token: TOKEN, "client-key-data": b64("client.key"), "client-certificate-data": b64("client.crt") });
    const { error } = await check(config);
    expect(error?.message).toMatch(
      new RegExp(`^${FILE}: multicluster:kubeconfig: expected a reachable Kubernetes API server, but context cluster-02 of \\S+ \\(multicluster:kubeContext\\) points at ${api.url}, which did not answer: connect ECONNREFUSED`),
    );
    expect(error?.message).not.toContain(TOKEN);
    expect(error?.message).not.toContain(b64("client.key").slice(0, 40));
  });

  test("a server that does not answer fails within the timeout", async () => {
    // Takes the connection and never says a word, not even the TLS handshake.
    const silent = await listen(net.createServer(() => undefined));
    try {
      const started = Date.now();
      const { error } = await check(kubeconfig(silent.url, { token: TOKEN }), { timeoutMs: 300 });
      expect(error?.message).toMatch(/which did not answer: no answer within 0.3 s$/);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await silent.close();
    }
  });

  test("a certificate of another CA fails before any credential is sent", async () => {
    await withServer({}, async (api) => {
      const { error } = await check(kubeconfig(api.url, { token: TOKEN }, { "certificate-authority-data": b64("other-ca.crt") }));
      expect(error?.keyPath).toBe("multicluster:kubeconfig");
      expect(error?.message).toMatch(/which did not answer: .*certificate/);
      expect(api.requests).toEqual([]);
    });
  });

  test("refused credentials fail with the status, without echoing them", async () => {
    await withServer({}, async (api) => {
      const { error } = await check(kubeconfig(api.url, { token: "wrong-token-value" }));
      expect(error?.message).toContain("which answered GET /version with HTTP 401 (the credentials were refused): Unauthorized");
      expect(error?.message).not.toContain("wrong-token-value");
    });
  });

  test("an exec user: the server must answer, the namespaces are skipped with a warning", async () => {
    const exec = { exec: { apiVersion: "client.authentication.k8s.io/v1", command: "get-token" } };
    await withServer({ monitoring: { labels: {} } }, async (api) => {
      const { warnings, error } = await check(kubeconfig(api.url, exec));
      expect(error).toBeUndefined();
      expect(warnings).toEqual([`${FILE}: the cluster answers, but its namespaces were not checked: user u2 authenticates with an exec plugin, which the preflight does not run`]);
      expect(api.requests).toEqual(["/version - -"]);
    });
    const closed = await fakeApiserver();
    await closed.close();
    expect((await check(kubeconfig(closed.url, exec))).error?.message).toContain("which did not answer: connect ECONNREFUSED");
  });

  test("a proxy the connection would go through skips the check, with a warning; NO_PROXY and loopback servers go direct", async () => {
    const remote = kubeconfig("https://apiserver.invalid:6443", { token: TOKEN });
    const proxy = "http://proxy.invalid:3128";
    const skipped = (why: string) => `${FILE}: the preflight of the cluster is skipped: ${why} sends the connection through a proxy, which the preflight does not use`;
    expect(await check(remote, { env: { HTTPS_PROXY: proxy } })).toEqual({ warnings: [skipped("$HTTPS_PROXY")] });
    const viaUrl = kubeconfig("https://apiserver.invalid:6443", { token: TOKEN }, { "proxy-url": "socks5://user:secret@proxy.invalid:1080" });
    expect(await check(viaUrl)).toEqual({ warnings: [skipped("the cluster's proxy-url")] });
    // Direct: the connection is tried (and fails, the name does not resolve).
    const direct = await check(remote, { env: { https_proxy: proxy, NO_PROXY: "example.org,.invalid" }, timeoutMs: 3000 });
    expect(direct.error?.message).toContain("https://apiserver.invalid:6443, which did not answer");
    await withServer({}, async (api) => {
      expect(await check(kubeconfig(api.url, { token: TOKEN }), { env: { HTTPS_PROXY: proxy } })).toEqual({ warnings: [] });
    });
  });
});
