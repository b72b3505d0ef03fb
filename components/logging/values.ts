/**
 * Helm values and Kubernetes objects of the central logging stack (OpenSearch, OpenSearch
 * Dashboards, Fluent Bit, the index lifecycle policy, the security config Job and Grafana's
 * OpenSearch datasource), as pure functions of the validated config. No secret ever appears
 * here: credentials and keys are referenced by Secret name and key, and the one function that
 * renders a password (`grafanaDatasourceProvisioning`) is fed it by the component inside a
 * Pulumi secret. Every client verifies OpenSearch's certificate against the platform's CA
 * (components/logging/opensearch-security.ts) and logs in as its own user.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { OPENSEARCH_IMAGE } from "../shared/charts";
import { CentralSettings, LoggingSettings } from "../../config/central";
import { GRAFANA_DATASOURCE_LABEL } from "../shared/conventions";
import { CLUSTER_DOMAIN } from "../central/endpoints";
import { ADMIN_SUBJECT, distinguishedName, NODE_SUBJECT, nodeCertificateNames, OPENSEARCH_USERS, OpenSearchUser } from "./opensearch-security";

// ---------------------------------------------------------------------------
// Names the releases, the Secret and the Grafana datasource agree on

/** OpenSearch `clusterName`; with the `master` node group the chart names the Service `<clusterName>-master`. */
const OPENSEARCH_CLUSTER_NAME = "opensearch";
export const OPENSEARCH_SERVICE = `${OPENSEARCH_CLUSTER_NAME}-master`;
/** The chart's headless Service, `<masterService>-headless`: each pod is `<pod>.<headless>.<namespace>.svc`. */
export const OPENSEARCH_HEADLESS_SERVICE = `${OPENSEARCH_SERVICE}-headless`;
export const OPENSEARCH_PORT = 9200;
export const DASHBOARDS_SERVICE = "opensearch-dashboards";
/** The chart's default Service port. */
export const DASHBOARDS_PORT = 5601;

/** The people's user (Dashboards sign-in); every program has its own (OPENSEARCH_USERS). */
export const OPENSEARCH_ADMIN_USER = OPENSEARCH_USERS.admin.username;

/**
 * Per user, the Secret holding its credentials, under the keys the opensearch-dashboards
 * chart's `opensearchAccount.secret` requires (`username`, `password`; Dashboards' also `cookie`).
 * Grafana's password lives only in its datasource Secret.
 */
export const CREDENTIAL_KEYS = { username: "username", password: "password", cookie: "cookie" } as const;
export const CREDENTIAL_SECRETS = {
  admin: "opensearch-admin",
  fluentBit: "opensearch-fluent-bit",
  dashboards: "opensearch-dashboards",
  ism: "opensearch-ism-policy",
} as const satisfies Partial<Record<OpenSearchUser, string>>;

/** TLS Secrets (`kubernetes.io/tls`: `tls.crt`, `tls.key`, `ca.crt`) of the nodes and of the admin client. */
export const NODE_TLS_SECRET = "opensearch-node-tls";
export const ADMIN_TLS_SECRET = "opensearch-admin-tls";
/** The CA certificate alone (`ca.crt`), for the clients. */
export const CA_SECRET = "opensearch-ca";
export const CA_KEY = "ca.crt";
/** The security plugin's configuration directory (opensearch-security.ts `securityConfigFiles`). */
export const SECURITY_CONFIG_SECRET = "opensearch-security-config";

/** Where OpenSearch finds its certificates: `config/certs`, so opensearch.yml names them relative to config/. */
const OPENSEARCH_HOME = "/usr/share/opensearch";
const NODE_CERTS_DIR = "certs";

/** Environment variables Fluent Bit and the ISM job read the credentials from. */
const USERNAME_ENV = "OPENSEARCH_USERNAME";
const PASSWORD_ENV = "OPENSEARCH_PASSWORD";

/** Pod annotation carrying a checksum of the node certificate and CA, so new ones roll the nodes. */
export const TLS_CHECKSUM_ANNOTATION = "checksum/opensearch-tls";
/** Pod annotation of the security Job carrying a checksum of the config it loads: a new config is a new Job. */
export const SECURITY_CONFIG_CHECKSUM_ANNOTATION = "checksum/opensearch-security-config";

/**
 * Daily log indices `<prefix>-YYYY.MM.DD` (Fluent Bit's Logstash_Format), so the lifecycle
 * policy deletes whole days.
 */
export const LOG_INDEX_PREFIXES = { containers: "logs-containers", node: "logs-node" } as const;
export const LOG_INDEX_PATTERN = "logs-*";
export const ISM_POLICY_ID = "logs-retention";

/** The Grafana datasource plugin for OpenSearch (not bundled with Grafana). */
export const OPENSEARCH_GRAFANA_PLUGIN = "grafana-opensearch-datasource";
export const OPENSEARCH_DATASOURCE_UID = "opensearch-logs";

/** Runs the ISM policy script: the Python standard library is all it needs. */
export const ISM_JOB_IMAGE = "docker.io/library/python:3.13-alpine";
/** Raises vm.max_map_count before OpenSearch starts; pinned (the chart's own init containers run busybox:latest). */
export const SYSCTL_INIT_IMAGE = "docker.io/library/busybox:1.37.0";
/** Runs securityadmin.sh: the nodes' own image. */
export const SECURITY_JOB_IMAGE = `${OPENSEARCH_IMAGE.repository}:${OPENSEARCH_IMAGE.tag}`;
/** OpenSearch's bootstrap check wants at least this vm.max_map_count. */
const MAX_MAP_COUNT = 262144;
const ISM_SCRIPT_FILE = "apply-ism-policy.py";
const ISM_POLICY_FILE = "policy.json";
const ISM_SCRIPT = fs.readFileSync(path.join(__dirname, ISM_SCRIPT_FILE), "utf8");

const LABELS = { "app.kubernetes.io/part-of": "logging", "app.kubernetes.io/managed-by": "pulumi" } as const;

// ---------------------------------------------------------------------------
// URLs

/** Host name clients reach OpenSearch by (one of the node certificate's names). */
export function opensearchHost(logging: LoggingSettings): string {
  return `${OPENSEARCH_SERVICE}.${logging.namespace}.svc`;
}

/** In-cluster HTTPS URL of the OpenSearch REST API. */
export function opensearchUrl(logging: LoggingSettings): string {
  return `https://${opensearchHost(logging)}:${OPENSEARCH_PORT}`;
}

/** The names the node certificate is valid for. */
export function opensearchNodeCertificateNames(logging: LoggingSettings) {
  return nodeCertificateNames(logging.namespace, { service: OPENSEARCH_SERVICE, headless: OPENSEARCH_HEADLESS_SERVICE }, CLUSTER_DOMAIN);
}

export function dashboardsUrl(logging: LoggingSettings): string {
  return `http://${DASHBOARDS_SERVICE}.${logging.namespace}.svc:${DASHBOARDS_PORT}`;
}

function secretEnv(name: string, secret: string, key: string) {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

/** The username and password env vars of a client, from its credentials Secret. */
function credentialEnv(user: keyof typeof CREDENTIAL_SECRETS) {
  return [secretEnv(USERNAME_ENV, CREDENTIAL_SECRETS[user], CREDENTIAL_KEYS.username), secretEnv(PASSWORD_ENV, CREDENTIAL_SECRETS[user], CREDENTIAL_KEYS.password)];
}

// ---------------------------------------------------------------------------
// Helm values

/** Pod memory for a JVM heap: twice the heap, leaving the rest to the page cache Lucene relies on. */
export function opensearchMemory(heapSize: string): string {
  const match = /^([1-9][0-9]*)([mg])$/.exec(heapSize);
  if (!match) throw new Error(`not a JVM heap size: ${heapSize}`);
  const mebibytes = Number(match[1]) * (match[2] === "g" ? 1024 : 1);
  return `${2 * mebibytes}Mi`;
}

/**
 * opensearch.yml: TLS on the transport and HTTP layers with the platform's certificates (the
 * demo installer is off), the admin client certificate's DN as the only super admin, the node
 * certificate's DN for node-to-node traffic, and the security index loaded from the mounted
 * config directory when the cluster first starts.
 */
export function opensearchYml(): string {
  const cert = (file: string) => `${NODE_CERTS_DIR}/${file}`;
  return YAML.stringify({
    "network.host": "0.0.0.0",
    "plugins.security.ssl.transport.pemcert_filepath": cert("tls.crt"),
    "plugins.security.ssl.transport.pemkey_filepath": cert("tls.key"),
    "plugins.security.ssl.transport.pemtrustedcas_filepath": cert(CA_KEY),
    // Peers connect by pod IP, which no certificate names; nodes_dn and the CA identify them.
    "plugins.security.ssl.transport.enforce_hostname_verification": false,
    "plugins.security.ssl.http.enabled": true,
    "plugins.security.ssl.http.pemcert_filepath": cert("tls.crt"),
    "plugins.security.ssl.http.pemkey_filepath": cert("tls.key"),
    "plugins.security.ssl.http.pemtrustedcas_filepath": cert(CA_KEY),
    "plugins.security.nodes_dn": [distinguishedName(NODE_SUBJECT)],
    "plugins.security.authcz.admin_dn": [distinguishedName(ADMIN_SUBJECT)],
    "plugins.security.allow_default_init_securityindex": true,
    "plugins.security.restapi.roles_enabled": ["all_access"],
    "plugins.security.system_indices.enabled": true,
  });
}

/** The privileged init container raising vm.max_map_count, with a pinned image. */
function sysctlInitContainer() {
  return {
    name: "sysctl",
    image: SYSCTL_INIT_IMAGE,
    command: ["sh", "-c", `[ "$(sysctl -n vm.max_map_count)" -ge ${MAX_MAP_COUNT} ] || sysctl -w vm.max_map_count=${MAX_MAP_COUNT}`],
    securityContext: { runAsUser: 0, privileged: true },
    resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "32Mi" } },
  };
}

/**
 * Values of the opensearch chart: one node group holding every role, the security plugin with
 * the platform's certificates and config (mounted from Secrets the component declares), and
 * no init container on an unpinned image. `tlsChecksum` (of the node certificate and the CA)
 * rolls the nodes when they are reissued: OpenSearch reads them at start.
 */
export function opensearchValues(logging: LoggingSettings, tlsChecksum: string) {
  const memory = opensearchMemory(logging.heapSize);
  return {
    clusterName: OPENSEARCH_CLUSTER_NAME,
    nodeGroup: "master",
    image: { ...OPENSEARCH_IMAGE },
    masterService: OPENSEARCH_SERVICE,
    replicas: logging.opensearchReplicas,
    // One node cannot form a master quorum with itself under the default discovery.
    singleNode: logging.opensearchReplicas === 1,
    opensearchJavaOpts: `-Xms${logging.heapSize} -Xmx${logging.heapSize}`,
    resources: { requests: { cpu: "500m", memory } },
    // The chart's fsgroup-volume init container runs busybox:latest (its persistence.image
    // and imageTag keys exist only as comments); podSecurityContext.fsGroup 1000 (the chart
    // default) already gives the opensearch user the volume.
    persistence: { enabled: true, size: logging.storageSize, enableInitChown: false },
    // The image's entrypoint would otherwise install the demo certificates and users.
    extraEnvs: [{ name: "DISABLE_INSTALL_DEMO_CONFIG", value: "true" }],
    config: { "opensearch.yml": opensearchYml() },
    secretMounts: [{ name: "node-tls", secretName: NODE_TLS_SECRET, path: `${OPENSEARCH_HOME}/config/${NODE_CERTS_DIR}`, defaultMode: 0o440 }],
    // The whole config directory from one Secret (templates/statefulset.yaml mounts it at securityConfig.path).
    securityConfig: { enabled: true, config: { securityConfigSecret: SECURITY_CONFIG_SECRET } },
    // OpenSearch's bootstrap checks need vm.max_map_count >= 262144, which stock nodes lack. The
    // chart's sysctlInit runs busybox:latest (its image keys are comments only), so ours instead.
    sysctlInit: { enabled: false },
    extraInitContainers: [sysctlInitContainer()],
    podAnnotations: { [TLS_CHECKSUM_ANNOTATION]: tlsChecksum },
  };
}

/** Where Dashboards and Fluent Bit mount the CA Secret. */
const DASHBOARDS_CA_DIR = "/usr/share/opensearch-dashboards/certs";
const FLUENT_BIT_CA_DIR = "/fluent-bit/tls";

/**
 * Values of the opensearch-dashboards chart: its own server user, verifying OpenSearch's
 * certificate (host name included) against the CA. The image's entrypoint turns
 * OPENSEARCH_SSL_* into the `opensearch.ssl.*` settings, over the image's `none` default.
 */
export function dashboardsValues(logging: LoggingSettings) {
  return {
    fullnameOverride: DASHBOARDS_SERVICE,
    opensearchHosts: opensearchUrl(logging),
    opensearchAccount: { secret: CREDENTIAL_SECRETS.dashboards },
    secretMounts: [{ name: "opensearch-ca", secretName: CA_SECRET, path: DASHBOARDS_CA_DIR }],
    extraEnvs: [
      { name: "OPENSEARCH_SSL_VERIFICATIONMODE", value: "full" },
      { name: "OPENSEARCH_SSL_CERTIFICATEAUTHORITIES", value: `${DASHBOARDS_CA_DIR}/${CA_KEY}` },
    ],
  };
}

/** A Fluent Bit `opensearch` output for the records tagged `match`, into daily indices `<prefix>-YYYY.MM.DD`. */
function opensearchOutput(logging: LoggingSettings, match: string, prefix: string): string {
  return [
    "[OUTPUT]",
    "    Name opensearch",
    `    Match ${match}`,
    `    Host ${opensearchHost(logging)}`,
    `    Port ${OPENSEARCH_PORT}`,
    // Expanded by Fluent Bit from the container's environment (secretKeyRef), never written here.
    `    HTTP_User \${${USERNAME_ENV}}`,
    `    HTTP_Passwd \${${PASSWORD_ENV}}`,
    // OpenSearch's certificate, host name included, against the platform's CA.
    "    tls On",
    "    tls.verify On",
    "    tls.verify_hostname On",
    `    tls.ca_file ${FLUENT_BIT_CA_DIR}/${CA_KEY}`,
    "    Logstash_Format On",
    `    Logstash_Prefix ${prefix}`,
    // OpenSearch 2+ rejects mapping types in bulk requests.
    "    Suppress_Type_Name On",
    // Kubernetes label keys such as app.kubernetes.io/name would clash with object fields.
    "    Replace_Dots On",
    "    Trace_Error On",
    "    Retry_Limit False",
  ].join("\n");
}

/**
 * The Kubernetes metadata filter for container logs. The chart's default (fluent-bit 0.58.1
 * values.yaml `config.filters`) has `Merge_Log On` with `Keep_Log Off`: a JSON log line is
 * lifted into the record's fields and its `log` field dropped, and `log` is the message
 * field Grafana's OpenSearch datasource shows (LOG_MESSAGE_FIELD), so JSON lines looked empty.
 * `Keep_Log On` keeps both.
 */
export const KUBERNETES_FILTER = [
  "[FILTER]",
  "    Name kubernetes",
  "    Match kube.*",
  "    Merge_Log On",
  "    Keep_Log On",
  "    K8S-Logging.Parser On",
  "    K8S-Logging.Exclude On",
  "",
].join("\n");

/** The record field holding the raw log line (Fluent Bit's tail input), which Grafana shows. */
export const LOG_MESSAGE_FIELD = "log";

/**
 * Values of the fluent-bit chart: the chart's default inputs (container logs tagged
 * `kube.*`, the kubelet journal tagged `host.*`), the Kubernetes filter keeping the raw
 * line, shipped to OpenSearch as its own user (which may only write the log indices),
 * verifying OpenSearch's certificate against the CA.
 */
export function fluentBitValues(logging: LoggingSettings) {
  return {
    env: credentialEnv("fluentBit"),
    // Its `helm test` Pod runs busybox:latest; nothing here runs helm test.
    testFramework: { enabled: false },
    extraVolumes: [{ name: "opensearch-ca", secret: { secretName: CA_SECRET } }],
    extraVolumeMounts: [{ name: "opensearch-ca", mountPath: FLUENT_BIT_CA_DIR, readOnly: true }],
    // Control-plane nodes run containers whose logs matter too.
    tolerations: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }],
    config: {
      filters: KUBERNETES_FILTER,
      outputs: [opensearchOutput(logging, "kube.*", LOG_INDEX_PREFIXES.containers), opensearchOutput(logging, "host.*", LOG_INDEX_PREFIXES.node)].join("\n\n") + "\n",
    },
  };
}

// ---------------------------------------------------------------------------
// Index lifecycle

/** The ISM policy: log indices stay `hot` until `retentionDays` old, then are deleted. */
export function ismPolicy(logging: LoggingSettings) {
  return {
    policy: {
      description: `Deletes log indices ${logging.retentionDays} days after they were created`,
      default_state: "hot",
      states: [
        { name: "hot", actions: [], transitions: [{ state_name: "delete", conditions: { min_index_age: `${logging.retentionDays}d` } }] },
        { name: "delete", actions: [{ delete: {} }], transitions: [] },
      ],
      // New indices matching the pattern get the policy when they are created.
      ism_template: [{ index_patterns: [LOG_INDEX_PATTERN], priority: 100 }],
    },
  };
}

/**
 * The ConfigMap holding the policy and the script that installs it. Its name carries a
 * hash of the content, so a changed policy is a new ConfigMap and a new Job run.
 */
export function ismConfigMap(logging: LoggingSettings): k8s.types.input.core.v1.ConfigMap & { metadata: { name: string } } {
  const data = { [ISM_POLICY_FILE]: JSON.stringify(ismPolicy(logging), null, 2) + "\n", [ISM_SCRIPT_FILE]: ISM_SCRIPT };
  const hash = crypto.createHash("sha256").update(JSON.stringify(data)).digest("hex").slice(0, 10);
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `opensearch-ism-${hash}`, namespace: logging.namespace, labels: LABELS },
    data,
  };
}

/** Where the ISM Job mounts the CA Secret. */
const ISM_CA_DIR = "/opensearch-ca";

/** The Job that PUTs the policy through the REST API as its own user, verifying OpenSearch's certificate. */
export function ismJob(logging: LoggingSettings, configMapName: string): k8s.types.input.batch.v1.Job {
  const labels = { ...LABELS, "app.kubernetes.io/name": "opensearch-ism-policy" };
  const mountPath = "/ism";
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { namespace: logging.namespace, labels },
    spec: {
      backoffLimit: 3,
      activeDeadlineSeconds: 1800,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "apply-policy",
              image: ISM_JOB_IMAGE,
              command: ["python3", `${mountPath}/${ISM_SCRIPT_FILE}`],
              env: [
                { name: "OPENSEARCH_URL", value: opensearchUrl(logging) },
                { name: "OPENSEARCH_CA_FILE", value: `${ISM_CA_DIR}/${CA_KEY}` },
                ...credentialEnv("ism"),
                { name: "POLICY_ID", value: ISM_POLICY_ID },
                { name: "INDEX_PATTERN", value: LOG_INDEX_PATTERN },
                { name: "POLICY_FILE", value: `${mountPath}/${ISM_POLICY_FILE}` },
                { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
              ],
              volumeMounts: [
                { name: "ism", mountPath, readOnly: true },
                { name: "opensearch-ca", mountPath: ISM_CA_DIR, readOnly: true },
              ],
              resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
            },
          ],
          volumes: [
            { name: "ism", configMap: { name: configMapName } },
            { name: "opensearch-ca", secret: { secretName: CA_SECRET } },
          ],
        },
      },
    },
  };
}

// ---------------------------------------------------------------------------
// Security config

/**
 * The Job that loads the security config Secret into the security plugin's index with
 * `securityadmin.sh`, authenticated by the admin client certificate. The cluster loads the
 * same files by itself when it first starts; an existing cluster keeps its security index, so
 * a changed config (a user, a role, a replaced password) takes this Job. `configChecksum` is
 * on its pod template: a new config is a new template, which replaces (and so re-runs) the Job.
 */
export function securityAdminJob(logging: LoggingSettings, configChecksum: pulumi.Input<string>): k8s.types.input.batch.v1.Job {
  const labels = { ...LABELS, "app.kubernetes.io/name": "opensearch-security-config" };
  const configDir = "/security-config";
  const tlsDir = "/admin-tls";
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { namespace: logging.namespace, labels },
    spec: {
      backoffLimit: 6,
      activeDeadlineSeconds: 1800,
      template: {
        metadata: { labels, annotations: { [SECURITY_CONFIG_CHECKSUM_ANNOTATION]: configChecksum } },
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "securityadmin",
              image: SECURITY_JOB_IMAGE,
              command: [
                `${OPENSEARCH_HOME}/plugins/opensearch-security/tools/securityadmin.sh`,
                "-cd",
                `${configDir}/`,
                "-h",
                opensearchHost(logging),
                "-p",
                String(OPENSEARCH_PORT),
                "-cacert",
                `${tlsDir}/${CA_KEY}`,
                "-cert",
                `${tlsDir}/tls.crt`,
                "-key",
                `${tlsDir}/tls.key`,
                // The cluster name is the chart's; the host name is verified against the node certificate.
                "-icl",
              ],
              volumeMounts: [
                { name: "security-config", mountPath: configDir, readOnly: true },
                { name: "admin-tls", mountPath: tlsDir, readOnly: true },
              ],
              resources: { requests: { cpu: "100m", memory: "384Mi" }, limits: { memory: "768Mi" } },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            },
          ],
          volumes: [
            { name: "security-config", secret: { secretName: SECURITY_CONFIG_SECRET } },
            { name: "admin-tls", secret: { secretName: ADMIN_TLS_SECRET, defaultMode: 0o440 } },
          ],
        },
      },
    },
  };
}

// ---------------------------------------------------------------------------
// Grafana

/**
 * Grafana's OpenSearch datasource (a provisioning `datasources[]` entry), reading the
 * container log indices as its own read-only user and verifying OpenSearch's certificate
 * against the CA.
 */
export function opensearchGrafanaDatasource(logging: LoggingSettings, secrets: { basicAuthPassword: string; caCert: string }) {
  return {
    name: "OpenSearch logs",
    uid: OPENSEARCH_DATASOURCE_UID,
    type: OPENSEARCH_GRAFANA_PLUGIN,
    access: "proxy",
    url: opensearchUrl(logging),
    basicAuth: true,
    basicAuthUser: OPENSEARCH_USERS.grafana.username,
    editable: false,
    jsonData: {
      flavor: "opensearch",
      // The plugin gates query features on this; the opensearch 3.x charts run OpenSearch 3.
      version: "3.0.0",
      database: `${LOG_INDEX_PREFIXES.containers}-*`,
      timeField: "@timestamp",
      logMessageField: LOG_MESSAGE_FIELD,
      maxConcurrentShardRequests: 5,
      pplEnabled: true,
      tlsAuthWithCACert: true,
      tlsSkipVerify: false,
    },
    secureJsonData: { basicAuthPassword: secrets.basicAuthPassword, tlsCACert: secrets.caCert },
  };
}

/** Key of the datasource file in the Secret the Grafana sidecar reads. */
export const GRAFANA_DATASOURCE_FILE = "opensearch-logs-datasource.yaml";

/** The provisioning file (`apiVersion: 1`, `datasources: [...]`) the component stores in a labelled Secret. */
export function grafanaDatasourceProvisioning(logging: LoggingSettings, secrets: { basicAuthPassword: string; caCert: string }): string {
  return YAML.stringify({ apiVersion: 1, datasources: [opensearchGrafanaDatasource(logging, secrets)] });
}

/** Labels of the datasource Secret: the Grafana sidecar provisions every Secret carrying them. */
export const GRAFANA_DATASOURCE_SECRET_LABELS = { ...LABELS, ...GRAFANA_DATASOURCE_LABEL };

/**
 * What the central Grafana's values (the grafana chart's, see `grafanaValues`) need for the
 * OpenSearch datasource: the plugin, and the datasource sidecar also watching the logging
 * namespace, where the `Logging` component keeps the datasource in a Secret (a pod can only
 * take env or files from Secrets of its own namespace, and this way Grafana needs no ordering
 * against the logging stack: the sidecar picks the Secret up when it appears).
 */
export function grafanaOpensearchValues(settings: CentralSettings) {
  return {
    plugins: [OPENSEARCH_GRAFANA_PLUGIN],
    sidecar: { datasources: { searchNamespace: [settings.namespace, settings.logging.namespace] } },
  };
}
