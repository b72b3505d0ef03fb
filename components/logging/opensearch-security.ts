/**
 * OpenSearch's security plugin, as pure functions: the certificates of the nodes and of the
 * admin client (their subjects and names; `@pulumi/tls` issues them in the Logging component),
 * and the plugin's configuration files (users, roles, role mappings), which give every client
 * its own least-privilege user. Passwords appear here only as bcrypt hashes, fed in by the
 * component from `@pulumi/random`.
 */
import * as crypto from "crypto";
import * as YAML from "yaml";

// ---------------------------------------------------------------------------
// Certificates

/** Organization of every certificate the platform's CA issues. */
const ORGANIZATION = "multicluster";

/** Subject of the CA that signs the node and admin certificates; every client trusts it. */
export const CA_SUBJECT = { commonName: "opensearch-ca", organization: ORGANIZATION } as const;
/** Subject of every node's certificate (one for all nodes: they are interchangeable replicas). */
export const NODE_SUBJECT = { commonName: "opensearch-node", organization: ORGANIZATION } as const;
/** Subject of the admin client certificate `securityadmin.sh` authenticates with. */
export const ADMIN_SUBJECT = { commonName: "opensearch-admin", organization: ORGANIZATION } as const;

/**
 * A subject as the security plugin compares it (RFC 2253, most specific first), for
 * `plugins.security.nodes_dn` and `plugins.security.authcz.admin_dn`. The TLS provider encodes
 * O before CN, which RFC 2253 prints last.
 */
export function distinguishedName(subject: { commonName: string; organization: string }): string {
  return `CN=${subject.commonName},O=${subject.organization}`;
}

/**
 * Names the node certificate is valid for: every name a client or a peer reaches a node by (the
 * Services, each pod under the headless Service, and localhost for the node itself).
 */
export function nodeCertificateNames(namespace: string, services: { service: string; headless: string }, clusterDomain: string): { dnsNames: string[]; ipAddresses: string[] } {
  const forms = (host: string) => [host, `${host}.${namespace}`, `${host}.${namespace}.svc`, `${host}.${namespace}.svc.${clusterDomain}`];
  return {
    dnsNames: [
      ...forms(services.service),
      ...forms(services.headless),
      `*.${services.headless}.${namespace}.svc`,
      `*.${services.headless}.${namespace}.svc.${clusterDomain}`,
      "localhost",
    ],
    ipAddresses: ["127.0.0.1"],
  };
}

// ---------------------------------------------------------------------------
// Users and roles

/** Every OpenSearch user the platform creates, one per client; `role` is what it may do. */
export const OPENSEARCH_USERS = {
  /** People: Dashboards sign-in and the security REST API. */
  admin: { username: "admin", role: "all_access", description: "People: OpenSearch Dashboards sign-in, full access" },
  /** Fluent Bit: writes the log indices, nothing else. */
  fluentBit: { username: "fluent-bit", role: "logs_writer", description: "Fluent Bit: creates and writes the log indices" },
  /** OpenSearch Dashboards' own server user (the plugin's kibana_server role). */
  dashboards: { username: "dashboards", role: "kibana_server", description: "OpenSearch Dashboards server" },
  /** Grafana's OpenSearch datasource: reads the log indices, nothing else. */
  grafana: { username: "grafana", role: "logs_reader", description: "Grafana: reads the log indices" },
  /** The Job installing the index lifecycle policy. */
  ism: { username: "ism-policy", role: "logs_lifecycle", description: "Index lifecycle Job: manages the log indices' ISM policy" },
} as const;
export type OpenSearchUser = keyof typeof OPENSEARCH_USERS;

/**
 * The roles the platform defines (`all_access` and `kibana_server` are the plugin's built-in
 * static roles). Permission names are the plugin's static action groups
 * (`create_index`, `write`, `read`, `cluster_composite_ops_ro`) and transport actions.
 */
export function platformRoles(logIndexPattern: string) {
  return {
    logs_writer: {
      description: "Create and write the log indices",
      // Bulk requests are authorised as a cluster action first, then per index.
      cluster_permissions: ["indices:data/write/bulk"],
      index_permissions: [{ index_patterns: [logIndexPattern], allowed_actions: ["create_index", "write"] }],
    },
    logs_reader: {
      description: "Search the log indices (Lucene and PPL)",
      cluster_permissions: ["cluster_composite_ops_ro", "cluster:admin/opensearch/ppl"],
      index_permissions: [{ index_patterns: [logIndexPattern], allowed_actions: ["read", "indices:admin/mappings/get"] }],
    },
    logs_lifecycle: {
      description: "Manage the ISM policies of the log indices",
      cluster_permissions: ["cluster:monitor/health", "cluster:admin/opendistro/ism/*"],
      index_permissions: [{ index_patterns: [logIndexPattern], allowed_actions: ["indices:admin/opensearch/ism/*"] }],
    },
  };
}

/** The files of the plugin's config directory, by name. */
export type SecurityConfigFiles = Record<
  "config.yml" | "internal_users.yml" | "roles.yml" | "roles_mapping.yml" | "action_groups.yml" | "tenants.yml" | "nodes_dn.yml",
  string
>;

const meta = (type: string) => ({ _meta: { type, config_version: 2 } });

/**
 * The security plugin's configuration directory: HTTP basic authentication against the
 * internal users (no anonymous access), one user per client with its role (for the users
 * `passwordHashes` names), and nothing of the demo configuration. The plugin loads it into its index when the cluster first starts
 * (`allow_default_init_securityindex`); the security Job loads it again after every change.
 */
export function securityConfigFiles(opts: { passwordHashes: Partial<Record<OpenSearchUser, string>>; logIndexPattern: string }): SecurityConfigFiles {
  // The users given a password: no Grafana, no grafana user.
  const users = (Object.entries(OPENSEARCH_USERS) as [OpenSearchUser, (typeof OPENSEARCH_USERS)[OpenSearchUser]][]).filter(([key]) => opts.passwordHashes[key] !== undefined);
  const yaml = (doc: object) => YAML.stringify(doc);
  return {
    "config.yml": yaml({
      ...meta("config"),
      config: {
        dynamic: {
          http: { anonymous_auth_enabled: false },
          authc: {
            basic_internal_auth_domain: {
              description: "HTTP basic authentication against the internal users",
              http_enabled: true,
              transport_enabled: true,
              order: 0,
              http_authenticator: { type: "basic", challenge: true },
              authentication_backend: { type: "intern" },
            },
          },
        },
      },
    }),
    // Reserved: changed only through this file, never the REST API.
    "internal_users.yml": yaml({
      ...meta("internalusers"),
      ...Object.fromEntries(users.map(([key, user]) => [user.username, { hash: opts.passwordHashes[key], reserved: true, description: user.description }])),
    }),
    "roles.yml": yaml({ ...meta("roles"), ...platformRoles(opts.logIndexPattern) }),
    "roles_mapping.yml": yaml({
      ...meta("rolesmapping"),
      ...Object.fromEntries(users.map(([, user]) => [user.role, { reserved: true, users: [user.username] }])),
    }),
    "action_groups.yml": yaml(meta("actiongroups")),
    "tenants.yml": yaml(meta("tenants")),
    // Node certificates are matched by plugins.security.nodes_dn in opensearch.yml.
    "nodes_dn.yml": yaml(meta("nodesdn")),
  };
}

/** A sha256 over every file's name and content, in name order: changes exactly when the config does. */
export function securityConfigChecksum(files: Record<string, string>): string {
  const hash = crypto.createHash("sha256");
  for (const name of Object.keys(files).sort()) hash.update(`${name}\0${files[name]}\0`);
  return hash.digest("hex");
}
