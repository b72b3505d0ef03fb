package main

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"net"
	"net/url"
	"slices"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"multicluster-metrics/tools/pulumi-standin-providers/internal/standin"
)

// The allowedUses values terraform-provider-tls accepts, and what each sets.
var keyUsages = map[string]x509.KeyUsage{
	"digital_signature":  x509.KeyUsageDigitalSignature,
	"content_commitment": x509.KeyUsageContentCommitment,
	"key_encipherment":   x509.KeyUsageKeyEncipherment,
	"data_encipherment":  x509.KeyUsageDataEncipherment,
	"key_agreement":      x509.KeyUsageKeyAgreement,
	"cert_signing":       x509.KeyUsageCertSign,
	"crl_signing":        x509.KeyUsageCRLSign,
	"encipher_only":      x509.KeyUsageEncipherOnly,
	"decipher_only":      x509.KeyUsageDecipherOnly,
}

var extKeyUsages = map[string]x509.ExtKeyUsage{
	"any_extended":                      x509.ExtKeyUsageAny,
	"server_auth":                       x509.ExtKeyUsageServerAuth,
	"client_auth":                       x509.ExtKeyUsageClientAuth,
	"code_signing":                      x509.ExtKeyUsageCodeSigning,
	"email_protection":                  x509.ExtKeyUsageEmailProtection,
	"ipsec_end_system":                  x509.ExtKeyUsageIPSECEndSystem,
	"ipsec_tunnel":                      x509.ExtKeyUsageIPSECTunnel,
	"ipsec_user":                        x509.ExtKeyUsageIPSECUser,
	"timestamping":                      x509.ExtKeyUsageTimeStamping,
	"ocsp_signing":                      x509.ExtKeyUsageOCSPSigning,
	"microsoft_server_gated_crypto":     x509.ExtKeyUsageMicrosoftServerGatedCrypto,
	"netscape_server_gated_crypto":      x509.ExtKeyUsageNetscapeServerGatedCrypto,
	"microsoft_commercial_code_signing": x509.ExtKeyUsageMicrosoftCommercialCodeSigning,
	"microsoft_kernel_code_signing":     x509.ExtKeyUsageMicrosoftKernelCodeSigning,
}

func supportedUses() []string {
	var uses []string
	for use := range keyUsages {
		uses = append(uses, use)
	}
	for use := range extKeyUsages {
		uses = append(uses, use)
	}
	sort.Strings(uses)
	return uses
}

// checkUses reports allowedUses values upstream would reject.
func checkUses(inputs resource.PropertyMap) []standin.Failure {
	var failures []standin.Failure
	for _, use := range standin.Strings(inputs, "allowedUses") {
		if _, ok := keyUsages[use]; !ok && extendedUse(use) == nil {
			failures = append(failures, standin.Failure{Property: "allowedUses", Reason: fmt.Sprintf("allowedUses: %q is not one of %v", use, supportedUses())})
		}
	}
	return failures
}

func extendedUse(use string) *x509.ExtKeyUsage {
	if u, ok := extKeyUsages[use]; ok {
		return &u
	}
	return nil
}

// applyUses sets the key usages and extended key usages of allowedUses on the template.
func applyUses(template *x509.Certificate, uses []string) {
	for _, use := range uses {
		template.KeyUsage |= keyUsages[use]
		if u := extendedUse(use); u != nil {
			template.ExtKeyUsage = append(template.ExtKeyUsage, *u)
		}
	}
}

var subjectFields = []string{"commonName", "organization", "organizationalUnit", "streetAddresses", "locality", "province", "country", "postalCode", "serialNumber", "emailAddress"}

var oidEmailAddress = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}

// checkSubject reports subject fields the stand-in does not know (they would be silently dropped).
func checkSubject(inputs resource.PropertyMap) []standin.Failure {
	var failures []standin.Failure
	for key := range standin.Object(inputs, "subject") {
		if !slices.Contains(subjectFields, string(key)) {
			failures = append(failures, standin.Failure{Property: "subject", Reason: fmt.Sprintf("subject.%s is not one of %v", key, subjectFields)})
		}
	}
	return failures
}

// subjectName is the distinguished name of the subject input, one value per field as upstream.
func subjectName(inputs resource.PropertyMap) pkix.Name {
	subject := standin.Object(inputs, "subject")
	one := func(key string) []string {
		if v, ok := standin.String(subject, key); ok {
			return []string{v}
		}
		return nil
	}
	name := pkix.Name{
		Organization:       one("organization"),
		OrganizationalUnit: one("organizationalUnit"),
		StreetAddress:      standin.Strings(subject, "streetAddresses"),
		Locality:           one("locality"),
		Province:           one("province"),
		Country:            one("country"),
		PostalCode:         one("postalCode"),
	}
	name.CommonName, _ = standin.String(subject, "commonName")
	name.SerialNumber, _ = standin.String(subject, "serialNumber")
	if email, ok := standin.String(subject, "emailAddress"); ok {
		name.ExtraNames = append(name.ExtraNames, pkix.AttributeTypeAndValue{Type: oidEmailAddress, Value: email})
	}
	return name
}

// alternativeNames are the dnsNames, ipAddresses and uris inputs.
type alternativeNames struct {
	dns  []string
	ips  []net.IP
	uris []*url.URL
}

func parseAlternativeNames(inputs resource.PropertyMap) (alternativeNames, []standin.Failure) {
	names := alternativeNames{dns: standin.Strings(inputs, "dnsNames")}
	var failures []standin.Failure
	for _, text := range standin.Strings(inputs, "ipAddresses") {
		ip := net.ParseIP(text)
		if ip == nil {
			failures = append(failures, standin.Failure{Property: "ipAddresses", Reason: fmt.Sprintf("ipAddresses: %q is not an IP address", text)})
		}
		names.ips = append(names.ips, ip)
	}
	for _, text := range standin.Strings(inputs, "uris") {
		u, err := url.Parse(text)
		if err != nil {
			failures = append(failures, standin.Failure{Property: "uris", Reason: fmt.Sprintf("uris: %q is not a URI (%v)", text, err)})
		}
		names.uris = append(names.uris, u)
	}
	return names, failures
}
