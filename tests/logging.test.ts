/**
 * The optional logging stack: the pure builders, then the real program with
 * `central.logging.enabled` in a scratch stack file, asserting on what the mocks recorded
 * and on the files the synth wrote.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { Job } from "kubernetes-models/batch/v1/Job";
import * as YAML from "yaml";
import { CHARTS } from "../components/charts";
import { CentralSettings, LoggingSettings, parseStackConfig } from "../components/config";
import { GRAFANA_DATASOURCE_LABEL } from "../components/conventions";
import {
  dashboardsValues,
  fluentBitValues,
  GRAFANA_DATASOURCE_FILE,
  grafanaOpensearchValues,
  ISM_POLICY_ID,
  ismConfigMap,
  ismPolicy,
  LOG_INDEX_PATTERN,
  LOG_INDEX_PREFIXES,
  OPENSEARCH_ADMIN_SECRET,
  OPENSEARCH_GRAFANA_PLUGIN,
  OPENSEARCH_SERVICE,
  opensearchGrafanaDatasource,
  opensearchMemory,
  opensearchUrl,
  opensearchValues,
} from "../components/values/logging";
import { isSecretValue, mockSecretValue, RecordedResource, redactSecrets } from "../scripts/mock-runtime";
import { mockKubeconfigFor } from "../scripts/stack-files";
import { SynthesizedStack } from "../scripts/synth";
import { committedStackConfig, filesUnder, PROJECT_DIR, resourcesOfType, scratchDir, synthStacks } from "./support";

const RETENTION_DAYS = 14;
const CLUSTER = "cluster-01";
const COMPONENT = `${CLUSTER}-logging`;
const RELEASES = {
  opensearch: `${COMPONENT}-opensearch`,
  dashboards: `${COMPONENT}-dashboards`,
  fluentBit: `${COMPONENT}-fluent-bit`,
} as const;
/** The central Grafana release (CentralThanos), which reads the datasource Secret this stack writes. */
const GRAFANA_RELEASE = `${CLUSTER}-central-grafana`;
const CHECK_CHART_VALUES = path.resolve(PROJECT_DIR, "..", "shared", "tools", "check-chart-values");
const run = promisify(execFile);

/** The committed central stack file with its `central` settings patched. */
function centralStackFile(patch: (central: Record<string, any>) => void): Record<string, unknown> {
  const config = structuredClone(committedStackConfig(CLUSTER)) as Record<string, any>;
  patch(config["multicluster:central"]);
  return config;
}

/** The validated settings of a central stack file, as the program sees them. */
function centralSettings(patch: (central: Record<string, any>) => void): CentralSettings {
  const dir = scratchDir("logging-config-");
  const kubeconfig = path.join(dir, "kubeconfig.yaml");
  fs.writeFileSync(kubeconfig, mockKubeconfigFor([CLUSTER]));
  const flat = { ...centralStackFile(patch), "multicluster:minioUser": "admin", "multicluster:minioPassword": "admin-password" };
  const config = parseStackConfig(flat, { stack: CLUSTER, env: { KUBECONFIG: kubeconfig, HOME: dir } });
  if (config.role !== "central") throw new Error("expected central");
  return config.central;
}

const settings = centralSettings((c) => (c.logging = { enabled: true, retentionDays: RETENTION_DAYS }));
const logging: LoggingSettings = settings.logging;

/** A shell-style glob (`*` only), as OpenSearch matches index patterns. */
function globMatches(pattern: string, name: string): boolean {
  const re = new RegExp("^" + pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*") + "$");
  return re.test(name);
}

/** Every `secretKeyRef` in a values or manifest tree. */
function secretKeyRefs(tree: unknown): { name: string; key: string }[] {
  if (Array.isArray(tree)) return tree.flatMap(secretKeyRefs);
  if (typeof tree !== "object" || tree === null) return [];
  return Object.entries(tree).flatMap(([k, v]) => (k === "secretKeyRef" ? [v as { name: string; key: string }] : secretKeyRefs(v)));
}

describe("values builders", () => {
  test("OpenSearch: the configured nodes with persistence, security on, the admin password only by Secret reference", () => {
    const values = opensearchValues(logging);
    expect(values).toMatchObject({ replicas: 3, singleNode: false, persistence: { enabled: true, size: "50Gi" }, securityConfig: { enabled: true } });
    expect(values.extraEnvs).toEqual([
      { name: "OPENSEARCH_INITIAL_ADMIN_PASSWORD", valueFrom: { secretKeyRef: { name: OPENSEARCH_ADMIN_SECRET.name, key: OPENSEARCH_ADMIN_SECRET.passwordKey } } },
    ]);
    expect(values.opensearchJavaOpts).toBe("-Xms1g -Xmx1g");
    expect(values.resources.requests.memory).toBe("2048Mi");
    expect(values.masterService).toBe(OPENSEARCH_SERVICE);
    expect(opensearchValues({ ...logging, opensearchReplicas: 1 }).singleNode).toBe(true);
  });

  test("pod memory is twice the heap", () => {
    expect(opensearchMemory("512m")).toBe("1024Mi");
    expect(opensearchMemory("4g")).toBe("8192Mi");
    expect(() => opensearchMemory("4Gi")).toThrow(/not a JVM heap size/);
  });

  test("Dashboards: the OpenSearch Service over HTTPS, credentials from the admin Secret", () => {
    expect(dashboardsValues(logging)).toEqual({
      fullnameOverride: "opensearch-dashboards",
      opensearchHosts: `https://${OPENSEARCH_SERVICE}.logging.svc:9200`,
      opensearchAccount: { secret: OPENSEARCH_ADMIN_SECRET.name },
    });
  });

  test("Fluent Bit: every output goes to the OpenSearch Service over TLS with ${VAR} credentials from the Secret, into daily indices", () => {
    const values = fluentBitValues(logging);
    const env = Object.fromEntries(values.env.map((e) => [e.name, e.valueFrom.secretKeyRef]));
    const outputs = values.config.outputs.split(/\n\s*\n/).map((block) =>
      Object.fromEntries(
        block
          .split("\n")
          .slice(1)
          .map((line) => line.trim().split(/\s+/, 2) as [string, string]),
      ),
    );
    expect(outputs.map((o) => o.Match)).toEqual(["kube.*", "host.*"]);
    for (const o of outputs) {
      expect(o).toMatchObject({ Name: "opensearch", Host: `${OPENSEARCH_SERVICE}.logging.svc`, Port: "9200", tls: "On", Logstash_Format: "On", Suppress_Type_Name: "On" });
      const [user, password] = [o.HTTP_User, o.HTTP_Passwd].map((v) => /^\$\{([A-Z_]+)\}$/.exec(v)?.[1]);
      expect(env[user!]).toEqual({ name: OPENSEARCH_ADMIN_SECRET.name, key: OPENSEARCH_ADMIN_SECRET.usernameKey });
      expect(env[password!]).toEqual({ name: OPENSEARCH_ADMIN_SECRET.name, key: OPENSEARCH_ADMIN_SECRET.passwordKey });
      // Logstash_Format writes <prefix>-YYYY.MM.DD: the lifecycle policy must cover it.
      expect(globMatches(LOG_INDEX_PATTERN, `${o.Logstash_Prefix}-2025.01.31`)).toBe(true);
    }
    expect(outputs.map((o) => o.Logstash_Prefix)).toEqual([LOG_INDEX_PREFIXES.containers, LOG_INDEX_PREFIXES.node]);
  });

  test("Fluent Bit keeps a JSON line's raw log field, the one Grafana shows, when it merges the line's fields", () => {
    const filters = fluentBitValues(logging).config.filters;
    const [kubernetes] = filters.split(/\n\s*\n/).map((block) => Object.fromEntries(block.trim().split("\n").slice(1).map((line) => line.trim().split(/\s+/, 2))));
    // The chart's default is Merge_Log On with Keep_Log Off, which drops `log` from JSON lines.
    expect(kubernetes).toEqual({ Name: "kubernetes", Match: "kube.*", Merge_Log: "On", Keep_Log: "On", "K8S-Logging.Parser": "On", "K8S-Logging.Exclude": "On" });
    expect(opensearchGrafanaDatasource(logging, "p").jsonData.logMessageField).toBe("log");
  });

  test("the ISM policy deletes log indices retentionDays after creation and only matches log indices", () => {
    const { policy } = ismPolicy(logging);
    const hot = policy.states.find((s) => s.name === policy.default_state)!;
    expect(hot.transitions).toEqual([{ state_name: "delete", conditions: { min_index_age: `${RETENTION_DAYS}d` } }]);
    expect(policy.states.find((s) => s.name === "delete")!.actions).toEqual([{ delete: {} }]);
    const [template] = policy.ism_template;
    for (const index of ["logs-containers-2025.01.31", "logs-node-2025.01.31"]) expect(template.index_patterns.some((p) => globMatches(p, index))).toBe(true);
    for (const index of [".opendistro-security", ".kibana_1", "security-auditlog-2025.01.31"]) expect(template.index_patterns.some((p) => globMatches(p, index))).toBe(false);
  });

  test("a changed policy is a new ConfigMap name, so the Job runs again", () => {
    const a = ismConfigMap(logging);
    expect(ismConfigMap(logging).metadata.name).toBe(a.metadata.name);
    expect(ismConfigMap({ ...logging, retentionDays: 7 }).metadata.name).not.toBe(a.metadata.name);
    expect(JSON.parse((a.data as Record<string, string>)["policy.json"])).toEqual(ismPolicy(logging));
  });

  test("the Grafana datasource: the OpenSearch plugin, basic auth with the admin user, the password only in secureJsonData", () => {
    const ds = opensearchGrafanaDatasource(logging, "p4ss");
    expect(ds).toMatchObject({ type: OPENSEARCH_GRAFANA_PLUGIN, url: opensearchUrl(logging), basicAuth: true, basicAuthUser: "admin", secureJsonData: { basicAuthPassword: "p4ss" } });
    expect(ds.jsonData).toMatchObject({ flavor: "opensearch", timeField: "@timestamp" });
    expect(globMatches(LOG_INDEX_PATTERN, ds.jsonData.database)).toBe(true);
    const { secureJsonData: _secure, ...rest } = ds;
    expect(JSON.stringify(rest)).not.toContain("p4ss");
    // Thanos stays Grafana's only default datasource.
    expect(ds).not.toHaveProperty("isDefault", true);
  });

  test("the Grafana values fragment (grafana chart keys) installs the plugin and lets the datasource sidecar read the logging namespace", () => {
    expect(grafanaOpensearchValues(settings)).toEqual({
      plugins: [OPENSEARCH_GRAFANA_PLUGIN],
      sidecar: { datasources: { searchNamespace: ["monitoring", "logging"] } },
    });
  });
});

describe("central with logging enabled", () => {
  let central: SynthesizedStack;
  let outDir: string;
  const byName = (name: string): RecordedResource => {
    const found = central.result.resources.find((r) => r.name === name);
    if (!found) throw new Error(`no resource ${name}`);
    return found;
  };
  /** Inputs with secrets unwrapped, i.e. what the cluster would receive. */
  const plain = (r: RecordedResource) => redactSecrets(r.inputs) as Record<string, any>;
  const release = (name: string) => JSON.parse(fs.readFileSync(path.join(outDir, CLUSTER, "releases", `${name}.json`), "utf8"));

  beforeAll(async () => {
    const synth = await synthStacks({ [CLUSTER]: centralStackFile((c) => (c.logging = { enabled: true, retentionDays: RETENTION_DAYS })) });
    central = synth.byStack[CLUSTER];
    outDir = synth.outDir;
  });

  test("a Logging component holds the namespace, the Secrets, the ISM ConfigMap and Job, and the three releases", () => {
    const component = byName(COMPONENT);
    expect(component.type).toBe("multicluster:central:Logging");
    const children = central.result.resources.filter((r) => r.parent === COMPONENT);
    expect(children.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      [
        `kubernetes:batch/v1:Job ${COMPONENT}-ism-apply`,
        `kubernetes:core/v1:ConfigMap ${COMPONENT}-ism-policy`,
        `kubernetes:core/v1:Namespace ${COMPONENT}-namespace`,
        `kubernetes:core/v1:Secret ${COMPONENT}-admin`,
        `kubernetes:core/v1:Secret ${COMPONENT}-grafana-datasource`,
        `kubernetes:helm.sh/v3:Release ${RELEASES.dashboards}`,
        `kubernetes:helm.sh/v3:Release ${RELEASES.fluentBit}`,
        `kubernetes:helm.sh/v3:Release ${RELEASES.opensearch}`,
        `random:index/randomPassword:RandomPassword ${COMPONENT}-admin-password`,
        `random:index/randomPassword:RandomPassword ${COMPONENT}-dashboards-cookie`,
      ].sort(),
    );
  });

  test("the three releases are pinned to the chart catalogue, in the logging namespace", () => {
    const expected = { [RELEASES.opensearch]: CHARTS.opensearch, [RELEASES.dashboards]: CHARTS.opensearchDashboards, [RELEASES.fluentBit]: CHARTS.fluentBit };
    for (const [name, chart] of Object.entries(expected)) {
      expect(release(name)).toMatchObject({ chart: chart.chart, version: chart.version, repo: chart.repo, namespace: "logging" });
      expect(byName(name).inputs).toMatchObject({ atomic: true, version: chart.version });
    }
  });

  test("OpenSearch runs the security plugin with the admin password from the Secret the component declares", () => {
    const values = release(RELEASES.opensearch).values;
    expect(values.securityConfig).toEqual({ enabled: true });
    expect(values.replicas).toBe(3);
    const secret = plain(byName(`${COMPONENT}-admin`));
    for (const ref of [...secretKeyRefs(values), ...secretKeyRefs(release(RELEASES.fluentBit).values), ...secretKeyRefs(plain(byName(`${COMPONENT}-ism-apply`)))]) {
      expect(ref.name).toBe(secret.metadata.name);
      expect(Object.keys(secret.stringData)).toContain(ref.key);
    }
    expect(secret.stringData).toEqual({ username: "admin", password: mockSecretValue(`${COMPONENT}-admin-password`), cookie: mockSecretValue(`${COMPONENT}-dashboards-cookie`) });
    expect(secret.metadata.namespace).toBe("logging");
  });

  test("Fluent Bit ships to the OpenSearch Service with credentials from the Secret", () => {
    const values = release(RELEASES.fluentBit).values;
    expect(values.config.outputs).toContain(`Host ${OPENSEARCH_SERVICE}.logging.svc`);
    expect(values.config.outputs).toContain("HTTP_Passwd ${OPENSEARCH_PASSWORD}");
    expect(values.env.find((e: any) => e.name === "OPENSEARCH_PASSWORD").valueFrom.secretKeyRef).toEqual({ name: "opensearch-admin", key: "password" });
  });

  test("the ISM policy the Job installs deletes after the configured retentionDays", () => {
    const configMap = plain(byName(`${COMPONENT}-ism-policy`));
    const policy = JSON.parse(configMap.data["policy.json"]).policy;
    expect(policy.states[0].transitions[0].conditions.min_index_age).toBe(`${RETENTION_DAYS}d`);
    const job = plain(byName(`${COMPONENT}-ism-apply`));
    const container = job.spec.template.spec.containers[0];
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({ OPENSEARCH_URL: opensearchUrl(logging), POLICY_ID: ISM_POLICY_ID, INDEX_PATTERN: LOG_INDEX_PATTERN });
    expect(job.spec.template.spec.volumes[0].configMap.name).toBe(configMap.metadata.name);
    expect(container.command[1]).toBe(`${container.volumeMounts[0].mountPath}/apply-ism-policy.py`);
    expect(Object.keys(configMap.data)).toContain("apply-ism-policy.py");
  });

  test("the Grafana datasource Secret carries the labelled provisioning file, the password only as a Pulumi secret", () => {
    const recorded = byName(`${COMPONENT}-grafana-datasource`);
    const secret = plain(recorded);
    expect(secret.metadata.labels).toMatchObject(GRAFANA_DATASOURCE_LABEL);
    const file = YAML.parse(secret.stringData[GRAFANA_DATASOURCE_FILE]);
    expect(file.datasources).toEqual([opensearchGrafanaDatasource(logging, mockSecretValue(`${COMPONENT}-admin-password`))]);
    const stringData = recorded.inputs.stringData as Record<string, unknown>;
    expect(isSecretValue(stringData) || Object.values(stringData).every(isSecretValue)).toBe(true);
  });

  test("Grafana finds the datasource Secret: its sidecar watches the Secret's namespace and label, and the plugin is installed", () => {
    const grafana = release(GRAFANA_RELEASE);
    expect(grafana.chart).toBe(CHARTS.grafana.chart);
    const secret = plain(byName(`${COMPONENT}-grafana-datasource`));
    const sidecar = grafana.values.sidecar.datasources;
    expect(sidecar.enabled).toBe(true);
    expect(sidecar.searchNamespace).toEqual(["monitoring", secret.metadata.namespace]);
    expect(secret.metadata.labels[sidecar.label]).toBe(sidecar.labelValue);
    const file = YAML.parse(secret.stringData[GRAFANA_DATASOURCE_FILE]);
    expect(grafana.values.plugins).toEqual(file.datasources.map((d: { type: string }) => d.type));
    expect(grafana.values.plugins).toEqual([OPENSEARCH_GRAFANA_PLUGIN]);
  });

  test("the Kubernetes objects the component declares are valid", () => {
    const validators: Record<string, (o: any) => { validate(): void }> = {
      "kubernetes:core/v1:Namespace": (o) => new Namespace(o),
      "kubernetes:core/v1:Secret": (o) => new Secret(o),
      "kubernetes:core/v1:ConfigMap": (o) => new ConfigMap(o),
      "kubernetes:batch/v1:Job": (o) => new Job(o),
    };
    const declared = central.result.resources.filter((r) => r.parent === COMPONENT && r.type in validators);
    expect(declared).toHaveLength(5);
    for (const r of declared) expect(() => validators[r.type](plain(r)).validate()).not.toThrow();
    // The validator is not a rubber stamp: a wrong-typed field fails.
    const job = plain(byName(`${COMPONENT}-ism-apply`));
    expect(() => new Job({ ...job, spec: { ...job.spec, backoffLimit: "three" } }).validate()).toThrow();
  });

  test("every logging resource goes through the stack's Kubernetes provider", () => {
    const [provider] = resourcesOfType(central, "pulumi:providers:kubernetes");
    for (const r of central.result.resources.filter((r) => r.parent === COMPONENT && r.type.startsWith("kubernetes:"))) expect(r.provider).toBe(provider.name);
  });

  test("no password, generated or from config, appears in any file the synth writes", () => {
    const secrets = [mockSecretValue(`${COMPONENT}-admin-password`), mockSecretValue(`${COMPONENT}-dashboards-cookie`), mockSecretValue("")];
    const files = filesUnder(path.join(outDir, CLUSTER));
    expect(files.filter((f) => f.includes(`${path.sep}releases${path.sep}${COMPONENT}-`))).toHaveLength(3);
    for (const file of files) {
      const text = fs.readFileSync(file, "utf8");
      for (const secret of secrets) expect({ file, leaks: text.includes(secret) }).toEqual({ file, leaks: false });
    }
  });

  (fs.existsSync(CHECK_CHART_VALUES) ? test : test.skip)("check-chart-values finds no unknown key in the logging releases and the Grafana release", async () => {
    const dir = scratchDir("logging-releases-");
    for (const name of [...Object.values(RELEASES), GRAFANA_RELEASE]) fs.copyFileSync(path.join(outDir, CLUSTER, "releases", `${name}.json`), path.join(dir, `${name}.json`));
    const { stdout } = await run("python3", [CHECK_CHART_VALUES, dir]).catch((err: { stdout: string }) => {
      throw new Error(`check-chart-values failed:\n${err.stdout}`);
    });
    expect(stdout).toContain("4 releases checked, 0 unknown keys");
  });
});

describe("central without logging, or without Grafana", () => {
  test("logging off (the committed default) declares no logging resource", async () => {
    const { byStack } = await synthStacks({ [CLUSTER]: committedStackConfig(CLUSTER) });
    expect(byStack[CLUSTER].result.resources.filter((r) => r.name.startsWith(COMPONENT))).toEqual([]);
  });

  test("Grafana off: the logging stack without the datasource Secret", async () => {
    const { byStack } = await synthStacks({ [CLUSTER]: centralStackFile((c) => ((c.logging = { enabled: true }), (c.grafana = { enabled: false }))) });
    const names = byStack[CLUSTER].result.resources.map((r) => r.name);
    expect(names).toContain(RELEASES.fluentBit);
    expect(names).not.toContain(`${COMPONENT}-grafana-datasource`);
    expect(names).not.toContain(GRAFANA_RELEASE);
  });
});
