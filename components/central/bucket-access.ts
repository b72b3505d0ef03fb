/**
 * Who may use which bucket on the MinIO server, and how Thanos reaches its bucket: pure
 * functions of validated config, tested without the Pulumi engine.
 */
import * as YAML from "yaml";
import { CentralSettings } from "../../config/central";

/** The consumers that each get one bucket, one user and one policy. */
export type BucketConsumer = keyof CentralSettings["buckets"];

/** `make` applied to every consumer, keyed by consumer. */
export function perConsumer<T>(make: (consumer: BucketConsumer) => T): Record<BucketConsumer, T> {
  return { thanos: make("thanos"), longhorn: make("longhorn"), opensearch: make("opensearch") };
}

export interface Credentials {
  accessKey: string;
  secretKey: string;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: { Effect: "Allow"; Action: string[]; Resource: string[] }[];
}

/** Read, write, list and delete in `bucket`, and nothing anywhere else. */
export function bucketPolicy(bucket: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["s3:ListBucket"], Resource: [`arn:aws:s3:::${bucket}`] },
      { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: [`arn:aws:s3:::${bucket}/*`] },
    ],
  };
}

/**
 * The Thanos objstore config (https://thanos.io/tip/thanos/storage.md/#s3) for the Thanos
 * bucket. It carries the secret key: it only ever goes into a Kubernetes Secret.
 */
export function thanosObjstoreConfig(bucket: string, minio: CentralSettings["minio"], credentials: Credentials): string {
  return YAML.stringify({
    type: "S3",
    config: {
      bucket,
      endpoint: minio.endpoint,
      // Set, so the client never needs s3:GetBucketLocation (not in the policy).
      region: minio.region,
      access_key: credentials.accessKey,
      secret_key: credentials.secretKey,
      // `insecure` means plain HTTP.
      insecure: !minio.ssl,
      http_config: { insecure_skip_verify: minio.insecureSkipVerify },
    },
  });
}
