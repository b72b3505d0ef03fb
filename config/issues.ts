/**
 * Turns the config schema's validation issues into one "expected ..., got ..." message at
 * one key path, with a "did you mean" for a misspelt key.
 */
import { z } from "zod";

/** The part of a zod schema's definition this module walks. */
interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
}

const defOf = (schema: z.ZodType | undefined): SchemaDef | undefined => (schema as { _zod?: { def: SchemaDef } } | undefined)?._zod?.def;

const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "readonly", "catch", "nonoptional"]);

/** The schema under defaults, optionals and pipes. */
function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  for (let def = defOf(current); def; def = defOf(current)) {
    if (WRAPPERS.has(def.type)) current = def.innerType;
    else if (def.type === "pipe") current = def.in;
    else return current;
  }
  return undefined;
}

/** The keys the object schema at `path` (below `schema`) accepts; empty when it is no object. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current = unwrap(schema);
  for (const part of path) {
    const def = defOf(current);
    if (def?.type === "object" && typeof part === "string") current = unwrap(def.shape?.[part]);
    else if (def?.type === "array") current = unwrap(def.element);
    else return [];
  }
  const def = defOf(current);
  return def?.type === "object" ? Object.keys(def.shape ?? {}) : [];
}

/** Levenshtein distance, case-insensitive: `recieve` is 2 from `receive`, `kubecontext` 0 from `kubeContext`. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      const substitution = previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1);
      row.push(Math.min(previous[j] + 1, row[j - 1] + 1, substitution));
    }
    previous = row;
  }
  return previous[y.length];
}

/** The known key closest to `key`, when it is close enough to be a typo of it. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const scored = known.map((k) => ({ k, d: distance(key, k) })).sort((a, b) => a.d - b.d);
  const best = scored[0];
  return best && best.d <= Math.max(1, Math.floor(Math.max(key.length, best.k.length) / 3)) ? best.k : undefined;
}

/** A value as a message shows it: strings quoted, a missing value as "nothing". */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  return Array.isArray(value) ? "a list" : "a map";
}

/** What a message says in place of a secret value. */
const SECRET_VALUE = "a value not shown here (it is a secret)";

/**
 * The one issue to report and its message. A misspelt key comes first: it is usually also
 * why a required key looks missing. Under a key `isSecret` names, the value given is never
 * shown, and neither is any text of it a message repeats.
 */
export function describeIssue(
  schema: z.ZodType,
  issues: readonly z.core.$ZodIssue[],
  isSecret: (path: readonly PropertyKey[]) => boolean = () => false,
): { path: (string | number)[]; expected: string } {
  const issue = issues.find((i) => i.code === "unrecognized_keys") ?? issues[0];
  const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0];
    const known = knownKeysAt(schema, path);
    const suggestion = closestKey(key, known);
    const expected = suggestion
      ? `unknown key; did you mean ${suggestion}?`
      : `unknown key (expected one of ${known.join(", ") || "the documented keys"}; see docs/configuration.md)`;
    return { path: [...path, key], expected };
  }
  const input = (issue as { input?: unknown }).input;
  const secret = isSecret(path) && input !== undefined;
  const shown = secret ? SECRET_VALUE : describeValue(input);
  // zod's own wording ("Invalid input: expected number, received string") in ours.
  if (issue.code === "invalid_type" && issue.message.startsWith("Invalid input")) return { path, expected: `expected ${issue.expected}, got ${shown}` };
  const primitive = input === undefined || ["string", "number", "boolean"].includes(typeof input);
  const message = secret && typeof input === "string" && input !== "" ? issue.message.split(input).join("[secret]") : issue.message;
  const expected = /\bgot\b/.test(message) || !primitive ? message : `${message}, got ${shown}`;
  return { path, expected };
}
