import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Kubeconfig } from "../../config/kubeconfig";

/**
 * The one Kubernetes provider of a stack, built from the validated kubeconfig. Every
 * component gets it through `opts.provider`; nothing in the program uses the ambient
 * default provider.
 *
 * Its identity is the cluster's name (`clusterIdentifier`), not the kubeconfig. Without it the
 * provider guesses from the kubeconfig's active cluster entry, so the same cluster through
 * another server URL, file or token would replace the provider and with it every resource,
 * Namespaces included. With it, the provider (pulumi-kubernetes DiffConfig) is replaced only
 * when `clusterIdentifier` changes; a new kubeconfig, context or `renderYamlToDirectory`, which
 * otherwise force a replacement, are updates. Adding it to a deployed stack is an update too.
 * The flip side: pointing a stack at a different cluster under the same cluster name is an
 * update, and the objects are not recreated there.
 *
 * The kubeconfig itself is an input only when the stack file sets `multicluster:kubeconfig`.
 * Otherwise the provider reads the machine's own ($KUBECONFIG, else ~/.kube/config), the file
 * the program validated: how a machine reaches the cluster (another file, server name or
 * token) is then no part of the stack, and `pulumi preview --expect-no-changes` stays empty
 * from a laptop and from CI alike. `destroy` and `refresh` use the machine's kubeconfig too.
 */
export function kubernetesProvider(cluster: string, kubeconfig: Kubeconfig): k8s.Provider {
  return new k8s.Provider(`${cluster}-k8s`, {
    clusterIdentifier: cluster,
    // Set explicitly: the content, not the path, so state does not depend on one machine's
    // file layout; kept secret because it carries credentials. Otherwise "", which the provider
    // reads as "load the machine's kubeconfig" (left undefined, the SDK would store $KUBECONFIG's path).
    kubeconfig: kubeconfig.fromConfig ? pulumi.secret(kubeconfig.content) : "",
    context: kubeconfig.context,
    // The prometheus-operator CRDs exceed the 256 KiB last-applied annotation.
    enableServerSideApply: true,
  });
}
