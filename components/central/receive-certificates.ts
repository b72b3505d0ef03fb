import * as pulumi from "@pulumi/pulumi";
import { ALLOWED_USES, CertificateAuthority, declareCertificateAuthority, IssuedCertificate, issueCertificate, LeafCertificateArgs, RECEIVE_CERT_VALIDITY_HOURS } from "../shared/pki";
import { KEY_ALGORITHM, RECEIVE_CA_SUBJECT, receiveServerSubject, ServerCertificateNames, tenantCertificateSubject } from "./receive-identity";

// The local platform pairs a certificate with its request by name (loopback/synth-plan.ts): a
// receive certificate's name is its prefix.
export { certRequestName } from "../shared/pki";

export interface ReceiveCertificatesArgs {
  /** Names the receivers' server certificate is valid for. */
  server: ServerCertificateNames;
  /** Every tenant that gets a client certificate: the tenants of the edge stacks writing here (config/fleet.ts). */
  tenants: string[];
  /** central.receive.tls.rotation: raising it re-issues every leaf key and certificate from the same CA. */
  rotation: number;
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
    const ca = declareCertificateAuthority(name, { key: KEY_ALGORITHM, subject: RECEIVE_CA_SUBJECT }, this);
    this.caCertPem = ca.certPem;
    this.server = this.issue(
      ca,
      `${name}-server`,
      { subject: receiveServerSubject(args.server), dnsNames: args.server.dnsNames, ipAddresses: args.server.ipAddresses },
      ALLOWED_USES.server,
      args.rotation,
    );
    this.clients = Object.fromEntries(args.tenants.map((id) => [id, this.issue(ca, `${name}-client-${id}`, { subject: tenantCertificateSubject(id) }, ALLOWED_USES.client, args.rotation)]));
    this.registerOutputs({ caCertPem: this.caCertPem, serverCertPem: this.server.certPem });
  }

  /** A certificate named `certName`, its key `<certName>-key` and request `<certName>-csr`. */
  private issue(ca: CertificateAuthority, certName: string, request: LeafCertificateArgs["request"], uses: readonly string[], rotation: number): IssuedCertificate {
    return issueCertificate(ca, { prefix: certName, certificateName: certName, key: KEY_ALGORITHM, request, allowedUses: uses, validityPeriodHours: RECEIVE_CERT_VALIDITY_HOURS, rotation }, this);
  }
}
