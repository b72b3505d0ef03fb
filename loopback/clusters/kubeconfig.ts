/**
 * Kubeconfigs of the loopback clusters: one file with a context per stack (named as the
 * stack files' `multicluster:kubeContext` name them, i.e. after the cluster), and a variant
 * that reaches the same clusters by another server name and token, as a second machine's
 * kubeconfig would.
 */
import * as fs from "fs";
import * as YAML from "yaml";
import type { ApiEndpoint } from "./kube-api";

export interface ClusterAccess {
  cluster: string;
  api: ApiEndpoint;
}

export function kubeconfigYaml(clusters: ClusterAccess[], currentContext = clusters[0]?.cluster): string {
  return YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    "current-context": currentContext,
    clusters: clusters.map((c) => ({ name: c.cluster, cluster: { server: c.api.server, "insecure-skip-tls-verify": true } })),
    users: clusters.map((c) => ({ name: `${c.cluster}-admin`, user: { token: c.api.token } })),
    contexts: clusters.map((c) => ({ name: c.cluster, context: { cluster: c.cluster, user: `${c.cluster}-admin` } })),
  });
}

export function writeKubeconfig(file: string, clusters: ClusterAccess[]): string {
  fs.writeFileSync(file, kubeconfigYaml(clusters), { mode: 0o600 });
  return file;
}

/** The same API endpoint under the name `localhost` instead of the address, with another token. */
export function throughOtherName(api: ApiEndpoint, otherToken: string): ApiEndpoint {
  const url = new URL(api.server);
  url.hostname = "localhost";
  return { server: url.origin, token: otherToken };
}
