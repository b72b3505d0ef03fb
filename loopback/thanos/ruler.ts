/**
 * The Thanos Ruler as the thanos chart runs it (templates/ruler/statefulset.yaml and its
 * ConfigMaps) with the program's `ruler` values: its rule file as Helm's `tpl` renders it,
 * the Alertmanagers config and the query URLs, both pointed at their loopback addresses.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ThanosValues } from "../../components/central/thanos-values";
import { loopback, ManagedProcess } from "../process";
import { dataDir, extraArgs, startThanos, ThanosPorts } from "./process";

/** What Helm's `tpl` renders from a rule file the program escaped (`escapeForHelmTpl`). */
export function renderHelmTpl(text: string): string {
  return text.replace(/\{\{"(\{\{|\}\})"\}\}/g, "$1");
}

interface AlertmanagersConfig {
  alertmanagers: { static_configs: string[]; scheme?: string; api_version?: string }[];
}

/**
 * The program's Alertmanagers config with each in-cluster address replaced by the loopback
 * addresses `resolve` gives for it.
 */
export function loopbackAlertmanagersConfig(config: string, resolve: (address: string) => string[]): string {
  const parsed = YAML.parse(config) as AlertmanagersConfig;
  return YAML.stringify({
    alertmanagers: parsed.alertmanagers.map((am) => ({ ...am, static_configs: am.static_configs.flatMap(resolve) })),
  });
}

/** The chart's `thanos.ruler.queryUrls` helper: one static config per URL. */
export function queryConfig(urls: string[]): string {
  return YAML.stringify(
    urls.map((url) => {
      const u = new URL(url);
      return { static_configs: [u.host], scheme: u.protocol.replace(":", ""), ...(u.pathname !== "/" ? { path_prefix: u.pathname } : {}) };
    }),
  );
}

export interface RulerOptions {
  /** The chart's fullname (`fullnameOverride`): the Ruler is `<fullname>-ruler`. */
  fullname: string;
  values: ThanosValues["ruler"];
  ports: ThanosPorts;
  objstoreFile: string;
  /** Loopback addresses of an in-cluster address the values name (Alertmanagers, Query). */
  resolve: (address: string) => string[];
  /** The Thanos release (`global.image.tag`). */
  version: string;
}

export function startRuler(dir: string, opts: RulerOptions): Promise<ManagedProcess> {
  const name = `${opts.fullname}-ruler`;
  const rulesDir = path.join(dir, "ruler-rules");
  fs.mkdirSync(rulesDir, { recursive: true });
  for (const [file, content] of Object.entries(opts.values.rules)) fs.writeFileSync(path.join(rulesDir, file), renderHelmTpl(content));
  const alertmanagersFile = path.join(dir, "ruler-alertmanagers.yaml");
  fs.writeFileSync(alertmanagersFile, loopbackAlertmanagersConfig(opts.values.alertmanagers.config, opts.resolve));
  const queryFile = path.join(dir, "ruler-query-urls.yaml");
  const queryUrls = opts.values.query.urls.flatMap((url) => opts.resolve(new URL(url).host).map((host) => `${new URL(url).protocol}//${host}`));
  fs.writeFileSync(queryFile, queryConfig(queryUrls));
  const args = [
    "rule",
    `--http-address=${loopback(opts.ports.http)}`,
    `--grpc-address=${loopback(opts.ports.grpc)}`,
    `--data-dir=${dataDir(dir, name)}`,
    `--objstore.config-file=${opts.objstoreFile}`,
    `--rule-file=${rulesDir}/*.yaml`,
    `--label=ruler_replica="${name}-0"`,
    "--alert.label-drop=ruler_replica",
    `--alertmanagers.config-file=${alertmanagersFile}`,
    `--query.config-file=${queryFile}`,
    ...extraArgs(opts.values),
  ];
  return startThanos(name, dir, args, opts.ports.http, { version: opts.version });
}
