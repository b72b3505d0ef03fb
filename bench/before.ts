/**
 * What the program deployed before the changes the bench measures side by side in one run
 * (the report's "Before and after"): Query's default engine, and the agents' remote-write
 * deadline and memory settings. Each "before" is run beside the program's current setting.
 */
import { AgentPlan } from "../loopback/synth-plan";
import { ThanosValues } from "../components/central/thanos-values";
import { SOFT_MEMORY_LIMIT_ENV } from "../components/edge/agent-spec";

export const BEFORE = {
  /** Thanos' own default, which Query ran before `--query.promql-engine=thanos`. */
  queryEngine: "prometheus",
  /** The agents' remote-write batch deadline before it went from 2s to 1s. */
  batchSendDeadline: "2s",
} as const;

/** The agents' settings before, as the report's table names them. */
export const AGENTS_BEFORE = `remote-write batchSendDeadline ${BEFORE.batchSendDeadline} and no GOMEMLIMIT`;

/** How to read the agents' "before", for the report's notes. */
export const AGENTS_BEFORE_NOTE =
  `Agents before: the first level once more, before it, with every agent rolled to ${AGENTS_BEFORE} and back. Without GOMEMLIMIT, Prometheus derives one from the memory limit it finds ` +
  "(90% of the container's limit in a pod, of the host's memory on loopback); the agents stay far below either, so Go's GC runs on GOGC alone in both places.";

/** The engine Query runs a request that names none: its `--query.promql-engine`, else Thanos' default. */
export function queryEngineOf(query: ThanosValues["query"]): string {
  const flag = query.extraArgs.find((a) => a.startsWith("--query.promql-engine="));
  return flag ? flag.slice("--query.promql-engine=".length) : BEFORE.queryEngine;
}

/** An agent as the program configured it before: the old batch deadline, no GOMEMLIMIT. */
export function agentPlanBefore(plan: AgentPlan): AgentPlan {
  const env = Object.fromEntries(Object.entries(plan.env).filter(([name]) => name !== SOFT_MEMORY_LIMIT_ENV));
  return {
    ...plan,
    env,
    remoteWrite: plan.remoteWrite.map((rw) => ({ ...rw, queueConfig: { ...rw.queueConfig, batchSendDeadline: BEFORE.batchSendDeadline } })),
  };
}

/** The settings `agentPlanBefore` changes, as an agent has them (for the report's "after"). */
export function agentSettingsOf(plan: AgentPlan): string {
  const deadline = plan.remoteWrite[0]?.queueConfig.batchSendDeadline ?? "n/a";
  const limit = plan.env[SOFT_MEMORY_LIMIT_ENV];
  return `remote-write batchSendDeadline ${deadline} and ${limit ? `GOMEMLIMIT ${(Number(limit) / 2 ** 20).toFixed(0)} MiB` : "no GOMEMLIMIT"}`;
}
