/** The operator-shaped remote-write spec, translated for a plain Prometheus (used by the e2e test). */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { EdgeStackConfig, parseStackConfig } from "../../config/stack";
import { remoteWriteSpec } from "../../components/shared/remote-write";
import { toPrometheusRemoteWrite } from "../../loopback/prometheus-remote-write";
import { mockKubeconfigFor } from "../../synth/pulumi-config";
import { describeWithTool } from "../support";
import { committedStackConfig, scratchDir } from "../support";

const dir = scratchDir("remote-write-");
const kubeconfig = path.join(dir, "kubeconfig.yaml");
fs.writeFileSync(kubeconfig, mockKubeconfigFor(["cluster-03"]));

function edgeSettings(overrides: Record<string, unknown> = {}): EdgeStackConfig["edge"] {
  const flat = committedStackConfig("cluster-03");
  const edge = { ...(flat["multicluster:edge"] as object), ...overrides };
  const config = parseStackConfig({ ...flat, "multicluster:edge": edge }, { stack: "cluster-03", env: { KUBECONFIG: kubeconfig } });
  if (config.role !== "edge") throw new Error("cluster-03 is an edge stack");
  return config.edge;
}

const URL = "http://203.0.113.10:10908/api/v1/receive";

test("the committed edge settings translate field by field to snake_case", () => {
  const spec = remoteWriteSpec({ url: URL, tenantHeader: "THANOS-TENANT", tenantId: "cluster-03", settings: edgeSettings().remoteWrite });
  expect(toPrometheusRemoteWrite(spec)).toEqual({
    name: "central",
    url: URL,
    headers: { "THANOS-TENANT": "cluster-03" },
    queue_config: {
      capacity: 10000,
      min_shards: 1,
      max_shards: 20,
      max_samples_per_send: 2000,
      batch_send_deadline: "1s",
      min_backoff: "30ms",
      max_backoff: "30s",
      retry_on_http_429: true,
      sample_age_limit: "6h",
    },
    metadata_config: { send: true, send_interval: "1m" },
  });
});

test("TLS settings become tls_config; a CA in a Secret needs to be told its file", () => {
  const settings = edgeSettings({ remoteWrite: { tls: { caCert: "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUYQ==\n-----END CERTIFICATE-----\n", serverName: "receive.example.org" } } }).remoteWrite;
  const spec = remoteWriteSpec({ url: "https://receive.example.org/api/v1/receive", tenantHeader: "THANOS-TENANT", tenantId: "t", settings, caSecret: { name: "receive-ca", key: "ca.crt" } });
  expect(toPrometheusRemoteWrite(spec, { secretFile: (ref) => `/etc/prometheus/secrets/${ref.name}/${ref.key}` }).tls_config).toEqual({
    ca_file: "/etc/prometheus/secrets/receive-ca/ca.crt",
    server_name: "receive.example.org",
    insecure_skip_verify: false,
  });
  expect(() => toPrometheusRemoteWrite(spec)).toThrow("remote write central: the CA is in Secret receive-ca (key ca.crt); pass secretFile to say where that file is");
});

test("a client certificate becomes cert_file and key_file", () => {
  const settings = edgeSettings({ remoteWrite: { tls: { caCert: "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUYQ==\n-----END CERTIFICATE-----\n" } } }).remoteWrite;
  const spec = remoteWriteSpec({
    url: "https://203.0.113.10:10908/api/v1/receive",
    tenantHeader: "THANOS-TENANT",
    tenantId: "cluster-03",
    settings,
    caSecret: { name: "remote-write-ca", key: "ca.crt" },
    clientCertificate: { cert: { name: "remote-write-client", key: "tls.crt" }, key: { name: "remote-write-client", key: "tls.key" } },
  });
  expect(spec.tlsConfig).toEqual({
    ca: { secret: { name: "remote-write-ca", key: "ca.crt" } },
    cert: { secret: { name: "remote-write-client", key: "tls.crt" } },
    keySecret: { name: "remote-write-client", key: "tls.key" },
    insecureSkipVerify: false,
  });
  expect(toPrometheusRemoteWrite(spec, { secretFile: (ref) => `/s/${ref.name}/${ref.key}` }).tls_config).toEqual({
    ca_file: "/s/remote-write-ca/ca.crt",
    cert_file: "/s/remote-write-client/tls.crt",
    key_file: "/s/remote-write-client/tls.key",
    insecure_skip_verify: false,
  });
});

describeWithTool("promtool", "promtool", (promtool) => {
  test("accepts the translated entry in an agent config", () => {
    const spec = remoteWriteSpec({ url: URL, tenantHeader: "THANOS-TENANT", tenantId: "cluster-03", settings: edgeSettings().remoteWrite });
    const file = path.join(dir, "agent.yml");
    fs.writeFileSync(file, YAML.stringify({ global: { external_labels: { cluster: "cluster-03" } }, remote_write: [toPrometheusRemoteWrite(spec)] }));
    expect(execFileSync(promtool, ["check", "config", "--agent", file], { encoding: "utf8" })).toContain("SUCCESS");
  });
});
