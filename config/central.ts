/** The central stack's settings (`multicluster:central`): Thanos, Prometheus HA, Alertmanager, Grafana, MinIO, logging. */
import { z } from "zod";
import { THANOS_VERSIONS } from "./charts";
import { durationMs, parseDuration } from "./duration";
import { bucketName, cidr, count, DEFAULT_TENANT, dnsLabel, durationUpTo, httpHeaderName, ipAddress, MIN_WAL_AGE, promLabelName, resources, TEN_YEARS, tenantId, volumeSize, WRITE_LIMITS } from "./primitives";

const MINIO_ENDPOINT = /^[A-Za-z0-9.-]+(:\d+)?$/;

/** The receive LoadBalancer's wait for an address: long enough for a cloud, bounded so a cluster without a LoadBalancer controller fails clearly. */
export const DEFAULT_LOAD_BALANCER_TIMEOUT_MINUTES = 10;

export const centralSchema = z
  .strictObject({
    /** Namespace of everything the central stack installs. */
    namespace: dnsLabel("a namespace name").default("monitoring"),
    /**
     * The Thanos release every Thanos component and the Prometheus sidecar run: this release's
     * pin by default; the previous minor holds an upgrade back or rolls one back. Changing it
     * rolls the receivers one at a time (docs/operations.md, "Upgrading Thanos").
     */
    thanosVersion: z
      .enum([THANOS_VERSIONS.pinned, THANOS_VERSIONS.previous], {
        error: `expected ${THANOS_VERSIONS.pinned} (this release's pin) or ${THANOS_VERSIONS.previous} (the previous minor, to hold back or roll back an upgrade)`,
      })
      .default(THANOS_VERSIONS.pinned),
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
            /**
             * How long `pulumi up` waits for the LoadBalancer's address before failing: a cluster
             * without a LoadBalancer controller (MetalLB, a cloud) never assigns one.
             */
            addressTimeoutMinutes: count(1, 60, "a LoadBalancer controller assigns an address within a minute or two").default(DEFAULT_LOAD_BALANCER_TIMEOUT_MINUTES),
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
        tls: z
          .strictObject({
            enabled: z.boolean().default(true),
            /**
             * Generation of the receivers' and tenants' keys and certificates: raising it by one
             * re-issues them all from the same CA on the next `pulumi up` (docs/operations.md,
             * "Rotating the remote-write certificates"). Agents keep writing with their old
             * certificate until their edge stack's next `up`: the CA trusts both.
             */
            rotation: count(1, 1_000_000, "a generation counter, raised by one per rotation").default(1),
          })
          .prefault({}),
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
      /** host:port of the existing MinIO server's S3 API as the cluster reaches it: Thanos, Longhorn and OpenSearch use it. */
      endpoint: z.string().regex(MINIO_ENDPOINT, "expected host:port of the MinIO S3 API, without a scheme"),
      /**
       * host:port of the same MinIO server as the machine running `pulumi` reaches it (an
       * Ingress, a NodePort, a VPN address): the MinIO provider creates the buckets, users and
       * policies from there, and the preflight checks it answers before anything is declared.
       */
      deployEndpoint: z
        .string({ error: (issue) => (issue.input === undefined ? "expected host:port of the same MinIO as the machine running pulumi reaches it (the in-cluster endpoint does not resolve there)" : undefined) })
        .regex(MINIO_ENDPOINT, "expected host:port of the MinIO S3 API, without a scheme"),
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

export type CentralSettings = z.output<typeof centralSchema>;
export type LoggingSettings = CentralSettings["logging"];
export type ReceiveLimits = CentralSettings["receive"]["limits"]["default"];
