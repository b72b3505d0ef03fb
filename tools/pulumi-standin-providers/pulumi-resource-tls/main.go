// Command pulumi-resource-tls is a STAND-IN for the Pulumi TLS provider (@pulumi/tls 5.6.1),
// for machines that cannot download the real plugin: this project's local engine tests run
// the real Pulumi CLI against it. It implements the resources the program uses, with the real
// provider's type tokens, property names, defaults, ids and PEM forms, and real keys and
// X.509 certificates from crypto/x509 (what terraform-provider-tls does):
//   - tls:index/privateKey:PrivateKey (RSA, ECDSA, ED25519)
//   - tls:index/selfSignedCert:SelfSignedCert
//   - tls:index/certRequest:CertRequest
//   - tls:index/locallySignedCert:LocallySignedCert
//
// A certificate within earlyRenewalHours of its end is re-issued by the next update, as
// upstream does. Write-only inputs (*Wo, *WoVersion), name constraints and the functions are
// not implemented; Check names any property it does not implement. Users deploying the
// program install the real provider as usual (npm install @pulumi/tls; the CLI fetches the
// plugin, or `pulumi plugin install resource tls 5.6.1`).
package main

import "multicluster-metrics/tools/pulumi-standin-providers/internal/standin"

func main() {
	standin.Main(standin.Provider{
		Name:    "tls",
		Version: "5.6.1",
		Resources: map[string]standin.Resource{
			"tls:index/privateKey:PrivateKey":               privateKey{},
			"tls:index/selfSignedCert:SelfSignedCert":       selfSignedCert{},
			"tls:index/certRequest:CertRequest":             certRequest{},
			"tls:index/locallySignedCert:LocallySignedCert": locallySignedCert{},
		},
	})
}
