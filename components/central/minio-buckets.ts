import * as minio from "@pulumi/minio";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { BucketConsumer, bucketPolicy, Credentials, perConsumer, thanosObjstoreConfig } from "./bucket-access";
import { CentralSettings } from "../../config/central";

export interface MinioBucketsArgs {
  /** Connection to the existing MinIO server. */
  minio: CentralSettings["minio"];
  /** Bucket names per consumer. */
  buckets: CentralSettings["buckets"];
  /** MinIO admin credentials (kept secret). */
  adminUser: pulumi.Input<string>;
  adminPassword: pulumi.Input<string>;
}

/**
 * Buckets on the existing MinIO server for Thanos, Longhorn backups and OpenSearch logs, each
 * with its own user allowed into that bucket only. The user is named after its bucket (bucket
 * names are unique on the server), and that name is its access key.
 */
export class MinioBuckets extends pulumi.ComponentResource {
  readonly bucketNames: pulumi.Output<CentralSettings["buckets"]>;
  /** Secret: each consumer's access and secret key. */
  readonly credentials: pulumi.Output<Record<BucketConsumer, Credentials>>;
  /** Secret: the Thanos objstore config (THANOS_OBJSTORE_KEY of THANOS_OBJSTORE_SECRET). */
  readonly thanosObjstoreConfig: pulumi.Output<string>;

  constructor(name: string, args: MinioBucketsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("multicluster:storage:MinioBuckets", name, {}, opts);
    const provider = new minio.Provider(
      `${name}-minio`,
      {
        // The provider runs where `pulumi` runs, which cannot resolve the in-cluster endpoint.
        minioServer: args.minio.deployEndpoint,
        minioUser: pulumi.secret(args.adminUser),
        minioPassword: pulumi.secret(args.adminPassword),
        minioSsl: args.minio.ssl,
        minioInsecure: args.minio.insecureSkipVerify,
        minioRegion: args.minio.region,
      },
      { parent: this },
    );
    const childOpts = { parent: this, provider };

    const access = perConsumer((consumer) => {
      const bucketName = args.buckets[consumer];
      // Losing a bucket loses the data in it: `pulumi destroy` must not take it along.
      const bucket = new minio.S3Bucket(`${name}-${consumer}`, { bucket: bucketName, forceDestroy: false }, { ...childOpts, protect: true });
      const secretKey = new random.RandomPassword(`${name}-${consumer}-secret-key`, { length: 40, special: false }, { parent: this });
      // The provider marks the result secret; mocks do not, and nothing may depend on that.
      const secretValue = pulumi.secret(secretKey.result);
      const user = new minio.IamUser(`${name}-${consumer}-user`, { name: bucketName, secret: secretValue }, childOpts);
      const policy = new minio.IamPolicy(`${name}-${consumer}-policy`, { name: `${bucketName}-readwrite`, policy: JSON.stringify(bucketPolicy(bucketName)) }, childOpts);
      const attachment = new minio.IamUserPolicyAttachment(`${name}-${consumer}-policy-attachment`, { userName: user.name, policyName: policy.name }, childOpts);
      // Usable only once the policy is attached, so consumers never start with a powerless key.
      const credentials: pulumi.Output<Credentials> = pulumi.secret(
        pulumi.all([user.name, secretValue, attachment.id]).apply(([accessKey, secretKey]) => ({ accessKey, secretKey })),
      );
      return { bucket: bucket.bucket, credentials };
    });

    this.bucketNames = pulumi.output(perConsumer((consumer) => access[consumer].bucket));
    this.credentials = pulumi.secret(perConsumer((consumer) => access[consumer].credentials));
    this.thanosObjstoreConfig = pulumi.secret(
      pulumi.all([access.thanos.bucket, access.thanos.credentials]).apply(([bucket, creds]) => thanosObjstoreConfig(bucket, args.minio, creds)),
    );
    this.registerOutputs({ bucketNames: this.bucketNames, credentials: this.credentials, thanosObjstoreConfig: this.thanosObjstoreConfig });
  }
}
