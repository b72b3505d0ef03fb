/**
 * The CI matrix, generated from the stack files so that a new `Pulumi.cluster-05.yaml` is
 * previewed and deployed without editing any workflow. Prints GitHub step outputs:
 *
 *   all=["cluster-01","cluster-02",...]    every stack, central first (preview)
 *   central=["cluster-01"]                 deployed first: the edges read its outputs
 *   edges=["cluster-02",...]               deployed after central
 *
 * Usage (in a workflow step): npx tsx scripts/stack-matrix.ts >> "$GITHUB_OUTPUT"
 */
import { ConfigError, PROJECT } from "../config/primitives";
import { PROJECT_DIR, readStackFiles } from "../config/stack-files";

export interface StackMatrix {
  all: string[];
  central: string[];
  edges: string[];
}

export function stackMatrix(dir: string): StackMatrix {
  const files = readStackFiles(dir);
  const central: string[] = [];
  const edges: string[] = [];
  for (const f of files) {
    const role = f.config[`${PROJECT}:role`];
    if (role === "central") central.push(f.stack);
    else if (role === "edge") edges.push(f.stack);
    else throw new ConfigError(f.file, `${PROJECT}:role`, `expected "central" or "edge", got ${JSON.stringify(role ?? null)}`);
  }
  if (central.length === 0) throw new Error(`no stack file in ${dir} has ${PROJECT}:role central; the edge stacks need one to read their outputs from`);
  return { all: [...central, ...edges], central, edges };
}

/** `key=value` lines for `$GITHUB_OUTPUT`, each value a JSON list for `fromJSON`. */
export function githubOutputs(matrix: StackMatrix): string {
  return (["all", "central", "edges"] as const).map((key) => `${key}=${JSON.stringify(matrix[key])}\n`).join("");
}

if (require.main === module) {
  try {
    process.stdout.write(githubOutputs(stackMatrix(PROJECT_DIR)));
  } catch (err) {
    process.stderr.write(`stack-matrix: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
