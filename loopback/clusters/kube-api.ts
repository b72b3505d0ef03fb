/**
 * The few Kubernetes API calls the loopback harness makes itself (register KWOK nodes, read
 * what the program created), over HTTPS with a bearer token. The loopback apiservers serve a
 * certificate they generated for themselves, so the harness does not verify it: it talks
 * only to processes it started on loopback.
 */
import * as https from "https";

export interface ApiEndpoint {
  /** `https://127.0.0.1:<port>` */
  server: string;
  token: string;
}

export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    body: string,
  ) {
    super(`${method} ${path}: HTTP ${status}: ${body.slice(0, 300)}`);
    this.name = "KubeApiError";
  }
}

/** One request; resolves with the body of a 2xx answer (parsed when it is JSON), rejects with a KubeApiError otherwise. */
export function kubeRequest<T = unknown>(api: ApiEndpoint, method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<T> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(path, api.server),
      {
        method,
        rejectUnauthorized: false,
        timeout: timeoutMs,
        headers: { authorization: `Bearer ${api.token}`, accept: "application/json", ...(payload ? { "content-type": "application/json" } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const json = /json/.test(res.headers["content-type"] ?? "");
          if ((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300) resolve((json && text ? JSON.parse(text) : text) as T);
          else reject(new KubeApiError(res.statusCode ?? 0, method, path, text));
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs / 1000}s`)));
    req.on("error", reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/** The object at `path`, or undefined when the apiserver answers 404. */
export async function getObject<T = unknown>(api: ApiEndpoint, path: string): Promise<T | undefined> {
  try {
    return await kubeRequest<T>(api, "GET", path);
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) return undefined;
    throw err;
  }
}

export interface ObjectList<T> {
  items: T[];
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** True once `/readyz` answers 200. */
export async function apiserverReady(api: ApiEndpoint): Promise<boolean> {
  try {
    await kubeRequest(api, "GET", "/readyz", undefined, 2_000);
    return true;
  } catch {
    return false;
  }
}
