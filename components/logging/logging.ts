import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { CHARTS } from "../shared/charts";
import { LoggingSettings } from "../../config/central";
import { helmRelease } from "../shared/helm";
import { JOB_TIMEOUTS, OPENSEARCH_RELEASE_TIMEOUT_SECONDS } from "../shared/timeouts";
import { OWNER_STACK_LABEL } from "../shared/conventions";
import { ALLOWED_USES, CertificateAuthority, declareCertificateAuthority, IssuedCertificate, issueCertificate, LeafCertificateArgs, OPENSEARCH_CERT_VALIDITY_HOURS } from "../shared/pki";
import {
  ADMIN_TLS_SECRET,
  CA_KEY,
  CA_SECRET,
  CREDENTIAL_KEYS,
  CREDENTIAL_SECRETS,
  dashboardsUrl,
  dashboardsValues,
  fluentBitValues,
  GRAFANA_DATASOURCE_FILE,
  GRAFANA_DATASOURCE_SECRET_LABELS,
  grafanaDatasourceProvisioning,
  ismConfigMap,
  ismJob,
  LOG_INDEX_PATTERN,
  NODE_TLS_SECRET,
  OPENSEARCH_ADMIN_USER,
  opensearchNodeCertificateNames,
  opensearchUrl,
  opensearchValues,
  SECURITY_CONFIG_SECRET,
  securityAdminJob,
} from "./values";
import { ADMIN_SUBJECT, CA_SUBJECT, NODE_SUBJECT, OPENSEARCH_USERS, OpenSearchUser, securityConfigChecksum, securityConfigFiles } from "./opensearch-security";

export interface LoggingArgs {
  /** `central.logging`: namespace, OpenSearch size and retention. */
  logging: LoggingSettings;
  /**
   * Whether Grafana runs (`central.grafana.enabled`): then a labelled Secret in the logging
   * namespace provisions its OpenSearch datasource (see `grafanaOpensearchValues`).
   */
  grafanaDatasource: boolean;
}

const sha256 = (text: string) => crypto.createHash("sha256").update(text).digest("hex");

/** Where the component declares its children: their name prefix, their namespace, and their options. */
interface Scope {
  name: string;
  ns: string;
  parent: pulumi.Resource;
  /** For Kubernetes objects in the namespace: under the component, after the Namespace. */
  inNamespace: pulumi.CustomResourceOptions;
}

/**
 * Central logs: OpenSearch with the security plugin on the platform's own CA, OpenSearch
 * Dashboards, Fluent Bit on every node, and an index lifecycle policy deleting log indices
 * after the retention. Every client has its own least-privilege user and verifies OpenSearch's
 * certificate. Pass the cluster's Kubernetes provider through `opts.providers`.
 */
export class Logging extends pulumi.ComponentResource {
  /** HTTPS URL of the OpenSearch REST API inside the cluster. */
  readonly opensearchUrl: pulumi.Output<string>;
  readonly dashboardsUrl: pulumi.Output<string>;
  /** The people's user (Dashboards sign-in). */
  readonly adminUser: pulumi.Output<string>;
  /** Secret: its password (also in the `opensearch-admin` Secret). */
  readonly adminPassword: pulumi.Output<string>;
  /** The CA every client verifies OpenSearch's certificate against (public). */
  readonly caCert: pulumi.Output<string>;

  constructor(name: string, args: LoggingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("multicluster:central:Logging", name, {}, opts);
    const logging = args.logging;
    const ns = logging.namespace;

    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      // Fluent Bit reads host paths and OpenSearch's init container sets a kernel sysctl.
      { metadata: { name: ns, labels: { [OWNER_STACK_LABEL]: pulumi.getStack(), "pod-security.kubernetes.io/enforce": "privileged" } } },
      { parent: this },
    );
    const scope: Scope = { name, ns, parent: this, inNamespace: { parent: this, dependsOn: [namespace] } };

    const certificates = declareCertificates(scope, logging);
    const users = declareUsers(scope, args.grafanaDatasource);
    const security = declareSecurityConfig(scope, users.passwords);
    // The checksum (which reveals nothing of what it hashes) rolls the nodes on new certificates.
    const tlsChecksum = pulumi.unsecret(pulumi.all([certificates.node.certPem, certificates.caCertPem]).apply(([cert, caCert]) => sha256(cert + caCert)));
    declareWorkloads(scope, logging, {
      tlsChecksum,
      configChecksum: security.checksum,
      opensearchAfter: [certificates.nodeTls, security.secret],
      securityJobAfter: [certificates.adminTls, security.secret],
      clientsAfter: [certificates.caSecret],
      credentials: users.credentials,
    });
    if (args.grafanaDatasource) declareGrafanaDatasource(scope, logging, users.password("grafana"), certificates.caCertPem);

    this.opensearchUrl = pulumi.output(opensearchUrl(logging));
    this.dashboardsUrl = pulumi.output(dashboardsUrl(logging));
    this.adminUser = pulumi.output(OPENSEARCH_ADMIN_USER);
    this.adminPassword = users.password("admin");
    this.caCert = certificates.caCertPem;
    this.registerOutputs({
      opensearchUrl: this.opensearchUrl,
      dashboardsUrl: this.dashboardsUrl,
      adminUser: this.adminUser,
      adminPassword: this.adminPassword,
      caCert: this.caCert,
    });
  }
}

/** The CA, the nodes' certificate and the admin client's certificate, and the Secrets they are mounted from. */
function declareCertificates(scope: Scope, logging: LoggingSettings) {
  const { name, ns, parent, inNamespace } = scope;
  const ca = declareCertificateAuthority(name, { key: { algorithm: "RSA", rsaBits: 3072 }, subject: CA_SUBJECT }, parent);
  const issue = (id: string, request: LeafCertificateArgs["request"], allowedUses: readonly string[]): IssuedCertificate =>
    issueCertificate(
      ca,
      // The security plugin reads PKCS#8 keys only.
      { prefix: `${name}-${id}`, certificateName: `${name}-${id}-cert`, key: { algorithm: "RSA", rsaBits: 2048 }, request, allowedUses, validityPeriodHours: OPENSEARCH_CERT_VALIDITY_HOURS, keyFormat: "pkcs8" },
      parent,
    );
  // Nodes are servers to their clients and to each other, and clients of each other.
  const node = issue("node", { subject: NODE_SUBJECT, ...opensearchNodeCertificateNames(logging) }, [...ALLOWED_USES.server, "client_auth"]);
  const admin = issue("admin", { subject: ADMIN_SUBJECT }, ALLOWED_USES.client);
  return {
    caCertPem: ca.certPem,
    node,
    nodeTls: tlsSecret(scope, "node", NODE_TLS_SECRET, node, ca),
    adminTls: tlsSecret(scope, "admin", ADMIN_TLS_SECRET, admin, ca),
    caSecret: new k8s.core.v1.Secret(`${name}-ca`, { metadata: { name: CA_SECRET, namespace: ns }, type: "Opaque", stringData: { [CA_KEY]: ca.certPem } }, inNamespace),
  };
}

/** A `kubernetes.io/tls` Secret: the certificate, its key and the CA. */
function tlsSecret(scope: Scope, id: string, secretName: string, issued: IssuedCertificate, ca: CertificateAuthority): k8s.core.v1.Secret {
  return new k8s.core.v1.Secret(
    `${scope.name}-${id}-tls`,
    {
      metadata: { name: secretName, namespace: scope.ns },
      type: "kubernetes.io/tls",
      stringData: { "tls.crt": issued.certPem, "tls.key": issued.keyPem, [CA_KEY]: ca.certPem },
    },
    scope.inNamespace,
  );
}

/**
 * One user per client, Grafana's only where a Grafana reads, each with a generated password,
 * and the Secrets the clients read their credentials from.
 */
function declareUsers(scope: Scope, grafanaDatasource: boolean) {
  const { name, ns, parent, inNamespace } = scope;
  const users = (Object.keys(OPENSEARCH_USERS) as OpenSearchUser[]).filter((user) => user !== "grafana" || grafanaDatasource);
  // The security plugin's password rules want upper, lower, digits and specials; these
  // specials survive Fluent Bit's ${VAR} expansion and URLs unquoted.
  const passwords = Object.fromEntries(
    users.map((user) => [
      user,
      new random.RandomPassword(`${name}-${user}-password`, { length: 32, minUpper: 2, minLower: 2, minNumeric: 2, minSpecial: 2, overrideSpecial: "-_.+" }, { parent }),
    ]),
  ) as Partial<Record<OpenSearchUser, random.RandomPassword>>;
  // Under mocks RandomPassword results are not marked secret; wrap them regardless.
  const password = (user: OpenSearchUser) => pulumi.secret(passwords[user]!.result);
  const cookie = new random.RandomPassword(`${name}-dashboards-cookie`, { length: 32, special: false }, { parent });
  const credentials = (user: keyof typeof CREDENTIAL_SECRETS, extra: Record<string, pulumi.Input<string>> = {}) =>
    new k8s.core.v1.Secret(
      `${name}-${user}-credentials`,
      {
        metadata: { name: CREDENTIAL_SECRETS[user], namespace: ns },
        type: "Opaque",
        stringData: { [CREDENTIAL_KEYS.username]: OPENSEARCH_USERS[user].username, [CREDENTIAL_KEYS.password]: password(user), ...extra },
      },
      inNamespace,
    );
  // For people: `kubectl get secret opensearch-admin`, and the password the component exports.
  credentials("admin");
  return {
    passwords,
    password,
    credentials: {
      fluentBit: credentials("fluentBit"),
      dashboards: credentials("dashboards", { [CREDENTIAL_KEYS.cookie]: pulumi.secret(cookie.result) }),
      ism: credentials("ism"),
    },
  };
}

/** The security plugin's config: the users (bcrypt hashes only), roles and mappings; and its checksum, which re-runs the security Job when it changes. */
function declareSecurityConfig(scope: Scope, passwords: Partial<Record<OpenSearchUser, random.RandomPassword>>) {
  const hashes = pulumi.all(Object.fromEntries(Object.entries(passwords).map(([user, p]) => [user, p!.bcryptHash])) as Partial<Record<OpenSearchUser, pulumi.Output<string>>>);
  const files = pulumi.secret(hashes.apply((passwordHashes) => securityConfigFiles({ passwordHashes, logIndexPattern: LOG_INDEX_PATTERN })));
  const secret = new k8s.core.v1.Secret(`${scope.name}-security-config`, { metadata: { name: SECURITY_CONFIG_SECRET, namespace: scope.ns }, type: "Opaque", stringData: files }, scope.inNamespace);
  return { secret, checksum: pulumi.unsecret(files.apply(securityConfigChecksum)) };
}

interface WorkloadInputs {
  /** Rolls the nodes on new certificates. */
  tlsChecksum: pulumi.Output<string>;
  /** Re-runs the security Job on a new config. */
  configChecksum: pulumi.Output<string>;
  /** What OpenSearch mounts. */
  opensearchAfter: pulumi.Resource[];
  /** What the security Job reads, besides OpenSearch itself. */
  securityJobAfter: pulumi.Resource[];
  /** What every client of OpenSearch reads, besides the loaded security config. */
  clientsAfter: pulumi.Resource[];
  /** Each client's credentials Secret. */
  credentials: Record<"fluentBit" | "dashboards" | "ism", k8s.core.v1.Secret>;
}

/** OpenSearch, the Job loading the security config into it, then its clients: Dashboards, the index lifecycle Job and Fluent Bit. */
function declareWorkloads(scope: Scope, logging: LoggingSettings, inputs: WorkloadInputs): void {
  const { name, ns, parent, inNamespace } = scope;
  const opensearch = helmRelease(
    `${name}-opensearch`,
    { chart: CHARTS.opensearch, namespace: ns, values: inputs.tlsChecksum.apply((checksum) => opensearchValues(logging, checksum)), timeoutSeconds: OPENSEARCH_RELEASE_TIMEOUT_SECONDS },
    { parent, dependsOn: inputs.opensearchAfter },
  );
  const securityApply = new k8s.batch.v1.Job(`${name}-security-apply`, securityAdminJob(logging, inputs.configChecksum), {
    parent,
    dependsOn: [opensearch, ...inputs.securityJobAfter],
    customTimeouts: JOB_TIMEOUTS,
  });
  const clientsAfter = [securityApply, ...inputs.clientsAfter];

  helmRelease(
    `${name}-dashboards`,
    { chart: CHARTS.opensearchDashboards, namespace: ns, values: dashboardsValues(logging) },
    { parent, dependsOn: [...clientsAfter, inputs.credentials.dashboards] },
  );

  const ismConfig = ismConfigMap(logging);
  const ismPolicy = new k8s.core.v1.ConfigMap(`${name}-ism-policy`, ismConfig, inNamespace);
  // Completes once the policy is in place; replaced (and so run again) when the ConfigMap name changes.
  const ismApply = new k8s.batch.v1.Job(`${name}-ism-apply`, ismJob(logging, ismConfig.metadata.name), {
    parent,
    dependsOn: [...clientsAfter, ismPolicy, inputs.credentials.ism],
    customTimeouts: JOB_TIMEOUTS,
  });
  // After the policy, so its ism_template catches the very first log index.
  helmRelease(`${name}-fluent-bit`, { chart: CHARTS.fluentBit, namespace: ns, values: fluentBitValues(logging) }, { parent, dependsOn: [ismApply, inputs.credentials.fluentBit] });
}

/** The labelled Secret Grafana provisions its OpenSearch datasource from (see `grafanaOpensearchValues`). */
function declareGrafanaDatasource(scope: Scope, logging: LoggingSettings, password: pulumi.Output<string>, caCertPem: pulumi.Output<string>): void {
  const provisioning = pulumi.all([password, caCertPem]).apply(([basicAuthPassword, caCert]) => grafanaDatasourceProvisioning(logging, { basicAuthPassword, caCert }));
  new k8s.core.v1.Secret(
    `${scope.name}-grafana-datasource`,
    {
      metadata: { namespace: scope.ns, labels: GRAFANA_DATASOURCE_SECRET_LABELS },
      type: "Opaque",
      stringData: { [GRAFANA_DATASOURCE_FILE]: pulumi.secret(provisioning) },
    },
    scope.inNamespace,
  );
}
