import * as minio from "@pulumi/minio";
import * as pulumi from "@pulumi/pulumi";
import { CentralSettings } from "./config";

export interface MinioBucketsArgs {
  /** Connection to the existing MinIO server. */
  minio: CentralSettings["minio"];
  /** Bucket names per consumer. */
  buckets: CentralSettings["buckets"];
  /** MinIO admin credentials (kept secret). */
  adminUser: pulumi.Input<string>;
  adminPassword: pulumi.Input<string>;
}

/** Buckets on the existing MinIO server for Thanos, Longhorn backups and OpenSearch logs. */
export class MinioBuckets extends pulumi.ComponentResource {
  readonly bucketNames: pulumi.Output<CentralSettings["buckets"]>;

  constructor(name: string, args: MinioBucketsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("multicluster:storage:MinioBuckets", name, {}, opts);
    const provider = new minio.Provider(
      `${name}-minio`,
      {
        minioServer: args.minio.endpoint,
        minioUser: pulumi.secret(args.adminUser),
        minioPassword: pulumi.secret(args.adminPassword),
        minioSsl: args.minio.ssl,
        minioInsecure: args.minio.insecureSkipVerify,
        minioRegion: args.minio.region,
      },
      { parent: this },
    );
    for (const [consumer, bucket] of Object.entries(args.buckets)) {
      new minio.S3Bucket(`${name}-${consumer}`, { bucket }, { parent: this, provider, protect: true });
    }
    this.bucketNames = pulumi.output(args.buckets);
    this.registerOutputs({ bucketNames: this.bucketNames });
  }
}
