/** Helpers for the edge tests: validated edge config from the committed stack files. */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { EdgeStackConfig, parseStackConfig } from "../../config/stack";
import { mockKubeconfigFor } from "../../synth/pulumi-config";
import { promisify } from "util";
import { committedStackConfig, PROJECT_DIR, scratchDir } from ".";

const dir = scratchDir("edge-config-");
const kubeconfigPath = path.join(dir, "kubeconfig.yaml");
fs.writeFileSync(kubeconfigPath, mockKubeconfigFor(["cluster-01", "cluster-02", "cluster-03", "cluster-04"]));

/** The committed stack file's validated edge config, with `patch` applied to `multicluster:edge` first. */
export function edgeConfig(stack: string, patch: (edge: any) => void = () => undefined): EdgeStackConfig {
  const flat = committedStackConfig(stack) as Record<string, any>;
  const edge = structuredClone(flat["multicluster:edge"]);
  patch(edge);
  const config = parseStackConfig({ ...flat, "multicluster:edge": edge }, { stack, projectDir: dir, env: { KUBECONFIG: kubeconfigPath, HOME: dir } });
  if (config.role !== "edge") throw new Error(`${stack} is not an edge stack`);
  return config;
}

/** A PEM-shaped CA bundle (the content is not parsed). */
export const TEST_CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUTESTONLY\n-----END CERTIFICATE-----\n";

export const CENTRAL = { remoteWriteUrl: "http://203.0.113.10:10908/api/v1/receive", tenantHeader: "THANOS-TENANT" };

/** The TLS outputs of a central stack in plain-http lab mode. */
export const PLAIN_HTTP_TLS_OUTPUTS = { receiveTls: { enabled: false, caCert: "", serverName: "", serverCert: "", clientCerts: {} }, tenantCredentials: {} };

/** The TLS outputs of a central stack whose receivers require client certificates, issued for `tenants`. */
export function mutualTlsOutputs(tenants: string[], cert: (who: string) => string = () => TEST_CA_PEM) {
  return {
    receiveTls: {
      enabled: true,
      caCert: cert("ca"),
      serverName: "thanos-receive-remote-write.monitoring.svc.cluster.local",
      serverCert: cert("server"),
      clientCerts: Object.fromEntries(tenants.map((id) => [id, cert(id)])),
    },
    tenantCredentials: Object.fromEntries(tenants.map((id) => [id, { certPem: cert(id), keyPem: `key of ${id}` }])),
  };
}

/** What the program did against one central: its outputs, or the error it stopped with. */
export type EdgeOutcome = { outputs?: Record<string, unknown>; error?: { name: string; message: string; keyPath?: string; expected?: string } };

/**
 * Runs the edge program against each case's central outputs (tests/fixtures/edge-against-central.ts),
 * in a child process: a failing Pulumi program leaves rejections jest would pin on the test.
 */
export async function runEdgeAgainstCentral<K extends string>(cases: Record<K, unknown>): Promise<Record<K, EdgeOutcome>> {
  const tsx = path.join(PROJECT_DIR, "node_modules", ".bin", "tsx");
  const { stdout } = await promisify(execFile)(tsx, ["tests/fixtures/edge-against-central.ts", JSON.stringify(Object.values(cases))], { cwd: PROJECT_DIR });
  const lines = stdout.trim().split("\n").map((line) => JSON.parse(line) as EdgeOutcome);
  return Object.fromEntries(Object.keys(cases).map((key, i) => [key, lines[i]])) as Record<K, EdgeOutcome>;
}
