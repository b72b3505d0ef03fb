/**
 * The central stack's MinIO preflight: the MinIO provider runs on the machine running
 * `pulumi`, at `central.minio.deployEndpoint`. A preview would pass without it (bridged
 * creates call nothing) and `up` would fail at the first bucket, after the releases before it
 * were installed, leaving central half-built. So, before anything is declared, MinIO's
 * liveness endpoint must answer there. Skipped under Pulumi mocks, as the cluster preflight.
 */
import * as http from "http";
import * as https from "https";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { CentralSettings } from "../../config/central";
import { ConfigError } from "../../config/primitives";
import { formatKeyPath } from "../../config/stack";

export const MINIO_PREFLIGHT_TIMEOUT_MS = 10_000;
export const DEPLOY_ENDPOINT_KEY = formatKeyPath(["central", "minio", "deployEndpoint"]);

export interface MinioCheck {
  /** The stack file errors name. */
  file: string;
  minio: CentralSettings["minio"];
  timeoutMs?: number;
}

/** Runs the MinIO preflight for the running central stack; does nothing under Pulumi mocks. */
export async function minioPreflight(file: string, minio: CentralSettings["minio"]): Promise<void> {
  if (pulumi.runtime.getMonitor() instanceof MockMonitor) return;
  await checkMinio({ file, minio });
}

/** GET /minio/health/live at the deploy endpoint; any HTTP answer but a 5xx shows a MinIO there. */
export async function checkMinio(check: MinioCheck): Promise<void> {
  const { minio } = check;
  const url = `${minio.ssl ? "https" : "http"}://${minio.deployEndpoint}/minio/health/live`;
  const timeoutMs = check.timeoutMs ?? MINIO_PREFLIGHT_TIMEOUT_MS;
  const inCluster = minio.deployEndpoint === minio.endpoint ? ` (the same as central.minio.endpoint, which names MinIO as the cluster reaches it)` : "";
  const fail = (why: string): never => {
    throw new ConfigError(check.file, DEPLOY_ENDPOINT_KEY, `expected the MinIO S3 API reachable from this machine (the MinIO provider creates the buckets from here), but ${url}${inCluster} ${why}`);
  };
  const status = await liveness(url, minio.insecureSkipVerify, timeoutMs).catch((err: Error) =>
    fail(err.name === "AbortError" ? `did not answer within ${timeoutMs / 1000} s` : `did not answer: ${err.message.split("\n")[0].trim()}`),
  );
  if (status >= 500) fail(`answered HTTP ${status}: MinIO is there but not serving`);
}

function liveness(url: string, insecureSkipVerify: boolean, timeoutMs: number): Promise<number> {
  const client = url.startsWith("https:") ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(url, { signal: AbortSignal.timeout(timeoutMs), agent: false, rejectUnauthorized: !insecureSkipVerify }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on("error", reject);
  });
}
