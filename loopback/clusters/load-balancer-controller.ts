/**
 * What MetalLB or a cloud does for a loopback cluster: every Service of type LoadBalancer gets
 * an address in its status, its `loadBalancerIP` when it asks for one, else 127.0.0.1 (the
 * loopback data path runs the receivers behind its own LoadBalancer stand-in on that host).
 * Without it, the receive Service never gets an address, as in a cluster with no controller.
 */
import { LOOPBACK_HOST } from "../process";
import { ApiEndpoint, kubeRequest, ObjectList, ObjectMeta } from "./kube-api";

const POLL_MS = 500;

interface Service {
  metadata: ObjectMeta;
  spec?: { type?: string; loadBalancerIP?: string };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export class LoadBalancerController {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** `namespace/name` of every Service it gave an address, in order. */
  readonly assigned: string[] = [];

  private constructor(private readonly api: ApiEndpoint) {}

  static start(api: ApiEndpoint): LoadBalancerController {
    const controller = new LoadBalancerController(api);
    controller.schedule();
    return controller;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.assign().finally(() => this.schedule()), POLL_MS);
  }

  /** Gives every LoadBalancer Service without an address one; errors wait for the next round. */
  private async assign(): Promise<void> {
    const services = await kubeRequest<ObjectList<Service>>(this.api, "GET", "/api/v1/services").catch(() => undefined);
    for (const service of services?.items ?? []) {
      if (service.spec?.type !== "LoadBalancer" || (service.status?.loadBalancer?.ingress?.length ?? 0) > 0) continue;
      const { namespace, name } = service.metadata;
      const status = { loadBalancer: { ingress: [{ ip: service.spec.loadBalancerIP ?? LOOPBACK_HOST, ipMode: "VIP" }] } };
      const updated = await kubeRequest(this.api, "PUT", `/api/v1/namespaces/${namespace}/services/${name}/status`, { apiVersion: "v1", kind: "Service", ...service, status }).catch(() => undefined);
      if (updated) this.assigned.push(`${namespace}/${name}`);
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
