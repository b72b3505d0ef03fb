/**
 * What an edge stack reads from the central stack named in `multicluster:edge.centralStack`:
 * where to remote-write, which header carries the tenant, and how old a sample the receivers
 * still accept (it must cover the edge's WAL, or a catch-up is rejected). Read once, before
 * any edge resource is declared, so a wrong name, an undeployed central stack or a missing
 * output fails the program with one error naming the stack file and the key, instead of
 * failing every resource that would have used the value.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, EdgeStackConfig } from "./config";
import { parseDuration } from "./duration";
import { OUT_OF_ORDER_WINDOW_OUTPUT, REMOTE_WRITE_URL_OUTPUT, TENANT_HEADER_OUTPUT } from "./outputs";

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
  const [remoteWriteUrl, tenantHeader, outOfOrderWindow] = await Promise.all([
    readOutput(REMOTE_WRITE_URL_OUTPUT),
    readOutput(TENANT_HEADER_OUTPUT),
    readOutput(OUT_OF_ORDER_WINDOW_OUTPUT),
  ]);
  return checkCentralOutputs(name, file, config.edge, { remoteWriteUrl, tenantHeader, outOfOrderWindow });
}

function centralStackProblem(name: string, output: string, cause: string): string {
  if (/does not exist on stack/.test(cause)) {
    return `expected a central stack exporting ${output}, but ${name} has no such output (is it the central stack, and is it deployed with this program's version?)`;
  }
  // The engine's message starts with "failed to read resource #<name> '<name>' [pulumi:pulumi:StackReference]: ".
  const reason = cause.replace(/^failed to read resource .*?\[[^\]]*\]: /, "");
  return `expected the name of a deployed central stack, but ${name} could not be read (${reason}); fix the name or deploy the central stack first (pulumi up)`;
}

/** Validates the values read from central; pure, so tests can feed it anything. */
export function checkCentralOutputs(
  name: string,
  file: string,
  settings: EdgeStackConfig["edge"],
  outputs: { remoteWriteUrl: unknown; tenantHeader: unknown; outOfOrderWindow: unknown },
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
  checkSampleAge(name, file, settings, outputs.outOfOrderWindow);
  return { remoteWriteUrl: remoteWriteUrl as string, tenantHeader: tenantHeader as string };
}

/**
 * The oldest sample an agent sends after an outage is `remoteWrite.sampleAgeLimit` old (at
 * least `wal.maxTime`, by the schema); the receivers reject anything further behind a
 * tenant's newest sample than their out-of-order window. A longer age would be kept through
 * the outage, then dropped on arrival.
 */
function checkSampleAge(name: string, file: string, settings: EdgeStackConfig["edge"], window: unknown): void {
  const windowMs = typeof window === "string" ? parseDuration(window) : undefined;
  if (windowMs === undefined) {
    throw new ConfigError(file, CENTRAL_STACK_KEY, `expected ${name} to export ${OUT_OF_ORDER_WINDOW_OUTPUT} as a duration such as 6h, got ${JSON.stringify(window)}`);
  }
  const { maxTime } = settings.wal;
  const { sampleAgeLimit } = settings.remoteWrite;
  const [key, value] = (parseDuration(maxTime) ?? 0) > windowMs ? ["wal.maxTime", maxTime] : ["remoteWrite.sampleAgeLimit", sampleAgeLimit];
  if ((parseDuration(value) ?? 0) > windowMs) {
    throw new ConfigError(
      file,
      `multicluster:edge.${key}`,
      `expected at most ${window}, the out-of-order window of ${name} (its multicluster:central.receive.outOfOrderWindow): ` +
        `older samples kept through an outage are rejected when they arrive; shorten this or widen that, got ${value}`,
    );
  }
}
