/**
 * One kube-apiserver per loopback cluster, all on the one etcd (each under its own prefix).
 * Pod Security admission enforces `baseline` by default, as on a hardened cluster: a
 * namespace the program creates must say what its pods need. Two bearer tokens are valid for
 * the same administrator, so a test can reach the cluster with a second, different
 * kubeconfig.
 */
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { freePort, loopback, LOOPBACK_HOST, ManagedProcess } from "../process";
import { requireTool } from "../tools";
import { ApiEndpoint, apiserverReady } from "./kube-api";

export interface Apiserver {
  cluster: string;
  process: ManagedProcess;
  api: ApiEndpoint;
  /** A second token for the same user: another kubeconfig reaching the same cluster. */
  otherToken: string;
}

/** Pod Security admission's cluster-wide defaults: `baseline` enforced where a namespace says nothing. */
function admissionConfig(): string {
  return YAML.stringify({
    apiVersion: "apiserver.config.k8s.io/v1",
    kind: "AdmissionConfiguration",
    plugins: [
      {
        name: "PodSecurity",
        configuration: {
          apiVersion: "pod-security.admission.config.k8s.io/v1",
          kind: "PodSecurityConfiguration",
          defaults: { enforce: "baseline", "enforce-version": "latest", audit: "baseline", "audit-version": "latest", warn: "baseline", "warn-version": "latest" },
          exemptions: { usernames: [], runtimeClasses: [], namespaces: [] },
        },
      },
    ],
  });
}

/** The service-account signing key pair every apiserver and controller-manager of the harness shares. */
export function serviceAccountKeys(dir: string): { privateKey: string; publicKey: string } {
  const privateKey = path.join(dir, "sa.key");
  const publicKey = path.join(dir, "sa.pub");
  if (!fs.existsSync(privateKey)) {
    execFileSync("openssl", ["genrsa", "-out", privateKey, "2048"], { stdio: "ignore" });
    execFileSync("openssl", ["rsa", "-in", privateKey, "-pubout", "-out", publicKey], { stdio: "ignore" });
  }
  return { privateKey, publicKey };
}

export async function startApiserver(cluster: string, dir: string, etcdUrl: string): Promise<Apiserver> {
  const own = path.join(dir, cluster);
  fs.mkdirSync(own, { recursive: true });
  const token = crypto.randomBytes(24).toString("hex");
  const otherToken = crypto.randomBytes(24).toString("hex");
  const tokenFile = path.join(own, "tokens.csv");
  fs.writeFileSync(tokenFile, [token, otherToken].map((t) => `${t},admin,admin-uid,"system:masters"`).join("\n") + "\n", { mode: 0o600 });
  const admissionFile = path.join(own, "admission.yaml");
  fs.writeFileSync(admissionFile, admissionConfig());
  const keys = serviceAccountKeys(dir);
  const port = await freePort();
  const api: ApiEndpoint = { server: `https://${loopback(port)}`, token };
  const process = await ManagedProcess.start({
    name: `${cluster}-kube-apiserver`,
    binary: requireTool("kube-apiserver"),
    args: [
      `--etcd-servers=${etcdUrl}`,
      `--etcd-prefix=/${cluster}`,
      `--bind-address=${LOOPBACK_HOST}`,
      `--advertise-address=${LOOPBACK_HOST}`,
      `--secure-port=${port}`,
      `--cert-dir=${path.join(own, "certs")}`,
      `--token-auth-file=${tokenFile}`,
      "--authorization-mode=Node,RBAC",
      "--service-account-issuer=https://kubernetes.default.svc",
      `--service-account-key-file=${keys.publicKey}`,
      `--service-account-signing-key-file=${keys.privateKey}`,
      // Addresses only allocated in etcd: no traffic is ever sent to them.
      "--service-cluster-ip-range=10.96.0.0/16",
      `--admission-control-config-file=${admissionFile}`,
      // node-exporter's host network and PID need it, where a namespace allows them.
      "--allow-privileged=true",
      "--profiling=false",
      "--v=1",
    ],
    dir: own,
    readyCheck: () => apiserverReady(api),
    readyWithinMs: 120_000,
  });
  return { cluster, process, api, otherToken };
}
