/**
 * A copy of the Pulumi project for the engine tests: `pulumi stack init` and `config set`
 * write into the stack files, and the committed ones must stay as shipped. The copy holds what
 * `pulumi` runs (Pulumi.yaml, the stack files, index.ts and the directories it imports) and
 * links node_modules.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../../config/stack-files";

/** What the program is made of; everything else in the repository is tooling around it. */
const PROGRAM_ENTRIES = ["Pulumi.yaml", "index.ts", "package.json", "tsconfig.json", "config", "components", "mixin"];

export function copyProject(target: string, from: string = PROJECT_DIR): string {
  fs.mkdirSync(target, { recursive: true });
  for (const entry of PROGRAM_ENTRIES) fs.cpSync(path.join(from, entry), path.join(target, entry), { recursive: true });
  for (const file of fs.readdirSync(from).filter((f) => /^Pulumi\..+\.ya?ml$/.test(f))) fs.copyFileSync(path.join(from, file), path.join(target, file));
  fs.symlinkSync(path.join(from, "node_modules"), path.join(target, "node_modules"));
  return target;
}
