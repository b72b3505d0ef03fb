/**
 * The platform's private CAs with `@pulumi/tls`: a self-signed CA, and leaf certificates it
 * signs, each from its own key and certificate request. ReceiveCertificates (remote-write
 * mutual TLS) and Logging (OpenSearch's security plugin) each run one. Plain functions: the
 * calling component names the resources and is their parent, so their URNs are its own.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/** A CA lives 10 years: replacing it means re-issuing every certificate it signed at once. */
export const CA_VALIDITY_HOURS = 10 * 365 * 24;
/** The receivers' server and the tenants' client certificates live a year (the edge stacks hand them to the agents). */
export const RECEIVE_CERT_VALIDITY_HOURS = 365 * 24;
/** OpenSearch's node and admin certificates live two years (only the central stack holds them). */
export const OPENSEARCH_CERT_VALIDITY_HOURS = 2 * 365 * 24;
/** `pulumi up` re-issues a leaf certificate in its last 30 days (`earlyRenewalHours`). */
export const CERT_EARLY_RENEWAL_DAYS = 30;
export const CERT_EARLY_RENEWAL_HOURS = CERT_EARLY_RENEWAL_DAYS * 24;

/** Key usages in `@pulumi/tls`'s words (`allowedUses`). */
export const ALLOWED_USES = {
  ca: ["cert_signing", "crl_signing", "digital_signature"],
  server: ["digital_signature", "key_encipherment", "server_auth"],
  client: ["digital_signature", "key_encipherment", "client_auth"],
} as const;

/** A key's algorithm and size, as `tls.PrivateKey` takes them. */
export type KeyAlgorithm = Pick<tls.PrivateKeyArgs, "algorithm" | "ecdsaCurve" | "rsaBits">;

/** A certificate (public) and its key (a Pulumi secret), PEM. */
export interface IssuedCertificate {
  certPem: pulumi.Output<string>;
  keyPem: pulumi.Output<string>;
}

/** A CA: its certificate, which every party trusts, and the key that signs leaves (never leaves the state). */
export interface CertificateAuthority {
  certPem: pulumi.Output<string>;
  privateKeyPem: pulumi.Output<string>;
}

/** Name of the CertRequest of the leaf declared with `prefix`; the local platform pairs them by it. */
export function certRequestName(prefix: string): string {
  return `${prefix}-csr`;
}

/** Declares `<name>-ca-key` (PrivateKey) and `<name>-ca` (SelfSignedCert) under `parent`. */
export function declareCertificateAuthority(
  name: string,
  args: { key: KeyAlgorithm; subject: tls.SelfSignedCertArgs["subject"] },
  parent: pulumi.Resource,
): CertificateAuthority {
  const key = new tls.PrivateKey(`${name}-ca-key`, { ...args.key }, { parent });
  const cert = new tls.SelfSignedCert(
    `${name}-ca`,
    {
      privateKeyPem: key.privateKeyPem,
      subject: args.subject,
      isCaCertificate: true,
      validityPeriodHours: CA_VALIDITY_HOURS,
      allowedUses: [...ALLOWED_USES.ca],
    },
    { parent },
  );
  return { certPem: cert.certPem, privateKeyPem: key.privateKeyPem };
}

export interface LeafCertificateArgs {
  /** Names the key `<prefix>-key` and the request `certRequestName(prefix)`. */
  prefix: string;
  /** Name of the LocallySignedCert; existing stacks hold it, so each PKI keeps its own form. */
  certificateName: string;
  key: KeyAlgorithm;
  /** Subject and names of the certificate. */
  request: Omit<tls.CertRequestArgs, "privateKeyPem">;
  allowedUses: readonly string[];
  validityPeriodHours: number;
  /** `pkcs8`: hand out the key as PKCS#8 (what OpenSearch's security plugin reads) instead of the algorithm's own PEM form. */
  keyFormat?: "pem" | "pkcs8";
  /**
   * A generation: when it changes, the engine replaces the key (`replacementTrigger`), and with
   * it the request and the certificate. Undefined never triggers.
   */
  rotation?: number;
}

/** Declares a leaf's key, request and certificate (signed by `ca`, re-issued CERT_EARLY_RENEWAL_HOURS before expiry) under `parent`. */
export function issueCertificate(ca: CertificateAuthority, args: LeafCertificateArgs, parent: pulumi.Resource): IssuedCertificate {
  const key = new tls.PrivateKey(`${args.prefix}-key`, { ...args.key }, { parent, ...(args.rotation === undefined ? {} : { replacementTrigger: args.rotation }) });
  const csr = new tls.CertRequest(certRequestName(args.prefix), { ...args.request, privateKeyPem: key.privateKeyPem }, { parent });
  const cert = new tls.LocallySignedCert(
    args.certificateName,
    {
      certRequestPem: csr.certRequestPem,
      caCertPem: ca.certPem,
      caPrivateKeyPem: ca.privateKeyPem,
      validityPeriodHours: args.validityPeriodHours,
      earlyRenewalHours: CERT_EARLY_RENEWAL_HOURS,
      allowedUses: [...args.allowedUses],
    },
    { parent },
  );
  const keyPem = args.keyFormat === "pkcs8" ? key.privateKeyPemPkcs8 : key.privateKeyPem;
  return { certPem: cert.certPem, keyPem: pulumi.secret(keyPem) };
}
