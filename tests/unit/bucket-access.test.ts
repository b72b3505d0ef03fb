/** Bucket policies and the Thanos objstore config, without the Pulumi engine. */
import * as YAML from "yaml";
import { bucketPolicy, perConsumer, thanosObjstoreConfig } from "../../components/central/bucket-access";
import { centralSettings } from "../support/central";

describe("bucket policy", () => {
  test("list on the bucket, get/put/delete on its objects, nothing else", () => {
    expect(bucketPolicy("thanos-bucket")).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["s3:ListBucket"], Resource: ["arn:aws:s3:::thanos-bucket"] },
        { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: ["arn:aws:s3:::thanos-bucket/*"] },
      ],
    });
  });

  test("each consumer's policy names its own bucket and no other", () => {
    const buckets = centralSettings().buckets;
    const policies = perConsumer((consumer) => bucketPolicy(buckets[consumer]));
    for (const [consumer, policy] of Object.entries(policies)) {
      const resources = policy.Statement.flatMap((s) => s.Resource);
      const own = buckets[consumer as keyof typeof buckets];
      expect(resources.every((r) => r === `arn:aws:s3:::${own}` || r === `arn:aws:s3:::${own}/*`)).toBe(true);
      for (const other of Object.values(buckets).filter((b) => b !== own)) expect(JSON.stringify(policy)).not.toContain(other);
    }
  });
});

describe("Thanos objstore config", () => {
  const credentials = { accessKey: "thanos-bucket", secretKey: "s3cr3t" };

  test("S3 on the MinIO endpoint over plain HTTP by default", () => {
    const { minio, buckets } = centralSettings();
    expect(YAML.parse(thanosObjstoreConfig(buckets.thanos, minio, credentials))).toEqual({
      type: "S3",
      config: {
        bucket: "thanos-bucket",
        endpoint: "minio.minio.svc.cluster.local:9000",
        region: "us-east-1",
        access_key: "thanos-bucket",
        secret_key: "s3cr3t",
        insecure: true,
        http_config: { insecure_skip_verify: false },
      },
    });
  });

  test("TLS settings follow config", () => {
    const { minio } = centralSettings((c) => Object.assign(c.minio, { ssl: true, insecureSkipVerify: true }));
    const { config } = YAML.parse(thanosObjstoreConfig("b", minio, credentials));
    expect(config.insecure).toBe(false);
    expect(config.http_config).toEqual({ insecure_skip_verify: true });
  });
});
