/**
 * The Pulumi CLI's rule for project config (pkg/workspace/config.go, mergeConfig): a key that
 * Pulumi.yaml declares in the project's namespace, without a default or value, must be set
 * by every stack, or `pulumi preview` stops with "Stack '<stack>' is missing configuration
 * value '<key>'" before the program runs. Every shipped stack file must pass it as shipped.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { readStackFiles } from "../../config/stack-files";
import { PROJECT_DIR } from "../support";

interface Project {
  name: string;
  config?: Record<string, unknown>;
}

/** The keys `project` requires of every stack, fully qualified, as the CLI decides. */
function requiredProjectKeys(project: Project): string[] {
  return Object.entries(project.config ?? {})
    .filter(([key, declared]) => {
      const namespace = key.includes(":") ? key.split(":")[0] : project.name;
      if (namespace !== project.name) return false;
      // A short-hand scalar or list is the key's default (the CLI's RewriteShorthandConfigValues).
      if (declared !== null && typeof declared !== "object") return false;
      if (Array.isArray(declared)) return false;
      const typed = (declared ?? {}) as { default?: unknown; value?: unknown };
      return typed.default === undefined && typed.value === undefined;
    })
    .map(([key]) => (key.includes(":") ? key : `${project.name}:${key}`));
}

const project = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as Project;

test("the rule, on declarations of each form", () => {
  const declared: Project = {
    name: "multicluster",
    config: {
      "multicluster:typed": { type: "string" },
      bare: { type: "integer", description: "no namespace: the project's" },
      "multicluster:withDefault": { type: "string", default: "x" },
      "multicluster:withValue": { value: "x" },
      "multicluster:shortHand": "a default",
      "multicluster:shortList": ["a"],
      "multicluster:empty": null,
      "kubernetes:context": { type: "string" },
    },
  };
  expect(requiredProjectKeys(declared).sort()).toEqual(["multicluster:bare", "multicluster:empty", "multicluster:typed"]);
});

test("Pulumi.yaml requires only what a stack cannot do without: its role", () => {
  expect(requiredProjectKeys(project)).toEqual(["multicluster:role"]);
});

describe.each(readStackFiles(PROJECT_DIR).map((f) => [f.file, f] as const))("%s", (_file, stackFile) => {
  test("sets every key Pulumi.yaml declares without a default", () => {
    expect(requiredProjectKeys(project).filter((key) => stackFile.config[key] === undefined)).toEqual([]);
  });

  test("gives every typed key a value of its type (the CLI checks these too)", () => {
    const typed = Object.entries(project.config ?? {}).filter(([, d]) => typeof d === "object" && d !== null && "type" in d);
    for (const [key, declared] of typed) {
      const value = stackFile.config[key.includes(":") ? key : `${project.name}:${key}`];
      if (value === undefined) continue;
      const type = (declared as { type: string }).type;
      const actual = Array.isArray(value) ? "array" : type === "integer" && Number.isInteger(value) ? "integer" : typeof value;
      expect({ key, type: actual }).toEqual({ key, type });
    }
  });
});
