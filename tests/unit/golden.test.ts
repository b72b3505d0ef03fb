/**
 * Golden output: tests/golden is exactly what the code renders from the committed stack
 * files, so a change to what the clusters get is a diff in review; and the PR summary that
 * shows that diff.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { mockSecretValue } from "../../synth/mock-runtime";
import { compareFiles, firstDifference, GOLDEN_COMMAND, GOLDEN_DIR, renderGolden, updateGolden } from "../../synth/golden";
import { diffSummary, goldenFilesAt } from "../../scripts/golden-diff";
import { mockConfigSecret } from "../../synth/pulumi-config";
import { OutputFiles, readOutputFiles } from "../../synth/output";
import { PROJECT_DIR, scratchDir } from "../support";

let rendered: OutputFiles;
const committed = readOutputFiles(GOLDEN_DIR);

beforeAll(async () => {
  rendered = await renderGolden();
});

test("tests/golden is what the code renders from the committed stack files", () => {
  const changes = compareFiles(committed, rendered);
  if (changes.length > 0) {
    const lines = changes.map((c) => `  ${c.change} ${c.path}${c.change === "changed" ? `: ${firstDifference(committed.get(c.path)!, rendered.get(c.path)!)}` : ""}`);
    throw new Error(
      ["The synth output of the shipped stacks is not what tests/golden holds:", ...lines, `If the change is intended, run \`${GOLDEN_COMMAND}\` and commit tests/golden with it.`].join("\n"),
    );
  }
  expect([...committed.keys()]).toEqual(expect.arrayContaining(["cluster-01/plan.json", "cluster-01/rules/ruler-alerts.yaml", "cluster-02/releases/cluster-02-agent-kps.json"]));
});

test("the comparison names every changed, added and removed file", () => {
  const before: OutputFiles = new Map([
    ["a/plan.json", '{\n  "replicas": 3\n}\n'],
    ["b/plan.json", "{}\n"],
  ]);
  const after: OutputFiles = new Map([
    ["a/plan.json", '{\n  "replicas": 5\n}\n'],
    ["c/plan.json", "{}\n"],
  ]);
  expect(compareFiles(before, after)).toEqual([
    { path: "a/plan.json", change: "changed" },
    { path: "b/plan.json", change: "removed" },
    { path: "c/plan.json", change: "added" },
  ]);
  expect(firstDifference(before.get("a/plan.json")!, after.get("a/plan.json")!)).toBe('line 2: "  \\"replicas\\": 3" -> "  \\"replicas\\": 5"');
});

test(`${GOLDEN_COMMAND} writes the same files again: the output is deterministic`, async () => {
  const dir = path.join(scratchDir("golden-"), "golden");
  expect((await updateGolden(dir)).every((c) => c.change === "added")).toBe(true);
  expect(compareFiles(committed, readOutputFiles(dir))).toEqual([]);
  expect(await updateGolden(dir)).toEqual([]);
});

test("the golden files hold no secret, no absolute path, no temporary directory and no time", () => {
  const forbidden = [mockConfigSecret("minioUser"), mockConfigSecret("minioPassword"), mockSecretValue(""), "synth-not-a-token", PROJECT_DIR, os.tmpdir()];
  for (const [file, text] of committed) {
    for (const needle of forbidden) expect({ file, needle, found: text.includes(needle) }).toEqual({ file, needle, found: false });
    expect({ file, timestamp: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text) }).toEqual({ file, timestamp: false });
  }
  expect(committed.get("cluster-01/plan.json")).toContain('"grafanaAdminPassword": "[secret]"');
});

test("every object in the JSON files has its keys sorted, inside the documented envelopes", () => {
  const unsorted: string[] = [];
  const walk = (value: unknown, where: string) => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${where}[${i}]`));
    else if (typeof value === "object" && value !== null) {
      const keys = Object.keys(value);
      if (keys.join("\n") !== [...keys].sort().join("\n")) unsorted.push(where);
      for (const k of keys) walk((value as Record<string, unknown>)[k], `${where}.${k}`);
    }
  };
  for (const [file, text] of committed) {
    if (!file.endsWith(".json")) continue;
    const doc = JSON.parse(text);
    if (file.endsWith("plan.json")) {
      expect(Object.keys(doc)).toEqual(["stack", "outputs", "resources"]);
      walk(doc.outputs, `${file} outputs`);
      doc.resources.forEach((r: { inputs: unknown }, i: number) => walk(r.inputs, `${file} resources[${i}].inputs`));
    } else {
      expect(Object.keys(doc)).toEqual(["chart", "version", "repo", "namespace", "values"]);
      walk(doc.values, `${file} values`);
    }
  }
  expect(unsorted).toEqual([]);
});

describe("the PR summary", () => {
  const before: OutputFiles = new Map([
    ["cluster-01/releases/thanos.json", '{\n  "receive": {\n    "replicas": 3\n  }\n}\n'],
    ["cluster-09/plan.json", "{}\n"],
  ]);
  const after: OutputFiles = new Map([
    ["cluster-01/releases/thanos.json", '{\n  "receive": {\n    "replicas": 5\n  }\n}\n'],
    ["cluster-05/plan.json", '{\n  "stack": "cluster-05"\n}\n'],
  ]);

  test("lists every changed file with its line counts and shows its diff", () => {
    const md = diffSummary(before, after, { baseLabel: "`abc123`", goldenStale: false });
    expect(md).toContain("against tests/golden at `abc123`");
    expect(md).toContain("| `cluster-01/releases/thanos.json` | changed | +1 −1 |");
    expect(md).toContain("| `cluster-05/plan.json` | added | +3 −0 |");
    expect(md).toContain("| `cluster-09/plan.json` | removed | +0 −1 |");
    expect(md).toContain(["```diff", "diff --git a/cluster-01/releases/thanos.json b/cluster-01/releases/thanos.json"].join("\n"));
    expect(md).toContain('-    "replicas": 3\n+    "replicas": 5');
    expect(md).not.toContain("not up to date");
  });

  test("says when nothing changes, and when tests/golden lags behind the code", () => {
    expect(diffSummary(before, before, { baseLabel: "`abc123`", goldenStale: false })).toContain("No change to the rendered output");
    expect(diffSummary(before, before, { baseLabel: "`abc123`", goldenStale: true })).toContain(`tests/golden is not up to date with this code**: run \`${GOLDEN_COMMAND}\``);
  });

  test("stays within GitHub's summary size, saying what it left out", () => {
    const md = diffSummary(before, after, { baseLabel: "`abc123`", goldenStale: false, limit: 1200 });
    expect(md.length).toBeLessThan(1800);
    expect(md).toMatch(/\d more file diff\(s\) left out .*the `synth` artifact has the full output/);
  });

  test("reads tests/golden of a base commit with git, and nothing from a commit without it", () => {
    const repo = scratchDir("golden-repo-");
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.invalid", ...args], { cwd: repo, encoding: "utf8" });
    git("init", "-q");
    fs.writeFileSync(path.join(repo, "README.md"), "x\n");
    git("add", ".");
    git("commit", "-qm", "without golden files");
    const goldenDir = path.join(repo, "tests", "golden");
    fs.mkdirSync(path.join(goldenDir, "cluster-01"), { recursive: true });
    fs.writeFileSync(path.join(goldenDir, "cluster-01", "plan.json"), '{"stack":"cluster-01"}\n');
    git("add", ".");
    git("commit", "-qm", "golden files");
    expect(goldenFilesAt("HEAD~1", repo, goldenDir)).toEqual(new Map());
    expect(goldenFilesAt("HEAD", repo, goldenDir)).toEqual(new Map([["cluster-01/plan.json", '{"stack":"cluster-01"}\n']]));
  });
});
