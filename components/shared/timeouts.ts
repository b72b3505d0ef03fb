/**
 * How long `pulumi up` waits for each kind of resource to become ready. Each is bounded so
 * that a stack's whole chain, even with every step running to its limit, ends inside the
 * deploy workflow's job timeout (`tests/unit/workflows.test.ts` adds them up per stack):
 * a job killed mid-`up` leaves pending operations and Helm `pending-*` releases behind
 * (docs/operations.md, "Recovering an interrupted `pulumi up`").
 */

/** Helm waits this long for a release's workloads to become ready, then rolls it back (`atomic`). */
export const RELEASE_TIMEOUT_SECONDS = 10 * 60;
/** OpenSearch: three nodes start one after another and form a cluster before the release is ready. */
export const OPENSEARCH_RELEASE_TIMEOUT_SECONDS = 15 * 60;
/** A Job (the logging stack's security and index lifecycle Jobs) may run this long, retries included. */
export const JOB_TIMEOUT_MINUTES = 10;

/** Pulumi's customTimeouts of a Job. */
export const JOB_TIMEOUTS = { create: `${JOB_TIMEOUT_MINUTES}m`, update: `${JOB_TIMEOUT_MINUTES}m` } as const;
