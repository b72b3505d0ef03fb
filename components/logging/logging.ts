import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { CHARTS } from "../shared/charts";
import { LoggingSettings } from "../../config/central";
import { helmRelease } from "../shared/helm";
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
import {
  ADMIN_SUBJECT,
  CA_SUBJECT,
  CA_VALIDITY_HOURS,
  CERT_EARLY_RENEWAL_HOURS,
  CERT_VALIDITY_HOURS,
  NODE_SUBJECT,
  OPENSEARCH_USERS,
  OpenSearchUser,
  securityConfigChecksum,
  securityConfigFiles,
} from "./opensearch-security";

export interface LoggingArgs {
  /** `central.logging`: namespace, OpenSearch size and retention. */
  logging: LoggingSettings;
  /**
   * Whether Grafana runs (`central.grafana.enabled`): then a labelled Secret in the logging
   * namespace provisions its OpenSearch datasource (see `grafanaOpensearchValues`).
   */
  grafanaDatasource: boolean;
}

/** A key pair and the certificate the platform's CA issues for it. */
interface IssuedCertificate {
  keyPem: pulumi.Output<string>;
  certPem: pulumi.Output<string>;
}

const sha256 = (text: string) => crypto.createHash("sha256").update(text).digest("hex");

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
      { metadata: { name: ns, labels: { "pod-security.kubernetes.io/enforce": "privileged" } } },
      { parent: this },
    );
    const inNamespace = { parent: this, dependsOn: [namespace] };

    // --- The CA, the nodes' certificate and the admin client's certificate.
    const caKey = new tls.PrivateKey(`${name}-ca-key`, { algorithm: "RSA", rsaBits: 3072 }, { parent: this });
    const ca = new tls.SelfSignedCert(
      `${name}-ca`,
      {
        privateKeyPem: caKey.privateKeyPem,
        subject: CA_SUBJECT,
        isCaCertificate: true,
        validityPeriodHours: CA_VALIDITY_HOURS,
        allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
      },
      { parent: this },
    );
    const issue = (id: string, request: Omit<tls.CertRequestArgs, "privateKeyPem">, allowedUses: string[]): IssuedCertificate => {
      const key = new tls.PrivateKey(`${name}-${id}-key`, { algorithm: "RSA", rsaBits: 2048 }, { parent: this });
      const csr = new tls.CertRequest(`${name}-${id}-csr`, { ...request, privateKeyPem: key.privateKeyPem }, { parent: this });
      const cert = new tls.LocallySignedCert(
        `${name}-${id}-cert`,
        {
          certRequestPem: csr.certRequestPem,
          caPrivateKeyPem: caKey.privateKeyPem,
          caCertPem: ca.certPem,
          validityPeriodHours: CERT_VALIDITY_HOURS,
          earlyRenewalHours: CERT_EARLY_RENEWAL_HOURS,
          allowedUses,
        },
        { parent: this },
      );
      // The security plugin reads PKCS#8 keys only.
      return { keyPem: pulumi.secret(key.privateKeyPemPkcs8), certPem: cert.certPem };
    };
    // Nodes are servers to their clients and to each other, and clients of each other.
    const node = issue("node", { subject: NODE_SUBJECT, ...opensearchNodeCertificateNames(logging) }, ["digital_signature", "key_encipherment", "server_auth", "client_auth"]);
    const admin = issue("admin", { subject: ADMIN_SUBJECT }, ["digital_signature", "key_encipherment", "client_auth"]);
    const tlsSecret = (id: string, secretName: string, issued: IssuedCertificate) =>
      new k8s.core.v1.Secret(
        `${name}-${id}-tls`,
        {
          metadata: { name: secretName, namespace: ns },
          type: "kubernetes.io/tls",
          stringData: { "tls.crt": issued.certPem, "tls.key": issued.keyPem, [CA_KEY]: ca.certPem },
        },
        inNamespace,
      );
    const nodeTls = tlsSecret("node", NODE_TLS_SECRET, node);
    const adminTls = tlsSecret("admin", ADMIN_TLS_SECRET, admin);
    const caSecret = new k8s.core.v1.Secret(`${name}-ca`, { metadata: { name: CA_SECRET, namespace: ns }, type: "Opaque", stringData: { [CA_KEY]: ca.certPem } }, inNamespace);

    // --- One user per client. The security plugin's password rules want upper, lower, digits
    // and specials; these specials survive Fluent Bit's ${VAR} expansion and URLs unquoted.
    // Grafana's user only where a Grafana reads.
    const users = (Object.keys(OPENSEARCH_USERS) as OpenSearchUser[]).filter((user) => user !== "grafana" || args.grafanaDatasource);
    const passwords = Object.fromEntries(
      users.map((user) => [
        user,
        new random.RandomPassword(`${name}-${user}-password`, { length: 32, minUpper: 2, minLower: 2, minNumeric: 2, minSpecial: 2, overrideSpecial: "-_.+" }, { parent: this }),
      ]),
    ) as Partial<Record<OpenSearchUser, random.RandomPassword>>;
    // Under mocks RandomPassword results are not marked secret; wrap them regardless.
    const password = (user: OpenSearchUser) => pulumi.secret(passwords[user]!.result);
    const cookie = new random.RandomPassword(`${name}-dashboards-cookie`, { length: 32, special: false }, { parent: this });
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
    // For people: `kubectl get secret opensearch-admin`, and the password this component exports.
    credentials("admin");
    const fluentBitCredentials = credentials("fluentBit");
    const dashboardsCredentials = credentials("dashboards", { [CREDENTIAL_KEYS.cookie]: pulumi.secret(cookie.result) });
    const ismCredentials = credentials("ism");

    // --- The security plugin's config: the users (bcrypt hashes only), roles and mappings.
    const hashes = pulumi.all(Object.fromEntries(Object.entries(passwords).map(([user, p]) => [user, p!.bcryptHash])) as Partial<Record<OpenSearchUser, pulumi.Output<string>>>);
    const files = pulumi.secret(hashes.apply((passwordHashes) => securityConfigFiles({ passwordHashes, logIndexPattern: LOG_INDEX_PATTERN })));
    const securityConfig = new k8s.core.v1.Secret(`${name}-security-config`, { metadata: { name: SECURITY_CONFIG_SECRET, namespace: ns }, type: "Opaque", stringData: files }, inNamespace);
    // Checksums (which reveal nothing of what they hash) roll the nodes on new certificates and re-run the security Job on a new config.
    const tlsChecksum = pulumi.unsecret(pulumi.all([node.certPem, ca.certPem]).apply(([cert, caCert]) => sha256(cert + caCert)));
    const configChecksum = pulumi.unsecret(files.apply(securityConfigChecksum));

    const opensearch = helmRelease(
      `${name}-opensearch`,
      { chart: CHARTS.opensearch, namespace: ns, values: tlsChecksum.apply((checksum) => opensearchValues(logging, checksum)), timeoutSeconds: 1200 },
      { parent: this, dependsOn: [nodeTls, securityConfig] },
    );
    const securityApply = new k8s.batch.v1.Job(`${name}-security-apply`, securityAdminJob(logging, configChecksum), {
      parent: this,
      dependsOn: [opensearch, adminTls, securityConfig],
      customTimeouts: { create: "30m", update: "30m" },
    });
    const clientsAfter = [securityApply, caSecret];

    helmRelease(
      `${name}-dashboards`,
      { chart: CHARTS.opensearchDashboards, namespace: ns, values: dashboardsValues(logging) },
      { parent: this, dependsOn: [...clientsAfter, dashboardsCredentials] },
    );

    const ismConfig = ismConfigMap(logging);
    const ismPolicy = new k8s.core.v1.ConfigMap(`${name}-ism-policy`, ismConfig, inNamespace);
    // Completes once the policy is in place; replaced (and so run again) when the ConfigMap name changes.
    const ismApply = new k8s.batch.v1.Job(`${name}-ism-apply`, ismJob(logging, ismConfig.metadata.name), {
      parent: this,
      dependsOn: [...clientsAfter, ismPolicy, ismCredentials],
      customTimeouts: { create: "30m", update: "30m" },
    });
    // After the policy, so its ism_template catches the very first log index.
    helmRelease(`${name}-fluent-bit`, { chart: CHARTS.fluentBit, namespace: ns, values: fluentBitValues(logging) }, { parent: this, dependsOn: [ismApply, fluentBitCredentials] });

    if (args.grafanaDatasource) {
      const provisioning = pulumi.all([password("grafana"), ca.certPem]).apply(([basicAuthPassword, caCert]) => grafanaDatasourceProvisioning(logging, { basicAuthPassword, caCert }));
      new k8s.core.v1.Secret(
        `${name}-grafana-datasource`,
        {
          metadata: { namespace: ns, labels: GRAFANA_DATASOURCE_SECRET_LABELS },
          type: "Opaque",
          stringData: { [GRAFANA_DATASOURCE_FILE]: pulumi.secret(provisioning) },
        },
        inNamespace,
      );
    }

    this.opensearchUrl = pulumi.output(opensearchUrl(logging));
    this.dashboardsUrl = pulumi.output(dashboardsUrl(logging));
    this.adminUser = pulumi.output(OPENSEARCH_ADMIN_USER);
    this.adminPassword = password("admin");
    this.caCert = ca.certPem;
    this.registerOutputs({
      opensearchUrl: this.opensearchUrl,
      dashboardsUrl: this.dashboardsUrl,
      adminUser: this.adminUser,
      adminPassword: this.adminPassword,
      caCert: this.caCert,
    });
  }
}
