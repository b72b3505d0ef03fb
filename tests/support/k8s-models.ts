/**
 * Validation of the Kubernetes objects the program declares directly, with
 * `kubernetes-models` and `@kubernetes-models/prometheus-operator`.
 *
 * The models reject a field of the wrong type but accept fields they do not know, so a
 * misspelt field would pass `validate()` and be dropped by the API server. `unknownFields`
 * closes that gap: it gives every leaf in turn a value of the wrong type; a field the schema
 * knows then fails validation, a field it does not know still passes.
 */
import { PrometheusAgent } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1/PrometheusAgent";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { LimitRange } from "kubernetes-models/v1/LimitRange";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { ResourceQuota } from "kubernetes-models/v1/ResourceQuota";
import { Secret } from "kubernetes-models/v1/Secret";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: any) => Validatable;

const MODELS: Record<string, ModelClass> = {
  "v1/Namespace": Namespace,
  "v1/ServiceAccount": ServiceAccount,
  "v1/Secret": Secret,
  "v1/ResourceQuota": ResourceQuota,
  "v1/LimitRange": LimitRange,
  "rbac.authorization.k8s.io/v1/Role": Role,
  "rbac.authorization.k8s.io/v1/RoleBinding": RoleBinding,
  "rbac.authorization.k8s.io/v1/ClusterRole": ClusterRole,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": ClusterRoleBinding,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "monitoring.coreos.com/v1alpha1/PrometheusAgent": PrometheusAgent,
};

/** The CRDs' duration pattern (prometheus-operator's `monitoringv1.Duration`). */
const CRD_DURATION = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;

/**
 * Fields the CRDs of the pinned kube-prometheus-stack (88.5.3, prometheus-operator v0.93.1)
 * have and @kubernetes-models/prometheus-operator 4.4.4 predates (its newer majors are
 * ESM-only). Each is checked here the way its CRD checks it.
 */
const NEWER_THAN_MODELS: Record<string, { path: RegExp; valid: (value: unknown) => boolean }[]> = {
  "monitoring.coreos.com/v1alpha1/PrometheusAgent": [
    { path: /^spec\.remoteWrite\.\d+\.queueConfig\.sampleAgeLimit$/, valid: (v) => typeof v === "string" && CRD_DURATION.test(v) },
  ],
};

function newerField(manifest: Manifest, path: string) {
  return (NEWER_THAN_MODELS[`${manifest.apiVersion}/${manifest.kind}`] ?? []).find((f) => f.path.test(path));
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  [field: string]: unknown;
}

function modelFor(manifest: Manifest): ModelClass {
  const model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (!model) throw new Error(`no model for ${manifest.apiVersion} ${manifest.kind}`);
  return model;
}

/** The validation error, or undefined when the manifest is valid. */
export function validationError(manifest: Manifest): string | undefined {
  const Model = modelFor(manifest);
  try {
    new Model(structuredClone(manifest)).validate();
  } catch (err) {
    return (err as Error).message;
  }
  for (const path of leaves(manifest)) {
    const field = newerField(manifest, path.join("."));
    const value = path.reduce<any>((node, key) => node?.[key], manifest);
    if (field && !field.valid(value)) return `${path.join(".")}: invalid value ${JSON.stringify(value)}`;
  }
  return undefined;
}

type Path = (string | number)[];

/** Leaves: primitives, empty maps and empty lists. */
function leaves(value: unknown, path: Path = []): Path[] {
  if (Array.isArray(value)) return value.length === 0 ? [path] : value.flatMap((v, i) => leaves(v, [...path, i]));
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value);
    return entries.length === 0 ? [path] : entries.flatMap(([k, v]) => leaves(v, [...path, k]));
  }
  return [path];
}

function withValueAt(manifest: Manifest, path: Path, value: unknown): Manifest {
  const copy = structuredClone(manifest) as any;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path[path.length - 1]] = value;
  return copy;
}

/** Dotted paths of leaves the model's schema does not know (it accepts any value there). */
export function unknownFields(manifest: Manifest): string[] {
  return leaves(manifest)
    // apiVersion and kind pick the model; the model itself pins them.
    .filter((path) => path.length > 0 && path[0] !== "apiVersion" && path[0] !== "kind")
    .filter((path) => !newerField(manifest, path.join(".")))
    .filter((path) => {
      const current = path.reduce<any>((node, key) => node[key], manifest);
      const wrongType = typeof current === "object" && current !== null ? 12345 : { probe: [12345] };
      return validationError(withValueAt(manifest, path, wrongType)) === undefined;
    })
    .map((path) => path.join("."));
}

/** Asserts that the manifest is valid and sets only fields its schema knows. */
export function expectValidManifest(manifest: Manifest): void {
  const name = `${manifest.kind} ${(manifest.metadata as { name?: string } | undefined)?.name}`;
  expect({ name, error: validationError(manifest) }).toEqual({ name, error: undefined });
  expect({ name, unknownFields: unknownFields(manifest) }).toEqual({ name, unknownFields: [] });
}
