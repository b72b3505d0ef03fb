/** An edge stack's settings (`multicluster:edge`): the cluster agent, its tenants, the remote write to central. */
import { z } from "zod";
import { durationMs, parseDuration } from "./duration";
import { BACKOFF, centralStackName, containerCpu, containerMemory, count, dnsLabel, durationUpTo, MIN_WAL_AGE, quantityUpTo, resources, SHARDS, tenantId, volumeSize, WHOLE_CLUSTER } from "./primitives";
import { parseQuantity } from "./quantity";

/** Namespaces Kubernetes itself owns. */
const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

export const edgeSchema = z
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
        // batchSendDeadline 1s, not Prometheus' 5s: an agent sending under 1,000 samples/s
        // (a tenant's) fills a batch of 2,000 in over 2s, so its samples waited for the
        // deadline, which the seeds' 2s lag cannot afford. `npm run bench` measures 2s and 1s
        // side by side at the seed's load (docs/performance.md).
        queue: z
          .strictObject({
            capacity: count(1, 1_000_000, "samples every shard buffers in the agent's memory").default(10000),
            minShards: count(1, 1000, SHARDS).default(1),
            maxShards: count(1, 1000, SHARDS).default(20),
            maxSamplesPerSend: count(1, 100_000, "samples in one request to the receivers").default(2000),
            batchSendDeadline: durationUpTo("5m", "samples wait at most this long for a full batch; longer delays every alert").default("1s"),
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
    /**
     * The agent's soft memory limit (GOMEMLIMIT): Go's garbage collector runs more often as the
     * heap nears it instead of letting it grow to GOGC's 1.75x the live data, and hands freed
     * memory back; `resources.limits.memory` stays the hard ceiling. Unset by default: a fixed
     * limit fits one agent size only. At the seed's load 100Mi took the largest agent from
     * 177 to 152 MiB, but at twice the load (73k series per agent, live heap above it) its GC
     * ran near continuously, 0.31 cores per agent, and the receivers fell behind
     * (`npm run bench`, docs/performance.md). Unset, Prometheus sets 90% of the container's limit.
     */
    softMemoryLimit: containerMemory.optional(),
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
    const hardLimit = e.resources.limits.memory;
    if (hardLimit && e.softMemoryLimit && (parseQuantity(e.softMemoryLimit) ?? 0) > (parseQuantity(hardLimit) ?? 0)) {
      ctx.addIssue({ code: "custom", path: ["softMemoryLimit"], message: `expected at most resources.limits.memory (${hardLimit}), got ${e.softMemoryLimit}` });
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

export type EdgeSettings = z.output<typeof edgeSchema>;
export type TenantSettings = EdgeSettings["tenants"][number];
