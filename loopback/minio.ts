/**
 * The "existing MinIO" of the central cluster: a MinIO server on loopback with the buckets,
 * users, policies and attachments cluster-01's MinioBuckets declares, applied with `mc` as an
 * administrator would. Only the secret keys are local (the synth redacts the real ones).
 * The engine tests start it empty instead (`startMinioServer`): the MinIO provider fills it.
 */
import { execFile } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as Minio from "minio";
import { Credentials } from "../components/central/bucket-access";
import { MinioPlan } from "./synth-plan";
import { freePorts, loopback, LOOPBACK_HOST, ManagedProcess } from "./process";
import { requireTool } from "./tools";

const ALIAS = "local";

export interface MinioServer {
  process: ManagedProcess;
  /** `host:port` of the S3 API, as the objstore config's `endpoint` takes it. */
  endpoint: string;
  url: string;
  consoleUrl: string;
  admin: Credentials;
  /** Each MinIO user of the plan and its (local) keys. */
  users: Record<string, Credentials>;
  region: string;
  /** An S3 client acting as `credentials`. */
  client(credentials: Credentials): Minio.Client;
}

function randomKey(): string {
  return randomBytes(20).toString("hex");
}

/** `mc <args>` as MinIO's administrator at alias `local`, given in the environment (no alias to set first); what it printed. */
function mc(minio: MinioServer, args: string[]): Promise<string> {
  const url = new URL(minio.url);
  url.username = minio.admin.accessKey;
  url.password = minio.admin.secretKey;
  const env = { ...process.env, [`MC_HOST_${ALIAS}`]: url.toString().replace(/\/$/, "") };
  return new Promise((resolve, reject) => {
    execFile(requireTool("mc"), ["--config-dir", path.join(minio.process.opts.dir, "mc-config"), "--no-color", ...args], { timeout: 30_000, env }, (err, stdout, stderr) => {
      if (err) reject(new Error(`mc ${args.join(" ")}: ${(stderr || stdout).trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

/** `mc --json <args>` as MinIO's administrator, at alias `local`, parsed. */
export async function mcAsAdmin(minio: MinioServer, args: string[]): Promise<Record<string, unknown>> {
  return JSON.parse(await mc(minio, ["--json", ...args])) as Record<string, unknown>;
}

/** MinIO with nothing in it but its administrator, as the engine tests' MinIO provider finds it. */
export async function startMinioServer(dir: string, region: string): Promise<MinioServer> {
  const [apiPort, consolePort] = await freePorts(2);
  const admin = { accessKey: "platform-admin", secretKey: randomKey() };
  const dataDir = path.join(dir, "minio-data");
  fs.mkdirSync(dataDir, { recursive: true });
  const url = `http://${loopback(apiPort)}`;
  const process = await ManagedProcess.start({
    name: "minio",
    binary: requireTool("minio"),
    args: ["server", dataDir, "--address", loopback(apiPort), "--console-address", loopback(consolePort), "--quiet"],
    dir,
    env: { ...globalThis.process.env, MINIO_ROOT_USER: admin.accessKey, MINIO_ROOT_PASSWORD: admin.secretKey, MINIO_REGION: region, MINIO_BROWSER: "on" },
    readyUrl: `${url}/minio/health/ready`,
  });
  return {
    process,
    endpoint: loopback(apiPort),
    url,
    consoleUrl: `http://${loopback(consolePort)}`,
    admin,
    users: {},
    region,
    // One PUT per object up to 512 MiB (a TSDB chunk file's largest): in parts, minio-js would
    // first list the bucket's multipart uploads, which the program's bucket policies do not allow.
    client: (credentials) =>
      new Minio.Client({ endPoint: LOOPBACK_HOST, port: apiPort, useSSL: false, region, accessKey: credentials.accessKey, secretKey: credentials.secretKey, partSize: 512 * 2 ** 20 }),
  };
}

/** Starts MinIO and applies the plan as an administrator would with `mc`: buckets, policies, users (with fresh keys) and their attachments. */
export async function startMinio(dir: string, plan: MinioPlan): Promise<MinioServer> {
  const minio = await startMinioServer(dir, plan.region);
  for (const bucket of plan.buckets) await mc(minio, ["mb", "--region", plan.region, `${ALIAS}/${bucket}`]);
  for (const policy of plan.policies) {
    const file = path.join(dir, `policy-${policy.name}.json`);
    fs.writeFileSync(file, JSON.stringify(policy.document));
    await mc(minio, ["admin", "policy", "create", ALIAS, policy.name, file]);
  }
  for (const user of plan.users) {
    minio.users[user] = { accessKey: user, secretKey: randomKey() };
    await mc(minio, ["admin", "user", "add", ALIAS, user, minio.users[user].secretKey]);
  }
  for (const { user, policy } of plan.attachments) await mc(minio, ["admin", "policy", "attach", ALIAS, policy, "--user", user]);
  return minio;
}
