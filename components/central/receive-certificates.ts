import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import {
  ALLOWED_USES,
  CA_VALIDITY_HOURS,
  CERT_EARLY_RENEWAL_HOURS,
  CERT_VALIDITY_HOURS,
  KEY_ALGORITHM,
  RECEIVE_CA_SUBJECT,
  receiveServerSubject,
  ServerCertificateNames,
  tenantCertificateSubject,
} from "./receive-identity";

export interface ReceiveCertificatesArgs {
  /** Names the receivers' server certificate is valid for. */
  server: ServerCertificateNames;
  /** Every tenant that gets a client certificate: the tenants of the edge stacks writing here (config/fleet.ts). */
  tenants: string[];
}

/** A certificate (public) and its key (secret), PEM. */
export interface IssuedCertificate {
  certPem: pulumi.Output<string>;
  keyPem: pulumi.Output<string>;
}

/** Name of the CertRequest of the certificate `certName`; the local platform pairs them by it. */
export function certRequestName(certName: string): string {
  return `${certName}-csr`;
}

/**
 * The remote-write PKI of the central stack: a self-signed CA, the receivers' server
 * certificate, and one client certificate per tenant with the tenant id in the field the
 * receivers read. Keys never leave the state except as Pulumi secrets.
 */
export class ReceiveCertificates extends pulumi.ComponentResource {
  readonly caCertPem: pulumi.Output<string>;
  readonly server: IssuedCertificate;
  /** By tenant id. */
  readonly clients: Record<string, IssuedCertificate>;

  constructor(name: string, args: ReceiveCertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("multicluster:central:ReceiveCertificates", name, {}, opts);
    const caKey = new tls.PrivateKey(`${name}-ca-key`, { ...KEY_ALGORITHM }, { parent: this });
    const ca = new tls.SelfSignedCert(
      `${name}-ca`,
      {
        privateKeyPem: caKey.privateKeyPem,
        subject: RECEIVE_CA_SUBJECT,
        isCaCertificate: true,
        validityPeriodHours: CA_VALIDITY_HOURS,
        allowedUses: [...ALLOWED_USES.ca],
      },
      { parent: this },
    );
    this.caCertPem = ca.certPem;

    const issue = (certName: string, request: Omit<tls.CertRequestArgs, "privateKeyPem">, uses: readonly string[]): IssuedCertificate => {
      const key = new tls.PrivateKey(`${certName}-key`, { ...KEY_ALGORITHM }, { parent: this });
      const csr = new tls.CertRequest(certRequestName(certName), { ...request, privateKeyPem: key.privateKeyPem }, { parent: this });
      const cert = new tls.LocallySignedCert(
        certName,
        {
          certRequestPem: csr.certRequestPem,
          caCertPem: ca.certPem,
          caPrivateKeyPem: caKey.privateKeyPem,
          validityPeriodHours: CERT_VALIDITY_HOURS,
          earlyRenewalHours: CERT_EARLY_RENEWAL_HOURS,
          allowedUses: [...uses],
        },
        { parent: this },
      );
      return { certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPem) };
    };

    this.server = issue(
      `${name}-server`,
      { subject: receiveServerSubject(args.server), dnsNames: args.server.dnsNames, ipAddresses: args.server.ipAddresses },
      ALLOWED_USES.server,
    );
    this.clients = Object.fromEntries(args.tenants.map((id) => [id, issue(`${name}-client-${id}`, { subject: tenantCertificateSubject(id) }, ALLOWED_USES.client)]));
    this.registerOutputs({ caCertPem: this.caCertPem, serverCertPem: this.server.certPem });
  }
}
