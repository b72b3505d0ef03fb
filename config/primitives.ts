/**
 * The building blocks of the stack-file schema: the project's key namespace, the error every
 * validation failure becomes, and the zod types with their sanity bounds that the central and
 * edge schemas are made of.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { durationMs, parseDuration } from "./duration";
import { parseQuantity } from "./quantity";

/** The Pulumi project name, and so the namespace of every config key. */
export const PROJECT = "multicluster";

/** Config keys that hold secrets: set them with `pulumi config set --secret`. */
export const SECRET_KEYS = ["kubeconfig", "minioUser", "minioPassword", "alertWebhookCritical", "alertWebhookWarning"] as const;

/**
 * Bad input: the stack file, the key and what was expected. A RunError, so the Pulumi CLI
 * prints the message alone, as one error line without a stack trace (like the SDK's own
 * config errors); the synth and the tests catch it by this class.
 */
export class ConfigError extends pulumi.RunError {
  constructor(
    readonly file: string,
    /** Full key path, e.g. `multicluster:central.receive.replicationFactor`. */
    readonly keyPath: string,
    readonly expected: string,
  ) {
    super(`${file}: ${keyPath}: ${expected}`);
    this.name = "ConfigError";
  }
}

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const dnsLabel = (what: string) =>
  z
    .string()
    .max(63, `expected ${what} of at most 63 characters`)
    .regex(DNS_LABEL, `expected ${what}: lowercase letters, digits and '-', starting and ending with a letter or digit`);

/**
 * A tenant id travels as the THANOS-TENANT header value, the `tenant_id` label value and
 * a namespace name, so it must be valid as all three: a DNS-1123 label.
 */
export const tenantId = dnsLabel("a tenant id usable as header value, label value and namespace name");

export const clusterName = dnsLabel("a cluster name");

/** Fully qualified name of the central stack, e.g. `organization/multicluster/cluster-01`. */
export const centralStackName = z
  .string()
  .regex(/^([A-Za-z0-9_.-]+\/){0,2}[A-Za-z0-9_.-]+$/, "expected a stack name such as organization/multicluster/cluster-01");

export const duration = z.string().refine((s) => parseDuration(s) !== undefined, {
  message: "expected a Prometheus duration such as 90m, 36h or 7d",
});

export const quantity = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti|P|Pi|E|Ei)?$/, "expected a Kubernetes quantity such as 500m, 256Mi or 10Gi");

// Sanity bounds: a value past them is a typo or a unit mix-up, never a plan. Each message
// says where the bound comes from; the error adds the value given.

/** A whole number from `min` to `max`. */
export const count = (min: number, max: number, why: string) =>
  z.number().max(max, `expected at most ${max} (${why})`).min(min, `expected at least ${min}`).int("expected a whole number");

export const durationUpTo = (max: string, why: string) =>
  duration.refine((s) => (parseDuration(s) ?? 0) <= durationMs(max), `expected at most ${max} (${why})`);

export const quantityUpTo = (max: string, why: string) =>
  quantity.refine((q) => (parseQuantity(q) ?? 0) <= (parseQuantity(max) ?? 0), `expected at most ${max} (${why})`);

export const volumeSize = quantityUpTo("64Ti", "the largest single volume common block storage provisions");
export const containerCpu = quantityUpTo("128", "more cores than one node has");
export const containerMemory = quantityUpTo("1Ti", "more memory than one node has");
export const ipAddress = z.union([z.ipv4(), z.ipv6()], { error: "expected an IPv4 or IPv6 address" });
export const cidr = z.union([z.cidrv4(), z.cidrv6()], { error: "expected a CIDR such as 10.0.0.0/8" });

export const resources = z.strictObject({
  requests: z.strictObject({ cpu: containerCpu.optional(), memory: containerMemory.optional() }).prefault({}),
  limits: z.strictObject({ cpu: containerCpu.optional(), memory: containerMemory.optional() }).prefault({}),
});

// S3 bucket naming rules (the subset MinIO enforces too).
export const bucketName = z
  .string()
  .min(3, "expected an S3 bucket name of 3 to 63 characters")
  .max(63, "expected an S3 bucket name of 3 to 63 characters")
  .regex(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/, "expected an S3 bucket name: lowercase letters, digits, '.' and '-', starting and ending with a letter or digit")
  .refine((s) => !/^\d+\.\d+\.\d+\.\d+$/.test(s), "expected an S3 bucket name, not an IP address")
  .refine((s) => !s.includes(".."), "expected an S3 bucket name without '..'");

/** The receivers' tenant for writes without a tenant header. */
export const DEFAULT_TENANT = "default-tenant";

export const WHOLE_CLUSTER = "one tenant's namespace cannot use more than a whole cluster has";
export const SHARDS = "each shard is one concurrent request to the receivers";
export const BACKOFF = "a longer retry pause outlasts RemoteWriteFailing's 5m window";
export const TEN_YEARS = "ten years: longer than any metrics retention this platform plans for";

/** Receive write limits; 0 is unlimited. */
export const WRITE_LIMITS = {
  requestSizeBytes: count(0, 1024 ** 3, "1 GiB: a receiver holds a whole request body in memory"),
  requestSeries: count(0, 10_000_000, "ten million series in one request is no agent's batch"),
  requestSamples: count(0, 10_000_000, "ten million samples in one request is no agent's batch"),
  headSeries: count(0, 1_000_000_000, "a billion active series is far past what the receivers' memory holds"),
};

export const httpHeaderName = z.string().regex(/^[A-Za-z0-9-]+$/, "expected an HTTP header name (letters, digits and '-')");

export const promLabelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "expected a Prometheus label name");

/** The shortest WAL an edge may keep, and so the shortest central outage every edge rides out. */
export const MIN_WAL_AGE = "2h";
