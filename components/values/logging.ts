/**
 * Helm values and Kubernetes objects of the central logging stack (OpenSearch, OpenSearch
 * Dashboards, Fluent Bit, the index lifecycle policy and Grafana's OpenSearch datasource),
 * as pure functions of the validated config. No secret ever appears here: credentials are
 * referenced by Secret name and key, and the one function that renders a password
 * (`grafanaDatasourceProvisioning`) is fed it by the component inside a Pulumi secret.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type * as k8s from "@pulumi/kubernetes";
import * as YAML from "yaml";
import { CentralSettings, LoggingSettings } from "../config";
import { GRAFANA_DATASOURCE_LABEL } from "../conventions";

// ---------------------------------------------------------------------------
// Names the releases, the Secret and the Grafana datasource agree on

/** OpenSearch `clusterName`; with the `master` node group the chart names the Service `<clusterName>-master`. */
const OPENSEARCH_CLUSTER_NAME = "opensearch";
export const OPENSEARCH_SERVICE = `${OPENSEARCH_CLUSTER_NAME}-master`;
export const OPENSEARCH_PORT = 9200;
export const DASHBOARDS_SERVICE = "opensearch-dashboards";
/** The chart's default Service port. */
export const DASHBOARDS_PORT = 5601;

/** The user the security plugin's demo configuration creates with OPENSEARCH_INITIAL_ADMIN_PASSWORD. */
export const OPENSEARCH_ADMIN_USER = "admin";

/**
 * Secret with the OpenSearch admin credentials. Its keys are the ones the
 * opensearch-dashboards chart's `opensearchAccount.secret` requires.
 */
export const OPENSEARCH_ADMIN_SECRET = {
  name: "opensearch-admin",
  usernameKey: "username",
  passwordKey: "password",
  /** Dashboards' session cookie encryption key (COOKIE_PASS). */
  cookieKey: "cookie",
} as const;

/** Environment variables Fluent Bit and the ISM job read the credentials from. */
const USERNAME_ENV = "OPENSEARCH_USERNAME";
const PASSWORD_ENV = "OPENSEARCH_PASSWORD";

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
const ISM_SCRIPT_FILE = "apply-ism-policy.py";
const ISM_POLICY_FILE = "policy.json";
const ISM_SCRIPT = fs.readFileSync(path.join(__dirname, "..", "scripts", ISM_SCRIPT_FILE), "utf8");

const LABELS = { "app.kubernetes.io/part-of": "logging", "app.kubernetes.io/managed-by": "pulumi" } as const;

// ---------------------------------------------------------------------------
// URLs

/** In-cluster HTTPS URL of the OpenSearch REST API. */
export function opensearchUrl(logging: LoggingSettings): string {
  return `https://${OPENSEARCH_SERVICE}.${logging.namespace}.svc:${OPENSEARCH_PORT}`;
}

export function dashboardsUrl(logging: LoggingSettings): string {
  return `http://${DASHBOARDS_SERVICE}.${logging.namespace}.svc:${DASHBOARDS_PORT}`;
}

function secretEnv(name: string, key: string) {
  return { name, valueFrom: { secretKeyRef: { name: OPENSEARCH_ADMIN_SECRET.name, key } } };
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

/** Values of the opensearch chart: one node group holding every role, security plugin on. */
export function opensearchValues(logging: LoggingSettings) {
  const memory = opensearchMemory(logging.heapSize);
  return {
    clusterName: OPENSEARCH_CLUSTER_NAME,
    nodeGroup: "master",
    masterService: OPENSEARCH_SERVICE,
    replicas: logging.opensearchReplicas,
    // One node cannot form a master quorum with itself under the default discovery.
    singleNode: logging.opensearchReplicas === 1,
    opensearchJavaOpts: `-Xms${logging.heapSize} -Xmx${logging.heapSize}`,
    resources: { requests: { cpu: "500m", memory } },
    persistence: { enabled: true, size: logging.storageSize },
    // The security plugin's installer (OpenSearch 2.12+) refuses to start without this password.
    extraEnvs: [secretEnv("OPENSEARCH_INITIAL_ADMIN_PASSWORD", OPENSEARCH_ADMIN_SECRET.passwordKey)],
    securityConfig: { enabled: true },
    // OpenSearch's bootstrap checks need vm.max_map_count >= 262144, which stock nodes lack.
    sysctlInit: { enabled: true },
  };
}

/** Values of the opensearch-dashboards chart, logging in with the admin Secret. */
export function dashboardsValues(logging: LoggingSettings) {
  return {
    fullnameOverride: DASHBOARDS_SERVICE,
    opensearchHosts: opensearchUrl(logging),
    opensearchAccount: { secret: OPENSEARCH_ADMIN_SECRET.name },
  };
}

/** A Fluent Bit `opensearch` output for the records tagged `match`, into daily indices `<prefix>-YYYY.MM.DD`. */
function opensearchOutput(logging: LoggingSettings, match: string, prefix: string): string {
  return [
    "[OUTPUT]",
    "    Name opensearch",
    `    Match ${match}`,
    `    Host ${OPENSEARCH_SERVICE}.${logging.namespace}.svc`,
    `    Port ${OPENSEARCH_PORT}`,
    // Expanded by Fluent Bit from the container's environment (secretKeyRef), never written here.
    `    HTTP_User \${${USERNAME_ENV}}`,
    `    HTTP_Passwd \${${PASSWORD_ENV}}`,
    // The security plugin serves HTTPS with its self-signed demo certificates.
    "    tls On",
    "    tls.verify Off",
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
 * line, shipped to OpenSearch with the credentials from the Secret.
 */
export function fluentBitValues(logging: LoggingSettings) {
  return {
    env: [secretEnv(USERNAME_ENV, OPENSEARCH_ADMIN_SECRET.usernameKey), secretEnv(PASSWORD_ENV, OPENSEARCH_ADMIN_SECRET.passwordKey)],
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

/** The Job that PUTs the policy through the REST API with the admin credentials. */
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
                secretEnv(USERNAME_ENV, OPENSEARCH_ADMIN_SECRET.usernameKey),
                secretEnv(PASSWORD_ENV, OPENSEARCH_ADMIN_SECRET.passwordKey),
                { name: "POLICY_ID", value: ISM_POLICY_ID },
                { name: "INDEX_PATTERN", value: LOG_INDEX_PATTERN },
                { name: "POLICY_FILE", value: `${mountPath}/${ISM_POLICY_FILE}` },
                { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
              ],
              volumeMounts: [{ name: "ism", mountPath, readOnly: true }],
              resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
            },
          ],
          volumes: [{ name: "ism", configMap: { name: configMapName } }],
        },
      },
    },
  };
}

// ---------------------------------------------------------------------------
// Grafana

/**
 * Grafana's OpenSearch datasource (a provisioning `datasources[]` entry), reading the
 * container log indices with the admin user.
 */
export function opensearchGrafanaDatasource(logging: LoggingSettings, basicAuthPassword: string) {
  return {
    name: "OpenSearch logs",
    uid: OPENSEARCH_DATASOURCE_UID,
    type: OPENSEARCH_GRAFANA_PLUGIN,
    access: "proxy",
    url: opensearchUrl(logging),
    basicAuth: true,
    basicAuthUser: OPENSEARCH_ADMIN_USER,
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
      tlsSkipVerify: true,
    },
    secureJsonData: { basicAuthPassword },
  };
}

/** Key of the datasource file in the Secret the Grafana sidecar reads. */
export const GRAFANA_DATASOURCE_FILE = "opensearch-logs-datasource.yaml";

/** The provisioning file (`apiVersion: 1`, `datasources: [...]`) the component stores in a labelled Secret. */
export function grafanaDatasourceProvisioning(logging: LoggingSettings, basicAuthPassword: string): string {
  return YAML.stringify({ apiVersion: 1, datasources: [opensearchGrafanaDatasource(logging, basicAuthPassword)] });
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
