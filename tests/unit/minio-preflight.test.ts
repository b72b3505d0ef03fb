/**
 * The central stack's MinIO preflight against a tiny HTTP server on loopback: MinIO answering
 * at the deploy endpoint passes; a closed port, a silent one or a 5xx fail naming the key.
 */
import * as http from "http";
import * as net from "net";
import { AddressInfo } from "net";
import { checkMinio, DEPLOY_ENDPOINT_KEY } from "../../components/central/minio-preflight";
import { ConfigError } from "../../config/primitives";
import { freePort } from "../../loopback/process";

const FILE = "Pulumi.cluster-01.yaml";
const minio = (deployEndpoint: string) => ({ endpoint: "minio.minio.svc.cluster.local:9000", deployEndpoint, ssl: false, insecureSkipVerify: false, region: "us-east-1" });

async function listen(server: http.Server | net.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function rejection(promise: Promise<unknown>): Promise<ConfigError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

test("a MinIO answering its liveness endpoint passes", async () => {
  const paths: string[] = [];
  const server = http.createServer((req, res) => (paths.push(req.url ?? ""), res.end()));
  try {
    await expect(checkMinio({ file: FILE, minio: minio(await listen(server)) })).resolves.toBeUndefined();
    expect(paths).toEqual(["/minio/health/live"]);
  } finally {
    server.close();
  }
});

test("a closed port fails naming the stack file, the key and the URL", async () => {
  const endpoint = `127.0.0.1:${await freePort()}`;
  const err = await rejection(checkMinio({ file: FILE, minio: minio(endpoint) }));
  expect([err.file, err.keyPath]).toEqual([FILE, DEPLOY_ENDPOINT_KEY]);
  expect(err.expected).toMatch(new RegExp(`^expected the MinIO S3 API reachable from this machine .*http://${endpoint}/minio/health/live did not answer: .*ECONNREFUSED`));
});

test("a port that accepts and never answers fails within the timeout", async () => {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => sockets.push(socket));
  try {
    const started = Date.now();
    const err = await rejection(checkMinio({ file: FILE, minio: minio(await listen(server)), timeoutMs: 300 }));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(err.expected).toMatch(/did not answer within 0.3 s$/);
  } finally {
    sockets.forEach((s) => s.destroy());
    server.close();
  }
});

test("a 503 is a MinIO that is not serving; the in-cluster endpoint used for both is pointed out", async () => {
  const server = http.createServer((_req, res) => ((res.statusCode = 503), res.end()));
  try {
    const endpoint = await listen(server);
    const err = await rejection(checkMinio({ file: FILE, minio: { ...minio(endpoint), endpoint } }));
    expect(err.expected).toMatch(/same as central.minio.endpoint.* answered HTTP 503: MinIO is there but not serving$/);
  } finally {
    server.close();
  }
});
