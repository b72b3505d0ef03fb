/**
 * What an edge stack reads from the central stack named in `multicluster:edge.centralStack`:
 * where to remote-write and which header carries the tenant. Read once, before any edge
 * resource is declared, so a wrong name, an undeployed central stack or a missing output
 * fails the program with one error naming the stack file and the key, instead of failing
 * every resource that would have used the value.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, EdgeStackConfig } from "./config";
import { REMOTE_WRITE_URL_OUTPUT, TENANT_HEADER_OUTPUT } from "./outputs";

/** The central outputs every agent of an edge cluster is built from. */
export interface CentralConnection {
  remoteWriteUrl: string;
  tenantHeader: string;
}

const CENTRAL_STACK_KEY = "multicluster:edge.centralStack";

/** Reads the central stack through a StackReference; rejects with a ConfigError naming the key. */
export async function readCentralStack(config: EdgeStackConfig): Promise<CentralConnection> {
  const name = config.edge.centralStack;
  const file = `Pulumi.${config.stack}.yaml`;
  const reference = new pulumi.StackReference(name);
  const readOutput = async (output: string): Promise<unknown> => {
    try {
      // requireOutputValue is requireOutput awaited: a missing output is an error, not undefined.
      return await reference.requireOutputValue(output);
    } catch (err) {
      throw new ConfigError(file, CENTRAL_STACK_KEY, centralStackProblem(name, output, (err as Error).message));
    }
  };
  const [remoteWriteUrl, tenantHeader] = await Promise.all([readOutput(REMOTE_WRITE_URL_OUTPUT), readOutput(TENANT_HEADER_OUTPUT)]);
  return checkCentralOutputs(name, file, config.edge, { remoteWriteUrl, tenantHeader });
}

/** The fleet check has already found `name` among the stack files as a central stack: what is left is its deployment. */
function centralStackProblem(name: string, output: string, cause: string): string {
  if (/does not exist on stack/.test(cause)) {
    return `expected a central stack exporting ${output}, but ${name} has no such output (is it deployed with this program's version? run pulumi up on it)`;
  }
  // The engine's message starts with "failed to read resource #<name> '<name>' [pulumi:pulumi:StackReference]: ".
  const reason = cause.replace(/^failed to read resource .*?\[[^\]]*\]: /, "");
  return `expected a deployed central stack, but ${name} could not be read (${reason}); deploy it first (pulumi up on it), or check the backend and organization`;
}

/** Validates the values read from central; pure, so tests can feed it anything. */
export function checkCentralOutputs(
  name: string,
  file: string,
  settings: EdgeStackConfig["edge"],
  outputs: { remoteWriteUrl: unknown; tenantHeader: unknown },
): CentralConnection {
  const fail = (expected: string): never => {
    throw new ConfigError(file, CENTRAL_STACK_KEY, expected);
  };
  const { remoteWriteUrl, tenantHeader } = outputs;
  let url: URL | undefined;
  try {
    url = typeof remoteWriteUrl === "string" ? new URL(remoteWriteUrl) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.hostname === "") {
    // An empty host means central's LoadBalancer had no address yet when it was deployed.
    fail(`expected ${name} to export ${REMOTE_WRITE_URL_OUTPUT} as an http(s) URL with a host, got ${JSON.stringify(remoteWriteUrl)} (has the receive LoadBalancer an address? re-run pulumi up on the central stack)`);
  }
  if (typeof tenantHeader !== "string" || !/^[A-Za-z0-9-]+$/.test(tenantHeader)) {
    fail(`expected ${name} to export ${TENANT_HEADER_OUTPUT} as an HTTP header name, got ${JSON.stringify(tenantHeader)}`);
  }
  const tls = settings.remoteWrite.tls;
  if (url!.protocol === "http:" && (tls.caCert || tls.serverName || tls.insecureSkipVerify)) {
    throw new ConfigError(
      file,
      "multicluster:edge.remoteWrite.tls",
      `expected no TLS settings for a plain-http receiver, but ${name} exports ${REMOTE_WRITE_URL_OUTPUT} ${remoteWriteUrl}`,
    );
  }
  return { remoteWriteUrl: remoteWriteUrl as string, tenantHeader: tenantHeader as string };
}
