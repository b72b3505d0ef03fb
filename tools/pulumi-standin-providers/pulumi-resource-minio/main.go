// Command pulumi-resource-minio is a STAND-IN for the Pulumi MinIO provider (@pulumi/minio
// 0.17.1), for machines that cannot download the real plugin: this project's local engine
// tests run the real Pulumi CLI against it and a loopback MinIO server. It does the real work
// on the server for the resources the program uses, with the real provider's type tokens,
// property names and ids:
//   - the provider (pulumi:providers:minio): minioServer, minioUser/minioPassword (or the
//     deprecated minioAccessKey/minioSecretKey), minioSsl, minioInsecure, minioRegion
//   - minio:index/s3Bucket:S3Bucket (S3 API, github.com/minio/minio-go/v7)
//   - minio:index/iamUser:IamUser, minio:index/iamPolicy:IamPolicy and
//     minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment, through the MinIO client
//     `mc` (found on PATH, or at MULTICLUSTER_MC), run as a separate process with the
//     credentials in its environment only
//
// Check names any property it does not implement (bucketPrefix, objectLocking, quota, an acl
// other than private, user tags, namePrefix, client certificates, session tokens). The real
// provider is not built here on purpose: it is AGPL-licensed, as is madmin-go, and neither is
// linked. Users deploying the program install the real provider as usual (npm install
// @pulumi/minio; the CLI fetches the plugin, or `pulumi plugin install resource minio 0.17.1`).
package main

import "multicluster-metrics/tools/pulumi-standin-providers/internal/standin"

func main() {
	p := &minioProvider{}
	standin.Main(standin.Provider{
		Name:      "minio",
		Version:   "0.17.1",
		Configure: p.configure,
		Resources: map[string]standin.Resource{
			"minio:index/s3Bucket:S3Bucket":                               s3Bucket{p},
			"minio:index/iamUser:IamUser":                                 iamUser{p},
			"minio:index/iamPolicy:IamPolicy":                             iamPolicy{p},
			"minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment": iamUserPolicyAttachment{p},
		},
	})
}
