/**
 * What the Pulumi engine deployed, read back from the loopback clusters for the loopback data
 * path: the receivers' certificate and key and the CA (central's `thanos-receive-tls` Secret),
 * each agent's client certificate and key (the `remote-write-client` Secret in its namespace of
 * its edge cluster), and the MinIO user Thanos writes as (central's objstore Secret, which holds
 * the keys the engine's MinIO provider created). The data path then runs on exactly that.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { Credentials } from "../../components/central/bucket-access";
import { RECEIVE_TLS_SECRET } from "../../components/central/receive-identity";
import { REMOTE_WRITE_CLIENT_SECRET, THANOS_OBJSTORE_KEY, THANOS_OBJSTORE_SECRET } from "../../components/shared/conventions";
import { CertificateFiles, LocalCa, ReceivePki } from "../certificates";
import { ApiEndpoint, kubeRequest } from "../clusters/kube-api";
import { FleetPlan } from "../synth-plan";

export interface DeployedMaterial {
  pki: ReceivePki;
  /** The Thanos bucket's user, as the objstore Secret holds it. */
  thanosCredentials: Credentials;
}

interface SecretObject {
  data?: Record<string, string>;
}

/** The decoded data of Secret `namespace/name`. */
export async function secretData(api: ApiEndpoint, namespace: string, name: string): Promise<Record<string, string>> {
  const secret = await kubeRequest<SecretObject>(api, "GET", `/api/v1/namespaces/${namespace}/secrets/${name}`);
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, "base64").toString("utf8")]));
}

function writePair(dir: string, name: string, certPem: string, keyPem: string): CertificateFiles {
  const certFile = path.join(dir, `${name}.crt`);
  const keyFile = path.join(dir, `${name}.key`);
  fs.writeFileSync(certFile, certPem);
  fs.writeFileSync(keyFile, keyPem, { mode: 0o600 });
  return { certFile, keyFile, certPem };
}

/** Reads the deployed material into files under `dir`; `apis` are the clusters by name. */
export async function readDeployedMaterial(plan: FleetPlan, apis: Record<string, ApiEndpoint>, dir: string): Promise<DeployedMaterial> {
  fs.mkdirSync(dir, { recursive: true });
  const { central } = plan;
  const centralApi = apis[central.cluster];
  const receiveTls = await secretData(centralApi, central.namespace, RECEIVE_TLS_SECRET.name);
  const ca = LocalCa.trusting(dir, receiveTls[RECEIVE_TLS_SECRET.caKey]);
  const server = writePair(dir, "receive-server", receiveTls[RECEIVE_TLS_SECRET.certKey], receiveTls[RECEIVE_TLS_SECRET.keyKey]);
  const clients: Record<string, CertificateFiles> = {};
  for (const agent of plan.agents) {
    const client = await secretData(apis[agent.cluster], agent.namespace, REMOTE_WRITE_CLIENT_SECRET.name);
    clients[agent.tenant] = writePair(dir, `client-${agent.tenant}`, client[REMOTE_WRITE_CLIENT_SECRET.certKey], client[REMOTE_WRITE_CLIENT_SECRET.keyKey]);
  }
  const objstore = YAML.parse((await secretData(centralApi, central.namespace, THANOS_OBJSTORE_SECRET))[THANOS_OBJSTORE_KEY]) as { config: { access_key: string; secret_key: string } };
  return { pki: { ca, server, clients }, thanosCredentials: { accessKey: objstore.config.access_key, secretKey: objstore.config.secret_key } };
}
