/**
 * The central Prometheus as kube-prometheus-stack's operator runs it with the program's
 * values: a server with the `cluster` external label and the replica label, the program's
 * rules (`additionalPrometheusRulesMap`), alerting to Alertmanager, and the 2h blocks the
 * operator fixes when a Thanos sidecar uploads them. It scrapes the Thanos components as
 * their ServiceMonitors would: job = Service name, with the `namespace` and `pod` labels the
 * operator adds.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CentralPrometheusValues } from "../components/central/prometheus-values";
import { loopback, ManagedProcess } from "./process";
import { requireTool } from "./tools";

export interface ScrapeTarget {
  /** The Service (the job name its ServiceMonitor gives). */
  service: string;
  pod: string;
  port: number;
}

export interface CentralPrometheusOptions {
  values: CentralPrometheusValues;
  namespace: string;
  port: number;
  targets: ScrapeTarget[];
  alertmanagers: string[];
  scrapeInterval: string;
}

/** The operator's name for the first pod of the Prometheus `<fullname>-prometheus`. */
export function centralPrometheusPod(values: CentralPrometheusValues): string {
  return `prometheus-${values.fullnameOverride}-prometheus-0`;
}

export function centralPrometheusConfig(opts: CentralPrometheusOptions, ruleFiles: string[]): Record<string, unknown> {
  const spec = opts.values.prometheus.prometheusSpec;
  const byService = new Map<string, ScrapeTarget[]>();
  for (const t of opts.targets) byService.set(t.service, [...(byService.get(t.service) ?? []), t]);
  return {
    global: {
      scrape_interval: opts.scrapeInterval,
      evaluation_interval: opts.scrapeInterval,
      external_labels: {
        ...spec.externalLabels,
        // The operator's own external labels: `prometheus` (namespace/name) and the replica label.
        prometheus: `${opts.namespace}/${opts.values.fullnameOverride}-prometheus`,
        [spec.replicaExternalLabelName]: centralPrometheusPod(opts.values),
      },
    },
    rule_files: ruleFiles,
    alerting: { alertmanagers: [{ api_version: "v2", static_configs: [{ targets: opts.alertmanagers }] }] },
    scrape_configs: [...byService].map(([service, targets]) => ({
      job_name: service,
      static_configs: targets.map((t) => ({ targets: [loopback(t.port)], labels: { namespace: opts.namespace, pod: t.pod, service } })),
    })),
  };
}

export interface CentralPrometheus {
  process: ManagedProcess;
  dataDir: string;
  /** Scrapes these targets from now on (a scaled StatefulSet's pods, as its ServiceMonitor follows them): a new config and SIGHUP. */
  setTargets(targets: ScrapeTarget[]): void;
}

export async function startCentralPrometheus(dir: string, opts: CentralPrometheusOptions): Promise<CentralPrometheus> {
  const rulesDir = path.join(dir, "central-prometheus-rules");
  fs.mkdirSync(rulesDir, { recursive: true });
  const ruleFiles = Object.entries(opts.values.additionalPrometheusRulesMap).map(([name, content]) => {
    const file = path.join(rulesDir, `${name}.yaml`);
    fs.writeFileSync(file, YAML.stringify(content));
    return file;
  });
  const configFile = path.join(dir, "central-prometheus.yaml");
  const writeConfig = (targets: ScrapeTarget[]) => fs.writeFileSync(configFile, YAML.stringify(centralPrometheusConfig({ ...opts, targets }, ruleFiles)));
  writeConfig(opts.targets);
  const data = path.join(dir, "central-prometheus-data");
  const process = await ManagedProcess.start({
    name: "central-prometheus",
    binary: requireTool("prometheus"),
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${data}`,
      `--web.listen-address=${loopback(opts.port)}`,
      `--storage.tsdb.retention.time=${opts.values.prometheus.prometheusSpec.retention}`,
      // The operator sets equal block durations when a sidecar uploads, so local compaction never rewrites uploaded blocks.
      "--storage.tsdb.min-block-duration=2h",
      "--storage.tsdb.max-block-duration=2h",
    ],
    dir,
    readyUrl: `http://${loopback(opts.port)}/-/ready`,
  });
  const setTargets = (targets: ScrapeTarget[]) => {
    writeConfig(targets);
    process.reload();
  };
  return { process, dataDir: data, setTargets };
}
