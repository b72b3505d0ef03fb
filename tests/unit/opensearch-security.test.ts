/** OpenSearch's security plugin config and certificate names, from the pure builders. */
import * as YAML from "yaml";
import { LOG_INDEX_PATTERN } from "../../components/logging/values";
import {
  ADMIN_SUBJECT,
  distinguishedName,
  NODE_SUBJECT,
  nodeCertificateNames,
  OPENSEARCH_USERS,
  OpenSearchUser,
  securityConfigChecksum,
  securityConfigFiles,
} from "../../components/logging/opensearch-security";

const HASHES = Object.fromEntries(Object.keys(OPENSEARCH_USERS).map((u, i) => [u, `$2a$10$${String(i).repeat(53)}`])) as Record<OpenSearchUser, string>;
const files = securityConfigFiles({ passwordHashes: HASHES, logIndexPattern: LOG_INDEX_PATTERN });
const parsed = Object.fromEntries(Object.entries(files).map(([name, text]) => [name, YAML.parse(text)])) as Record<keyof typeof files, Record<string, any>>;
const without = (doc: Record<string, any>) => Object.fromEntries(Object.entries(doc).filter(([k]) => k !== "_meta"));
/** The role each username is mapped to. */
const roleOf = (username: string) => Object.entries(without(parsed["roles_mapping.yml"])).filter(([, m]) => m.users.includes(username)).map(([role]) => role);

test("every file of the config directory, each with the type and version the plugin expects", () => {
  const types = { "config.yml": "config", "internal_users.yml": "internalusers", "roles.yml": "roles", "roles_mapping.yml": "rolesmapping", "action_groups.yml": "actiongroups", "tenants.yml": "tenants", "nodes_dn.yml": "nodesdn" };
  expect(Object.keys(files).sort()).toEqual(Object.keys(types).sort());
  for (const [file, type] of Object.entries(types)) expect(parsed[file as keyof typeof files]._meta).toEqual({ type, config_version: 2 });
});

test("HTTP basic authentication against the internal users only, no anonymous access", () => {
  const { http, authc } = parsed["config.yml"].config.dynamic;
  expect(http.anonymous_auth_enabled).toBe(false);
  expect(Object.values(authc)).toEqual([expect.objectContaining({ http_enabled: true, http_authenticator: { type: "basic", challenge: true }, authentication_backend: { type: "intern" } })]);
});

test("one internal user per client, known only by its bcrypt hash, changeable only through this file; no demo user", () => {
  const users = without(parsed["internal_users.yml"]);
  expect(Object.keys(users).sort()).toEqual(["admin", "dashboards", "fluent-bit", "grafana", "ism-policy"]);
  for (const [key, user] of Object.entries(OPENSEARCH_USERS) as [OpenSearchUser, (typeof OPENSEARCH_USERS)[OpenSearchUser]][]) {
    expect(users[user.username]).toEqual({ hash: HASHES[key], reserved: true, description: user.description });
  }
  expect(files["internal_users.yml"]).not.toMatch(/kibanaserver|kirk|logstash|readall|snapshotrestore/);
});

test("only the users given a password exist: without Grafana, no grafana user", () => {
  const { grafana: _grafana, ...withoutGrafana } = HASHES;
  const config = securityConfigFiles({ passwordHashes: withoutGrafana, logIndexPattern: LOG_INDEX_PATTERN });
  expect(Object.keys(without(YAML.parse(config["internal_users.yml"])))).not.toContain("grafana");
  expect(JSON.stringify(YAML.parse(config["roles_mapping.yml"]))).not.toContain("grafana");
});

test("each user has exactly its role: people all_access, Dashboards kibana_server, the rest the platform's log roles", () => {
  expect(roleOf("admin")).toEqual(["all_access"]);
  expect(roleOf("dashboards")).toEqual(["kibana_server"]);
  expect(roleOf("fluent-bit")).toEqual(["logs_writer"]);
  expect(roleOf("grafana")).toEqual(["logs_reader"]);
  expect(roleOf("ism-policy")).toEqual(["logs_lifecycle"]);
});

describe("least privilege", () => {
  const roles = without(parsed["roles.yml"]);
  const actionsOn = (role: string) => roles[role].index_permissions.flatMap((p: { allowed_actions: string[] }) => p.allowed_actions);

  test("the platform's roles reach only the log indices", () => {
    expect(Object.keys(roles).sort()).toEqual(["logs_lifecycle", "logs_reader", "logs_writer"]);
    for (const role of Object.values(roles)) {
      for (const p of role.index_permissions) expect(p.index_patterns).toEqual([LOG_INDEX_PATTERN]);
      expect(role.cluster_permissions).not.toContain("*");
    }
    expect(LOG_INDEX_PATTERN).toBe("logs-*");
  });

  test("Fluent Bit creates and writes, and cannot read", () => {
    expect(actionsOn("logs_writer")).toEqual(["create_index", "write"]);
    expect(roles.logs_writer.cluster_permissions).toEqual(["indices:data/write/bulk"]);
  });

  test("Grafana reads, and cannot write or create", () => {
    expect(actionsOn("logs_reader")).toEqual(["read", "indices:admin/mappings/get"]);
    for (const permission of [...actionsOn("logs_reader"), ...roles.logs_reader.cluster_permissions]) expect(permission).not.toMatch(/write|create|delete|crud|^\*$/);
  });

  test("the lifecycle Job manages ISM policies only", () => {
    expect(actionsOn("logs_lifecycle")).toEqual(["indices:admin/opensearch/ism/*"]);
    expect(roles.logs_lifecycle.cluster_permissions).toEqual(["cluster:monitor/health", "cluster:admin/opendistro/ism/*"]);
  });
});

test("the certificates' subjects as the plugin compares them, most specific first", () => {
  expect(distinguishedName(NODE_SUBJECT)).toBe("CN=opensearch-node,O=multicluster");
  expect(distinguishedName(ADMIN_SUBJECT)).toBe("CN=opensearch-admin,O=multicluster");
});

test("the node certificate names every Service form and every pod of the headless Service", () => {
  expect(nodeCertificateNames("logs", { service: "os", headless: "os-headless" }, "example.local")).toEqual({
    dnsNames: [
      "os",
      "os.logs",
      "os.logs.svc",
      "os.logs.svc.example.local",
      "os-headless",
      "os-headless.logs",
      "os-headless.logs.svc",
      "os-headless.logs.svc.example.local",
      "*.os-headless.logs.svc",
      "*.os-headless.logs.svc.example.local",
      "localhost",
    ],
    ipAddresses: ["127.0.0.1"],
  });
});

test("the config checksum changes with any file and not with key order", () => {
  const checksum = securityConfigChecksum(files);
  expect(checksum).toMatch(/^[0-9a-f]{64}$/);
  const reversed = Object.fromEntries(Object.entries(files).reverse());
  expect(securityConfigChecksum(reversed)).toBe(checksum);
  const rotated = securityConfigFiles({ passwordHashes: { ...HASHES, grafana: `$2a$10$${"z".repeat(53)}` }, logIndexPattern: LOG_INDEX_PATTERN });
  expect(securityConfigChecksum(rotated)).not.toBe(checksum);
});
