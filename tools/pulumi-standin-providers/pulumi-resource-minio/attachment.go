package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"multicluster-metrics/tools/pulumi-standin-providers/internal/standin"
)

var attachmentSchema = standin.Schema{
	{Name: "userName", Kind: standin.KindString, Required: true},
	{Name: "policyName", Kind: standin.KindString, Required: true},
}

type iamUserPolicyAttachment struct{ p *minioProvider }

func (a iamUserPolicyAttachment) Check(ctx context.Context, _, news resource.PropertyMap) (resource.PropertyMap, []standin.Failure, error) {
	inputs, failures := attachmentSchema.Check(news)
	return inputs, failures, checkAdmin(ctx, a.p)
}

func (iamUserPolicyAttachment) Diff(_ context.Context, old standin.State, news resource.PropertyMap) ([]standin.Change, error) {
	return attachmentSchema.Diff(old.Inputs, news), nil
}

var idCounter atomic.Uint32

// uniqueID is upstream's id of an attachment (Terraform's PrefixedUniqueId with "<user>-"):
// the time to a tenth of a millisecond and a counter.
func uniqueID(prefix string) string {
	timestamp := strings.Replace(time.Now().UTC().Format("20060102150405.0000"), ".", "", 1)
	return fmt.Sprintf("%s%s%08x", prefix, timestamp, idCounter.Add(1))
}

// Create attaches the policy to the user (attaching an attached policy changes nothing).
func (a iamUserPolicyAttachment) Create(ctx context.Context, inputs resource.PropertyMap, preview bool) (string, resource.PropertyMap, error) {
	if preview {
		return "", inputs, nil
	}
	c, err := a.p.connection()
	if err != nil {
		return "", nil, err
	}
	user, _ := standin.String(inputs, "userName")
	policy, _ := standin.String(inputs, "policyName")
	if err := c.mc(ctx, "", nil, "admin", "policy", "attach", mcAlias, policy, "--user", user); err != nil {
		return "", nil, err
	}
	return uniqueID(user + "-"), inputs, nil
}

// Read reports the attachment gone when the user is gone or no longer has the policy. An
// import names it "<user>/<policy>", as upstream's import does.
func (a iamUserPolicyAttachment) Read(ctx context.Context, old standin.State) (standin.State, error) {
	c, err := a.p.connection()
	if err != nil {
		return standin.State{}, err
	}
	inputs, id := old.Inputs, old.ID
	if _, ok := standin.String(inputs, "userName"); !ok {
		user, policy, found := strings.Cut(old.ID, "/")
		if !found {
			return standin.State{}, fmt.Errorf("minio: import an IamUserPolicyAttachment as <user>/<policy> (got %q)", old.ID)
		}
		inputs = resource.PropertyMap{"userName": resource.NewStringProperty(user), "policyName": resource.NewStringProperty(policy)}
		id = uniqueID(user + "-")
	}
	user, _ := standin.String(inputs, "userName")
	policy, _ := standin.String(inputs, "policyName")
	info, err := c.userInfo(ctx, user)
	if isCode(err, "XMinioAdminNoSuchUser") {
		return standin.State{}, nil
	} else if err != nil {
		return standin.State{}, err
	}
	if !slices.Contains(strings.Split(info.PolicyName, ","), policy) {
		return standin.State{}, nil
	}
	return standin.State{ID: id, Inputs: inputs, Outputs: inputs}, nil
}

func (iamUserPolicyAttachment) Update(context.Context, standin.State, resource.PropertyMap, bool) (resource.PropertyMap, error) {
	return nil, fmt.Errorf("minio: IamUserPolicyAttachment has no in-place updates; every change replaces it")
}

// Delete detaches the policy; a user or policy already gone leaves nothing to detach.
func (a iamUserPolicyAttachment) Delete(ctx context.Context, old standin.State) error {
	c, err := a.p.connection()
	if err != nil {
		return err
	}
	user, _ := standin.String(old.Inputs, "userName")
	policy, _ := standin.String(old.Inputs, "policyName")
	err = c.mc(ctx, "", nil, "admin", "policy", "detach", mcAlias, policy, "--user", user)
	if isCode(err, "XMinioAdminNoSuchUser") || isCode(err, "XMinioAdminNoSuchPolicy") {
		return nil
	}
	return err
}
