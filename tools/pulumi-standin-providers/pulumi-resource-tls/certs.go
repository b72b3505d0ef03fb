package main

import (
	"context"
	"crypto/x509"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"multicluster-metrics/tools/pulumi-standin-providers/internal/standin"
)

// The key inputs are secret whether or not the program made them so (the SDK does; a state
// written by another client might not).
func secretKeys(m resource.PropertyMap, keys ...string) resource.PropertyMap {
	for _, key := range keys {
		if v := m[resource.PropertyKey(key)]; !v.IsNull() && !v.IsSecret() {
			m[resource.PropertyKey(key)] = resource.MakeSecret(v)
		}
	}
	return m
}

var selfSignedSchema = slices.Concat(certificateSchemaCommon, standin.Schema{
	{Name: "privateKeyPem", Kind: standin.KindString, Required: true},
	{Name: "subject", Kind: standin.KindObject},
	{Name: "dnsNames", Kind: standin.KindStrings},
	{Name: "ipAddresses", Kind: standin.KindStrings},
	{Name: "uris", Kind: standin.KindStrings},
	{Name: "setAuthorityKeyId", Kind: standin.KindBool, Default: no},
})

type selfSignedCert struct{}

func (selfSignedCert) Check(_ context.Context, _, news resource.PropertyMap) (resource.PropertyMap, []standin.Failure, error) {
	inputs, failures := selfSignedSchema.Check(news)
	failures = append(failures, checkCertificate(inputs)...)
	failures = append(failures, checkSubject(inputs)...)
	_, nameFailures := parseAlternativeNames(inputs)
	return secretKeys(inputs, "privateKeyPem"), append(failures, nameFailures...), nil
}

func (selfSignedCert) Diff(_ context.Context, old standin.State, news resource.PropertyMap) ([]standin.Change, error) {
	return certificateDiff(selfSignedSchema, old, news), nil
}

func (selfSignedCert) Create(_ context.Context, inputs resource.PropertyMap, preview bool) (string, resource.PropertyMap, error) {
	if preview {
		return "", standin.UnknownOutputs(inputs, append(certOutputs, "keyAlgorithm")...), nil
	}
	keyPem, _ := standin.String(inputs, "privateKeyPem")
	key, algorithm, err := parsePrivateKey("privateKeyPem", keyPem)
	if err != nil {
		return "", nil, err
	}
	names, _ := parseAlternativeNames(inputs)
	template := &x509.Certificate{Subject: subjectName(inputs), DNSNames: names.dns, IPAddresses: names.ips, URIs: names.uris}
	id, outputs, err := issue(template, template, key.Public(), key, inputs)
	if err != nil {
		return "", nil, err
	}
	outputs["keyAlgorithm"] = resource.NewStringProperty(algorithm)
	return id, standin.Outputs(inputs, outputs), nil
}

func (selfSignedCert) Read(_ context.Context, old standin.State) (standin.State, error) {
	return certificateRead(old, "tls:index/selfSignedCert:SelfSignedCert")
}

func (selfSignedCert) Update(_ context.Context, old standin.State, news resource.PropertyMap, _ bool) (resource.PropertyMap, error) {
	return certificateUpdate(old, news), nil
}

func (selfSignedCert) Delete(context.Context, standin.State) error { return nil }

var locallySignedSchema = slices.Concat(certificateSchemaCommon, standin.Schema{
	{Name: "certRequestPem", Kind: standin.KindString, Required: true},
	{Name: "caCertPem", Kind: standin.KindString, Required: true},
	{Name: "caPrivateKeyPem", Kind: standin.KindString, Required: true},
})

type locallySignedCert struct{}

func (locallySignedCert) Check(_ context.Context, _, news resource.PropertyMap) (resource.PropertyMap, []standin.Failure, error) {
	inputs, failures := locallySignedSchema.Check(news)
	return secretKeys(inputs, "caPrivateKeyPem"), append(failures, checkCertificate(inputs)...), nil
}

func (locallySignedCert) Diff(_ context.Context, old standin.State, news resource.PropertyMap) ([]standin.Change, error) {
	return certificateDiff(locallySignedSchema, old, news), nil
}

// Create signs the request's subject, names and key with the CA, as upstream does.
func (locallySignedCert) Create(_ context.Context, inputs resource.PropertyMap, preview bool) (string, resource.PropertyMap, error) {
	if preview {
		return "", standin.UnknownOutputs(inputs, append(certOutputs, "caKeyAlgorithm")...), nil
	}
	csrPem, _ := standin.String(inputs, "certRequestPem")
	csr, err := parseCertRequest(csrPem)
	if err != nil {
		return "", nil, err
	}
	caPem, _ := standin.String(inputs, "caCertPem")
	ca, err := parseCertificate("caCertPem", caPem)
	if err != nil {
		return "", nil, err
	}
	caKeyPem, _ := standin.String(inputs, "caPrivateKeyPem")
	caKey, algorithm, err := parsePrivateKey("caPrivateKeyPem", caKeyPem)
	if err != nil {
		return "", nil, err
	}
	template := &x509.Certificate{Subject: csr.Subject, DNSNames: csr.DNSNames, IPAddresses: csr.IPAddresses, URIs: csr.URIs}
	id, outputs, err := issue(template, ca, csr.PublicKey, caKey, inputs)
	if err != nil {
		return "", nil, err
	}
	outputs["caKeyAlgorithm"] = resource.NewStringProperty(algorithm)
	return id, standin.Outputs(inputs, outputs), nil
}

func (locallySignedCert) Read(_ context.Context, old standin.State) (standin.State, error) {
	return certificateRead(old, "tls:index/locallySignedCert:LocallySignedCert")
}

func (locallySignedCert) Update(_ context.Context, old standin.State, news resource.PropertyMap, _ bool) (resource.PropertyMap, error) {
	return certificateUpdate(old, news), nil
}

func (locallySignedCert) Delete(context.Context, standin.State) error { return nil }
