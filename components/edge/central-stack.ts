/**
 * What an edge stack reads from the central stack named in `multicluster:edge.centralStack`:
 * where to remote-write, which header carries the tenant, how old a sample the receivers
 * still accept (it must cover the edge's WAL, or a catch-up is rejected), the receivers' CA and
 * server name, and the client certificate and key of each tenant the cluster writes as. Read
 * once, before any edge resource is declared, so a wrong name, an undeployed central stack or a
 * missing output fails the program with one error naming the stack file and the key, instead of
 * failing every resource that would have used the value.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ConfigError } from "../../config/primitives";
import { EdgeStackConfig } from "../../config/stack";
import { parseDuration } from "../../config/duration";
import {
  ClientCredentials,
  clientCredentialsSchema,
  OUT_OF_ORDER_WINDOW_OUTPUT,
  RECEIVE_TLS_OUTPUT,
  receiveTlsSchema,
  REMOTE_WRITE_URL_OUTPUT,
  TENANT_CREDENTIALS_OUTPUT,
  TENANT_HEADER_OUTPUT,
} from "../../config/outputs";

/** The central outputs every agent of an edge cluster is built from. */
export interface CentralConnection {
  remoteWriteUrl: string;
  tenantHeader: string;
  /** The receivers' CA (PEM) and the name their certificate is verified against; absent in plain-http lab mode. */
  receiveTls?: { caCert: string; serverName: string };
  /** Client certificate and key of each tenant this cluster writes as (its own tenantId and its tenants); empty without TLS. */
  credentials: Record<string, ClientCredentials>;
}

const CENTRAL_STACK_KEY = "multicluster:edge.centralStack";

/** Reads the central stack through a StackReference; rejects with a ConfigError naming the key. */
export async function readCentralStack(config: EdgeStackConfig): Promise<CentralConnection> {
  const name = config.edge.centralStack;
  const file = `Pulumi.${config.stack}.yaml`;
  // Named after the key that chose it: when the engine cannot read the stack (not deployed, wrong
  // backend or organization) it fails the read itself, before the program sees an error, and its
  // message names this resource, so the user reads which stack file and key to look at.
  const reference = new pulumi.StackReference(`${CENTRAL_STACK_KEY} of ${file}`, { name });
  const read = (output: string) => readOutput(reference, name, file, output);
  const [remoteWriteUrl, tenantHeader, receiveTls, outOfOrderWindow] = await Promise.all(
    [REMOTE_WRITE_URL_OUTPUT, TENANT_HEADER_OUTPUT, RECEIVE_TLS_OUTPUT, OUT_OF_ORDER_WINDOW_OUTPUT].map(async (output) => {
      const { value, secret } = await read(output);
      // These reach the agents' Helm values and objects in plain text: a secret would leak there.
      if (secret) throw new ConfigError(file, CENTRAL_STACK_KEY, `expected ${name} to export ${output} as a plain output, as the outputs contract has it, but it is a secret`);
      return value;
    }),
  );
  // A secret (SECRET_OUTPUTS): the key of each stays one, as every component hands it on with pulumi.secret.
  const { value: tenantCredentials } = await read(TENANT_CREDENTIALS_OUTPUT);
  return checkCentralOutputs(name, file, config.edge, { remoteWriteUrl, tenantHeader, receiveTls, tenantCredentials, outOfOrderWindow });
}

/**
 * One output of the central stack and whether it is a secret. `getOutputDetails` reads
 * secret and plain outputs alike (`requireOutputValue` throws for a secret), and gives
 * neither value for a missing one.
 */
async function readOutput(reference: pulumi.StackReference, name: string, file: string, output: string): Promise<{ value: unknown; secret: boolean }> {
  let details: pulumi.StackReferenceOutputDetails;
  try {
    details = await reference.getOutputDetails(output);
  } catch (err) {
    throw new ConfigError(file, CENTRAL_STACK_KEY, centralStackProblem(name, (err as Error).message));
  }
  if (details.secretValue !== undefined) return { value: details.secretValue, secret: true };
  if (details.value === undefined) {
    throw new ConfigError(
      file,
      CENTRAL_STACK_KEY,
      `expected a central stack exporting ${output}, but ${name} has no such output (is it deployed with this program's version? run pulumi up on it)`,
    );
  }
  return { value: details.value, secret: false };
}

/** The fleet check has already found `name` among the stack files as a central stack: what is left is its deployment. */
function centralStackProblem(name: string, cause: string): string {
  // The engine's message starts with "failed to read resource #<name> '<name>' [pulumi:pulumi:StackReference]: ".
  const reason = cause.replace(/^failed to read resource .*?\[[^\]]*\]: /, "");
  return `expected a deployed central stack, but ${name} could not be read (${reason}); deploy it first (pulumi up on it), or check the backend and organization`;
}

/** Validates the values read from central; pure, so tests can feed it anything. */
export function checkCentralOutputs(
  name: string,
  file: string,
  settings: EdgeStackConfig["edge"],
  outputs: { remoteWriteUrl: unknown; tenantHeader: unknown; receiveTls: unknown; tenantCredentials: unknown; outOfOrderWindow: unknown },
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
  const receiveTls = receiveTlsSchema.safeParse(outputs.receiveTls);
  if (!receiveTls.success) fail(`expected ${name} to export ${RECEIVE_TLS_OUTPUT} as {enabled, caCert, serverName, serverCert, clientCerts}, got ${JSON.stringify(outputs.receiveTls)}`);
  const credentials = z.record(z.string(), clientCredentialsSchema).safeParse(outputs.tenantCredentials);
  if (!credentials.success) fail(`expected ${name} to export ${TENANT_CREDENTIALS_OUTPUT} as client certificates and keys by tenant id`);
  checkDecrypted(name, receiveTls.data!.clientCerts, credentials.data!, fail);
  const connection: CentralConnection = { remoteWriteUrl: remoteWriteUrl as string, tenantHeader: tenantHeader as string, credentials: {} };
  if (!receiveTls.data!.enabled) return connection;

  if (url!.protocol !== "https:") fail(`expected ${name}, whose receivers require client certificates, to export an https ${REMOTE_WRITE_URL_OUTPUT}, got ${remoteWriteUrl}`);
  // Every agent needs its own tenant's certificate: a tenant central did not issue one for cannot write.
  const writers: { id: string; key: string }[] = [
    { id: settings.tenantId, key: "multicluster:edge.tenantId" },
    ...settings.tenants.map((t, i) => ({ id: t.id, key: `multicluster:edge.tenants[${i}].id` })),
  ];
  for (const writer of writers) {
    const issued = credentials.data![writer.id];
    if (!issued) {
      throw new ConfigError(
        file,
        writer.key,
        `expected a tenant ${name} issued a client certificate for, but it has none for ${writer.id} (issued: ${Object.keys(credentials.data!).join(", ") || "none"}); ` +
          `the central stack issues one for every tenant of the edge stack files beside it: run pulumi up on ${name} first, then on this stack`,
      );
    }
    connection.credentials[writer.id] = issued;
  }
  connection.receiveTls = { caCert: receiveTls.data!.caCert, serverName: receiveTls.data!.serverName };
  return connection;
}

/**
 * The engine hands a StackReference's secret outputs it cannot decrypt over as `{}` (with an
 * info line, not an error): on a self-managed backend that is central's state read with another
 * passphrase. Central's public `clientCerts` then names tenants whose keys did not arrive.
 */
function checkDecrypted(name: string, clientCerts: Record<string, unknown>, credentials: Record<string, unknown>, fail: (expected: string) => never): void {
  const issued = Object.keys(clientCerts);
  if (issued.length === 0 || Object.keys(credentials).length > 0) return;
  fail(
    `expected ${name}'s secret outputs to decrypt, but ${TENANT_CREDENTIALS_OUTPUT} arrived empty while ${name} issued certificates for ${issued.join(", ")}: ` +
      `the engine drops the secrets of another stack it cannot decrypt. On a self-managed backend every stack must use the passphrase of ${name} (PULUMI_CONFIG_PASSPHRASE)`,
  );
}

/**
 * The edge settings with central's CA and server name filled in where the stack file sets
 * none, so every agent verifies the receivers against them.
 */
export function withCentralTls(settings: EdgeStackConfig["edge"], central: CentralConnection): EdgeStackConfig["edge"] {
  if (!central.receiveTls) return settings;
  const tls = settings.remoteWrite.tls;
  return {
    ...settings,
    remoteWrite: { ...settings.remoteWrite, tls: { ...tls, caCert: tls.caCert ?? central.receiveTls.caCert, serverName: tls.serverName ?? central.receiveTls.serverName } },
  };
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
