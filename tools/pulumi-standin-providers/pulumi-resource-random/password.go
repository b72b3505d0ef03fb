package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"golang.org/x/crypto/bcrypt"

	"multicluster-metrics/tools/pulumi-standin-providers/internal/standin"
)

// The character classes of terraform-provider-random (its default special characters included).
const (
	upperChars   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	lowerChars   = "abcdefghijklmnopqrstuvwxyz"
	numericChars = "0123456789"
	specialChars = "!@#$%&*()-_=+[]{}<>:?"
)

var (
	yes  = resource.NewBoolProperty(true)
	zero = resource.NewNumberProperty(0)
)

// Every input replaces the password, as upstream's RequiresReplace on each attribute does.
var passwordSchema = standin.Schema{
	{Name: "length", Kind: standin.KindInt, Required: true},
	{Name: "keepers", Kind: standin.KindStringMap},
	{Name: "upper", Kind: standin.KindBool, Default: yes},
	{Name: "lower", Kind: standin.KindBool, Default: yes},
	{Name: "numeric", Kind: standin.KindBool, Default: yes},
	{Name: "number", Kind: standin.KindBool, Default: yes},
	{Name: "special", Kind: standin.KindBool, Default: yes},
	{Name: "minUpper", Kind: standin.KindInt, Default: zero},
	{Name: "minLower", Kind: standin.KindInt, Default: zero},
	{Name: "minNumeric", Kind: standin.KindInt, Default: zero},
	{Name: "minSpecial", Kind: standin.KindInt, Default: zero},
	{Name: "overrideSpecial", Kind: standin.KindString},
}

type randomPassword struct{}

func (randomPassword) Check(_ context.Context, _, news resource.PropertyMap) (resource.PropertyMap, []standin.Failure, error) {
	news = news.Copy()
	// `number` is the deprecated name of `numeric`: one set alone sets both, as upstream does.
	if news["number"].IsNull() && !news["numeric"].IsNull() {
		news["number"] = news["numeric"]
	} else if news["numeric"].IsNull() && !news["number"].IsNull() {
		news["numeric"] = news["number"]
	}
	inputs, failures := passwordSchema.Check(news)
	if len(failures) == 0 && !inputs.ContainsUnknowns() {
		failures = validatePassword(inputs)
	}
	return inputs, failures, nil
}

func validatePassword(in resource.PropertyMap) []standin.Failure {
	var failures []standin.Failure
	length := standin.Int(in, "length", 0)
	mins := 0
	for _, key := range []string{"minUpper", "minLower", "minNumeric", "minSpecial"} {
		if n := standin.Int(in, key, 0); n < 0 {
			failures = append(failures, standin.Failure{Property: key, Reason: key + " must be at least 0"})
		} else {
			mins += n
		}
	}
	if length < 1 {
		failures = append(failures, standin.Failure{Property: "length", Reason: "length must be at least 1"})
	} else if length < mins {
		failures = append(failures, standin.Failure{Property: "length", Reason: fmt.Sprintf("length (%d) must be at least minUpper + minLower + minNumeric + minSpecial (%d)", length, mins)})
	}
	if !standin.Bool(in, "upper", true) && !standin.Bool(in, "lower", true) && !standin.Bool(in, "numeric", true) && !standin.Bool(in, "special", true) {
		failures = append(failures, standin.Failure{Property: "upper", Reason: "at least one of upper, lower, numeric and special must be true"})
	}
	return failures
}

func (randomPassword) Diff(_ context.Context, old standin.State, news resource.PropertyMap) ([]standin.Change, error) {
	return passwordSchema.Diff(old.Inputs, news), nil
}

// Create generates the password; its id is "none", as upstream's.
func (randomPassword) Create(_ context.Context, inputs resource.PropertyMap, preview bool) (string, resource.PropertyMap, error) {
	if preview {
		return "", standin.UnknownOutputs(inputs, "result", "bcryptHash"), nil
	}
	result, err := generatePassword(inputs)
	if err != nil {
		return "", nil, err
	}
	// bcrypt reads at most 72 bytes; longer passwords are hashed on their first 72, as bcrypt always did.
	hash, err := bcrypt.GenerateFromPassword([]byte(result)[:min(len(result), 72)], bcrypt.DefaultCost)
	if err != nil {
		return "", nil, fmt.Errorf("random: hashing the password with bcrypt: %w", err)
	}
	outputs := standin.Outputs(inputs, map[string]resource.PropertyValue{
		"result":     standin.SecretString(result),
		"bcryptHash": standin.SecretString(string(hash)),
	})
	return "none", outputs, nil
}

// generatePassword follows upstream: the minimum of each class first, the rest from every
// enabled class, then shuffled; every draw from crypto/rand.
func generatePassword(in resource.PropertyMap) (string, error) {
	special := specialChars
	if s, ok := standin.String(in, "overrideSpecial"); ok {
		special = s
	}
	classes := []struct {
		chars   string
		enabled bool
		min     int
	}{
		{upperChars, standin.Bool(in, "upper", true), standin.Int(in, "minUpper", 0)},
		{lowerChars, standin.Bool(in, "lower", true), standin.Int(in, "minLower", 0)},
		{numericChars, standin.Bool(in, "numeric", true), standin.Int(in, "minNumeric", 0)},
		{special, standin.Bool(in, "special", true), standin.Int(in, "minSpecial", 0)},
	}
	var password, all []byte
	for _, c := range classes {
		if c.min > 0 && c.chars == "" {
			return "", errors.New("random: minSpecial is set but overrideSpecial is empty")
		}
		for range c.min {
			password = append(password, pick(c.chars))
		}
		if c.enabled {
			all = append(all, c.chars...)
		}
	}
	for len(password) < standin.Int(in, "length", 0) {
		password = append(password, pick(string(all)))
	}
	for i := len(password) - 1; i > 0; i-- {
		j := randInt(i + 1)
		password[i], password[j] = password[j], password[i]
	}
	return string(password), nil
}

func pick(chars string) byte { return chars[randInt(len(chars))] }

func randInt(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // the OS's randomness source is gone
	}
	return int(v.Int64())
}

// Read: the password lives only in the state.
func (randomPassword) Read(_ context.Context, old standin.State) (standin.State, error) {
	return standin.ReadLogical(old, "random:index/randomPassword:RandomPassword")
}

func (randomPassword) Update(context.Context, standin.State, resource.PropertyMap, bool) (resource.PropertyMap, error) {
	return nil, errors.New("random: RandomPassword has no in-place updates; every change replaces it")
}

func (randomPassword) Delete(context.Context, standin.State) error { return nil }
