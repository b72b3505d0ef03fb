/** The mocked cloud behaves like pulumi-kubernetes where the program depends on it. */
import * as k8s from "@pulumi/kubernetes";
import { runMockStack } from "../../synth/mock-runtime";

test("a created LoadBalancer Service gets an ingress address (the provider waits for one), other Services none", async () => {
  const result = await runMockStack({
    project: "mock-runtime-test",
    stack: "test",
    config: {},
    loadBalancerAddress: "198.51.100.7",
    program: async () => {
      const lb = new k8s.core.v1.Service("lb", { spec: { type: "LoadBalancer", ports: [{ port: 80 }] } });
      const internal = new k8s.core.v1.Service("internal", { spec: { type: "ClusterIP", ports: [{ port: 80 }] } });
      return { lb: lb.status.loadBalancer.ingress, internalHasStatus: internal.status.apply((s) => s !== undefined) };
    },
  });
  expect(result.outputs.lb).toEqual([{ ip: "198.51.100.7" }]);
  expect(result.outputs.internalHasStatus).toBe(false);
  expect(result.resources.filter((r) => r.read)).toEqual([]);
});
