/**
 * One program, four stacks: the stack file's `multicluster:role` picks the central hub
 * (cluster-01) or an edge cluster (cluster-02..04, and any cluster-05 added later).
 * Every run checks all the stack files beside it as one fleet first (config/fleet.ts).
 *
 * The module exports a function, so Pulumi (and the offline synth) runs it per stack and
 * takes what it returns as the stack outputs.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CentralThanos } from "./components/central/central-thanos";
import { MinioBuckets } from "./components/central/minio-buckets";
import { minioPreflight } from "./components/central/minio-preflight";
import { readCentralStack, withCentralTls } from "./components/edge/central-stack";
import { EdgeAgent } from "./components/edge/edge-agent";
import { TenantAgent } from "./components/edge/tenant-agent";
import { Logging } from "./components/logging/logging";
import { useChartSource } from "./components/shared/helm";
import { preflight } from "./components/shared/preflight";
import { kubernetesProvider } from "./components/shared/provider";
import { expectedTenants, loadFleet } from "./config/fleet";
import { CentralOutputs, EdgeOutputs, TenantRef } from "./config/outputs";
import { CentralStackConfig, EdgeStackConfig, loadStackConfig } from "./config/stack";

/** Stack outputs, each value possibly still an Output; the shapes are the contract in config/outputs.ts. */
type Exported<T> = { [K in keyof T]: pulumi.Input<T[K]> };

function central(config: CentralStackConfig, tenants: TenantRef[], provider: k8s.Provider): Exported<CentralOutputs> {
  const settings = config.central;
  const buckets = new MinioBuckets(`${config.cluster}-buckets`, {
    minio: settings.minio,
    buckets: settings.buckets,
    adminUser: config.minio.user,
    adminPassword: config.minio.password,
  });
  const central = new CentralThanos(
    `${config.cluster}-central`,
    { cluster: config.cluster, settings, tenants, objstoreConfig: buckets.thanosObjstoreConfig, alertWebhooks: config.alertWebhooks },
    { providers: { kubernetes: provider } },
  );
  if (settings.logging.enabled) {
    new Logging(`${config.cluster}-logging`, { logging: settings.logging, grafanaDatasource: settings.grafana.enabled }, { providers: { kubernetes: provider } });
  }
  return {
    role: "central",
    cluster: config.cluster,
    receiveRemoteWriteUrl: central.receiveRemoteWriteUrl,
    receiveAddress: central.receiveAddress,
    tenantHeader: settings.receive.tenantHeader,
    tenantLabel: settings.receive.tenantLabel,
    receiveOutOfOrderWindow: settings.receive.outOfOrderWindow,
    queryUrl: central.queryUrl,
    grafanaUrl: central.grafanaUrl,
    bucketNames: buckets.bucketNames,
    tenants,
    retention: settings.retention,
    bucketCredentials: buckets.credentials,
    grafanaAdminPassword: central.grafanaAdminPassword,
    receiveTls: central.receiveTls,
    tenantCredentials: central.tenantCredentials,
  };
}

async function edge(config: EdgeStackConfig, provider: k8s.Provider): Promise<Exported<EdgeOutputs>> {
  // Read before declaring anything: a wrong or undeployed central stack is one clear error.
  const central = await readCentralStack(config);
  const settings = withCentralTls(config.edge, central);
  const opts = { providers: { kubernetes: provider } };
  const connection = { remoteWriteUrl: central.remoteWriteUrl, tenantHeader: central.tenantHeader };

  // Each agent gets the certificate of the tenant it writes as, and no other.
  const agent = new EdgeAgent(
    `${config.cluster}-agent`,
    { cluster: config.cluster, settings, ...connection, clientCredentials: central.credentials[settings.tenantId] },
    opts,
  );
  for (const tenant of settings.tenants) {
    new TenantAgent(
      `${config.cluster}-${tenant.id}`,
      { cluster: config.cluster, tenant, settings, ...connection, operator: agent, clientCredentials: central.credentials[tenant.id] },
      opts,
    );
  }
  return {
    role: "edge",
    cluster: config.cluster,
    remoteWriteUrl: agent.remoteWriteUrl,
    tenants: [settings.tenantId, ...settings.tenants.map((t) => t.id)].map((id) => ({ id, cluster: config.cluster })),
  };
}

export = async () => {
  const config = loadStackConfig();
  // Pulumi runs the program in the project directory, beside every stack file.
  const fleet = loadFleet(process.cwd(), config);
  // The cluster answers and the namespaces are free or this stack's, before anything is declared.
  await preflight(config);
  // Central: the MinIO provider's endpoint answers from this machine, before any release is installed.
  if (config.role === "central") await minioPreflight(`Pulumi.${config.stack}.yaml`, config.central.minio);
  // Every Helm release from the stack file's chart mirror or directory, when it sets one.
  useChartSource(config.charts);
  const provider = kubernetesProvider(config.cluster, config.kubeconfig);
  return config.role === "central" ? central(config, expectedTenants(fleet, config.stack), provider) : edge(config, provider);
};
