/**
 * The script the ISM Job runs, against a fake OpenSearch REST API: it creates the policy,
 * updates an existing one with its _seq_no/_primary_term, waits out a cluster whose
 * security index is not initialised yet, attaches the policy to existing log indices, and
 * fails the Job when OpenSearch refuses the policy.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import { AddressInfo } from "net";
import * as path from "path";
import { promisify } from "util";
import { ISM_POLICY_ID, ismPolicy, LOG_INDEX_PATTERN } from "../../components/logging/values";
import { describeWithSystemTool, PROJECT_DIR, scratchDir } from "../support";

const SCRIPT = path.join(PROJECT_DIR, "components", "logging", "apply-ism-policy.py");
const run = promisify(execFile);
const logging = { enabled: true, namespace: "logging", opensearchReplicas: 3, retentionDays: 30, storageSize: "50Gi", heapSize: "1g" };

interface Recorded {
  method: string;
  url: string;
  authorization?: string;
  body?: unknown;
}

type Reply = [status: number, body: unknown];

/** A fake OpenSearch: `route` answers each request; every request is recorded. Over HTTPS with `tls`. */
async function fakeOpenSearch(route: (req: Recorded) => Reply, tls?: { key: string; cert: string; host: string }): Promise<{ url: string; requests: Recorded[]; close: () => Promise<void> }> {
  const requests: Recorded[] = [];
  const handler: http.RequestListener = (req, res) => {
    let raw = "";
    req.on("data", (chunk) => (raw += chunk));
    req.on("end", () => {
      const recorded: Recorded = { method: req.method!, url: req.url!, authorization: req.headers.authorization, body: raw ? JSON.parse(raw) : undefined };
      requests.push(recorded);
      const [status, body] = route(recorded);
      res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
    });
  };
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = tls ? `https://${tls.host}:${port}` : `http://127.0.0.1:${port}`;
  return { url, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function applyPolicy(url: string, extraEnv: Record<string, string> = {}) {
  const dir = scratchDir("ism-");
  const policyFile = path.join(dir, "policy.json");
  fs.writeFileSync(policyFile, JSON.stringify(ismPolicy(logging)));
  const env = {
    PATH: process.env.PATH ?? "",
    OPENSEARCH_URL: url,
    OPENSEARCH_USERNAME: "admin",
    OPENSEARCH_PASSWORD: "s3cret-Pass_1",
    POLICY_ID: ISM_POLICY_ID,
    INDEX_PATTERN: LOG_INDEX_PATTERN,
    POLICY_FILE: policyFile,
    RETRY_SECONDS: "0.05",
    ...extraEnv,
  };
  return run("python3", [SCRIPT], { env }).then(
    ({ stdout }) => ({ code: 0, stdout, stderr: "" }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}

const healthy: Reply = [200, { status: "green" }];
const policyPath = `/_plugins/_ism/policies/${ISM_POLICY_ID}`;

test("a fresh cluster: waits for the security plugin, creates the policy, attaches it to existing log indices", async () => {
  let healthCalls = 0;
  const os = await fakeOpenSearch((req) => {
    if (req.url === "/_cluster/health") return ++healthCalls < 3 ? [503, { error: "OpenSearch Security not initialized." }] : healthy;
    if (req.method === "GET" && req.url === policyPath) return [404, { error: { type: "status_exception" } }];
    if (req.method === "PUT") return [201, { _id: ISM_POLICY_ID, _seq_no: 0, _primary_term: 1 }];
    return [200, { updated_indices: 2, failures: false, failed_indices: [] }];
  });
  try {
    const result = await applyPolicy(os.url);
    expect(result).toMatchObject({ code: 0 });
    expect(healthCalls).toBe(3);
    const calls = os.requests.filter((r) => r.url !== "/_cluster/health");
    expect(calls.map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET ${policyPath}`,
      `PUT ${policyPath}`,
      `POST /_plugins/_ism/add/${LOG_INDEX_PATTERN}`,
      `POST /_plugins/_ism/change_policy/${LOG_INDEX_PATTERN}`,
    ]);
    expect(calls[1].body).toEqual(ismPolicy(logging));
    expect(calls[2].body).toEqual({ policy_id: ISM_POLICY_ID });
    expect(calls[3].body).toEqual({ policy_id: ISM_POLICY_ID });
    for (const r of os.requests) expect(r.authorization).toBe("Basic " + Buffer.from("admin:s3cret-Pass_1").toString("base64"));
    expect(result.stdout).toContain(`policy ${ISM_POLICY_ID} created`);
    expect(result.stdout + result.stderr).not.toContain("s3cret-Pass_1");
  } finally {
    await os.close();
  }
});

test("an existing policy is updated with its sequence number and primary term; no log index yet is fine", async () => {
  const os = await fakeOpenSearch((req) => {
    if (req.url === "/_cluster/health") return healthy;
    if (req.method === "GET") return [200, { _id: ISM_POLICY_ID, _version: 3, _seq_no: 7, _primary_term: 2, policy: {} }];
    if (req.method === "PUT") return [200, { _id: ISM_POLICY_ID, _seq_no: 8, _primary_term: 2 }];
    return [404, { error: { type: "index_not_found_exception" } }];
  });
  try {
    const result = await applyPolicy(os.url);
    expect(result).toMatchObject({ code: 0 });
    expect(os.requests.find((r) => r.method === "PUT")!.url).toBe(`${policyPath}?if_seq_no=7&if_primary_term=2`);
    expect(result.stdout).toContain(`policy ${ISM_POLICY_ID} updated`);
  } finally {
    await os.close();
  }
});

test("a policy OpenSearch rejects fails the Job with the reason", async () => {
  const os = await fakeOpenSearch((req) => {
    if (req.url === "/_cluster/health") return healthy;
    if (req.method === "GET") return [404, {}];
    return [400, { error: { reason: "Invalid ism_template" } }];
  });
  try {
    const result = await applyPolicy(os.url);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("writing policy logs-retention: HTTP 400");
    expect(result.stderr).toContain("Invalid ism_template");
    expect(os.requests.some((r) => r.url.includes("/_ism/add/"))).toBe(false);
  } finally {
    await os.close();
  }
});

test("a cluster that never becomes ready fails the Job after WAIT_SECONDS", async () => {
  const os = await fakeOpenSearch(() => [401, { error: "Unauthorized" }]);
  try {
    const result = await applyPolicy(os.url, { WAIT_SECONDS: "0.3" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not ready after 0.3s: HTTP 401/);
    expect(os.requests.every((r) => r.url === "/_cluster/health")).toBe(true);
  } finally {
    await os.close();
  }
});

describeWithSystemTool("openssl", "install Debian's openssl package", "TLS: OpenSearch's certificate is verified against OPENSEARCH_CA_FILE", () => {
  const dir = scratchDir("ism-tls-");
  const file = (name: string) => path.join(dir, name);
  /** A CA, and a server certificate it signs for `localhost` only. */
  beforeAll(async () => {
    const openssl = (...args: string[]) => run("openssl", args, { cwd: dir });
    for (const ca of ["ca", "other-ca"]) await openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${ca}.key`, "-out", `${ca}.crt`, "-days", "1", "-subj", `/CN=${ca}`);
    await openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=opensearch-node");
    fs.writeFileSync(file("san.ext"), "subjectAltName=DNS:localhost\n");
    await openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "1", "-extfile", "san.ext");
  });
  const serve = (host: string) =>
    fakeOpenSearch(
      (req) => (req.url === "/_cluster/health" ? healthy : req.method === "GET" ? [404, {}] : [200, { updated_indices: 0 }]),
      { key: fs.readFileSync(file("server.key"), "utf8"), cert: fs.readFileSync(file("server.crt"), "utf8"), host },
    );

  test("a certificate the CA signed for the host name is accepted", async () => {
    const os = await serve("localhost");
    try {
      expect(await applyPolicy(os.url, { OPENSEARCH_CA_FILE: file("ca.crt") })).toMatchObject({ code: 0 });
    } finally {
      await os.close();
    }
  });

  test("another CA, or a host name the certificate does not name, fails without sending the credentials", async () => {
    for (const [host, ca, reason] of [
      ["localhost", "other-ca.crt", /certificate verify failed/],
      ["127.0.0.1", "ca.crt", /certificate verify failed: IP address mismatch|hostname mismatch/],
    ] as const) {
      const os = await serve(host);
      try {
        const result = await applyPolicy(os.url, { OPENSEARCH_CA_FILE: file(ca), WAIT_SECONDS: "0.2" });
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(reason);
        expect(os.requests).toEqual([]);
      } finally {
        await os.close();
      }
    }
  });
});
