import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Kubeconfig } from "../../config/kubeconfig";

/**
 * The one Kubernetes provider of a stack, built from the validated kubeconfig. Every
 * component gets it through `opts.provider`; nothing in the program uses the ambient
 * default provider.
 */
export function kubernetesProvider(cluster: string, kubeconfig: Kubeconfig): k8s.Provider {
  return new k8s.Provider(`${cluster}-k8s`, {
    // The content, not the path, so state does not depend on one machine's file layout;
    // kept secret because it carries credentials.
    kubeconfig: pulumi.secret(kubeconfig.content),
    context: kubeconfig.context,
    // The prometheus-operator CRDs exceed the 256 KiB last-applied annotation.
    enableServerSideApply: true,
  });
}
