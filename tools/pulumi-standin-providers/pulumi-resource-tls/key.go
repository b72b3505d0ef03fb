package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"golang.org/x/crypto/ssh"

	"multicluster-metrics/tools/pulumi-standin-providers/internal/standin"
)

var curves = map[string]elliptic.Curve{"P224": elliptic.P224(), "P256": elliptic.P256(), "P384": elliptic.P384(), "P521": elliptic.P521()}

// Upstream's defaults (rsaBits 2048, ecdsaCurve P224) are set whatever the algorithm.
var keySchema = standin.Schema{
	{Name: "algorithm", Kind: standin.KindString, Required: true},
	{Name: "rsaBits", Kind: standin.KindInt, Default: resource.NewNumberProperty(2048)},
	{Name: "ecdsaCurve", Kind: standin.KindString, Default: resource.NewStringProperty("P224")},
}

var keyOutputs = []string{"privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh", "publicKeyPem", "publicKeyOpenssh", "publicKeyFingerprintMd5", "publicKeyFingerprintSha256"}

type privateKey struct{}

func (privateKey) Check(_ context.Context, _, news resource.PropertyMap) (resource.PropertyMap, []standin.Failure, error) {
	inputs, failures := keySchema.Check(news)
	if alg, ok := standin.String(inputs, "algorithm"); ok && !slices.Contains([]string{"RSA", "ECDSA", "ED25519"}, alg) {
		failures = append(failures, standin.Failure{Property: "algorithm", Reason: fmt.Sprintf("algorithm must be one of RSA, ECDSA, ED25519 (got %q)", alg)})
	}
	if curve, ok := standin.String(inputs, "ecdsaCurve"); ok && curves[curve] == nil {
		failures = append(failures, standin.Failure{Property: "ecdsaCurve", Reason: fmt.Sprintf("ecdsaCurve must be one of P224, P256, P384, P521 (got %q)", curve)})
	}
	if bits := standin.Int(inputs, "rsaBits", 2048); bits < 1024 {
		failures = append(failures, standin.Failure{Property: "rsaBits", Reason: fmt.Sprintf("rsaBits must be at least 1024 (got %d)", bits)})
	}
	return inputs, failures, nil
}

func (privateKey) Diff(_ context.Context, old standin.State, news resource.PropertyMap) ([]standin.Change, error) {
	return keySchema.Diff(old.Inputs, news), nil
}

// Create generates the key; its id is the SHA-1 of the public key's DER, as upstream's.
func (privateKey) Create(_ context.Context, inputs resource.PropertyMap, preview bool) (string, resource.PropertyMap, error) {
	if preview {
		return "", standin.UnknownOutputs(inputs, keyOutputs...), nil
	}
	alg, _ := standin.String(inputs, "algorithm")
	curve, _ := standin.String(inputs, "ecdsaCurve")
	key, err := generateKey(alg, standin.Int(inputs, "rsaBits", 2048), curve)
	if err != nil {
		return "", nil, err
	}
	encoded, err := encodeKey(key)
	if err != nil {
		return "", nil, err
	}
	publicDER, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return "", nil, fmt.Errorf("tls: encoding the public key: %w", err)
	}
	return hashForState(publicDER), standin.Outputs(inputs, encoded), nil
}

func generateKey(alg string, rsaBits int, curve string) (crypto.Signer, error) {
	switch alg {
	case "RSA":
		return rsa.GenerateKey(rand.Reader, rsaBits)
	case "ECDSA":
		return ecdsa.GenerateKey(curves[curve], rand.Reader)
	case "ED25519":
		_, key, err := ed25519.GenerateKey(rand.Reader)
		return key, err
	}
	return nil, fmt.Errorf("tls: unsupported algorithm %q", alg)
}

// encodeKey gives the key's outputs: the algorithm's own PEM form (PKCS#1 for RSA, SEC 1 for
// ECDSA, PKCS#8 for ED25519), PKCS#8, the public PEM, and the OpenSSH forms, which stay empty
// where x/crypto/ssh has none (ECDSA P-224), as upstream leaves them.
func encodeKey(key crypto.Signer) (map[string]resource.PropertyValue, error) {
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("tls: encoding the private key: %w", err)
	}
	own := &pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		own = &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}
	case *ecdsa.PrivateKey:
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			return nil, fmt.Errorf("tls: encoding the private key: %w", err)
		}
		own = &pem.Block{Type: "EC PRIVATE KEY", Bytes: der}
	}
	publicDER, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, fmt.Errorf("tls: encoding the public key: %w", err)
	}
	var sshPrivate, sshPublic, md5, sha256 string
	if pub, err := ssh.NewPublicKey(key.Public()); err == nil {
		sshPublic, md5, sha256 = string(ssh.MarshalAuthorizedKey(pub)), ssh.FingerprintLegacyMD5(pub), ssh.FingerprintSHA256(pub)
	}
	if block, err := ssh.MarshalPrivateKey(key, ""); err == nil {
		sshPrivate = string(pem.EncodeToMemory(block))
	}
	return map[string]resource.PropertyValue{
		"privateKeyPem":              standin.SecretString(string(pem.EncodeToMemory(own))),
		"privateKeyPemPkcs8":         standin.SecretString(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}))),
		"privateKeyOpenssh":          standin.SecretString(sshPrivate),
		"publicKeyPem":               resource.NewStringProperty(string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: publicDER}))),
		"publicKeyOpenssh":           resource.NewStringProperty(sshPublic),
		"publicKeyFingerprintMd5":    resource.NewStringProperty(md5),
		"publicKeyFingerprintSha256": resource.NewStringProperty(sha256),
	}, nil
}

// parsePrivateKey reads a private key PEM in any form encodeKey writes; it also names the algorithm.
func parsePrivateKey(property, text string) (crypto.Signer, string, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, "", fmt.Errorf("tls: %s is not a PEM block", property)
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, "", fmt.Errorf("tls: %s holds a %q PEM block, not a private key", property, block.Type)
	}
	if err != nil {
		return nil, "", fmt.Errorf("tls: parsing %s: %w", property, err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return k, "RSA", nil
	case *ecdsa.PrivateKey:
		return k, "ECDSA", nil
	case ed25519.PrivateKey:
		return k, "ED25519", nil
	}
	return nil, "", errors.New("tls: " + property + " holds an unsupported key type")
}

// hashForState is upstream's id of keys and requests: the hex SHA-1 of the DER.
func hashForState(der []byte) string {
	sum := sha1.Sum(der)
	return hex.EncodeToString(sum[:])
}

// Read: the key lives only in the state.
func (privateKey) Read(_ context.Context, old standin.State) (standin.State, error) {
	return standin.ReadLogical(old, "tls:index/privateKey:PrivateKey")
}

func (privateKey) Update(context.Context, standin.State, resource.PropertyMap, bool) (resource.PropertyMap, error) {
	return nil, errors.New("tls: PrivateKey has no in-place updates; every change replaces it")
}

func (privateKey) Delete(context.Context, standin.State) error { return nil }
