/**
 * The Alertmanager routing config: its shape as a pure function of the webhook settings,
 * and, with amtool (Debian's prometheus-alertmanager), Alertmanager's own validation and
 * route resolution. Without amtool that part is skipped with a message, a failure under CI=true.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { alertmanagerConfig, alertmanagerConfigYaml, NULL_RECEIVER } from "../../mixin/alerts/routing";
import { ALERTS } from "../../mixin/alerts";
import { describeWithTool } from "../support";
import { scratchDir } from "../support";

const CRITICAL = "https://hooks.example.com/services/critical-token";
const WARNING = "https://hooks.slack.com/services/T000/B000/warning-token";

test("critical and warning alerts go to their own webhook receivers, grouped by cluster and alert", () => {
  const config = alertmanagerConfig({ critical: CRITICAL, warning: WARNING });
  expect(config.route.receiver).toBe(NULL_RECEIVER);
  expect(config.route.group_by).toEqual(["cluster", "alertname"]);
  expect(config.route.routes).toEqual([
    expect.objectContaining({ receiver: "critical", matchers: ['severity="critical"'] }),
    expect.objectContaining({ receiver: "warning", matchers: ['severity="warning"'] }),
  ]);
  expect(config.receivers).toEqual([
    { name: NULL_RECEIVER },
    { name: "critical", webhook_configs: [{ url: CRITICAL, send_resolved: true }] },
    { name: "warning", webhook_configs: [{ url: WARNING, send_resolved: true }] },
  ]);
});

test("without webhooks everything goes to the null receiver", () => {
  const config = alertmanagerConfig({});
  expect(config.route.routes).toEqual([]);
  expect(config.receivers).toEqual([{ name: NULL_RECEIVER }]);
});

test("a critical alert inhibits the warning of the same alert in the same cluster", () => {
  const [bySeverity] = alertmanagerConfig({ critical: CRITICAL }).inhibit_rules;
  expect(bySeverity).toEqual({ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["cluster", "alertname"] });
});

test("inhibition rules refer only to alerts the rules define", () => {
  const known = new Set<string>(Object.values(ALERTS));
  const named = alertmanagerConfig({})
    .inhibit_rules.flatMap((r) => [...r.source_matchers, ...r.target_matchers])
    .filter((m) => m.startsWith("alertname"))
    .flatMap((m) => m.replace(/^alertname=~?"(.*)"$/, "$1").split("|"));
  expect(named.length).toBeGreaterThan(4);
  for (const name of named) expect({ name, known: known.has(name) }).toEqual({ name, known: true });
});

describeWithTool("amtool", "amtool", (amtool) => {
  const dir = scratchDir("amtool-");
  const write = (file: string, text: string) => {
    const p = path.join(dir, file);
    fs.writeFileSync(p, text);
    return p;
  };
  const amtoolRun = (args: string[]) => execFileSync(amtool, args, { encoding: "utf8", stdio: "pipe" }).trim();

  test.each([
    ["both webhooks", { critical: CRITICAL, warning: WARNING }],
    ["critical only", { critical: CRITICAL }],
    ["no webhook", {}],
  ])("check-config accepts the config with %s", (label, webhooks) => {
    const file = write(`${label.replace(/ /g, "-")}.yaml`, alertmanagerConfigYaml(webhooks));
    expect(amtoolRun(["check-config", file])).toContain("SUCCESS");
  });

  test("check-config rejects a route to an undefined receiver (the check can fail)", () => {
    const broken = YAML.parse(alertmanagerConfigYaml({ critical: CRITICAL }));
    broken.receivers = broken.receivers.filter((r: { name: string }) => r.name !== "critical");
    expect(() => amtoolRun(["check-config", write("broken.yaml", YAML.stringify(broken))])).toThrow();
  });

  const both = { critical: CRITICAL, warning: WARNING };
  test.each([
    ["both webhooks", "severity=critical", "critical", both],
    ["both webhooks", "severity=warning", "warning", both],
    ["both webhooks", "severity=none", NULL_RECEIVER, both],
    ["critical only", "severity=warning", NULL_RECEIVER, { critical: CRITICAL }],
    ["no webhook", "severity=critical", NULL_RECEIVER, {}],
  ])("with %s, an alert with %s goes to %s", (label, alertLabel, receiver, webhooks) => {
    const file = write(`routes-${label.replace(/ /g, "-")}.yaml`, alertmanagerConfigYaml(webhooks));
    expect(amtoolRun(["config", "routes", "test", `--config.file=${file}`, alertLabel, "alertname=X", "cluster=cluster-03"])).toBe(receiver);
  });
});
