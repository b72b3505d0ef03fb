/**
 * Runs the Pulumi program for one stack in this process under Pulumi mocks and records
 * every resource the engine was asked to register or read: type, name, parent, provider
 * and inputs. Used by the offline synth and by the tests, so both see exactly what a
 * `pulumi up` would send to the engine, without a CLI, a cluster or a cloud.
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { setMockOptions } from "@pulumi/pulumi/runtime/settings";
import { SECRET_OUTPUTS } from "../config/outputs";

/** The marker Pulumi's wire format puts on secret values. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export interface RecordedResource {
  type: string;
  name: string;
  urn: string;
  /** Name of the parent resource; undefined for the root stack. */
  parent?: string;
  /** Name of the explicit provider resource, if any. */
  provider?: string;
  /** Inputs as the engine saw them; secrets still carry Pulumi's secret marker. */
  inputs: Record<string, unknown>;
  /** True when the program read an existing resource (`Resource.get`). */
  read: boolean;
  /** True when the resource is protected from deletion (`protect: true`). */
  protect: boolean;
  /** Names of the resources it waits for: `dependsOn` and the resources its inputs come from. */
  dependencies: string[];
}

export interface MockStackOptions {
  project: string;
  stack: string;
  /** Flat config map as Pulumi passes it: `{"multicluster:role": "edge", ...}`, objects as JSON. */
  config: Record<string, string>;
  secretKeys?: string[];
  /** Outputs of other stacks by name, for `StackReference`s. */
  stackOutputs?: Record<string, Record<string, unknown>>;
  /**
   * Names of the outputs those stacks export as secrets, which a StackReference reads as
   * secrets, as under the engine; central's SECRET_OUTPUTS by default.
   */
  secretStackOutputs?: readonly string[];
  /** Address the mocked cloud assigns to every LoadBalancer Service the program creates. */
  loadBalancerAddress?: string;
  /** The program: what it returns becomes the stack outputs. */
  program: () => Promise<Record<string, unknown>>;
}

export interface MockStackResult {
  resources: RecordedResource[];
  /** Outputs with secrets unwrapped. */
  outputs: Record<string, unknown>;
  /** Names of the outputs that are Pulumi secrets. */
  secretOutputs: string[];
}

export function isSecretValue(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG;
}

/** A deep copy with every secret replaced by `replacement` (or unwrapped when it is undefined). */
export function redactSecrets(value: unknown, replacement?: unknown): unknown {
  if (isSecretValue(value)) return replacement === undefined ? redactSecrets(value.value) : replacement;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, replacement));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v, replacement)]));
  }
  return value;
}

function mocksFor(opts: MockStackOptions): pulumi.runtime.Mocks {
  return {
    newResource(args) {
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type === "pulumi:pulumi:StackReference") {
        const name = String(args.inputs.name ?? args.name);
        const outputs = opts.stackOutputs?.[name];
        if (!outputs) {
          const known = Object.keys(opts.stackOutputs ?? {});
          throw new Error(`stack ${name} not found (known stacks: ${known.join(", ") || "none"})`);
        }
        const secretOutputNames = (opts.secretStackOutputs ?? SECRET_OUTPUTS).filter((key) => key in outputs);
        return { id: name, state: { name, outputs: withSecrets(outputs, secretOutputNames), secretOutputNames } };
      }
      if (args.type === "kubernetes:core/v1:Service" && !args.id && (args.inputs.spec as { type?: string } | undefined)?.type === "LoadBalancer") {
        // The provider finishes creating a LoadBalancer Service once the cloud has assigned an address.
        state.status = { loadBalancer: { ingress: opts.loadBalancerAddress ? [{ ip: opts.loadBalancerAddress }] : [] } };
      }
      if (args.type === "random:index/randomPassword:RandomPassword") {
        state.result = mockSecretValue(args.name);
        state.bcryptHash = mockBcryptHash(args.name);
      }
      Object.assign(state, mockTlsOutputs(args.type, args.name));
      if (args.type === "kubernetes:helm.sh/v3:Release") {
        state.status = { name: args.inputs.name ?? args.name, namespace: args.inputs.namespace, status: "deployed" };
      }
      return { id: args.id || `${args.name}-id`, state };
    },
    call(args) {
      throw new Error(`unexpected provider function call ${args.token} under mocks`);
    },
  };
}

/** `outputs` with the values of `secretNames` in Pulumi's secret wrapper, as the engine hands a StackReference a stack's secret outputs. */
function withSecrets(outputs: Record<string, unknown>, secretNames: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).map(([key, value]) => [key, secretNames.includes(key) ? { [SECRET_SIG_KEY]: SECRET_SIG, value } : value]));
}

/** The value the mocked RandomPassword `name` generates; tests scan files for it. */
export function mockSecretValue(name: string): string {
  return `mock-secret-${name}`;
}

/** The mocked RandomPassword `name`'s bcrypt hash: `$2a$10$`, then 53 characters of bcrypt's alphabet. */
export function mockBcryptHash(name: string): string {
  const digest = crypto.createHash("sha256").update(name).digest("base64").replace(/\+/g, ".").replace(/=/g, "");
  return `$2a$10$${(digest + digest).slice(0, 53)}`;
}

/** A PEM block of `label` whose body names what it stands in for; tests scan files for private keys. */
export function mockPem(label: string, name: string): string {
  const body = Buffer.from(`mock ${label.toLowerCase()} of ${name}`).toString("base64").replace(/.{1,64}/g, "$&\n");
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

/** What the TLS provider's resources output, as PEM blocks (keys in the formats the provider offers). */
function mockTlsOutputs(type: string, name: string): Record<string, string> {
  switch (type) {
    case "tls:index/privateKey:PrivateKey":
      return { privateKeyPem: mockPem("RSA PRIVATE KEY", name), privateKeyPemPkcs8: mockPem("PRIVATE KEY", name), publicKeyPem: mockPem("PUBLIC KEY", name) };
    case "tls:index/certRequest:CertRequest":
      return { certRequestPem: mockPem("CERTIFICATE REQUEST", name) };
    case "tls:index/selfSignedCert:SelfSignedCert":
    case "tls:index/locallySignedCert:LocallySignedCert":
      return { certPem: mockPem("CERTIFICATE", name) };
    default:
      return {};
  }
}

/** The URN the mock monitor gives a resource (the same scheme as the engine's). */
function urnOf(parentUrn: string, type: string, name: string): string {
  const parentType = parentUrn ? parentUrn.split("::")[2].split("$").pop() + "$" : "";
  return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${parentType}${type}::${name}`;
}

/** Records what the engine is asked to do, then lets the stock mock monitor answer. */
class RecordingMonitor extends MockMonitor {
  readonly records: RecordedResource[] = [];
  private readonly names = new Map<string, string>();

  private record(req: any, read: boolean): void {
    const type: string = req.getType();
    const name: string = req.getName();
    const parentUrn: string = req.getParent();
    const urn = urnOf(parentUrn, type, name);
    this.names.set(urn, name);
    // Provider references are "<urn>::<id>".
    const providerRef: string = req.getProvider() ?? "";
    const providerUrn = providerRef.split("::").slice(0, -1).join("::");
    const props = read ? req.getProperties() : req.getObject();
    this.records.push({
      type,
      name,
      urn,
      parent: parentUrn ? this.names.get(parentUrn) : undefined,
      provider: providerUrn ? this.names.get(providerUrn) : undefined,
      inputs: props ? (props.toJavaScript() as Record<string, unknown>) : {},
      read,
      protect: !read && req.getProtect() === true,
      dependencies: read ? [] : (req.getDependenciesList() as string[]).map((urn) => this.names.get(urn) ?? urn),
    });
  }

  registerResource(req: any, callback: (err: any, innerResponse: any) => void): Promise<void> {
    this.record(req, false);
    return super.registerResource(req, callback);
  }

  readResource(req: any, callback: (err: any, innerResponse: any) => void): Promise<void> {
    this.record(req, true);
    return super.readResource(req, callback);
  }
}

/**
 * Runs `opts.program` as stack `opts.stack`. Rejects with the program's own error (a
 * config error, a missing StackReference output, ...) when the program fails, or with the
 * first failed resource operation when only that failed.
 */
export async function runMockStack(opts: MockStackOptions): Promise<MockStackResult> {
  // The SDK re-raises a failed resource operation as an unhandled rejection, for the Pulumi
  // language host to report; in this process it would crash instead. Catch it for this run.
  const failedOperations: unknown[] = [];
  const onUnhandled = (reason: unknown) => failedOperations.push(reason);
  process.on("unhandledRejection", onUnhandled);
  try {
    const result = await runProgram(opts);
    await settle();
    if (failedOperations.length > 0) throw failedOperations[0];
    return result;
  } catch (err) {
    await settle();
    throw err;
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
}

/** Lets rejections of the operations still in flight be reported before the handler goes. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function runProgram(opts: MockStackOptions): Promise<MockStackResult> {
  const mocks = mocksFor(opts);
  await pulumi.runtime.setMocks(mocks, opts.project, opts.stack, false);
  const monitor = new RecordingMonitor(mocks);
  setMockOptions(monitor, opts.project, opts.stack, false);
  pulumi.runtime.setAllConfig(opts.config, opts.secretKeys ?? []);

  let programOutputs: Record<string, unknown> = {};
  await pulumi.runtime.runInPulumiStack(async () => {
    programOutputs = await opts.program();
    return programOutputs;
  });

  const outputs: Record<string, unknown> = {};
  const secretOutputs: string[] = [];
  for (const [key, value] of Object.entries(programOutputs)) {
    const output = pulumi.output(value);
    outputs[key] = await promiseOf(output);
    if (await pulumi.isSecret(output)) secretOutputs.push(key);
  }
  // Children registered after the outputs resolved (inside applies) finish before the next stack.
  await pulumi.runtime.disconnect();
  return { resources: monitor.records, outputs, secretOutputs };
}

/** The resolved value of an Output (Output.promise() is internal to the SDK). */
function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}
