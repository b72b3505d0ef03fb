package main

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"multicluster-metrics/tools/pulumi-standin-providers/internal/standin"
)

var certRequestSchema = standin.Schema{
	{Name: "privateKeyPem", Kind: standin.KindString, Required: true},
	{Name: "subject", Kind: standin.KindObject},
	{Name: "dnsNames", Kind: standin.KindStrings},
	{Name: "ipAddresses", Kind: standin.KindStrings},
	{Name: "uris", Kind: standin.KindStrings},
}

type certRequest struct{}

func (certRequest) Check(_ context.Context, _, news resource.PropertyMap) (resource.PropertyMap, []standin.Failure, error) {
	inputs, failures := certRequestSchema.Check(news)
	failures = append(failures, checkSubject(inputs)...)
	_, nameFailures := parseAlternativeNames(inputs)
	return secretKeys(inputs, "privateKeyPem"), append(failures, nameFailures...), nil
}

func (certRequest) Diff(_ context.Context, old standin.State, news resource.PropertyMap) ([]standin.Change, error) {
	return certRequestSchema.Diff(old.Inputs, news), nil
}

// Create signs a PKCS#10 request with the key; its id is the SHA-1 of the request's DER, as upstream's.
func (certRequest) Create(_ context.Context, inputs resource.PropertyMap, preview bool) (string, resource.PropertyMap, error) {
	if preview {
		return "", standin.UnknownOutputs(inputs, "certRequestPem", "keyAlgorithm"), nil
	}
	keyPem, _ := standin.String(inputs, "privateKeyPem")
	key, algorithm, err := parsePrivateKey("privateKeyPem", keyPem)
	if err != nil {
		return "", nil, err
	}
	names, _ := parseAlternativeNames(inputs)
	template := &x509.CertificateRequest{Subject: subjectName(inputs), DNSNames: names.dns, IPAddresses: names.ips, URIs: names.uris}
	der, err := x509.CreateCertificateRequest(rand.Reader, template, key)
	if err != nil {
		return "", nil, fmt.Errorf("tls: creating the certificate request: %w", err)
	}
	return hashForState(der), standin.Outputs(inputs, map[string]resource.PropertyValue{
		"certRequestPem": resource.NewStringProperty(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))),
		"keyAlgorithm":   resource.NewStringProperty(algorithm),
	}), nil
}

// parseCertRequest reads a request and checks its signature (the requester holds the key).
func parseCertRequest(text string) (*x509.CertificateRequest, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return nil, errors.New("tls: certRequestPem is not a CERTIFICATE REQUEST PEM block")
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err == nil {
		err = csr.CheckSignature()
	}
	if err != nil {
		return nil, fmt.Errorf("tls: parsing certRequestPem: %w", err)
	}
	return csr, nil
}

// Read: the request lives only in the state.
func (certRequest) Read(_ context.Context, old standin.State) (standin.State, error) {
	return standin.ReadLogical(old, "tls:index/certRequest:CertRequest")
}

func (certRequest) Update(context.Context, standin.State, resource.PropertyMap, bool) (resource.PropertyMap, error) {
	return nil, errors.New("tls: CertRequest has no in-place updates; every change replaces it")
}

func (certRequest) Delete(context.Context, standin.State) error { return nil }
