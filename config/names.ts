/**
 * The Kubernetes and Helm names the program derives from a cluster name or a tenant id, and
 * the limits they must fit. The components build these names (`${cluster}-agent-kps`, ...);
 * this table repeats them, so a name too long is one error naming the stack file and the key
 * before anything is declared, instead of a release or Job failing halfway through `pulumi up`
 * (tests/unit/names.test.ts holds the table to the synth's plans).
 *
 * Names that are only Pulumi's (the `${cluster}-${tenant}` component prefixes, certificates,
 * MinIO users) have no such limit; every other object has a fixed name.
 */
import { StackFeatures } from "./charts";

export interface DerivedName {
  /** What it names, e.g. "Helm release". */
  kind: string;
  name: string;
  /** True when Pulumi names the object: it appends `-` and 8 random characters. */
  autonamed?: boolean;
  limit: number;
  /** Whose limit, for the message: "Helm allows 53". */
  rule: string;
}

/** What Pulumi appends to an object it names itself: `-` and 8 random hex characters. */
const AUTONAME_SUFFIX = 9;

const release = (name: string): DerivedName => ({ kind: "Helm release", name, limit: 53, rule: "Helm allows 53 for a release name" });
const job = (name: string): DerivedName => ({ kind: "Job", name, autonamed: true, limit: 63, rule: "Kubernetes allows 63 for a Job name (its pods carry it as a label value)" });
const objectName = (kind: string, name: string, autonamed = false): DerivedName => ({ kind, name, autonamed, limit: 253, rule: "Kubernetes allows 253 for an object name" });

/** The length of the name as the cluster sees it. */
const deployedLength = (n: DerivedName): number => n.name.length + (n.autonamed ? AUTONAME_SUFFIX : 0);

/** Every name derived from `cluster` on a stack with these features (index.ts names the components `${cluster}-central`, ...). */
export function clusterDerivedNames(cluster: string, stack: StackFeatures): DerivedName[] {
  if (stack.role === "edge") return [release(`${cluster}-agent-kps`)];
  const central = `${cluster}-central`;
  const logging = `${cluster}-logging`;
  const { grafana } = stack.central;
  return [
    release(`${central}-kps`),
    release(`${central}-thanos`),
    ...(grafana.enabled ? [release(`${central}-grafana`)] : []),
    ...(stack.central.logging.enabled
      ? [
          release(`${logging}-opensearch`),
          release(`${logging}-dashboards`),
          release(`${logging}-fluent-bit`),
          job(`${logging}-security-apply`),
          job(`${logging}-ism-apply`),
          ...(grafana.enabled ? [objectName("Secret", `${logging}-grafana-datasource`, true)] : []),
        ]
      : []),
  ];
}

/** Every name derived from a tenant id of an edge stack's tenants (its namespace, and the ClusterRole of its agent). */
export function tenantDerivedNames(id: string): DerivedName[] {
  return [
    { kind: "Namespace", name: id, limit: 63, rule: "Kubernetes allows 63 for a namespace (a DNS label)" },
    objectName("ClusterRole", `${id}-prometheus-agent-node`),
    objectName("ClusterRoleBinding", `${id}-prometheus-agent-node`),
  ];
}

/**
 * The longest `base` (a cluster name or tenant id) for which every name fits, and the name
 * that sets it; undefined for no names.
 */
function tightestName(base: string, names: readonly DerivedName[]): { max: number; name: DerivedName } | undefined {
  let tightest: { max: number; name: DerivedName } | undefined;
  for (const name of names) {
    const max = name.limit - (deployedLength(name) - base.length);
    if (!tightest || max < tightest.max) tightest = { max, name };
  }
  return tightest;
}

/** Why `base` is too long for one of `names` ("expected a cluster name of at most 31 characters ..."), or undefined when all fit. */
export function nameTooLong(what: string, base: string, names: readonly DerivedName[]): string | undefined {
  const tightest = tightestName(base, names);
  if (!tightest || base.length <= tightest.max) return undefined;
  const { max, name } = tightest;
  const shown = name.autonamed ? `${name.name}-<8 random characters Pulumi appends>` : name.name;
  return `expected ${what} of at most ${max} characters, got ${base} (${base.length}): the ${name.kind} ${shown} would have ${deployedLength(name)} characters, and ${name.rule}`;
}
