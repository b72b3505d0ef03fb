/**
 * An edge stack reads central through a StackReference whose secret outputs are secrets, as
 * under the engine (the mocks mark central's SECRET_OUTPUTS): tenantCredentials is read, its
 * keys stay secrets in every object, and a missing or undeployed central, or an output of the
 * wrong kind, is one ConfigError naming the stack file and the key; a ConfigError is a
 * RunError, which the Pulumi CLI prints as its message alone, without a stack trace.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, PROJECT } from "../../config/primitives";
import { SECRET_OUTPUTS } from "../../config/outputs";
import { redactSecrets, runMockStack } from "../../synth/mock-runtime";
import { mockKubeconfigFor } from "../../synth/pulumi-config";
import { EdgeOutcome, mutualTlsOutputs, runEdgeAgainstCentral } from "../support/edge";
import program = require("../../index");

const CENTRAL_STACK = "organization/multicluster/cluster-01";
const KEY = (id: string) => `-----BEGIN PRIVATE KEY-----\nsecret key of ${id}\n-----END PRIVATE KEY-----\n`;
const central = {
  role: "central",
  receiveRemoteWriteUrl: "https://203.0.113.10:10908/api/v1/receive",
  tenantHeader: "THANOS-TENANT",
  receiveOutOfOrderWindow: "6h",
  ...mutualTlsOutputs(["cluster-03"]),
  tenantCredentials: { "cluster-03": { certPem: "certificate of cluster-03", keyPem: KEY("cluster-03") } },
};

test("cluster-03 reads central's secret tenantCredentials, and its key reaches objects only as a secret", async () => {
  const result = await runMockStack({
    project: PROJECT,
    stack: "cluster-03",
    config: { "multicluster:role": "edge", "multicluster:kubeconfig": mockKubeconfigFor(["cluster-03"]), "multicluster:edge": JSON.stringify({ centralStack: CENTRAL_STACK }) },
    secretKeys: ["multicluster:kubeconfig"],
    stackOutputs: { [CENTRAL_STACK]: central },
    program: () => program(),
  });
  expect(SECRET_OUTPUTS).toContain("tenantCredentials");
  const objects = result.resources.map((r) => r.inputs);
  expect(JSON.stringify(redactSecrets(objects))).toContain("secret key of cluster-03");
  expect(JSON.stringify(redactSecrets(objects, "[secret]"))).not.toContain("secret key of cluster-03");
  expect(result.outputs).toMatchObject({ role: "edge", remoteWriteUrl: central.receiveRemoteWriteUrl });
});

describe("what central exports, as the edge program reads it", () => {
  const edge = { centralStack: CENTRAL_STACK };
  const cases = {
    secretUrl: { centralOutputs: central, edge, secretOutputs: [...SECRET_OUTPUTS, "receiveRemoteWriteUrl"] },
    plainCredentials: { centralOutputs: central, edge, secretOutputs: [] },
    withoutCredentials: { centralOutputs: (({ tenantCredentials: _c, ...rest }) => rest)(central), edge },
    // What the engine hands over for a secret it cannot decrypt (another passphrase): `{}`.
    undecryptable: { centralOutputs: { ...central, tenantCredentials: {} }, edge },
    noCentral: { centralOutputs: null, edge },
  };
  let outcomes: Record<keyof typeof cases, EdgeOutcome>;

  beforeAll(async () => {
    outcomes = await runEdgeAgainstCentral(cases);
  });

  test("an output the contract has plain, exported as a secret, is refused rather than written into Helm values in plain text", () => {
    expect(outcomes.secretUrl.error).toEqual({
      name: "ConfigError",
      keyPath: "multicluster:edge.centralStack",
      expected: `expected ${CENTRAL_STACK} to export receiveRemoteWriteUrl as a plain output, as the outputs contract has it, but it is a secret`,
      message: expect.stringMatching(/^Pulumi\.cluster-03\.yaml: multicluster:edge\.centralStack: expected /),
    });
  });

  test("credentials exported in plain text are read too", () => {
    expect(outcomes.plainCredentials).toEqual({ outputs: expect.objectContaining({ role: "edge" }) });
  });

  test("a missing secret output is the same clear error as a missing plain one", () => {
    expect(outcomes.withoutCredentials.error).toMatchObject({
      name: "ConfigError",
      keyPath: "multicluster:edge.centralStack",
      expected: `expected a central stack exporting tenantCredentials, but ${CENTRAL_STACK} has no such output (is it deployed with this program's version? run pulumi up on it)`,
    });
  });

  test("secrets the engine could not decrypt (another passphrase) name the passphrase, not a missing tenant", () => {
    expect(outcomes.undecryptable.error).toMatchObject({
      name: "ConfigError",
      keyPath: "multicluster:edge.centralStack",
      expected: expect.stringMatching(/tenantCredentials arrived empty while .* issued certificates for cluster-03: .*every stack must use the passphrase of .*PULUMI_CONFIG_PASSPHRASE/),
    });
  });

  test("a central stack that cannot be read", () => {
    expect(outcomes.noCentral.error).toMatchObject({
      name: "ConfigError",
      keyPath: "multicluster:edge.centralStack",
      expected: expect.stringMatching(new RegExp(`^expected a deployed central stack, but ${CENTRAL_STACK} could not be read \\(.*stack ${CENTRAL_STACK} not found.*\\); deploy it first`)),
    });
  });
});

test("a ConfigError is a RunError: the CLI's language host prints its message alone, one line without a stack trace", () => {
  const err = new ConfigError("Pulumi.cluster-03.yaml", "multicluster:cluster", "expected a cluster name");
  expect(pulumi.RunError.isInstance(err)).toBe(true);
  expect(err).toBeInstanceOf(ConfigError);
  expect(err.name).toBe("ConfigError");
  expect(err.message).toBe("Pulumi.cluster-03.yaml: multicluster:cluster: expected a cluster name");
});
