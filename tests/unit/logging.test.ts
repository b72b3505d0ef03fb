/**
 * The optional logging stack: the pure builders, then the real program with
 * `central.logging.enabled` in a scratch stack file, asserting on what the mocks recorded
 * and on the files the synth wrote.
 */
import { execFile } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { Job } from "kubernetes-models/batch/v1/Job";
import * as YAML from "yaml";
import { CHARTS } from "../../components/shared/charts";
import { CentralSettings, LoggingSettings } from "../../config/central";
import { parseStackConfig } from "../../config/stack";
import { GRAFANA_DATASOURCE_LABEL } from "../../components/shared/conventions";
import {
  ADMIN_TLS_SECRET,
  CA_SECRET,
  CREDENTIAL_SECRETS,
  dashboardsValues,
  fluentBitValues,
  GRAFANA_DATASOURCE_FILE,
  grafanaOpensearchValues,
  ISM_POLICY_ID,
  ismConfigMap,
  ismJob,
  ismPolicy,
  LOG_INDEX_PATTERN,
  LOG_INDEX_PREFIXES,
  NODE_TLS_SECRET,
  OPENSEARCH_GRAFANA_PLUGIN,
  OPENSEARCH_SERVICE,
  opensearchGrafanaDatasource,
  opensearchMemory,
  opensearchNodeCertificateNames,
  opensearchUrl,
  opensearchValues,
  opensearchYml,
  SECURITY_CONFIG_SECRET,
  securityAdminJob,
  SYSCTL_INIT_IMAGE,
} from "../../components/logging/values";
import { OPENSEARCH_USERS, OpenSearchUser, securityConfigChecksum } from "../../components/logging/opensearch-security";
import { isSecretValue, mockBcryptHash, mockPem, mockSecretValue, RecordedResource, redactSecrets } from "../../synth/mock-runtime";
import { mockKubeconfigFor } from "../../synth/pulumi-config";
import { SynthesizedStack } from "../../synth/synth";
import { committedStackConfig, filesUnder, PROJECT_DIR, resourcesOfType, scratchDir, synthStacks } from "../support";

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

/** Every `image` in a values or manifest tree. */
function images(tree: unknown): string[] {
  if (Array.isArray(tree)) return tree.flatMap(images);
  if (typeof tree !== "object" || tree === null) return [];
  return Object.entries(tree).flatMap(([k, v]) => (k === "image" && typeof v === "string" ? [v] : images(v)));
}

const TLS_CHECKSUM = "ab".repeat(32);
const CA_PEM = "-----BEGIN CERTIFICATE-----\nY2E=\n-----END CERTIFICATE-----\n";

describe("values builders", () => {
  test("OpenSearch: the configured nodes with persistence and the security plugin, no demo configuration", () => {
    const values = opensearchValues(logging, TLS_CHECKSUM);
    expect(values).toMatchObject({ replicas: 3, singleNode: false, persistence: { enabled: true, size: "50Gi" } });
    // The image's entrypoint installs the demo certificates and users unless told not to.
    expect(values.extraEnvs).toEqual([{ name: "DISABLE_INSTALL_DEMO_CONFIG", value: "true" }]);
    expect(values.opensearchJavaOpts).toBe("-Xms1g -Xmx1g");
    expect(values.resources.requests.memory).toBe("2048Mi");
    expect(values.masterService).toBe(OPENSEARCH_SERVICE);
    expect(opensearchValues({ ...logging, opensearchReplicas: 1 }, TLS_CHECKSUM).singleNode).toBe(true);
  });

  test("OpenSearch: the platform's certificates and security config, mounted the way the chart expects", () => {
    const values = opensearchValues(logging, TLS_CHECKSUM);
    // templates/statefulset.yaml mounts secretMounts[].path and the whole config directory from securityConfig.config.securityConfigSecret.
    expect(values.secretMounts).toEqual([{ name: "node-tls", secretName: NODE_TLS_SECRET, path: "/usr/share/opensearch/config/certs", defaultMode: 0o440 }]);
    expect(values.securityConfig).toEqual({ enabled: true, config: { securityConfigSecret: SECURITY_CONFIG_SECRET } });
    const yml = YAML.parse(values.config["opensearch.yml"]);
    expect(yml).toEqual(YAML.parse(opensearchYml()));
    for (const layer of ["transport", "http"]) {
      // Relative to the config directory, where the Secret is mounted.
      expect(yml[`plugins.security.ssl.${layer}.pemcert_filepath`]).toBe("certs/tls.crt");
      expect(yml[`plugins.security.ssl.${layer}.pemkey_filepath`]).toBe("certs/tls.key");
      expect(yml[`plugins.security.ssl.${layer}.pemtrustedcas_filepath`]).toBe("certs/ca.crt");
    }
    expect(yml["plugins.security.ssl.http.enabled"]).toBe(true);
    expect(yml["plugins.security.nodes_dn"]).toEqual(["CN=opensearch-node,O=multicluster"]);
    expect(yml["plugins.security.authcz.admin_dn"]).toEqual(["CN=opensearch-admin,O=multicluster"]);
    expect(yml["plugins.security.allow_default_init_securityindex"]).toBe(true);
    expect(JSON.stringify(yml)).not.toMatch(/demo|kirk|esnode/i);
    // New certificates roll the nodes, which read them at start.
    expect(values.podAnnotations).toEqual({ "checksum/opensearch-tls": TLS_CHECKSUM });
  });

  test("OpenSearch: no init container on busybox:latest; vm.max_map_count from a pinned image", () => {
    const values = opensearchValues(logging, TLS_CHECKSUM);
    // The chart's fsgroup-volume and sysctl init containers default to busybox:latest and
    // their image keys are comments in its values: both are off.
    expect(values.persistence.enableInitChown).toBe(false);
    expect(values.sysctlInit).toEqual({ enabled: false });
    expect(values.extraInitContainers).toEqual([expect.objectContaining({ name: "sysctl", image: SYSCTL_INIT_IMAGE, securityContext: { runAsUser: 0, privileged: true } })]);
    expect(values.extraInitContainers[0].command.join(" ")).toContain("sysctl -w vm.max_map_count=262144");
    for (const image of images(values)) expect(image).toMatch(/:[0-9][^:]*$/);
    expect(SYSCTL_INIT_IMAGE).toBe("docker.io/library/busybox:1.37.0");
  });

  test("the node certificate names every host a client or a peer reaches a node by", () => {
    const { dnsNames, ipAddresses } = opensearchNodeCertificateNames(logging);
    expect(dnsNames).toContain(new URL(opensearchUrl(logging)).hostname);
    expect(dnsNames).toEqual(
      expect.arrayContaining([
        "opensearch-master.logging.svc.cluster.local",
        "*.opensearch-master-headless.logging.svc",
        "*.opensearch-master-headless.logging.svc.cluster.local",
        "localhost",
      ]),
    );
    expect(ipAddresses).toEqual(["127.0.0.1"]);
  });

  test("pod memory is twice the heap", () => {
    expect(opensearchMemory("512m")).toBe("1024Mi");
    expect(opensearchMemory("4g")).toBe("8192Mi");
    expect(() => opensearchMemory("4Gi")).toThrow(/not a JVM heap size/);
  });

  test("Dashboards: the OpenSearch Service over HTTPS, verified against the CA, as its own server user", () => {
    expect(dashboardsValues(logging)).toEqual({
      fullnameOverride: "opensearch-dashboards",
      opensearchHosts: `https://${OPENSEARCH_SERVICE}.logging.svc:9200`,
      opensearchAccount: { secret: CREDENTIAL_SECRETS.dashboards },
      secretMounts: [{ name: "opensearch-ca", secretName: CA_SECRET, path: "/usr/share/opensearch-dashboards/certs" }],
      // The image's entrypoint turns these into opensearch.ssl.verificationMode / certificateAuthorities.
      extraEnvs: [
        { name: "OPENSEARCH_SSL_VERIFICATIONMODE", value: "full" },
        { name: "OPENSEARCH_SSL_CERTIFICATEAUTHORITIES", value: "/usr/share/opensearch-dashboards/certs/ca.crt" },
      ],
    });
  });

  test("Fluent Bit: every output goes to the OpenSearch Service over verified TLS as its own user, into daily indices", () => {
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
    const caMount = values.extraVolumeMounts.find((m) => values.extraVolumes.some((v) => v.name === m.name && v.secret.secretName === CA_SECRET))!;
    for (const o of outputs) {
      expect(o).toMatchObject({ Name: "opensearch", Host: `${OPENSEARCH_SERVICE}.logging.svc`, Port: "9200", tls: "On", Logstash_Format: "On", Suppress_Type_Name: "On" });
      expect(o).toMatchObject({ "tls.verify": "On", "tls.verify_hostname": "On", "tls.ca_file": `${caMount.mountPath}/ca.crt` });
      const [user, password] = [o.HTTP_User, o.HTTP_Passwd].map((v) => /^\$\{([A-Z_]+)\}$/.exec(v)?.[1]);
      expect(env[user!]).toEqual({ name: CREDENTIAL_SECRETS.fluentBit, key: "username" });
      expect(env[password!]).toEqual({ name: CREDENTIAL_SECRETS.fluentBit, key: "password" });
      // Logstash_Format writes <prefix>-YYYY.MM.DD: the lifecycle policy must cover it.
      expect(globMatches(LOG_INDEX_PATTERN, `${o.Logstash_Prefix}-2025.01.31`)).toBe(true);
    }
    expect(outputs.map((o) => o.Logstash_Prefix)).toEqual([LOG_INDEX_PREFIXES.containers, LOG_INDEX_PREFIXES.node]);
    // The chart's helm-test Pod (busybox:latest) is not rendered.
    expect(values.testFramework).toEqual({ enabled: false });
  });

  test("Fluent Bit keeps a JSON line's raw log field, the one Grafana shows, when it merges the line's fields", () => {
    const filters = fluentBitValues(logging).config.filters;
    const [kubernetes] = filters.split(/\n\s*\n/).map((block) => Object.fromEntries(block.trim().split("\n").slice(1).map((line) => line.trim().split(/\s+/, 2))));
    // The chart's default is Merge_Log On with Keep_Log Off, which drops `log` from JSON lines.
    expect(kubernetes).toEqual({ Name: "kubernetes", Match: "kube.*", Merge_Log: "On", Keep_Log: "On", "K8S-Logging.Parser": "On", "K8S-Logging.Exclude": "On" });
    expect(opensearchGrafanaDatasource(logging, { basicAuthPassword: "p", caCert: CA_PEM }).jsonData.logMessageField).toBe("log");
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

  test("the ISM Job installs the policy as its own user and verifies OpenSearch's certificate against the CA", () => {
    const job = ismJob(logging, "opensearch-ism-x") as any;
    const [container] = job.spec.template.spec.containers;
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom.secretKeyRef]));
    expect(env.OPENSEARCH_USERNAME).toEqual({ name: CREDENTIAL_SECRETS.ism, key: "username" });
    expect(env.OPENSEARCH_PASSWORD).toEqual({ name: CREDENTIAL_SECRETS.ism, key: "password" });
    const caVolume = job.spec.template.spec.volumes.find((v: any) => v.secret?.secretName === CA_SECRET);
    const caMount = container.volumeMounts.find((m: any) => m.name === caVolume.name);
    expect(env.OPENSEARCH_CA_FILE).toBe(`${caMount.mountPath}/ca.crt`);
  });

  test("the security Job loads the config Secret with securityadmin.sh as the admin certificate, re-run on a new config", () => {
    const job = securityAdminJob(logging, "c0ffee") as any;
    const pod = job.spec.template;
    expect(pod.metadata.annotations).toEqual({ "checksum/opensearch-security-config": "c0ffee" });
    const [container] = pod.spec.containers;
    // The nodes' own image: securityadmin.sh must match their security plugin.
    expect(container.image).toBe("opensearchproject/opensearch:3.6.0");
    const nodes = opensearchValues(logging, TLS_CHECKSUM).image;
    expect(container.image).toBe(`${nodes.repository}:${nodes.tag}`);
    const mounts = Object.fromEntries(container.volumeMounts.map((m: any) => [m.name, m.mountPath]));
    const secrets = Object.fromEntries(pod.spec.volumes.map((v: any) => [v.name, v.secret.secretName]));
    expect(secrets).toEqual({ "security-config": SECURITY_CONFIG_SECRET, "admin-tls": ADMIN_TLS_SECRET });
    const arg = (flag: string) => container.command[container.command.indexOf(flag) + 1];
    expect(container.command[0]).toBe("/usr/share/opensearch/plugins/opensearch-security/tools/securityadmin.sh");
    expect(arg("-cd")).toBe(`${mounts["security-config"]}/`);
    expect([arg("-cacert"), arg("-cert"), arg("-key")]).toEqual(["ca.crt", "tls.crt", "tls.key"].map((f) => `${mounts["admin-tls"]}/${f}`));
    // The host the node certificate names, verified (no -nhnv).
    expect(`https://${arg("-h")}:${arg("-p")}`).toBe(opensearchUrl(logging));
    expect(container.command).not.toContain("-nhnv");
    expect(() => new Job(job).validate()).not.toThrow();
  });

  test("the Grafana datasource: the OpenSearch plugin as the read-only grafana user, verifying the CA; secrets only in secureJsonData", () => {
    const ds = opensearchGrafanaDatasource(logging, { basicAuthPassword: "p4ss", caCert: CA_PEM });
    expect(ds).toMatchObject({ type: OPENSEARCH_GRAFANA_PLUGIN, url: opensearchUrl(logging), basicAuth: true, basicAuthUser: "grafana", secureJsonData: { basicAuthPassword: "p4ss", tlsCACert: CA_PEM } });
    expect(ds.jsonData).toMatchObject({ flavor: "opensearch", timeField: "@timestamp", tlsAuthWithCACert: true, tlsSkipVerify: false });
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
  /** The Secret the component declares under `metadata.name`, as the cluster would receive it. */
  const secretNamed = (name: string) => {
    const found = central.result.resources.filter((r) => r.parent === COMPONENT && r.type === "kubernetes:core/v1:Secret").map(plain).find((x) => x.metadata.name === name);
    if (!found) throw new Error(`no Secret ${name}`);
    return found;
  };
  const users = Object.keys(OPENSEARCH_USERS) as OpenSearchUser[];
  const passwordOf = (user: OpenSearchUser) => mockSecretValue(`${COMPONENT}-${user}-password`);
  const sha256 = (text: string) => crypto.createHash("sha256").update(text).digest("hex");

  beforeAll(async () => {
    const synth = await synthStacks({ [CLUSTER]: centralStackFile((c) => (c.logging = { enabled: true, retentionDays: RETENTION_DAYS })) });
    central = synth.byStack[CLUSTER];
    outDir = synth.outDir;
  });

  test("a Logging component holds the namespace, the PKI, one password and credentials Secret per client, the security config, the Jobs and the three releases", () => {
    const component = byName(COMPONENT);
    expect(component.type).toBe("multicluster:central:Logging");
    const children = central.result.resources.filter((r) => r.parent === COMPONENT);
    const tls = (type: string, ...names: string[]) => names.map((n) => `tls:index/${type} ${COMPONENT}-${n}`);
    expect(children.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      [
        `kubernetes:batch/v1:Job ${COMPONENT}-ism-apply`,
        `kubernetes:batch/v1:Job ${COMPONENT}-security-apply`,
        `kubernetes:core/v1:ConfigMap ${COMPONENT}-ism-policy`,
        `kubernetes:core/v1:Namespace ${COMPONENT}-namespace`,
        ...["node-tls", "admin-tls", "ca", "security-config", "grafana-datasource", "admin-credentials", "fluentBit-credentials", "dashboards-credentials", "ism-credentials"].map(
          (n) => `kubernetes:core/v1:Secret ${COMPONENT}-${n}`,
        ),
        `kubernetes:helm.sh/v3:Release ${RELEASES.dashboards}`,
        `kubernetes:helm.sh/v3:Release ${RELEASES.fluentBit}`,
        `kubernetes:helm.sh/v3:Release ${RELEASES.opensearch}`,
        ...[...users, "dashboards-cookie"].map((u) => `random:index/randomPassword:RandomPassword ${COMPONENT}-${u === "dashboards-cookie" ? u : `${u}-password`}`),
        ...tls("privateKey:PrivateKey", "ca-key", "node-key", "admin-key"),
        ...tls("selfSignedCert:SelfSignedCert", "ca"),
        ...tls("certRequest:CertRequest", "node-csr", "admin-csr"),
        ...tls("locallySignedCert:LocallySignedCert", "node-cert", "admin-cert"),
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

  test("a CA issues the node certificate (for the Services' names) and the admin client certificate", () => {
    const ca = plain(byName(`${COMPONENT}-ca`));
    expect(ca).toMatchObject({ isCaCertificate: true, subject: { commonName: "opensearch-ca" }, privateKeyPem: mockPem("RSA PRIVATE KEY", `${COMPONENT}-ca-key`) });
    const nodeCsr = plain(byName(`${COMPONENT}-node-csr`));
    expect(nodeCsr.subject).toEqual({ commonName: "opensearch-node", organization: "multicluster" });
    expect(nodeCsr.dnsNames).toEqual(opensearchNodeCertificateNames(logging).dnsNames);
    expect(plain(byName(`${COMPONENT}-admin-csr`)).subject).toEqual({ commonName: "opensearch-admin", organization: "multicluster" });
    for (const id of ["node", "admin"]) {
      const cert = plain(byName(`${COMPONENT}-${id}-cert`));
      expect(cert).toMatchObject({ certRequestPem: mockPem("CERTIFICATE REQUEST", `${COMPONENT}-${id}-csr`), caCertPem: mockPem("CERTIFICATE", `${COMPONENT}-ca`) });
      expect(cert.allowedUses).toContain("client_auth");
    }
    expect(plain(byName(`${COMPONENT}-node-cert`)).allowedUses).toContain("server_auth");
    expect(plain(byName(`${COMPONENT}-admin-cert`)).allowedUses).not.toContain("server_auth");
  });

  test("OpenSearch mounts the node certificate (PKCS#8 key) and the security config from the Secrets the component declares", () => {
    const values = release(RELEASES.opensearch).values;
    const nodeTls = secretNamed(values.secretMounts[0].secretName);
    expect(nodeTls.type).toBe("kubernetes.io/tls");
    expect(nodeTls.stringData).toEqual({
      "tls.crt": mockPem("CERTIFICATE", `${COMPONENT}-node-cert`),
      "tls.key": mockPem("PRIVATE KEY", `${COMPONENT}-node-key`),
      "ca.crt": mockPem("CERTIFICATE", `${COMPONENT}-ca`),
    });
    const securityConfig = secretNamed(values.securityConfig.config.securityConfigSecret);
    expect(Object.keys(securityConfig.stringData).sort()).toEqual(["action_groups.yml", "config.yml", "internal_users.yml", "nodes_dn.yml", "roles.yml", "roles_mapping.yml", "tenants.yml"]);
    // The password hashes the generated passwords' bcryptHash outputs give.
    const internalUsers = YAML.parse(securityConfig.stringData["internal_users.yml"]);
    for (const user of users) expect(internalUsers[OPENSEARCH_USERS[user].username].hash).toBe(mockBcryptHash(`${COMPONENT}-${user}-password`));
    // New certificates roll the nodes.
    expect(values.podAnnotations).toEqual({ "checksum/opensearch-tls": sha256(nodeTls.stringData["tls.crt"] + nodeTls.stringData["ca.crt"]) });
    // The whole config is a Pulumi secret: it holds the password hashes.
    const recorded = central.result.resources.find((r) => r.name === `${COMPONENT}-security-config`)!;
    expect(isSecretValue(recorded.inputs.stringData) || Object.values(recorded.inputs.stringData as object).every(isSecretValue)).toBe(true);
  });

  test("every client logs in as its own user, from its own Secret; none as admin", () => {
    const refs = {
      fluentBit: secretKeyRefs(release(RELEASES.fluentBit).values),
      ism: secretKeyRefs(plain(byName(`${COMPONENT}-ism-apply`))),
      dashboards: [{ name: release(RELEASES.dashboards).values.opensearchAccount.secret, key: "username" }],
    };
    for (const [user, userRefs] of Object.entries(refs) as [keyof typeof CREDENTIAL_SECRETS, { name: string; key: string }[]][]) {
      expect(new Set(userRefs.map((r) => r.name))).toEqual(new Set([CREDENTIAL_SECRETS[user]]));
      const secret = secretNamed(CREDENTIAL_SECRETS[user]);
      for (const ref of userRefs) expect(Object.keys(secret.stringData)).toContain(ref.key);
      expect(secret.stringData).toMatchObject({ username: OPENSEARCH_USERS[user].username, password: passwordOf(user) });
    }
    expect(secretNamed(CREDENTIAL_SECRETS.dashboards).stringData.cookie).toBe(mockSecretValue(`${COMPONENT}-dashboards-cookie`));
    // OpenSearch itself needs no password: the demo installer that wanted one is off.
    expect(secretKeyRefs(release(RELEASES.opensearch).values)).toEqual([]);
    expect(secretNamed(CREDENTIAL_SECRETS.admin).stringData).toEqual({ username: "admin", password: passwordOf("admin") });
    const datasource = YAML.parse(plain(byName(`${COMPONENT}-grafana-datasource`)).stringData[GRAFANA_DATASOURCE_FILE]);
    expect(datasource.datasources[0]).toMatchObject({ basicAuthUser: "grafana", secureJsonData: { basicAuthPassword: passwordOf("grafana") } });
  });

  test("every client verifies OpenSearch's certificate against the CA Secret", () => {
    const ca = secretNamed(CA_SECRET);
    expect(ca.stringData).toEqual({ "ca.crt": mockPem("CERTIFICATE", `${COMPONENT}-ca`) });
    expect(release(RELEASES.fluentBit).values.config.outputs).toContain("tls.verify On");
    expect(release(RELEASES.fluentBit).values.extraVolumes).toEqual([{ name: "opensearch-ca", secret: { secretName: CA_SECRET } }]);
    expect(release(RELEASES.dashboards).values.secretMounts[0].secretName).toBe(CA_SECRET);
    expect(plain(byName(`${COMPONENT}-ism-apply`)).spec.template.spec.volumes).toContainEqual({ name: "opensearch-ca", secret: { secretName: CA_SECRET } });
    const datasource = YAML.parse(plain(byName(`${COMPONENT}-grafana-datasource`)).stringData[GRAFANA_DATASOURCE_FILE]).datasources[0];
    expect(datasource.secureJsonData.tlsCACert).toBe(ca.stringData["ca.crt"]);
    expect(datasource.jsonData).toMatchObject({ tlsAuthWithCACert: true, tlsSkipVerify: false });
  });

  test("the security Job loads the config after OpenSearch is up, and runs again when the config changes; the clients wait for it", () => {
    const job = plain(byName(`${COMPONENT}-security-apply`));
    const files = secretNamed(SECURITY_CONFIG_SECRET).stringData;
    expect(job.spec.template.metadata.annotations).toEqual({ "checksum/opensearch-security-config": securityConfigChecksum(files) });
    expect(byName(`${COMPONENT}-security-apply`).dependencies).toEqual(expect.arrayContaining([RELEASES.opensearch, `${COMPONENT}-admin-tls`, `${COMPONENT}-security-config`]));
    for (const client of [RELEASES.dashboards, `${COMPONENT}-ism-apply`]) expect(byName(client).dependencies).toContain(`${COMPONENT}-security-apply`);
    expect(byName(RELEASES.fluentBit).dependencies).toContain(`${COMPONENT}-ism-apply`);
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
    expect(file.datasources).toEqual([opensearchGrafanaDatasource(logging, { basicAuthPassword: passwordOf("grafana"), caCert: mockPem("CERTIFICATE", `${COMPONENT}-ca`) })]);
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
    expect(declared).toHaveLength(13);
    for (const r of declared) expect(() => validators[r.type](plain(r)).validate()).not.toThrow();
    // The validator is not a rubber stamp: a wrong-typed field fails.
    const job = plain(byName(`${COMPONENT}-ism-apply`));
    expect(() => new Job({ ...job, spec: { ...job.spec, backoffLimit: "three" } }).validate()).toThrow();
  });

  test("every logging Kubernetes resource goes through the stack's Kubernetes provider", () => {
    const [provider] = resourcesOfType(central, "pulumi:providers:kubernetes");
    for (const r of central.result.resources.filter((r) => r.parent === COMPONENT && r.type.startsWith("kubernetes:"))) expect(r.provider).toBe(provider.name);
  });

  test("no password, password hash or private key appears in any file the synth writes", () => {
    const secrets = [
      ...users.map(passwordOf),
      ...users.map((u) => mockBcryptHash(`${COMPONENT}-${u}-password`)),
      mockSecretValue(`${COMPONENT}-dashboards-cookie`),
      ...["ca-key", "node-key", "admin-key"].flatMap((k) => [mockPem("RSA PRIVATE KEY", `${COMPONENT}-${k}`), mockPem("PRIVATE KEY", `${COMPONENT}-${k}`)]),
      mockSecretValue(""),
    ];
    const files = filesUnder(path.join(outDir, CLUSTER));
    expect(files.filter((f) => f.includes(`${path.sep}releases${path.sep}${COMPONENT}-`))).toHaveLength(3);
    for (const file of files) {
      const text = fs.readFileSync(file, "utf8");
      for (const secret of secrets) expect({ file, leaks: text.includes(secret.trim()) }).toEqual({ file, leaks: false });
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
  test("the committed cluster-01 runs the logging stack; turned off, no logging resource is declared", async () => {
    expect((committedStackConfig(CLUSTER)["multicluster:central"] as { logging: { enabled: boolean } }).logging.enabled).toBe(true);
    const { byStack } = await synthStacks({ [CLUSTER]: centralStackFile((c) => (c.logging = { enabled: false })) });
    expect(byStack[CLUSTER].result.resources.filter((r) => r.name.startsWith(COMPONENT))).toEqual([]);
  });

  test("Grafana off: the logging stack without the datasource Secret", async () => {
    const { byStack } = await synthStacks({ [CLUSTER]: centralStackFile((c) => ((c.logging = { enabled: true }), (c.grafana = { enabled: false }))) });
    const names = byStack[CLUSTER].result.resources.map((r) => r.name);
    expect(names).toContain(RELEASES.fluentBit);
    expect(names).not.toContain(`${COMPONENT}-grafana-datasource`);
    // Nor a grafana user nobody logs in as.
    expect(names).not.toContain(`${COMPONENT}-grafana-password`);
    expect(names).not.toContain(GRAFANA_RELEASE);
  });
});
