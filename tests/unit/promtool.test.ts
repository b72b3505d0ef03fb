/**
 * Runs `promtool check rules` and `promtool test rules` against the rules generated from a
 * fixed config, with the unit tests in tests/fixtures/promtool/*.test.yaml, and evaluates
 * verify's `behind` query on input series. Needs promtool (built by `npm run tools`): skipped
 * with a message without it, a failure under CI=true.
 *
 * promtool compares annotations verbatim, so the behaviour tests load the generated rules
 * with annotations removed; expressions, `for` and labels are untouched, and `promtool
 * check rules` (which also parses every annotation template) runs on the files as generated.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { prometheusRuleFiles, RuleGroup } from "../../mixin/alerts";
import { ringQueries } from "../../scripts/verify/ring-checks";
import { centralConfig } from "../support/alerting";
import { describeWithTool } from "../support";
import { PROJECT_DIR, scratchDir } from "../support";

/** The config the test files are written for (see their headers). */
const fixture = {
  ...centralConfig((c) => {
    c.namespace = "monitoring";
    c.receive = { ...c.receive, replicas: 3, replicationFactor: 3, tenantLabel: "tenant_id" };
  }),
  tenants: [
    { id: "cluster-03", cluster: "cluster-03" },
    { id: "tenant-a", cluster: "cluster-02" },
  ],
};
const TEST_DIR = path.join(PROJECT_DIR, "tests", "fixtures", "promtool");
const testFiles = fs.readdirSync(TEST_DIR).filter((f) => f.endsWith(".test.yaml"));
const ruleFiles = prometheusRuleFiles(fixture);

interface AlertRuleTest {
  alertname: string;
  exp_alerts?: unknown[];
}
interface PromtoolTestFile {
  rule_files: string[];
  tests: { name: string; alert_rule_test?: AlertRuleTest[] }[];
}

const parsedTests = Object.fromEntries(testFiles.map((f) => [f, YAML.parse(fs.readFileSync(path.join(TEST_DIR, f), "utf8")) as PromtoolTestFile]));

test("every generated alert has a firing and a silent promtool case; every case names a generated alert", () => {
  const alertsByFile = Object.fromEntries(
    Object.entries(ruleFiles).map(([file, text]) => [file, new Set((YAML.parse(text).groups as RuleGroup[]).flatMap((g) => g.rules.map((r) => r.alert)))]),
  );
  const covered = new Map<string, { firing: number; silent: number }>();
  for (const [file, doc] of Object.entries(parsedTests)) {
    const known = new Set(doc.rule_files.flatMap((f) => [...(alertsByFile[f] ?? [])]));
    for (const t of doc.tests) {
      for (const c of t.alert_rule_test ?? []) {
        expect({ file, test: t.name, alertname: c.alertname, generated: known.has(c.alertname) }).toEqual({
          file,
          test: t.name,
          alertname: c.alertname,
          generated: true,
        });
        const entry = covered.get(c.alertname) ?? { firing: 0, silent: 0 };
        if ((c.exp_alerts ?? []).length > 0) entry.firing++;
        else entry.silent++;
        covered.set(c.alertname, entry);
      }
    }
  }
  const all = Object.values(alertsByFile).flatMap((s) => [...s]);
  for (const alert of all) {
    const entry = covered.get(alert) ?? { firing: 0, silent: 0 };
    expect({ alert, firing: entry.firing > 0, silent: entry.silent > 0 }).toEqual({ alert, firing: true, silent: true });
  }
  expect(all.length).toBe(20);
});

describeWithTool("promtool", "promtool", (promtool) => {
  const dir = scratchDir("promtool-");
  const asGenerated = path.join(dir, "as-generated");

  beforeAll(() => {
    fs.mkdirSync(asGenerated);
    for (const [file, text] of Object.entries(ruleFiles)) {
      fs.writeFileSync(path.join(asGenerated, file), text);
      const doc = YAML.parse(text) as { groups: RuleGroup[] };
      const withoutAnnotations = { groups: doc.groups.map((g) => ({ ...g, rules: g.rules.map(({ annotations: _annotations, ...rule }) => rule) })) };
      fs.writeFileSync(path.join(dir, file), YAML.stringify(withoutAnnotations));
    }
    for (const file of testFiles) fs.copyFileSync(path.join(TEST_DIR, file), path.join(dir, file));
  });

  function run(args: string[]): string {
    try {
      return execFileSync(promtool, args, { cwd: dir, encoding: "utf8", stdio: "pipe" });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      throw new Error(`promtool ${args.join(" ")} failed:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
    }
  }

  test("check rules accepts the generated rule files", () => {
    const out = run(["check", "rules", ...Object.keys(ruleFiles).map((f) => path.join(asGenerated, f))]);
    expect(out).toContain("SUCCESS");
  });

  test.each(testFiles)("test rules %s", (file) => {
    expect(run(["test", "rules", file])).toContain("SUCCESS");
  });

  test("verify's behind query: how far each queue is behind, leaving out a queue that has not sent yet (it reports 0)", () => {
    const agent = (instance: string) => `cluster="cluster-02", tenant_id="tenant-a", instance="${instance}"`;
    const queue = 'remote_name="central", url="https://rw"';
    const behindTest = {
      rule_files: [],
      tests: [
        {
          name: "behind",
          interval: "1m",
          input_series: [
            { series: `prometheus_remote_storage_highest_timestamp_in_seconds{${agent("sending")}}`, values: "600x5" },
            { series: `prometheus_remote_storage_queue_highest_sent_timestamp_seconds{${agent("sending")}, ${queue}}`, values: "590x5" },
            { series: `prometheus_remote_storage_highest_timestamp_in_seconds{${agent("not-sent-yet")}}`, values: "600x5" },
            { series: `prometheus_remote_storage_queue_highest_sent_timestamp_seconds{${agent("not-sent-yet")}, ${queue}}`, values: "0x5" },
          ],
          promql_expr_test: [
            {
              expr: ringQueries({ centralCluster: "cluster-01", tenantLabel: "tenant_id" }).behind,
              eval_time: "2m",
              exp_samples: [{ labels: '{cluster="cluster-02", tenant_id="tenant-a"}', value: 10 }],
            },
          ],
        },
      ],
    };
    fs.writeFileSync(path.join(dir, "verify-behind.yaml"), YAML.stringify(behindTest));
    expect(run(["test", "rules", "verify-behind.yaml"])).toContain("SUCCESS");
  });
});
