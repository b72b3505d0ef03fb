package main

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"multicluster-metrics/tools/pulumi-standin-providers/internal/standin"
)

var (
	no         = resource.NewBoolProperty(false)
	userSchema = standin.Schema{
		{Name: "name", Kind: standin.KindString, Required: true},
		{Name: "secret", Kind: standin.KindString, InPlace: true},
		{Name: "disableUser", Kind: standin.KindBool, Default: no, InPlace: true},
		{Name: "forceDestroy", Kind: standin.KindBool, Default: no, InPlace: true},
		{Name: "updateSecret", Kind: standin.KindBool, Default: no, InPlace: true},
	}
)

type iamUser struct{ p *minioProvider }

// checkAdmin: what every admin resource needs before anything is created, mc and a live server.
func checkAdmin(ctx context.Context, p *minioProvider) error {
	if _, err := mcBinary(); err != nil {
		return err
	}
	return p.checkReachable(ctx)
}

func (u iamUser) Check(ctx context.Context, _, news resource.PropertyMap) (resource.PropertyMap, []standin.Failure, error) {
	inputs, failures := userSchema.Check(news)
	if v := inputs["secret"]; !v.IsNull() && !v.IsSecret() {
		inputs["secret"] = resource.MakeSecret(v)
	}
	return inputs, failures, checkAdmin(ctx, u.p)
}

func (iamUser) Diff(_ context.Context, old standin.State, news resource.PropertyMap) ([]standin.Change, error) {
	return userSchema.Diff(old.Inputs, news), nil
}

func status(disabled bool) string {
	if disabled {
		return "disabled"
	}
	return "enabled"
}

// userOutputs: the inputs, the secret in force (the input, else the one generated) and the status.
func userOutputs(inputs resource.PropertyMap, secret string, disabled bool) resource.PropertyMap {
	return standin.Outputs(inputs, map[string]resource.PropertyValue{
		"secret": standin.SecretString(secret),
		"status": resource.NewStringProperty(status(disabled)),
	})
}

// Create adds the user (its access key is its name); without a secret input, one is generated
// as upstream does. A user that already exists is not taken over.
func (u iamUser) Create(ctx context.Context, inputs resource.PropertyMap, preview bool) (string, resource.PropertyMap, error) {
	if preview {
		return "", standin.UnknownOutputs(inputs, "secret", "status"), nil
	}
	c, err := u.p.connection()
	if err != nil {
		return "", nil, err
	}
	name, _ := standin.String(inputs, "name")
	if _, err := c.userInfo(ctx, name); err == nil {
		return "", nil, fmt.Errorf("minio: user %s already exists on %s; remove it or choose another name", name, c.server)
	} else if !isCode(err, "XMinioAdminNoSuchUser") {
		return "", nil, err
	}
	secret, ok := standin.String(inputs, "secret")
	if !ok {
		secret = rand.Text()
	}
	if err := c.setUserSecret(ctx, name, secret); err != nil {
		return "", nil, err
	}
	disabled := standin.Bool(inputs, "disableUser", false)
	if err := c.setUserStatus(ctx, name, disabled); err != nil {
		return "", nil, err
	}
	return name, userOutputs(inputs, secret, disabled), nil
}

type userInfo struct {
	PolicyName string `json:"policyName"`
	UserStatus string `json:"userStatus"`
}

func (c *connection) userInfo(ctx context.Context, name string) (userInfo, error) {
	var info userInfo
	err := c.mc(ctx, "", &info, "admin", "user", "info", mcAlias, name)
	return info, err
}

// setUserSecret adds the user or changes its secret; the secret goes to mc on stdin.
func (c *connection) setUserSecret(ctx context.Context, name, secret string) error {
	return c.mc(ctx, secret+"\n", nil, "admin", "user", "add", mcAlias, name)
}

func (c *connection) setUserStatus(ctx context.Context, name string, disabled bool) error {
	return c.mc(ctx, "", nil, "admin", "user", map[bool]string{true: "disable", false: "enable"}[disabled], mcAlias, name)
}

// Read reports a removed user as gone, and a user enabled or disabled behind Pulumi's back as such.
func (u iamUser) Read(ctx context.Context, old standin.State) (standin.State, error) {
	c, err := u.p.connection()
	if err != nil {
		return standin.State{}, err
	}
	info, err := c.userInfo(ctx, old.ID)
	if isCode(err, "XMinioAdminNoSuchUser") {
		return standin.State{}, nil
	} else if err != nil {
		return standin.State{}, err
	}
	inputs := old.Inputs.Copy()
	if _, ok := standin.String(inputs, "name"); !ok {
		inputs, _ = userSchema.Check(resource.PropertyMap{"name": resource.NewStringProperty(old.ID)})
	}
	disabled := info.UserStatus == "disabled"
	inputs["disableUser"] = resource.NewBoolProperty(disabled)
	secret, _ := standin.String(old.Outputs, "secret")
	return standin.State{ID: old.ID, Inputs: inputs, Outputs: userOutputs(inputs, secret, disabled)}, nil
}

// Update sets a changed secret (updateSecret also re-sends it) and a changed status.
func (u iamUser) Update(ctx context.Context, old standin.State, news resource.PropertyMap, preview bool) (resource.PropertyMap, error) {
	secret, ok := standin.String(news, "secret")
	if !ok {
		secret, _ = standin.String(old.Outputs, "secret")
	}
	disabled := standin.Bool(news, "disableUser", false)
	if preview {
		outputs := userOutputs(news, secret, disabled)
		if news["secret"].ContainsUnknowns() {
			outputs["secret"] = standin.Unknown()
		}
		return outputs, nil
	}
	c, err := u.p.connection()
	if err != nil {
		return nil, err
	}
	if !standin.Equal(old.Inputs["secret"], news["secret"]) || standin.Bool(news, "updateSecret", false) {
		if err := c.setUserSecret(ctx, old.ID, secret); err != nil {
			return nil, err
		}
	}
	if standin.Bool(old.Inputs, "disableUser", false) != disabled {
		if err := c.setUserStatus(ctx, old.ID, disabled); err != nil {
			return nil, err
		}
	}
	return userOutputs(news, secret, disabled), nil
}

// Delete removes the user (MinIO removes its service accounts with it); a user already gone is fine.
func (u iamUser) Delete(ctx context.Context, old standin.State) error {
	c, err := u.p.connection()
	if err != nil {
		return err
	}
	err = c.mc(ctx, "", nil, "admin", "user", "remove", mcAlias, old.ID)
	if isCode(err, "XMinioAdminNoSuchUser") {
		return nil
	}
	return err
}
