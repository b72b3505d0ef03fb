/** The mocked cloud behaves like pulumi-kubernetes where the program depends on it. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
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

describe("a StackReference reads the referenced stack's secret outputs as secrets, as under the engine", () => {
  const program = async () => {
    const reference = new pulumi.StackReference("org/project/central");
    const details = await reference.getOutputDetails("tenantCredentials");
    const plain = await reference.getOutputDetails("receiveRemoteWriteUrl");
    const requireSecret = reference.requireOutputValue("tenantCredentials").then(
      () => "no error",
      (err: Error) => err.message,
    );
    return { details, plain, requireSecret: await requireSecret, isSecret: await pulumi.isSecret(reference.requireOutput("tenantCredentials")) };
  };
  const central = { receiveRemoteWriteUrl: "https://receive.example.org/api/v1/receive", tenantCredentials: { "tenant-a": { certPem: "cert", keyPem: "key" } } };

  test("central's SECRET_OUTPUTS by default", async () => {
    const result = await runMockStack({ project: "mock-runtime-test", stack: "test", config: {}, stackOutputs: { "org/project/central": central }, program });
    expect(result.outputs).toEqual({
      details: { secretValue: central.tenantCredentials },
      plain: { value: central.receiveRemoteWriteUrl },
      // The engine's behaviour the edge stacks once tripped over (issue 19).
      requireSecret: "Cannot call 'requireOutputValue' if the referenced stack output is a secret. Use 'requireOutput' instead.",
      isSecret: true,
    });
  });

  test("or the names given", async () => {
    const result = await runMockStack({ project: "mock-runtime-test", stack: "test", config: {}, stackOutputs: { "org/project/central": central }, secretStackOutputs: [], program });
    expect(result.outputs).toMatchObject({ details: { value: central.tenantCredentials }, requireSecret: "no error", isSecret: false });
  });
});
