import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { CHARTS } from "../shared/charts";
import { CentralSettings } from "../../config/central";
import { CentralStackConfig } from "../../config/stack";
import { OWNER_STACK_LABEL, THANOS_OBJSTORE_KEY, THANOS_OBJSTORE_SECRET } from "../shared/conventions";
import { helmRelease } from "../shared/helm";
import { ClientCredentials, ReceiveTlsOutput, TenantRef } from "../../config/outputs";
import { MonitoringMixin } from "./monitoring-mixin";
import { ReceiveCertificates } from "./receive-certificates";
import { plainHttpWarning, RECEIVE_TLS_SECRET, receiveServerNames } from "./receive-identity";
import { ruleFileYaml, rulerRuleGroups } from "../../mixin/alerts";
import {
  centralEndpoints,
  GRAFANA_ADMIN_SECRET,
  GRAFANA_ADMIN_USER,
  grafanaUrl,
  RECEIVE_LB_SERVICE,
  RECEIVE_REMOTE_WRITE_PORT,
  receivePodLabels,
  receiveRemoteWriteUrl,
} from "./endpoints";
import { centralPrometheusValues } from "./prometheus-values";
import { grafanaValues } from "./grafana-values";
import { RECEIVE_LIMITS_CONFIGMAP, receiveLimitsYaml } from "./receive-limits";
import { objstoreChecksum, thanosValues } from "./thanos-values";

export interface CentralThanosArgs {
  /** Cluster name; the `cluster` external label. */
  cluster: string;
  settings: CentralSettings;
  /** The tenants expected to write (config/fleet.ts): the Ruler alerts when one is silent. */
  tenants: readonly TenantRef[];
  /** Secret: the Thanos objstore config (MinioBuckets.thanosObjstoreConfig). */
  objstoreConfig: pulumi.Input<string>;
  /** Secret: Alertmanager's webhook URLs per severity. */
  alertWebhooks: CentralStackConfig["alertWebhooks"];
}

/**
 * The central half of the platform: Thanos (Receive hashring behind a LoadBalancer, Query,
 * Query Frontend, Store Gateway, Compactor, Ruler), a kube-prometheus-stack with
 * Prometheus HA + Thanos sidecar and Alertmanager HA, and Grafana, in one namespace.
 */
export class CentralThanos extends pulumi.ComponentResource {
  /** The receive LoadBalancer's IP or host name, as its Service status reports it. */
  readonly receiveAddress: pulumi.Output<string>;
  readonly receiveRemoteWriteUrl: pulumi.Output<string>;
  /** Thanos Query Frontend's in-cluster URL. */
  readonly queryUrl: pulumi.Output<string>;
  readonly grafanaUrl: pulumi.Output<string>;
  /** Secret: Grafana's admin password; empty when Grafana is disabled. */
  readonly grafanaAdminPassword: pulumi.Output<string>;
  /** The receivers' CA, server name and certificates (public); disabled in plain-http lab mode. */
  readonly receiveTls: pulumi.Output<ReceiveTlsOutput>;
  /** Secret: each tenant's client certificate and key, by tenant id. */
  readonly tenantCredentials: pulumi.Output<Record<string, ClientCredentials>>;

  constructor(name: string, args: CentralThanosArgs, opts?: pulumi.ComponentResourceOptions) {
    super("multicluster:central:CentralThanos", name, {}, opts);
    const { settings } = args;
    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      // kube-prometheus-stack's node-exporter needs the host's network, PID namespace and filesystem.
      { metadata: { name: settings.namespace, labels: { [OWNER_STACK_LABEL]: pulumi.getStack(), "pod-security.kubernetes.io/enforce": "privileged" } } },
      { parent: this },
    );
    const ns = namespace.metadata.name;

    const objstore = new k8s.core.v1.Secret(
      `${name}-objstore`,
      {
        metadata: { name: THANOS_OBJSTORE_SECRET, namespace: ns },
        type: "Opaque",
        stringData: { [THANOS_OBJSTORE_KEY]: pulumi.secret(args.objstoreConfig) },
      },
      { parent: this },
    );

    // Pods that read the objstore config at start roll when it changes: their values carry its
    // hash (not secret: it reveals nothing of the keys), so the values stay readable.
    const checksum = pulumi.unsecret(pulumi.output(args.objstoreConfig).apply(objstoreChecksum));

    // Alertmanager needs its routing Secret when it starts, so the release waits for it.
    const mixin = new MonitoringMixin(`${name}-alerting`, { namespace: ns, config: { central: settings, alertWebhooks: args.alertWebhooks } }, { parent: this });

    const kps = helmRelease(
      `${name}-kps`,
      { chart: CHARTS.kubePrometheusStack, namespace: ns, values: checksum.apply((objstoreChecksum) => centralPrometheusValues({ cluster: args.cluster, settings, objstoreChecksum })) },
      { parent: this, dependsOn: [objstore, mixin] },
    );

    const grafanaRelease = `${name}-grafana`;
    this.grafanaAdminPassword = settings.grafana.enabled ? this.declareGrafana(name, grafanaRelease, ns, settings, kps) : pulumi.secret(pulumi.output(""));

    const receive = this.declareReceiveMounts(name, ns, args);
    this.receiveTls = receive.receiveTls;
    this.tenantCredentials = receive.tenantCredentials;
    this.receiveAddress = this.declareThanos(name, ns, args, { checksum, dependsOn: [objstore, kps, ...receive.mounts] });
    this.receiveRemoteWriteUrl = this.receiveAddress.apply((address) => receiveRemoteWriteUrl(address, settings.receive));
    this.queryUrl = pulumi.output(centralEndpoints(settings.namespace).queryFrontendUrl);
    this.grafanaUrl = pulumi.output(settings.grafana.enabled ? grafanaUrl(grafanaRelease, settings.namespace, settings.grafana.host) : "");
    this.registerOutputs({
      receiveAddress: this.receiveAddress,
      receiveRemoteWriteUrl: this.receiveRemoteWriteUrl,
      queryUrl: this.queryUrl,
      grafanaUrl: this.grafanaUrl,
      grafanaAdminPassword: this.grafanaAdminPassword,
      receiveTls: this.receiveTls,
      tenantCredentials: this.tenantCredentials,
    });
  }

  /** Grafana's admin credentials and release; returns the admin password (a secret). */
  private declareGrafana(name: string, release: string, ns: pulumi.Output<string>, settings: CentralSettings, kps: pulumi.Resource): pulumi.Output<string> {
    const password = new random.RandomPassword(`${name}-grafana-admin-password`, { length: 32, special: false }, { parent: this });
    const adminPassword = pulumi.secret(password.result);
    const adminSecret = new k8s.core.v1.Secret(
      `${name}-grafana-admin`,
      {
        metadata: { name: GRAFANA_ADMIN_SECRET.name, namespace: ns },
        type: "Opaque",
        stringData: { [GRAFANA_ADMIN_SECRET.userKey]: GRAFANA_ADMIN_USER, [GRAFANA_ADMIN_SECRET.passwordKey]: adminPassword },
      },
      { parent: this },
    );
    // After the admin Secret it reads, and after kube-prometheus-stack, whose CRDs its ServiceMonitor needs.
    helmRelease(release, { chart: CHARTS.grafana, namespace: ns, values: grafanaValues(settings) }, { parent: this, dependsOn: [adminSecret, kps] });
    return adminPassword;
  }

  /**
   * What the receivers mount: the write limits, and (with TLS) their certificate with the CA
   * clients must present one of; and the certificates the edge stacks read.
   */
  private declareReceiveMounts(name: string, ns: pulumi.Output<string>, args: CentralThanosArgs) {
    const { settings } = args;
    const limits = new k8s.core.v1.ConfigMap(
      `${name}-receive-limits`,
      { metadata: { name: RECEIVE_LIMITS_CONFIGMAP.name, namespace: ns }, data: { [RECEIVE_LIMITS_CONFIGMAP.key]: receiveLimitsYaml(settings) } },
      { parent: this },
    );
    if (settings.receive.tls.enabled) {
      const tls = this.declareReceiveTls(name, ns, args);
      return { mounts: [limits, tls.secret], receiveTls: tls.receiveTls, tenantCredentials: tls.tenantCredentials };
    }
    pulumi.log.warn(plainHttpWarning(settings.receive.tenantHeader), this);
    return {
      mounts: [limits],
      receiveTls: pulumi.output<ReceiveTlsOutput>({ enabled: false, caCert: "", serverName: "", serverCert: "", clientCerts: {} }),
      tenantCredentials: pulumi.secret(pulumi.output<Record<string, ClientCredentials>>({})),
    };
  }

  /** The receive PKI, the receivers' TLS Secret, and the certificates for the outputs (the tenants' keys secret). */
  private declareReceiveTls(name: string, ns: pulumi.Output<string>, args: CentralThanosArgs) {
    const names = receiveServerNames(args.settings);
    const certificates = new ReceiveCertificates(`${name}-receive-certificates`, { server: names, tenants: args.tenants.map((t) => t.id), rotation: args.settings.receive.tls.rotation }, { parent: this });
    const secret = new k8s.core.v1.Secret(
      `${name}-receive-tls`,
      {
        metadata: { name: RECEIVE_TLS_SECRET.name, namespace: ns },
        type: "kubernetes.io/tls",
        stringData: {
          [RECEIVE_TLS_SECRET.certKey]: certificates.server.certPem,
          [RECEIVE_TLS_SECRET.keyKey]: certificates.server.keyPem,
          [RECEIVE_TLS_SECRET.caKey]: certificates.caCertPem,
        },
      },
      { parent: this },
    );
    const clients = Object.entries(certificates.clients);
    const clientCerts = pulumi.all(clients.map(([id, c]) => c.certPem.apply((pem) => [id, pem] as const))).apply((entries) => Object.fromEntries(entries));
    const receiveTls = pulumi
      .all([certificates.caCertPem, certificates.server.certPem, clientCerts])
      .apply(([caCert, serverCert, certs]): ReceiveTlsOutput => ({ enabled: true, caCert, serverName: names.serverName, serverCert, clientCerts: certs }));
    const credentials = clients.map(([id, c]) => pulumi.all([c.certPem, c.keyPem]).apply(([certPem, keyPem]) => [id, { certPem, keyPem }] as const));
    const tenantCredentials = pulumi.secret(pulumi.all(credentials).apply((entries): Record<string, ClientCredentials> => Object.fromEntries(entries)));
    return { secret, receiveTls, tenantCredentials };
  }

  /** The Thanos release and the receive LoadBalancer in front of it; returns the LoadBalancer's address (the Ingress host when remote write goes through the Ingress). */
  private declareThanos(name: string, ns: pulumi.Output<string>, args: CentralThanosArgs, opts: { checksum: pulumi.Output<string>; dependsOn: pulumi.Resource[] }): pulumi.Output<string> {
    const { settings } = args;
    const thanosRelease = `${name}-thanos`;
    // After kube-prometheus-stack: the chart's ServiceMonitors and PrometheusRules need its CRDs.
    const thanos = helmRelease(
      thanosRelease,
      {
        chart: CHARTS.thanos,
        namespace: ns,
        values: opts.checksum.apply((objstoreChecksum) =>
          thanosValues({ release: thanosRelease, settings, rulerRules: ruleFileYaml(rulerRuleGroups({ cluster: args.cluster, central: settings, tenants: args.tenants })), objstoreChecksum }),
        ),
      },
      { parent: this, dependsOn: opts.dependsOn },
    );
    // Through the Ingress, remote write needs no LoadBalancer, and a cluster without a
    // LoadBalancer controller would never give it an address.
    if (settings.receive.ingress.enabled) return pulumi.output(settings.receive.ingress.host!);
    const receiveService = new k8s.core.v1.Service(
      `${name}-receive-lb`,
      { metadata: { name: RECEIVE_LB_SERVICE, namespace: ns, annotations: settings.receive.service.annotations }, spec: receiveLoadBalancerSpec(thanosRelease, settings) },
      { parent: this, dependsOn: [thanos], customTimeouts: loadBalancerTimeouts(settings) },
    );
    // pulumi-kubernetes completes a LoadBalancer Service's create only once its status has an
    // ingress (or fails after addressTimeoutMinutes), so the declared Service carries the
    // assigned address. (A Service.get would run during the first preview, before the Service
    // exists, and fail it.)
    return receiveService.status.loadBalancer.ingress.apply((ingress) => {
      const address = ingress?.[0]?.ip ?? ingress?.[0]?.hostname;
      if (!address) throw new Error(`Service ${settings.namespace}/${RECEIVE_LB_SERVICE} has no LoadBalancer address`);
      return address;
    });
  }
}

/** Bounded: a cluster without a LoadBalancer controller fails here, not after the provider's default 10 minutes. */
function loadBalancerTimeouts(settings: CentralSettings): pulumi.CustomTimeouts {
  const wait = `${settings.receive.service.addressTimeoutMinutes}m`;
  return { create: wait, update: wait };
}

/** The receive remote-write port, and nothing else, behind a LoadBalancer. */
function receiveLoadBalancerSpec(thanosRelease: string, settings: CentralSettings): k8s.types.input.core.v1.ServiceSpec {
  const { service } = settings.receive;
  return {
    type: "LoadBalancer",
    selector: receivePodLabels(thanosRelease),
    ports: [{ name: "remote-write", port: RECEIVE_REMOTE_WRITE_PORT, targetPort: RECEIVE_REMOTE_WRITE_PORT, protocol: "TCP" }],
    ...(service.loadBalancerIP ? { loadBalancerIP: service.loadBalancerIP } : {}),
    ...(service.loadBalancerSourceRanges.length > 0 ? { loadBalancerSourceRanges: service.loadBalancerSourceRanges } : {}),
  };
}
