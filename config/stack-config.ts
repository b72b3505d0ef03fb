/**
 * The one config schema every stack file is validated against.
 *
 * A stack file's `config:` map is flat (`multicluster:role`, `multicluster:central`, ...);
 * `parseStackConfig` validates it, applies the defaults that live in the schema, resolves
 * the kubeconfig, and throws a `ConfigError` naming the stack file, the key path and what
 * was expected. It is pure apart from reading the kubeconfig file, so it is tested without
 * the Pulumi engine; `loadStackConfig` feeds it the running stack's config.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { z } from "zod";
import { describeIssue } from "./issues";
import { durationMs, parseDuration } from "./duration";
import { parseQuantity } from "./quantity";

/** The Pulumi project name, and so the namespace of every config key. */
export const PROJECT = "multicluster";

/** Config keys that hold secrets: set them with `pulumi config set --secret`. */
export const SECRET_KEYS = ["kubeconfig", "minioUser", "minioPassword", "alertWebhookCritical", "alertWebhookWarning"] as const;

export class ConfigError extends Error {
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

// ---------------------------------------------------------------------------
// Building blocks

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const dnsLabel = (what: string) =>
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

const duration = z.string().refine((s) => parseDuration(s) !== undefined, {
  message: "expected a Prometheus duration such as 90m, 36h or 7d",
});

const quantity = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti|P|Pi|E|Ei)?$/, "expected a Kubernetes quantity such as 500m, 256Mi or 10Gi");

// Sanity bounds: a value past them is a typo or a unit mix-up, never a plan. Each message
// says where the bound comes from; the error adds the value given.

/** A whole number from `min` to `max`. */
const count = (min: number, max: number, why: string) =>
  z.number().max(max, `expected at most ${max} (${why})`).min(min, `expected at least ${min}`).int("expected a whole number");

const durationUpTo = (max: string, why: string) =>
  duration.refine((s) => (parseDuration(s) ?? 0) <= durationMs(max), `expected at most ${max} (${why})`);

const quantityUpTo = (max: string, why: string) =>
  quantity.refine((q) => (parseQuantity(q) ?? 0) <= (parseQuantity(max) ?? 0), `expected at most ${max} (${why})`);

const volumeSize = quantityUpTo("64Ti", "the largest single volume common block storage provisions");
const containerCpu = quantityUpTo("128", "more cores than one node has");
const containerMemory = quantityUpTo("1Ti", "more memory than one node has");
const ipAddress = z.union([z.ipv4(), z.ipv6()], { error: "expected an IPv4 or IPv6 address" });
const cidr = z.union([z.cidrv4(), z.cidrv6()], { error: "expected a CIDR such as 10.0.0.0/8" });

const resources = z.strictObject({
  requests: z.strictObject({ cpu: containerCpu.optional(), memory: containerMemory.optional() }).prefault({}),
  limits: z.strictObject({ cpu: containerCpu.optional(), memory: containerMemory.optional() }).prefault({}),
});

// S3 bucket naming rules (the subset MinIO enforces too).
const bucketName = z
  .string()
  .min(3, "expected an S3 bucket name of 3 to 63 characters")
  .max(63, "expected an S3 bucket name of 3 to 63 characters")
  .regex(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/, "expected an S3 bucket name: lowercase letters, digits, '.' and '-', starting and ending with a letter or digit")
  .refine((s) => !/^\d+\.\d+\.\d+\.\d+$/.test(s), "expected an S3 bucket name, not an IP address")
  .refine((s) => !s.includes(".."), "expected an S3 bucket name without '..'");

/** The receivers' tenant for writes without a tenant header. */
export const DEFAULT_TENANT = "default-tenant";

const WHOLE_CLUSTER = "one tenant's namespace cannot use more than a whole cluster has";
const SHARDS = "each shard is one concurrent request to the receivers";
const BACKOFF = "a longer retry pause outlasts RemoteWriteFailing's 5m window";
const TEN_YEARS = "ten years: longer than any metrics retention this platform plans for";

/** Receive write limits; 0 is unlimited. */
const WRITE_LIMITS = {
  requestSizeBytes: count(0, 1024 ** 3, "1 GiB: a receiver holds a whole request body in memory"),
  requestSeries: count(0, 10_000_000, "ten million series in one request is no agent's batch"),
  requestSamples: count(0, 10_000_000, "ten million samples in one request is no agent's batch"),
  headSeries: count(0, 1_000_000_000, "a billion active series is far past what the receivers' memory holds"),
};

const httpHeaderName = z.string().regex(/^[A-Za-z0-9-]+$/, "expected an HTTP header name (letters, digits and '-')");

const promLabelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "expected a Prometheus label name");

/** The shortest WAL an edge may keep, and so the shortest central outage every edge rides out. */
const MIN_WAL_AGE = "2h";

// ---------------------------------------------------------------------------
// Central

const centralSchema = z
  .strictObject({
    /** Namespace of everything the central stack installs. */
    namespace: dnsLabel("a namespace name").default("monitoring"),
    receive: z
      .strictObject({
        replicas: count(1, 50, "each receiver is a hashring member with its own volume; 3 carry this fleet's ~7,800 samples/s").default(3),
        replicationFactor: count(1, 50, "copies of every write, at most receive.replicas").default(3),
        tenantHeader: httpHeaderName.default("THANOS-TENANT"),
        defaultTenant: tenantId.default(DEFAULT_TENANT),
        tenantLabel: promLabelName.default("tenant_id"),
        /** How long receivers keep blocks locally after uploading them (`--tsdb.retention`). */
        retention: durationUpTo("30d", "receivers upload every 2h block to the bucket; local blocks only serve recent queries").default("1d"),
        /**
         * How far behind a tenant's newest sample a sample may be and still be accepted
         * (`--tsdb.out-of-order.time-window`): an agent's catch-up after an outage is that old.
         * Edges check their WAL age against it (the `receiveOutOfOrderWindow` output).
         */
        outOfOrderWindow: durationUpTo("7d", "the longest WAL an edge may keep (edge.wal.maxTime)").default("6h"),
        storageSize: volumeSize.default("50Gi"),
        storageClassName: z.string().optional(),
        resources: resources.prefault({ requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "4Gi" } }),
        service: z
          .strictObject({
            /** A fixed address for the LoadBalancer (MetalLB, cloud static IP). */
            loadBalancerIP: ipAddress.optional(),
            /** CIDRs allowed to reach the remote-write endpoint; empty means anyone. */
            loadBalancerSourceRanges: z.array(cidr).default([]),
            annotations: z.record(z.string(), z.string()).default({}),
          })
          .prefault({}),
        ingress: z
          .strictObject({
            enabled: z.boolean().default(false),
            host: z.string().optional(),
            className: z.string().optional(),
            /** Secret holding the certificate; cert-manager can fill it from the annotations. */
            tlsSecretName: z.string().optional(),
            annotations: z.record(z.string(), z.string()).default({}),
          })
          .prefault({})
          .refine((ing) => !ing.enabled || !!ing.host, { message: "expected a host when the ingress is enabled", path: ["host"] }),
        /**
         * Mutual TLS on remote write: receivers present a certificate from the central CA and
         * take the tenant from the client's certificate, never from the header. `false` is plain
         * http with header tenancy, for labs only (synth and pulumi print a warning).
         */
        tls: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
        /**
         * Per-tenant write limits (`--receive.limits-config-file`); 0 means unlimited. Sized from the
         * seed's load: 110k active series over 5 tenants (the cluster agents are the largest, about
         * 30-45k series at 2-3k samples/s each) and agents sending at most 2,000 samples per request.
         */
        limits: z
          .strictObject({
            default: z
              .strictObject({
                // A full 2,000-sample batch is 200-300 KiB decompressed: 4 MiB is ample and stops runaway bodies.
                requestSizeBytes: WRITE_LIMITS.requestSizeBytes.default(4 * 1024 * 1024),
                // Five times the agents' maxSamplesPerSend, so a normal batch never hits it.
                requestSeries: WRITE_LIMITS.requestSeries.default(10_000),
                requestSamples: WRITE_LIMITS.requestSamples.default(10_000),
                // About twice the largest seed tenant: room to grow, but a cardinality explosion stops here.
                headSeries: WRITE_LIMITS.headSeries.default(100_000),
              })
              .prefault({}),
            /** Overrides per tenant id (a tenant of an edge writing here); a key left out inherits `default`. */
            tenants: z
              .record(
                tenantId,
                z.strictObject({
                  requestSizeBytes: WRITE_LIMITS.requestSizeBytes.optional(),
                  requestSeries: WRITE_LIMITS.requestSeries.optional(),
                  requestSamples: WRITE_LIMITS.requestSamples.optional(),
                  headSeries: WRITE_LIMITS.headSeries.optional(),
                }),
              )
              .default({}),
          })
          .prefault({}),
      })
      .prefault({}),
    /** Compactor retention per resolution. */
    retention: z
      .strictObject({
        raw: durationUpTo("10y", TEN_YEARS).default("7d"),
        fiveMinutes: durationUpTo("10y", TEN_YEARS).default("30d"),
        oneHour: durationUpTo("10y", TEN_YEARS).default("180d"),
      })
      .prefault({}),
    prometheus: z
      .strictObject({
        replicas: count(1, 10, "every replica scrapes every target again; 2 make the HA pair").default(2),
        /** Local retention; older data is served from the bucket. */
        retention: durationUpTo("30d", "older data is served from the bucket through the Thanos sidecar").default("2d"),
        storageSize: volumeSize.default("50Gi"),
        storageClassName: z.string().optional(),
      })
      .prefault({}),
    alertmanager: z.strictObject({ replicas: count(1, 10, "every replica gossips with every other; 3 survive losing one").default(3) }).prefault({}),
    /**
     * Control-plane components the central Prometheus scrapes, each with its "Down" alert. Off by
     * default: kubeadm binds the controller manager, scheduler and etcd metrics to 127.0.0.1 and
     * managed clusters do not expose them, and an unreachable target alerts forever.
     */
    controlPlane: z
      .strictObject({
        controllerManager: z.boolean().default(false),
        scheduler: z.boolean().default(false),
        etcd: z.boolean().default(false),
        kubeProxy: z.boolean().default(false),
      })
      .prefault({}),
    grafana: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** Public host name; without it `grafanaUrl` is the in-cluster Service URL. */
        host: z.string().optional(),
      })
      .prefault({}),
    logging: z
      .strictObject({
        enabled: z.boolean().default(false),
        /** Namespace of OpenSearch, Dashboards and Fluent Bit; the logging stack creates it. */
        namespace: dnsLabel("a namespace name").default("logging"),
        opensearchReplicas: count(1, 15, "every node is master-eligible, and a master election among more is slow")
          .refine((n) => n !== 2, "expected 1 (a single node) or at least 3 (a master quorum that survives losing a node), got 2")
          .default(3),
        /** Days a log index is kept before the index lifecycle policy deletes it. */
        retentionDays: count(1, 3650, TEN_YEARS).default(30),
        storageSize: volumeSize.default("50Gi"),
        /** JVM heap of each OpenSearch node; the pod gets twice as much memory. */
        heapSize: z
          .string()
          .regex(/^[1-9][0-9]*[mg]$/, "expected a JVM heap size such as 512m or 2g")
          .refine((h) => parseInt(h, 10) * (h.endsWith("g") ? 1024 : 1) <= 31 * 1024, "expected at most 31g (above that the JVM loses compressed object pointers)")
          .default("1g"),
      })
      .prefault({}),
    minio: z.strictObject({
      /** host:port of the existing MinIO server's S3 API. */
      endpoint: z.string().regex(/^[A-Za-z0-9.-]+(:\d+)?$/, "expected host:port of the MinIO S3 API, without a scheme"),
      ssl: z.boolean().default(false),
      insecureSkipVerify: z.boolean().default(false),
      region: z.string().default("us-east-1"),
    }),
    buckets: z
      .strictObject({
        thanos: bucketName.default("thanos-bucket"),
        longhorn: bucketName.default("longhorn-backups"),
        opensearch: bucketName.default("opensearch-logs"),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    if (c.receive.replicationFactor > c.receive.replicas) {
      ctx.addIssue({
        code: "custom",
        path: ["receive", "replicationFactor"],
        message: `expected at most receive.replicas (${c.receive.replicas}), got ${c.receive.replicationFactor}`,
      });
    }
    if (c.receive.replicationFactor % 2 === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["receive", "replicationFactor"],
        message: `expected an odd replication factor (quorum is RF/2+1, so ${c.receive.replicationFactor} tolerates no more failures than ${c.receive.replicationFactor - 1}), got ${c.receive.replicationFactor}`,
      });
    }
    const r = c.retention;
    const ms = (d: string) => parseDuration(d) ?? 0;
    // The compactor downsamples raw blocks older than 40h and 5m blocks older than 10d.
    if (ms(r.raw) <= durationMs("40h")) {
      ctx.addIssue({ code: "custom", path: ["retention", "raw"], message: `expected more than 40h (raw blocks are downsampled to 5m once 40h old), got ${r.raw}` });
    }
    if (ms(r.fiveMinutes) <= durationMs("10d")) {
      ctx.addIssue({ code: "custom", path: ["retention", "fiveMinutes"], message: `expected more than 10d (5m blocks are downsampled to 1h once 10d old), got ${r.fiveMinutes}` });
    }
    if (ms(r.fiveMinutes) < ms(r.raw)) {
      ctx.addIssue({ code: "custom", path: ["retention", "fiveMinutes"], message: `expected at least retention.raw (${r.raw}), got ${r.fiveMinutes}` });
    }
    if (ms(r.oneHour) < ms(r.fiveMinutes)) {
      ctx.addIssue({ code: "custom", path: ["retention", "oneHour"], message: `expected at least retention.fiveMinutes (${r.fiveMinutes}), got ${r.oneHour}` });
    }
    if (ms(c.receive.outOfOrderWindow) < durationMs(MIN_WAL_AGE)) {
      ctx.addIssue({
        code: "custom",
        path: ["receive", "outOfOrderWindow"],
        message: `expected at least ${MIN_WAL_AGE}: edges keep up to edge.wal.maxTime (at least ${MIN_WAL_AGE}) of samples through an outage and the receivers must accept them, got ${c.receive.outOfOrderWindow}`,
      });
    }
    if (ms(c.receive.retention) < durationMs("2h")) {
      ctx.addIssue({ code: "custom", path: ["receive", "retention"], message: `expected at least 2h (one TSDB block), got ${c.receive.retention}` });
    }
    if (c.logging.enabled && c.logging.namespace === c.namespace) {
      ctx.addIssue({
        code: "custom",
        path: ["logging", "namespace"],
        message: `expected a namespace other than central.namespace (${c.namespace}): the logging stack creates its own, got ${c.logging.namespace}`,
      });
    }
    const bucketValues = Object.entries(c.buckets);
    bucketValues.forEach(([key, name], i) => {
      const first = bucketValues.findIndex(([, other]) => other === name);
      if (first < i) ctx.addIssue({ code: "custom", path: ["buckets", key], message: `expected a bucket name not already used by buckets.${bucketValues[first][0]}, got ${name}` });
    });
    const { ingress, tls } = c.receive;
    if (tls.enabled && ingress.enabled && ingress.tlsSecretName) {
      ctx.addIssue({
        code: "custom",
        path: ["receive", "ingress", "tlsSecretName"],
        message: `expected no tlsSecretName while receive.tls.enabled: the receivers terminate mutual TLS themselves and the Ingress passes TLS through, got ${ingress.tlsSecretName}`,
      });
    }
  });

// ---------------------------------------------------------------------------
// Edge

/** Namespaces Kubernetes itself owns. */
const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

const edgeSchema = z
  .strictObject({
    centralStack: centralStackName,
    namespace: dnsLabel("a namespace name").default("monitoring"),
    /** Tenant id of the cluster-wide agent; the cluster name by default. */
    tenantId: tenantId.optional(),
    /** Node names tenants may be placed on (`kubernetes.io/hostname`). */
    nodes: z.array(dnsLabel("a node name")).default([]),
    tenants: z
      .array(
        z.strictObject({
          id: tenantId,
          node: dnsLabel("a node name"),
          quota: z
            .strictObject({
              cpu: quantityUpTo("1000", WHOLE_CLUSTER).default("2"),
              memory: quantityUpTo("16Ti", WHOLE_CLUSTER).default("4Gi"),
              pods: count(1, 10000, "more pods than 90 nodes run at Kubernetes' default of 110 per node").default(20),
            })
            .prefault({}),
          /** The LimitRange's defaults for containers that set none (the quota needs requests and memory limits). */
          containerDefaults: z
            .strictObject({
              cpuRequest: containerCpu.default("100m"),
              memoryRequest: containerMemory.default("128Mi"),
              memoryLimit: containerMemory.default("256Mi"),
            })
            .prefault({})
            .refine((d) => (parseQuantity(d.memoryRequest) ?? 0) <= (parseQuantity(d.memoryLimit) ?? 0), {
              message: "expected a memoryRequest no larger than memoryLimit",
              path: ["memoryRequest"],
            }),
        }),
      )
      .max(100, "expected at most 100 tenants (each runs its own agent on its node)")
      .default([]),
    remoteWrite: z
      .strictObject({
        // Sized for the seed's load (about 7,800 samples/s across the fleet, 2-3k per agent):
        // one shard sends ~40k samples/s, so 20 shards drain a 2h backlog in minutes without
        // letting six recovering agents open 300 connections against three receivers.
        // batchSendDeadline 2s, not Prometheus' 5s: an agent sending under 1,000 samples/s
        // (a tenant's) fills a batch of 2,000 more slowly than that, so its samples waited up
        // to 5s; `npm run bench` at the seed's load, two pairs of runs: fleet lag p99 6s -> 3s
        // and 8s -> 6s, receiver CPU unchanged (README, Performance).
        queue: z
          .strictObject({
            capacity: count(1, 1_000_000, "samples every shard buffers in the agent's memory").default(10000),
            minShards: count(1, 1000, SHARDS).default(1),
            maxShards: count(1, 1000, SHARDS).default(20),
            maxSamplesPerSend: count(1, 100_000, "samples in one request to the receivers").default(2000),
            batchSendDeadline: durationUpTo("5m", "samples wait at most this long for a full batch; longer delays every alert").default("2s"),
            minBackoff: durationUpTo("5m", BACKOFF).default("30ms"),
            maxBackoff: durationUpTo("5m", BACKOFF).default("30s"),
          })
          .prefault({}),
        /**
         * Samples older than this are dropped instead of sent (`queueConfig.sampleAgeLimit`);
         * `wal.maxTime` when unset, so nothing the WAL keeps is dropped.
         */
        sampleAgeLimit: durationUpTo("7d", "the longest WAL an edge may keep (wal.maxTime)").optional(),
        tls: z
          .strictObject({
            /** PEM CA bundle for a receiver behind a private CA (public data, not a secret). */
            caCert: z
              .string()
              .regex(/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/, "expected a PEM CA bundle (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)")
              .optional(),
            serverName: z.string().optional(),
            insecureSkipVerify: z.boolean().default(false),
          })
          .prefault({}),
      })
      .prefault({})
      .refine((rw) => rw.queue.capacity >= rw.queue.maxSamplesPerSend, {
        message: "expected queue.capacity of at least queue.maxSamplesPerSend",
        path: ["queue", "capacity"],
      })
      .refine((rw) => rw.queue.maxShards >= rw.queue.minShards, { message: "expected queue.maxShards of at least queue.minShards", path: ["queue", "maxShards"] })
      .refine((rw) => (parseDuration(rw.queue.maxBackoff) ?? 0) >= (parseDuration(rw.queue.minBackoff) ?? 0), {
        message: "expected queue.maxBackoff of at least queue.minBackoff",
        path: ["queue", "maxBackoff"],
      }),
    wal: z
      .strictObject({
        /** How long the agent keeps unsent samples (`--storage.agent.retention.max-time`). */
        maxTime: durationUpTo("7d", "unsent samples must fit on wal.storageSize, and a restarting agent replays all of them").default("6h"),
        storageSize: volumeSize.default("10Gi"),
        storageClassName: z.string().optional(),
      })
      .prefault({})
      .refine((w) => (parseDuration(w.maxTime) ?? 0) >= durationMs(MIN_WAL_AGE), {
        message: `expected at least ${MIN_WAL_AGE}, so a central outage of ${MIN_WAL_AGE} loses no samples`,
        path: ["maxTime"],
      }),
    resources: resources.prefault({ requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } }),
  })
  .superRefine((e, ctx) => {
    const { sampleAgeLimit } = e.remoteWrite;
    if (sampleAgeLimit !== undefined && (parseDuration(sampleAgeLimit) ?? 0) < durationMs(e.wal.maxTime)) {
      ctx.addIssue({
        code: "custom",
        path: ["remoteWrite", "sampleAgeLimit"],
        message: `expected at least wal.maxTime (${e.wal.maxTime}): a shorter limit drops samples the WAL still holds when central comes back after an outage, got ${sampleAgeLimit}`,
      });
    }
    // A tenant's id is its namespace: it must not take over a system or the cluster agent's namespace.
    const reservedNamespaces = [...SYSTEM_NAMESPACES, e.namespace];
    // The tenant agent runs in the tenant's namespace with the cluster agent's resources.
    const agentMemory = e.resources.limits.memory ?? e.resources.requests.memory;
    const agentCpu = e.resources.requests.cpu;
    e.tenants.forEach((t, i) => {
      const first = e.tenants.findIndex((o) => o.id === t.id);
      if (first < i) ctx.addIssue({ code: "custom", path: ["tenants", i, "id"], message: `expected a unique tenant id, ${t.id} is also tenants[${first}]` });
      if (t.id === e.tenantId) ctx.addIssue({ code: "custom", path: ["tenants", i, "id"], message: `expected a tenant id other than the cluster's own tenantId ${t.id}` });
      if (reservedNamespaces.includes(t.id)) {
        ctx.addIssue({ code: "custom", path: ["tenants", i, "id"], message: `expected a tenant id that is not a reserved namespace (${reservedNamespaces.join(", ")}), got ${t.id}` });
      }
      if (agentMemory && (parseQuantity(t.quota.memory) ?? 0) < (parseQuantity(agentMemory) ?? 0)) {
        ctx.addIssue({ code: "custom", path: ["tenants", i, "quota", "memory"], message: `expected at least the agent's memory (${agentMemory}, edge.resources) so the tenant agent fits its quota, got ${t.quota.memory}` });
      }
      if (agentCpu && (parseQuantity(t.quota.cpu) ?? 0) < (parseQuantity(agentCpu) ?? 0)) {
        ctx.addIssue({ code: "custom", path: ["tenants", i, "quota", "cpu"], message: `expected at least the agent's cpu request (${agentCpu}, edge.resources) so the tenant agent fits its quota, got ${t.quota.cpu}` });
      }
      if (!e.nodes.includes(t.node)) {
        ctx.addIssue({
          code: "custom",
          path: ["tenants", i, "node"],
          message: `expected one of the nodes in edge.nodes (${e.nodes.join(", ") || "none listed"}), got ${t.node}`,
        });
      }
    });
  })
  // The age limit follows the WAL unless set: the agent sends everything its WAL keeps.
  .transform((e) => ({ ...e, remoteWrite: { ...e.remoteWrite, sampleAgeLimit: e.remoteWrite.sampleAgeLimit ?? e.wal.maxTime } }));

// ---------------------------------------------------------------------------
// Stack

const common = {
  cluster: dnsLabel("a cluster name").optional(),
  kubeconfig: z.string().min(1).optional(),
  kubeContext: z.string().min(1).optional(),
};

const centralStackSchema = z.strictObject({
  ...common,
  role: z.literal("central"),
  central: centralSchema,
  minioUser: z.string().min(3, "expected the MinIO admin access key (set it with --secret)"),
  minioPassword: z.string().min(8, "expected the MinIO admin secret key of at least 8 characters (set it with --secret)"),
  alertWebhookCritical: z.url().optional(),
  alertWebhookWarning: z.url().optional(),
});

const edgeStackSchema = z.strictObject({
  ...common,
  role: z.literal("edge"),
  edge: edgeSchema,
});

export type CentralSettings = z.output<typeof centralSchema>;
export type EdgeSettings = z.output<typeof edgeSchema>;
export type TenantSettings = EdgeSettings["tenants"][number];
export type LoggingSettings = CentralSettings["logging"];
export type ReceiveLimits = CentralSettings["receive"]["limits"]["default"];

/** Where the kubernetes provider's kubeconfig came from, and its content. */
export interface Kubeconfig {
  /** The file it was read from, or "inline" when the config holds the content. */
  source: string;
  content: string;
  context: string;
}

interface StackBase {
  stack: string;
  cluster: string;
  kubeconfig: Kubeconfig;
}
export interface CentralStackConfig extends StackBase {
  role: "central";
  central: CentralSettings;
  minio: { user: string; password: string };
  alertWebhooks: { critical?: string; warning?: string };
}
export interface EdgeStackConfig extends StackBase {
  role: "edge";
  edge: EdgeSettings & { tenantId: string };
}
export type StackConfig = CentralStackConfig | EdgeStackConfig;

export interface ParseOptions {
  /** Stack name (`cluster-01`); the default cluster name. */
  stack: string;
  /** File name used in error messages; `Pulumi.<stack>.yaml` by default. */
  file?: string;
  /** Relative kubeconfig paths resolve against this directory. */
  projectDir?: string;
  /** Environment for `KUBECONFIG` and `HOME`; process.env by default. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Validates a stack's flat config map (`{"multicluster:role": "central", ...}`, objects
 * already parsed). Keys of other namespaces (`kubernetes:`, `pulumi:`) are ignored.
 */
export function parseStackConfig(flat: Record<string, unknown>, opts: ParseOptions): StackConfig {
  const file = opts.file ?? `Pulumi.${opts.stack}.yaml`;
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    if (key.startsWith(`${PROJECT}:`)) raw[key.slice(PROJECT.length + 1)] = value;
  }
  const fail = (keyPath: (string | number)[], expected: string): never => {
    throw new ConfigError(file, formatKeyPath(keyPath), expected);
  };

  if (raw.role === undefined) fail(["role"], 'expected "central" or "edge", got nothing');
  if (raw.role !== "central" && raw.role !== "edge") fail(["role"], `expected "central" or "edge", got ${JSON.stringify(raw.role)}`);
  if (raw.role === "edge" && raw.edge === undefined) fail(["edge", "centralStack"], "expected the central stack's name for the StackReference, got nothing");
  if (raw.role === "central" && raw.central === undefined) fail(["central"], "expected the central settings (at least central.minio.endpoint), got nothing");
  if (raw.role === "central" && (raw.central as { tenants?: unknown } | null)?.tenants !== undefined) {
    fail(
      ["central", "tenants"],
      "expected no tenants list: the tenants central expects now come from the edge stack files (every edge whose edge.centralStack names this stack), so remove this key",
    );
  }

  const schema = raw.role === "central" ? centralStackSchema : edgeStackSchema;
  const result = schema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    const { path: keyPath, expected } = describeIssue(schema, result.error.issues);
    fail(keyPath, expected);
  }
  const parsed = result.data!;
  const cluster = parsed.cluster ?? opts.stack;
  if (!DNS_LABEL.test(cluster)) fail(["cluster"], `expected a cluster name (the stack name ${opts.stack} is not a DNS label; set cluster explicitly)`);
  const kubeconfig = resolveKubeconfig(parsed.kubeconfig, parsed.kubeContext, opts, fail);

  if (parsed.role === "central") {
    return {
      role: "central",
      stack: opts.stack,
      cluster,
      kubeconfig,
      central: parsed.central,
      minio: { user: parsed.minioUser, password: parsed.minioPassword },
      alertWebhooks: { critical: parsed.alertWebhookCritical, warning: parsed.alertWebhookWarning },
    };
  }
  return { role: "edge", stack: opts.stack, cluster, kubeconfig, edge: { ...parsed.edge, tenantId: parsed.edge.tenantId ?? cluster } };
}

/** `["edge", "tenants", 0, "id"]` as `multicluster:edge.tenants[0].id`. */
export function formatKeyPath(keyPath: readonly PropertyKey[]): string {
  let out = PROJECT + ":";
  keyPath.forEach((part, i) => {
    if (typeof part === "number") out += `[${part}]`;
    else out += (i === 0 ? "" : ".") + String(part);
  });
  return out;
}

/** True when the value is the kubeconfig itself rather than a path to it. */
export function isInlineKubeconfig(value: string): boolean {
  return value.includes("\n") || /^\s*(apiVersion|\{)/.test(value);
}

function resolveKubeconfig(
  value: string | undefined,
  context: string | undefined,
  opts: ParseOptions,
  fail: (keyPath: (string | number)[], expected: string) => never,
): Kubeconfig {
  const env = opts.env ?? process.env;
  let source: string;
  let content: string;
  if (value !== undefined && isInlineKubeconfig(value)) {
    source = "inline";
    content = value;
  } else {
    const home = env.HOME ?? os.homedir();
    const fromEnv = env.KUBECONFIG?.split(path.delimiter).find((p) => p !== "");
    const chosen = value ?? fromEnv ?? path.join(home, ".kube", "config");
    source = path.resolve(opts.projectDir ?? process.cwd(), chosen.replace(/^~(?=$|\/)/, home));
    const origin = value !== undefined ? "" : fromEnv ? " (from $KUBECONFIG; multicluster:kubeconfig is not set)" : " (the default; multicluster:kubeconfig is not set)";
    if (!fs.existsSync(source)) fail(["kubeconfig"], `expected a kubeconfig file or its content, but ${source}${origin} does not exist`);
    if (!fs.statSync(source).isFile()) fail(["kubeconfig"], `expected a kubeconfig file or its content, but ${source}${origin} is a directory`);
    try {
      content = fs.readFileSync(source, "utf8");
    } catch (err) {
      fail(["kubeconfig"], `expected a readable kubeconfig file, but ${source}${origin} could not be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  let doc: { contexts?: { name?: string }[]; "current-context"?: string } | undefined;
  try {
    doc = YAML.parse(content);
  } catch (err) {
    fail(["kubeconfig"], `expected a kubeconfig in YAML, but ${source} does not parse: ${(err as Error).message.split("\n")[0]}`);
  }
  const contexts = (doc?.contexts ?? []).map((c) => c.name).filter((n): n is string => typeof n === "string");
  if (contexts.length === 0) fail(["kubeconfig"], `expected a kubeconfig with at least one context, ${source} has none`);
  const chosenContext = context ?? doc?.["current-context"];
  if (chosenContext === undefined) fail(["kubeContext"], `expected a context name (${source} sets no current-context); one of ${contexts.join(", ")}`);
  if (!contexts.includes(chosenContext!)) fail(["kubeContext"], `expected one of the contexts in ${source} (${contexts.join(", ")}), got ${chosenContext}`);
  return { source, content, context: chosenContext! };
}

/** Top-level keys holding objects; Pulumi hands them to the program as JSON strings. */
const OBJECT_KEYS = new Set(["central", "edge"].map((k) => `${PROJECT}:${k}`));

/** The config map as Pulumi passes it (all strings) turned back into values for the schema. */
export function decodePulumiConfig(strings: Record<string, string>, file: string): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(strings)) {
    if (!OBJECT_KEYS.has(key)) {
      flat[key] = value;
      continue;
    }
    try {
      flat[key] = JSON.parse(value);
    } catch {
      throw new ConfigError(file, key, `expected a map of settings, got ${JSON.stringify(value)}`);
    }
  }
  return flat;
}

/**
 * Reads the running stack's config (under `pulumi up` or mocks) and validates it.
 * Relative kubeconfig paths resolve against the working directory, which Pulumi sets to
 * the project directory.
 */
export function loadStackConfig(): StackConfig {
  const stack = pulumi.getStack();
  const file = `Pulumi.${stack}.yaml`;
  return parseStackConfig(decodePulumiConfig(pulumi.runtime.allConfig(), file), { stack, file });
}
