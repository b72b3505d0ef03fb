package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"multicluster-metrics/tools/pulumi-standin-providers/internal/standin"
)

var policySchema = standin.Schema{
	{Name: "name", Kind: standin.KindString, Required: true},
	{Name: "policy", Kind: standin.KindString, Required: true, InPlace: true},
}

type iamPolicy struct{ p *minioProvider }

func (pol iamPolicy) Check(ctx context.Context, _, news resource.PropertyMap) (resource.PropertyMap, []standin.Failure, error) {
	inputs, failures := policySchema.Check(news)
	if doc, ok := standin.String(inputs, "policy"); ok && !json.Valid([]byte(doc)) {
		failures = append(failures, standin.Failure{Property: "policy", Reason: "policy must be a JSON policy document"})
	}
	return inputs, failures, checkAdmin(ctx, pol.p)
}

func (iamPolicy) Diff(_ context.Context, old standin.State, news resource.PropertyMap) ([]standin.Change, error) {
	return policySchema.Diff(old.Inputs, news), nil
}

// Create adds the policy; one that already exists is not taken over. Its id is its name.
func (pol iamPolicy) Create(ctx context.Context, inputs resource.PropertyMap, preview bool) (string, resource.PropertyMap, error) {
	if preview {
		return "", inputs, nil
	}
	c, err := pol.p.connection()
	if err != nil {
		return "", nil, err
	}
	name, _ := standin.String(inputs, "name")
	if _, err := c.policyDocument(ctx, name); err == nil {
		return "", nil, fmt.Errorf("minio: policy %s already exists on %s; remove it or choose another name", name, c.server)
	} else if !isCode(err, "XMinioAdminNoSuchPolicy") {
		return "", nil, err
	}
	doc, _ := standin.String(inputs, "policy")
	if err := c.putPolicy(ctx, name, doc); err != nil {
		return "", nil, err
	}
	return name, inputs, nil
}

// putPolicy creates the policy or replaces its document (mc reads it from a file).
func (c *connection) putPolicy(ctx context.Context, name, doc string) error {
	dir, err := os.MkdirTemp("", "standin-policy-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "policy.json")
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		return err
	}
	return c.mc(ctx, "", nil, "admin", "policy", "create", mcAlias, name, file)
}

func (c *connection) policyDocument(ctx context.Context, name string) (string, error) {
	var info struct {
		PolicyInfo struct {
			Policy json.RawMessage `json:"Policy"`
		} `json:"policyInfo"`
	}
	err := c.mc(ctx, "", &info, "admin", "policy", "info", mcAlias, name)
	return string(info.PolicyInfo.Policy), err
}

// Read reports a removed policy as gone, and a document changed behind Pulumi's back as the
// server has it (one that means the same, formatting aside, keeps the state's text).
func (pol iamPolicy) Read(ctx context.Context, old standin.State) (standin.State, error) {
	c, err := pol.p.connection()
	if err != nil {
		return standin.State{}, err
	}
	doc, err := c.policyDocument(ctx, old.ID)
	if isCode(err, "XMinioAdminNoSuchPolicy") {
		return standin.State{}, nil
	} else if err != nil {
		return standin.State{}, err
	}
	inputs := old.Inputs.Copy()
	if known, _ := standin.String(inputs, "policy"); !policiesEquivalent(known, doc) {
		inputs["policy"] = resource.NewStringProperty(doc)
	}
	inputs["name"] = resource.NewStringProperty(old.ID)
	return standin.State{ID: old.ID, Inputs: inputs, Outputs: inputs}, nil
}

// Update replaces the document; a new name replaces the policy instead.
func (pol iamPolicy) Update(ctx context.Context, old standin.State, news resource.PropertyMap, preview bool) (resource.PropertyMap, error) {
	if preview {
		return news, nil
	}
	c, err := pol.p.connection()
	if err != nil {
		return nil, err
	}
	doc, _ := standin.String(news, "policy")
	return news, c.putPolicy(ctx, old.ID, doc)
}

func (pol iamPolicy) Delete(ctx context.Context, old standin.State) error {
	c, err := pol.p.connection()
	if err != nil {
		return err
	}
	return c.mc(ctx, "", nil, "admin", "policy", "remove", mcAlias, old.ID)
}

// policiesEquivalent compares two policy documents as MinIO reads them: a single Action,
// Resource (or Not…) string is a one-element list, and list order does not matter.
func policiesEquivalent(a, b string) bool {
	return canonicalPolicy(a) != "" && canonicalPolicy(a) == canonicalPolicy(b)
}

func canonicalPolicy(doc string) string {
	var policy map[string]any
	if json.Unmarshal([]byte(doc), &policy) != nil {
		return ""
	}
	statements, ok := policy["Statement"].([]any)
	if !ok && policy["Statement"] != nil {
		statements = []any{policy["Statement"]}
	}
	for _, s := range statements {
		statement, ok := s.(map[string]any)
		if !ok {
			continue
		}
		for _, key := range []string{"Action", "NotAction", "Resource", "NotResource"} {
			statement[key] = sortedList(statement[key])
		}
	}
	policy["Statement"] = statements
	canonical, _ := json.Marshal(policy)
	return string(canonical)
}

func sortedList(v any) any {
	switch list := v.(type) {
	case string:
		return []string{list}
	case []any:
		var out []string
		for _, e := range list {
			out = append(out, fmt.Sprint(e))
		}
		slices.Sort(out)
		return out
	}
	return v
}
