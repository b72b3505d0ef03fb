package main

import (
	"context"
	"fmt"
	"regexp"

	"github.com/minio/minio-go/v7"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"multicluster-metrics/tools/pulumi-standin-providers/internal/standin"
)

var bucketSchema = standin.Schema{
	{Name: "bucket", Kind: standin.KindString, Required: true},
	{Name: "acl", Kind: standin.KindString, Default: resource.NewStringProperty("private"), InPlace: true},
	{Name: "forceDestroy", Kind: standin.KindBool, Default: resource.NewBoolProperty(false), InPlace: true},
}

var bucketName = regexp.MustCompile(`^[0-9a-z][0-9a-z.-]{1,61}[0-9a-z]$`)

type s3Bucket struct{ p *minioProvider }

func (b s3Bucket) Check(ctx context.Context, _, news resource.PropertyMap) (resource.PropertyMap, []standin.Failure, error) {
	inputs, failures := bucketSchema.Check(news)
	if name, ok := standin.String(inputs, "bucket"); ok && !bucketName.MatchString(name) {
		failures = append(failures, standin.Failure{Property: "bucket", Reason: fmt.Sprintf("bucket %q must be 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit", name)})
	}
	if acl, ok := standin.String(inputs, "acl"); ok && acl != "private" {
		failures = append(failures, standin.Failure{Property: "acl", Reason: fmt.Sprintf("acl %q is not implemented by this stand-in provider (only private)", acl)})
	}
	return inputs, failures, b.p.checkReachable(ctx)
}

func (s3Bucket) Diff(_ context.Context, old standin.State, news resource.PropertyMap) ([]standin.Change, error) {
	return bucketSchema.Diff(old.Inputs, news), nil
}

// bucketOutputs are upstream's computed outputs: the ARN and the server URL of the bucket.
func bucketOutputs(c *connection, inputs resource.PropertyMap, name string) resource.PropertyMap {
	return standin.Outputs(inputs, map[string]resource.PropertyValue{
		"arn":              resource.NewStringProperty("arn:aws:s3:::" + name),
		"bucketDomainName": resource.NewStringProperty(c.endpointURL() + "/minio/" + name),
	})
}

// Create makes the bucket in the provider's region; a bucket that already exists is not taken over.
func (b s3Bucket) Create(ctx context.Context, inputs resource.PropertyMap, preview bool) (string, resource.PropertyMap, error) {
	c, err := b.p.connection()
	if err != nil {
		return "", nil, err
	}
	name, _ := standin.String(inputs, "bucket")
	if preview {
		return "", bucketOutputs(c, inputs, name), nil
	}
	client, err := c.s3()
	if err != nil {
		return "", nil, err
	}
	if exists, err := client.BucketExists(ctx, name); err != nil {
		return "", nil, fmt.Errorf("minio: checking bucket %s: %w", name, err)
	} else if exists {
		return "", nil, fmt.Errorf("minio: bucket %s already exists on %s; import it (pulumi import minio:index/s3Bucket:S3Bucket <name> %s) or choose another name", name, c.server, name)
	}
	if err := client.MakeBucket(ctx, name, minio.MakeBucketOptions{Region: c.region}); err != nil {
		return "", nil, fmt.Errorf("minio: creating bucket %s: %w", name, err)
	}
	return name, bucketOutputs(c, inputs, name), nil
}

// Read reports a bucket that is gone as gone; an import (id only) gets the default inputs.
func (b s3Bucket) Read(ctx context.Context, old standin.State) (standin.State, error) {
	c, err := b.p.connection()
	if err != nil {
		return standin.State{}, err
	}
	client, err := c.s3()
	if err != nil {
		return standin.State{}, err
	}
	exists, err := client.BucketExists(ctx, old.ID)
	if err != nil {
		return standin.State{}, fmt.Errorf("minio: reading bucket %s: %w", old.ID, err)
	}
	if !exists {
		return standin.State{}, nil
	}
	inputs := old.Inputs
	if _, ok := standin.String(inputs, "bucket"); !ok {
		inputs, _ = bucketSchema.Check(resource.PropertyMap{"bucket": resource.NewStringProperty(old.ID)})
	}
	return standin.State{ID: old.ID, Inputs: inputs, Outputs: bucketOutputs(c, inputs, old.ID)}, nil
}

// Update: acl (private only) and forceDestroy live in the state; the bucket is unchanged.
func (b s3Bucket) Update(_ context.Context, old standin.State, news resource.PropertyMap, _ bool) (resource.PropertyMap, error) {
	c, err := b.p.connection()
	if err != nil {
		return nil, err
	}
	return bucketOutputs(c, news, old.ID), nil
}

// Delete refuses a bucket with objects unless forceDestroy, so data is never lost by accident.
func (b s3Bucket) Delete(ctx context.Context, old standin.State) error {
	c, err := b.p.connection()
	if err != nil {
		return err
	}
	client, err := c.s3()
	if err != nil {
		return err
	}
	if exists, err := client.BucketExists(ctx, old.ID); err != nil || !exists {
		return err
	}
	force := standin.Bool(old.Outputs, "forceDestroy", false)
	if !force {
		listCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		for object := range client.ListObjects(listCtx, old.ID, minio.ListObjectsOptions{Recursive: true, WithVersions: true, MaxKeys: 1}) {
			if object.Err != nil {
				return fmt.Errorf("minio: listing bucket %s: %w", old.ID, object.Err)
			}
			return fmt.Errorf("minio: bucket %s is not empty; empty it first, or set forceDestroy: true on its S3Bucket to delete it with its objects", old.ID)
		}
	}
	if err := client.RemoveBucketWithOptions(ctx, old.ID, minio.RemoveBucketOptions{ForceDelete: force}); err != nil {
		return fmt.Errorf("minio: deleting bucket %s: %w", old.ID, err)
	}
	return nil
}
