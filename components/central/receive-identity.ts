/**
 * A tenant is who its client certificate says, not what a header claims. The central stack's
 * CA (`@pulumi/tls`, in the ReceiveCertificates component) issues one client certificate per
 * tenant of the edge stacks writing to it (config/fleet.ts), with the tenant id in the field the receivers read
 * (`--receive.tenant-certificate-field`), and the server certificate the receivers present.
 *
 * Pure: the subjects and names of every certificate (their validity and uses are the platform's,
 * components/shared/pki.ts). The component feeds them to `@pulumi/tls`; the local platform
 * issues the same certificates with openssl from what the synth recorded.
 */
import { CentralSettings } from "../../config/central";
import { StackConfig } from "../../config/stack";
import { CERT_EARLY_RENEWAL_DAYS } from "../shared/pki";
import { RECEIVE_LB_SERVICE, serviceHost } from "./endpoints";

/** The field of a client certificate the receivers take the tenant from (a `--receive.tenant-certificate-field` value). */
export const TENANT_CERTIFICATE_FIELD = "commonName";

export interface CertificateSubject {
  commonName: string;
  organization: string;
}

const ORGANIZATION = "multicluster";

export const RECEIVE_CA_SUBJECT: CertificateSubject = { commonName: "multicluster-receive-ca", organization: ORGANIZATION };

/** A tenant's client certificate: the tenant id in TENANT_CERTIFICATE_FIELD. */
export function tenantCertificateSubject(tenantId: string): CertificateSubject {
  return { commonName: tenantId, organization: ORGANIZATION };
}

/** Every key: ECDSA P-256, which Go's TLS (receivers, agents) and openssl take. */
export const KEY_ALGORITHM = { algorithm: "ECDSA", ecdsaCurve: "P256" } as const;

/**
 * `verify` warns this many days before any of the certificates expires: from then on
 * `pulumi up` of the central stack re-issues a server or client certificate (CERT_EARLY_RENEWAL_DAYS),
 * and `pulumi up` of the edge stacks hands the new one to the agents.
 */
export const EXPIRY_WARNING_DAYS = CERT_EARLY_RENEWAL_DAYS;

export interface ServerCertificateNames {
  /** The name agents verify the receivers' certificate against (their TLS server name). */
  serverName: string;
  dnsNames: string[];
  ipAddresses: string[];
}

/**
 * Names the receivers' certificate is valid for. Agents connect to the LoadBalancer's address,
 * which is only known after the Service exists, so they verify a fixed name instead: the
 * Ingress host when remote write goes through the Ingress (its SNI routes the connection), else
 * the LoadBalancer Service's in-cluster name. A fixed `loadBalancerIP` is in the certificate too.
 */
export function receiveServerNames(settings: Pick<CentralSettings, "namespace" | "receive">): ServerCertificateNames {
  const { ingress, service } = settings.receive;
  const ns = settings.namespace;
  const serviceNames = [RECEIVE_LB_SERVICE, `${RECEIVE_LB_SERVICE}.${ns}`, `${RECEIVE_LB_SERVICE}.${ns}.svc`, serviceHost(RECEIVE_LB_SERVICE, ns)];
  const serverName = ingress.enabled ? ingress.host! : serviceHost(RECEIVE_LB_SERVICE, ns);
  return {
    serverName,
    dnsNames: [...new Set([serverName, ...serviceNames])],
    ipAddresses: service.loadBalancerIP ? [service.loadBalancerIP] : [],
  };
}

export function receiveServerSubject(names: ServerCertificateNames): CertificateSubject {
  return { commonName: names.serverName, organization: ORGANIZATION };
}

/** The Secret (type kubernetes.io/tls) the receivers mount: their certificate and key, and the CA clients must be signed by. */
export const RECEIVE_TLS_SECRET = { name: "thanos-receive-tls", certKey: "tls.crt", keyKey: "tls.key", caKey: "ca.crt" } as const;

/** What pulumi and the synth print when remote write runs without mutual TLS. */
export function plainHttpWarning(tenantHeader: string): string {
  return (
    "PLAIN-HTTP REMOTE WRITE (central.receive.tls.enabled: false, for labs only): nothing is encrypted, and any client " +
    `that reaches the receive endpoint can write as any tenant by setting the ${tenantHeader} header`
  );
}

/** The warnings the synth prints under a stack's summary. */
export function stackWarnings(config: StackConfig): string[] {
  return config.role === "central" && !config.central.receive.tls.enabled ? [plainHttpWarning(config.central.receive.tenantHeader)] : [];
}
