/**
 * The GitHub workflows: they parse, the PR checks run what .ci/run runs, and the preview and
 * deploy matrices come from the stack files at run time (scripts/stack-matrix.ts), so every
 * Pulumi.cluster-*.yaml, including one added later, is previewed and deployed, central first.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { pinnedVersion, TOOLS, toolsCacheDir } from "../../loopback/tools";
import { githubOutputs, stackMatrix } from "../../scripts/stack-matrix";
import { JOB_TIMEOUT_MINUTES } from "../../components/shared/timeouts";
import { PROJECT_DIR, scratchDir } from "../support";
import { centralConfig } from "../support/alerting";

interface Step {
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  id?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  outputs?: Record<string, string>;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown>; "max-parallel"?: number };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

function load<T>(file: string): T {
  const doc = YAML.parseDocument(fs.readFileSync(path.join(PROJECT_DIR, file), "utf8"));
  expect({ file, errors: doc.errors.map((e) => e.message) }).toEqual({ file, errors: [] });
  return doc.toJS() as T;
}

const pr = load<Workflow>(".github/workflows/pr.yml");
const deploy = load<Workflow>(".github/workflows/deploy.yml");
const setup = load<{ runs: { using: string; steps: Step[] } }>(".github/actions/setup/action.yml");
const goTools = load<{ runs: { using: string; steps: Step[] } }>(".github/actions/go-tools/action.yml");

const needs = (job: Job) => [job.needs ?? []].flat();
const stepIndex = (job: Job, match: (s: Step) => boolean) => job.steps.findIndex(match);
const runs = (command: string) => (s: Step) => (s.run ?? "").split("\n").some((line) => line.trim() === command);
const pulumiStep = (job: Job) => {
  const steps = job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@"));
  expect(steps).toHaveLength(1);
  return steps[0];
};

/** Every stack file in the repository, found independently of config/stack-files.ts. */
const committedStacks = fs
  .readdirSync(PROJECT_DIR)
  .map((f) => /^Pulumi\.(cluster-[^.]+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined)
  .sort();

describe("stack matrix", () => {
  test("lists every committed Pulumi.cluster-*.yaml, central first, edges after", () => {
    expect(committedStacks.length).toBeGreaterThanOrEqual(4);
    const matrix = stackMatrix(PROJECT_DIR);
    expect([...matrix.all].sort()).toEqual(committedStacks);
    expect(matrix.central).toEqual(["cluster-01"]);
    expect([...matrix.central, ...matrix.edges]).toEqual(matrix.all);
    expect(matrix.edges.sort()).toEqual(committedStacks.filter((s) => s !== "cluster-01"));
  });

  test("a new Pulumi.cluster-05.yaml joins the edges without any workflow change", () => {
    const dir = scratchDir("matrix-");
    for (const stack of committedStacks) fs.copyFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), path.join(dir, `Pulumi.${stack}.yaml`));
    fs.writeFileSync(path.join(dir, "Pulumi.cluster-05.yaml"), YAML.stringify({ config: { "multicluster:role": "edge", "multicluster:edge": { centralStack: "organization/multicluster/cluster-01" } } }));
    const matrix = stackMatrix(dir);
    expect(matrix.edges).toContain("cluster-05");
    expect(matrix.all).toContain("cluster-05");
    expect(matrix.central).toEqual(["cluster-01"]);
  });

  test("a stack file without a valid role, or no central stack, is an error", () => {
    const dir = scratchDir("matrix-bad-");
    fs.writeFileSync(path.join(dir, "Pulumi.cluster-09.yaml"), YAML.stringify({ config: { "multicluster:role": "hub" } }));
    expect(() => stackMatrix(dir)).toThrow('Pulumi.cluster-09.yaml: multicluster:role: expected "central" or "edge", got "hub"');
    fs.writeFileSync(path.join(dir, "Pulumi.cluster-09.yaml"), YAML.stringify({ config: { "multicluster:role": "edge" } }));
    expect(() => stackMatrix(dir)).toThrow(/no stack file in .* has multicluster:role central/);
  });

  test("the command the workflows run prints GitHub step outputs for fromJSON", async () => {
    expect(githubOutputs({ all: ["a", "b"], central: ["a"], edges: ["b"] })).toBe('all=["a","b"]\ncentral=["a"]\nedges=["b"]\n');
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(path.join(PROJECT_DIR, "node_modules", ".bin", "tsx"), ["scripts/stack-matrix.ts"], { cwd: PROJECT_DIR, timeout: 30_000 }, (err, out) => (err ? reject(err) : resolve(out))),
    );
    expect(stdout).toBe(githubOutputs(stackMatrix(PROJECT_DIR)));
  });
});

describe("workflows", () => {
  test("the Go tools action builds with `npm run tools` and caches what it builds, keyed by the pins", () => {
    const steps = goTools.runs.steps;
    const cache = steps.find((s) => s.uses?.startsWith("actions/cache@"));
    expect(cache?.with?.path).toBe(toolsCacheDir({ HOME: "~" }));
    expect(String(cache?.with?.key)).toContain("hashFiles('tools/*/go.mod', 'tools/*/go.sum'");
    expect(steps.findIndex(runs("npm run tools"))).toBeGreaterThan(steps.indexOf(cache!));
    for (const job of [pr.jobs.test, deploy.jobs.test]) {
      expect(stepIndex(job, (s) => s.uses === "./.github/actions/go-tools")).toBeLessThan(stepIndex(job, runs("npm test")));
    }
  });

  const matrixStep = (job: Job) => job.steps.find((s) => s.id === "matrix");

  test.each([
    ["pr.yml", pr, ["all"]],
    ["deploy.yml", deploy, ["central", "edges"]],
  ] as const)("%s generates its matrix with scripts/stack-matrix.ts and exposes it as job outputs", (_file, workflow, keys) => {
    const job = workflow.jobs.stacks;
    expect(matrixStep(job)?.run).toBe('npx tsx scripts/stack-matrix.ts >> "$GITHUB_OUTPUT"');
    for (const key of keys) expect(job.outputs?.[key]).toBe(`\${{ steps.matrix.outputs.${key} }}`);
  });

  test("pull requests: the Go tools are built before npm test; npm ci, npm test and npm run synth run; out/synth is uploaded", () => {
    const job = pr.jobs.test;
    expect(Object.keys(pr.on)).toEqual(["pull_request"]);
    const install = stepIndex(job, (s) => s.uses === "./.github/actions/go-tools");
    const setupStep = stepIndex(job, (s) => s.uses === "./.github/actions/setup");
    const test = stepIndex(job, runs("npm test"));
    const synth = stepIndex(job, runs("npm run synth"));
    const upload = stepIndex(job, (s) => s.uses?.startsWith("actions/upload-artifact@") ?? false);
    expect([install, setupStep, test, synth, upload].every((i) => i >= 0)).toBe(true);
    expect(install).toBeLessThan(test);
    expect(setupStep).toBeLessThan(test);
    expect(test).toBeLessThan(synth);
    expect(synth).toBeLessThan(upload);
    expect(job.steps[upload].with?.path).toBe("out/synth/");
    expect(setup.runs.steps.some(runs("npm ci --no-audit --no-fund"))).toBe(true);
  });

  test("pull requests: the diff of the rendered output against the base commit's golden files is the job summary, failing tests or not", () => {
    const job = pr.jobs.test;
    const checkout = job.steps.find((s) => s.uses?.startsWith("actions/checkout@"));
    expect(checkout?.with?.["fetch-depth"]).toBe(0);
    const summary = stepIndex(job, (s) => (s.run ?? "").includes("scripts/golden-diff.ts"));
    expect(summary).toBeGreaterThan(stepIndex(job, (s) => s.uses === "./.github/actions/setup"));
    expect(job.steps[summary]).toMatchObject({
      if: "${{ !cancelled() }}",
      env: { BASE_SHA: "${{ github.event.pull_request.base.sha }}" },
      run: 'npx tsx scripts/golden-diff.ts --base "$BASE_SHA" >> "$GITHUB_STEP_SUMMARY"',
    });
    for (const step of [job.steps[stepIndex(job, runs("npm run synth"))], job.steps[stepIndex(job, (s) => s.uses?.startsWith("actions/upload-artifact@") ?? false)]]) {
      expect(step.if).toBe("${{ !cancelled() }}");
    }
  });

  test("the summary command renders Markdown against a commit", async () => {
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(path.join(PROJECT_DIR, "node_modules", ".bin", "tsx"), ["scripts/golden-diff.ts", "--base", "HEAD"], { cwd: PROJECT_DIR, timeout: 60_000 }, (err, out) =>
        err ? reject(err) : resolve(out),
      ),
    );
    expect(stdout).toMatch(/^## Rendered output\n\n`npm run synth` of the committed stack files with this code, against tests\/golden at `HEAD`\./);
  });

  test("pull requests: pulumi preview of every stack of the generated matrix, commented on the PR", () => {
    const job = pr.jobs.preview;
    expect(needs(job)).toEqual(expect.arrayContaining(["stacks", "test"]));
    expect(job.strategy?.matrix?.stack).toBe("${{ fromJSON(needs.stacks.outputs.all) }}");
    expect(job.permissions?.["pull-requests"]).toBe("write");
    expect(pulumiStep(job).with).toMatchObject({ command: "preview", "stack-name": "${{ matrix.stack }}", "comment-on-pr": true });
  });

  test("main: pulumi up of the central stacks, then of the edges", () => {
    expect(deploy.on.push).toEqual({ branches: ["main"] });
    const central = deploy.jobs["deploy-central"];
    const edges = deploy.jobs["deploy-edges"];
    expect(central.strategy?.matrix?.stack).toBe("${{ fromJSON(needs.stacks.outputs.central) }}");
    expect(edges.strategy?.matrix?.stack).toBe("${{ fromJSON(needs.stacks.outputs.edges) }}");
    expect(needs(central)).toEqual(expect.arrayContaining(["stacks", "test"]));
    expect(needs(edges)).toEqual(expect.arrayContaining(["stacks", "deploy-central"]));
    for (const job of [central, edges]) expect(pulumiStep(job).with).toMatchObject({ command: "up", "stack-name": "${{ matrix.stack }}" });
  });

  const pulumiJobs = [
    ["pr.yml preview", pr.jobs.preview],
    ["deploy.yml deploy-central", deploy.jobs["deploy-central"]],
    ["deploy.yml deploy-edges", deploy.jobs["deploy-edges"]],
  ] as const;

  test.each(pulumiJobs)("%s: backend and passphrase from secrets, kubeconfig from a secret file exported as KUBECONFIG", (_name, job) => {
    expect(job.env).toEqual({
      PULUMI_BACKEND_URL: "${{ secrets.PULUMI_BACKEND_URL }}",
      PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
    });
    expect(pulumiStep(job).with?.["cloud-url"]).toBe("${{ secrets.PULUMI_BACKEND_URL }}");
    const kubeconfig = stepIndex(job, (s) => s.env?.KUBECONFIG_CONTENT === "${{ secrets.KUBECONFIG }}");
    expect(kubeconfig).toBeGreaterThanOrEqual(0);
    expect(job.steps[kubeconfig].run).toContain('echo "KUBECONFIG=$RUNNER_TEMP/kubeconfig" >> "$GITHUB_ENV"');
    expect(kubeconfig).toBeLessThan(job.steps.indexOf(pulumiStep(job)));
  });

  test("every action is pinned to an exact version, and the Pulumi CLI to the one the engine tests run (tools/pulumi)", () => {
    const uses = [pr, deploy].flatMap((w) => Object.values(w.jobs).flatMap((j) => j.steps)).concat(setup.runs.steps).flatMap((s) => (s.uses ? [s.uses] : []));
    expect(uses.length).toBeGreaterThan(0);
    for (const ref of uses.filter((u) => !u.startsWith("./"))) expect(ref).toMatch(/^[\w.-]+\/[\w.-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})$/);
    const tested = pinnedVersion(TOOLS.pulumi).replace(/^v/, "");
    for (const w of [pr, deploy]) expect(w.env?.PULUMI_VERSION).toBe(tested);
    for (const [, job] of pulumiJobs) expect(pulumiStep(job).with?.["pulumi-version"]).toBe("${{ env.PULUMI_VERSION }}");
  });
});

describe("deploy job timeouts cover every wait of the stacks they deploy", () => {
  // Checkout, npm ci, the CLI's download and the program's own run: measured runs take 3-5 minutes.
  const SETUP_MINUTES = 10;
  const goldenResources = (stack: string): { type: string; inputs: Record<string, unknown> }[] =>
    JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "tests", "golden", stack, "plan.json"), "utf8")).resources;

  /** Every release's Helm timeout, every Job's and (central) the receive LoadBalancer's customTimeouts, added up as if each ran to its limit. */
  function worstCaseMinutes(stack: string, central: boolean): number {
    const resources = goldenResources(stack);
    const releases = resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").reduce((sum, r) => sum + Number(r.inputs.timeout) / 60, 0);
    const jobs = resources.filter((r) => r.type === "kubernetes:batch/v1:Job").length * JOB_TIMEOUT_MINUTES;
    const loadBalancer = central ? centralConfig().central.receive.service.addressTimeoutMinutes : 0;
    return releases + jobs + loadBalancer;
  }

  test.each(committedStacks)("%s", (stack) => {
    const central = stackMatrix(PROJECT_DIR).central.includes(stack);
    const job = deploy.jobs[central ? "deploy-central" : "deploy-edges"] as Job & { "timeout-minutes": number };
    const minutes = worstCaseMinutes(stack, central);
    expect(minutes).toBeGreaterThan(0);
    expect(job["timeout-minutes"]).toBeGreaterThanOrEqual(Math.ceil(minutes) + SETUP_MINUTES);
  });
});
