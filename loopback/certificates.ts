/**
 * The remote-write PKI on loopback: the certificates the program's ReceiveCertificates
 * component asks `@pulumi/tls` for, issued again with openssl from what the synth recorded
 * (subjects, DNS names and IP addresses, validity, key usages). The synth redacts every key
 * and mocks every certificate, so the harness issues real ones with the same fields; only
 * the keys and serial numbers differ. Keys are ECDSA P-256, as the program's.
 */
import { execFile } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";

const run = promisify(execFile);

/** One certificate as the synth recorded it: the CertRequest's subject and names, the signing resource's validity and uses. */
export interface CertificatePlan {
  /** The `@pulumi/tls` resource name. */
  name: string;
  subject: Record<string, string>;
  dnsNames: string[];
  ipAddresses: string[];
  validityPeriodHours: number;
  /** `@pulumi/tls` allowedUses, e.g. `client_auth`. */
  allowedUses: string[];
}

/** The receivers' remote-write PKI as the program declares it (ReceiveCertificates). */
export interface ReceivePkiPlan {
  ca: CertificatePlan;
  /** The receivers' serving certificate (the leaf allowed `server_auth`). */
  server: CertificatePlan;
  /** One client certificate per tenant, by tenant id (the subject field the receivers read). */
  clients: Record<string, CertificatePlan>;
}

/** A certificate openssl issued on disk: its files, and its PEM. */
export interface CertificateFiles {
  certFile: string;
  keyFile: string;
  certPem: string;
}

/** `@pulumi/tls` key usages in openssl's words. */
const KEY_USAGE: Record<string, string> = {
  digital_signature: "digitalSignature",
  key_encipherment: "keyEncipherment",
  cert_signing: "keyCertSign",
  crl_signing: "cRLSign",
};
const EXTENDED_KEY_USAGE: Record<string, string> = { server_auth: "serverAuth", client_auth: "clientAuth" };

/** The subject fields `@pulumi/tls` takes, as openssl's `-subj` spells them. */
const SUBJECT_FIELDS: Record<string, string> = { country: "C", province: "ST", locality: "L", organization: "O", organizationalUnit: "OU", commonName: "CN" };

export function opensslSubject(subject: Record<string, string>): string {
  return Object.entries(SUBJECT_FIELDS)
    .filter(([field]) => subject[field] !== undefined)
    .map(([field, short]) => `/${short}=${subject[field].replace(/[/\\]/g, "\\$&")}`)
    .join("");
}

/** The x509v3 extensions of a leaf certificate, as an openssl extension file. */
export function leafExtensions(plan: Pick<CertificatePlan, "dnsNames" | "ipAddresses" | "allowedUses">): string {
  const unknown = plan.allowedUses.filter((u) => !KEY_USAGE[u] && !EXTENDED_KEY_USAGE[u]);
  if (unknown.length > 0) throw new Error(`allowedUses ${unknown.join(", ")}: the local platform does not know these key usages`);
  const keyUsage = plan.allowedUses.filter((u) => KEY_USAGE[u]).map((u) => KEY_USAGE[u]);
  const extended = plan.allowedUses.filter((u) => EXTENDED_KEY_USAGE[u]).map((u) => EXTENDED_KEY_USAGE[u]);
  const names = [...plan.dnsNames.map((n) => `DNS:${n}`), ...plan.ipAddresses.map((ip) => `IP:${ip}`)];
  return [
    "basicConstraints=critical,CA:FALSE",
    ...(keyUsage.length > 0 ? [`keyUsage=critical,${keyUsage.join(",")}`] : []),
    ...(extended.length > 0 ? [`extendedKeyUsage=${extended.join(",")}`] : []),
    ...(names.length > 0 ? [`subjectAltName=${names.join(",")}`] : []),
    "",
  ].join("\n");
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run("openssl", args, { timeout: 30_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") throw new Error("openssl is not on PATH: the local platform issues the receivers' and agents' certificates with it (Debian/Ubuntu package openssl)");
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.trim() || e.message}`);
  }
}

const hoursToDays = (hours: number) => Math.max(1, Math.ceil(hours / 24));

/** A CA in a directory, issuing leaf certificates like the program's LocallySignedCert. */
export class LocalCa {
  private constructor(
    private readonly dir: string,
    readonly cert: CertificateFiles,
  ) {}

  /** The self-signed CA of `plan` (its subject, validity and uses) in `dir`. */
  static async create(dir: string, plan: Pick<CertificatePlan, "subject" | "validityPeriodHours" | "allowedUses">): Promise<LocalCa> {
    fs.mkdirSync(dir, { recursive: true });
    const keyFile = path.join(dir, "ca.key");
    const certFile = path.join(dir, "ca.crt");
    const keyUsage = plan.allowedUses.filter((u) => KEY_USAGE[u]).map((u) => KEY_USAGE[u]);
    await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", keyFile]);
    await openssl([
      "req",
      "-x509",
      "-new",
      "-key",
      keyFile,
      "-subj",
      opensslSubject(plan.subject),
      "-days",
      String(hoursToDays(plan.validityPeriodHours)),
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      `keyUsage=critical,${keyUsage.join(",")}`,
      "-out",
      certFile,
    ]);
    return new LocalCa(dir, { certFile, keyFile, certPem: fs.readFileSync(certFile, "utf8") });
  }

  /**
   * A CA someone else holds the key of (the engine tests: the CA the Pulumi engine issued,
   * whose key stays in the stack's state): trusted, never issuing.
   */
  static trusting(dir: string, certPem: string): LocalCa {
    fs.mkdirSync(dir, { recursive: true });
    const certFile = path.join(dir, "ca.crt");
    fs.writeFileSync(certFile, certPem);
    return new LocalCa(dir, { certFile, keyFile: "", certPem });
  }

  /** A leaf certificate signed by this CA, valid `days` (the plan's validity unless given). */
  async issue(plan: CertificatePlan, days = hoursToDays(plan.validityPeriodHours)): Promise<CertificateFiles> {
    if (!this.cert.keyFile) throw new Error(`the CA in ${this.dir} was issued elsewhere: the harness holds its certificate, not its key`);
    const base = path.join(this.dir, plan.name);
    const keyFile = `${base}.key`;
    const certFile = `${base}.crt`;
    const extFile = `${base}.ext`;
    fs.writeFileSync(extFile, leafExtensions(plan));
    await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", keyFile]);
    await openssl(["req", "-new", "-key", keyFile, "-subj", opensslSubject(plan.subject), "-out", `${base}.csr`]);
    await openssl([
      "x509",
      "-req",
      "-in",
      `${base}.csr`,
      "-CA",
      this.cert.certFile,
      "-CAkey",
      this.cert.keyFile,
      "-set_serial",
      `0x${crypto.randomBytes(16).toString("hex")}`,
      "-days",
      String(days),
      "-extfile",
      extFile,
      "-out",
      certFile,
    ]);
    return { certFile, keyFile, certPem: fs.readFileSync(certFile, "utf8") };
  }
}

/** The receivers' PKI on loopback: the CA, the receivers' certificate, and each tenant's client certificate. */
export interface ReceivePki {
  ca: LocalCa;
  server: CertificateFiles;
  /** By tenant id. */
  clients: Record<string, CertificateFiles>;
}

/** Issues everything the synth's ReceiveCertificates plan declares, in `dir`. */
export async function issueReceivePki(dir: string, plan: ReceivePkiPlan): Promise<ReceivePki> {
  const ca = await LocalCa.create(dir, plan.ca);
  const server = await ca.issue(plan.server);
  const clients: Record<string, CertificateFiles> = {};
  for (const [tenant, client] of Object.entries(plan.clients)) clients[tenant] = await ca.issue(client);
  return { ca, server, clients };
}
