/**
 * One edge agent: Prometheus 3 in agent mode, configured as the prometheus-operator renders
 * the program's `PrometheusAgent` (the edge chart's `prometheusSpec` or a tenant's object):
 * its external labels plus the operator's `prometheus` and replica labels, its remote write
 * (headers, queue, write relabelling, TLS with its tenant's client certificate) with only the
 * URL replaced by the loopback LoadBalancer, its extra flags (WAL retention) and its container's
 * environment (GOMEMLIMIT). It scrapes itself under the program's self-monitoring job and the
 * loopback node-exporter.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { AGENT_SELF_JOB, REMOTE_WRITE_CA_KEY, REMOTE_WRITE_CA_SECRET, REMOTE_WRITE_CLIENT_SECRET } from "../components/shared/conventions";
import { SecretKeyRef } from "../components/shared/remote-write";
import { toPrometheusRemoteWrite } from "./prometheus-remote-write";
import { ReceivePki } from "./certificates";
import { AgentPlan } from "./synth-plan";
import { loopback, ManagedProcess } from "./process";
import { requireTool } from "./tools";

/** The operator's flag for a `spec.additionalArgs` entry. */
export function operatorFlag(arg: { name: string; value?: string }): string {
  return arg.value === undefined ? `--${arg.name}` : `--${arg.name}=${arg.value}`;
}

/** The operator names a PrometheusAgent's first pod `prom-agent-<name>-0`; the replica label carries it. */
export function agentPod(agent: AgentPlan): string {
  return `prom-agent-${agent.resourceName}-0`;
}

/** A scrape job beside the agent's own: the benchmark's load generator. */
export interface ScrapeJob {
  job: string;
  /** Addresses with their target labels (`__param_<name>` labels become URL parameters). */
  targets: { address: string; labels?: Record<string, string> }[];
}

export interface AgentOptions {
  port: number;
  remoteWriteUrl: string;
  nodeExporterPort: number;
  scrapeInterval: string;
  /** The local file of a Secret key the remote write names (the operator mounts them). */
  secretFile?: (ref: SecretKeyRef) => string;
  extraScrapeJobs?: ScrapeJob[];
}

/**
 * The files behind an agent's TLS Secrets: the receivers' CA, and the client certificate and
 * key of the tenant it writes as (the program gives each agent its own tenant's, nothing else).
 */
export function agentSecretFiles(pki: ReceivePki | undefined, tenant: string): ((ref: SecretKeyRef) => string) | undefined {
  if (!pki) return undefined;
  return (ref) => {
    const client = pki.clients[tenant];
    if (ref.name === REMOTE_WRITE_CA_SECRET && ref.key === REMOTE_WRITE_CA_KEY) return pki.ca.cert.certFile;
    if (ref.name === REMOTE_WRITE_CLIENT_SECRET.name && client) {
      if (ref.key === REMOTE_WRITE_CLIENT_SECRET.certKey) return client.certFile;
      if (ref.key === REMOTE_WRITE_CLIENT_SECRET.keyKey) return client.keyFile;
    }
    throw new Error(`agent of tenant ${tenant}: the local platform has no file for key ${ref.key} of Secret ${ref.name}`);
  };
}

export function agentConfig(agent: AgentPlan, opts: AgentOptions): Record<string, unknown> {
  return {
    global: {
      scrape_interval: opts.scrapeInterval,
      external_labels: { ...agent.externalLabels, prometheus: `${agent.namespace}/${agent.resourceName}`, prometheus_replica: agentPod(agent) },
    },
    scrape_configs: [
      { job_name: AGENT_SELF_JOB, static_configs: [{ targets: [loopback(opts.port)] }] },
      { job_name: "node-exporter", static_configs: [{ targets: [loopback(opts.nodeExporterPort)] }] },
      ...(opts.extraScrapeJobs ?? []).map((job) => ({
        job_name: job.job,
        static_configs: job.targets.map((t) => ({ targets: [t.address], ...(t.labels ? { labels: t.labels } : {}) })),
      })),
    ],
    remote_write: agent.remoteWrite.map((spec) => toPrometheusRemoteWrite({ ...spec, url: opts.remoteWriteUrl }, { secretFile: opts.secretFile })),
  };
}

export interface Agent {
  /** The plan it runs now. */
  plan: AgentPlan;
  port: number;
  process: ManagedProcess;
  url: string;
  /**
   * The pod rolled to a new plan, as the operator's StatefulSet rolls it when the spec changes:
   * stopped (Prometheus flushes what it can within the grace period), then started with the new
   * configuration and flags on the same WAL volume.
   */
  roll(next: AgentPlan): Promise<void>;
}

/** The prometheus-operator's default `terminationGracePeriodSeconds` for Prometheus pods. */
const AGENT_TERMINATION_GRACE_MS = 600_000;

export async function startAgent(dir: string, agent: AgentPlan, opts: AgentOptions): Promise<Agent> {
  const name = `agent-${agent.name}`;
  const configFile = path.join(dir, `${name}.yaml`);
  const configure = (plan: AgentPlan) => {
    fs.writeFileSync(configFile, YAML.stringify(agentConfig(plan, opts)));
    return ["--agent", `--config.file=${configFile}`, `--storage.agent.path=${path.join(dir, `${name}-wal`)}`, `--web.listen-address=${loopback(opts.port)}`, ...plan.additionalArgs.map(operatorFlag)];
  };
  // The container's environment from the spec (GOMEMLIMIT) on top of the harness's own.
  const environment = (plan: AgentPlan) => ({ ...globalThis.process.env, ...plan.env });
  const process = await ManagedProcess.start({ name, binary: requireTool("prometheus"), args: configure(agent), env: environment(agent), dir, readyUrl: `http://${loopback(opts.port)}/-/ready` });
  const started: Agent = {
    plan: agent,
    port: opts.port,
    process,
    url: `http://${loopback(opts.port)}`,
    roll: async (next) => {
      await process.stop(AGENT_TERMINATION_GRACE_MS);
      await process.restart({ args: configure(next), env: environment(next) });
      started.plan = next;
    },
  };
  return started;
}
