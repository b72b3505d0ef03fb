package main

import (
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"multicluster-metrics/tools/pulumi-standin-providers/internal/standin"
)

var (
	no      = resource.NewBoolProperty(false)
	noHours = resource.NewNumberProperty(0)
)

// What both certificate resources compute.
var certOutputs = []string{"certPem", "validityStartTime", "validityEndTime", "readyForRenewal"}

// checkCertificate validates what both certificate resources share.
func checkCertificate(inputs resource.PropertyMap) []standin.Failure {
	failures := checkUses(inputs)
	for _, key := range []string{"validityPeriodHours", "earlyRenewalHours"} {
		if standin.Int(inputs, key, 0) < 0 {
			failures = append(failures, standin.Failure{Property: key, Reason: key + " must be at least 0"})
		}
	}
	return failures
}

// issue signs the template (its subject and names already set) for pub with the signer of
// parent, as upstream does: a random 128-bit serial, validity from now, the allowed uses,
// CA constraints and key ids. The serial is the resource's id.
func issue(template, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer, inputs resource.PropertyMap) (string, map[string]resource.PropertyValue, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return "", nil, fmt.Errorf("tls: generating a serial number: %w", err)
	}
	template.SerialNumber = serial
	template.NotBefore = time.Now()
	template.NotAfter = template.NotBefore.Add(time.Duration(standin.Int(inputs, "validityPeriodHours", 0)) * time.Hour)
	template.BasicConstraintsValid = true
	applyUses(template, standin.Strings(inputs, "allowedUses"))
	if standin.Bool(inputs, "isCaCertificate", false) {
		if reflect.DeepEqual(template.Subject, pkix.Name{}) {
			return "", nil, errors.New("tls: a CA certificate's subject must hold at least one distinguished name")
		}
		template.IsCA = true
		template.SubjectKeyId = subjectKeyID(pub)
		if n := standin.Int(inputs, "maxPathLength", -1); n >= 0 {
			template.MaxPathLen = n
		}
	}
	if standin.Bool(inputs, "setSubjectKeyId", false) {
		template.SubjectKeyId = subjectKeyID(pub)
	}
	if standin.Bool(inputs, "setAuthorityKeyId", false) {
		template.AuthorityKeyId = parent.SubjectKeyId
	}
	der, err := x509.CreateCertificate(rand.Reader, template, parent, pub, signer)
	if err != nil {
		return "", nil, fmt.Errorf("tls: creating the certificate: %w", err)
	}
	return serial.String(), map[string]resource.PropertyValue{
		"certPem":           resource.NewStringProperty(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))),
		"validityStartTime": resource.NewStringProperty(template.NotBefore.Format(time.RFC3339Nano)),
		"validityEndTime":   resource.NewStringProperty(template.NotAfter.Format(time.RFC3339Nano)),
		"readyForRenewal":   no,
	}, nil
}

// subjectKeyID is the SHA-1 of the public key's BIT STRING (RFC 5280 4.2.1.2, method 1).
func subjectKeyID(pub crypto.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil
	}
	sum := sha1.Sum(spki.PublicKey.Bytes)
	return sum[:]
}

// readyForRenewal: the certificate has reached its last earlyRenewalHours (or has expired).
func readyForRenewal(outputs, inputs resource.PropertyMap) bool {
	text, ok := standin.String(outputs, "validityEndTime")
	if !ok {
		return false
	}
	end, err := time.Parse(time.RFC3339, text)
	if err != nil {
		return false
	}
	early := time.Duration(standin.Int(inputs, "earlyRenewalHours", 0)) * time.Hour
	return !time.Now().Before(end.Add(-early))
}

// certificateDiff: the input changes, plus a replacement when the certificate is due for renewal.
func certificateDiff(schema standin.Schema, old standin.State, news resource.PropertyMap) []standin.Change {
	changes := schema.Diff(old.Inputs, news)
	if readyForRenewal(old.Outputs, news) {
		changes = append(changes, standin.Change{Property: "readyForRenewal", Replace: true, OutputOnly: true})
	}
	return changes
}

// certificateRead reports whether the certificate is due for renewal; it lives only in the state.
func certificateRead(old standin.State, token string) (standin.State, error) {
	old, err := standin.ReadLogical(old, token)
	if err != nil {
		return old, err
	}
	old.Outputs = old.Outputs.Copy()
	old.Outputs["readyForRenewal"] = resource.NewBoolProperty(readyForRenewal(old.Outputs, old.Inputs))
	return old, nil
}

// certificateUpdate applies the one in-place change, earlyRenewalHours (as upstream).
func certificateUpdate(old standin.State, news resource.PropertyMap) resource.PropertyMap {
	outputs := old.Outputs.Copy()
	for k, v := range news {
		outputs[k] = v
	}
	outputs["readyForRenewal"] = resource.NewBoolProperty(readyForRenewal(outputs, news))
	return outputs
}

var certificateSchemaCommon = standin.Schema{
	{Name: "validityPeriodHours", Kind: standin.KindInt, Required: true},
	{Name: "allowedUses", Kind: standin.KindStrings, Required: true},
	{Name: "earlyRenewalHours", Kind: standin.KindInt, Default: noHours, InPlace: true},
	{Name: "isCaCertificate", Kind: standin.KindBool, Default: no},
	{Name: "setSubjectKeyId", Kind: standin.KindBool, Default: no},
	{Name: "maxPathLength", Kind: standin.KindInt},
}

func parseCertificate(property, text string) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("tls: %s is not a CERTIFICATE PEM block", property)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("tls: parsing %s: %w", property, err)
	}
	return cert, nil
}
