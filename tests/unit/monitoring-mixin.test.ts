/**
 * MonitoringMixin as the real index.ts declares it for the central stack, through the
 * offline synth: the Alertmanager config Secret and the dashboard ConfigMaps, validated with
 * kubernetes-models, the webhook URLs kept secret, and the rule files the synth writes.
 */
import * as fs from "fs";
import * as path from "path";
import { ConfigMap, Secret } from "kubernetes-models/v1";
import * as YAML from "yaml";
import { alertmanagerConfig } from "../../mixin/alerts/routing";
import { ALERTMANAGER_CONFIG_SECRET, GRAFANA_DASHBOARD_LABEL } from "../../components/shared/conventions";
import { DASHBOARD_UIDS, dashboards } from "../../mixin/dashboards";
import { prometheusRuleFiles } from "../../mixin/alerts";
import { isSecretValue, redactSecrets } from "../../synth/mock-runtime";
import { SynthesizedStack } from "../../synth/synth";
import { ENCRYPTED, filesUnder, committedStackConfig, resourcesOfType, synthStacks } from "../support";

const CRITICAL_TOKEN = "crit-0123456789abcdef";
const WARNING_TOKEN = "warn-0123456789abcdef";
const webhooks = {
  critical: `https://hooks.example.com/platform/${CRITICAL_TOKEN}`,
  warning: `https://hooks.slack.com/services/T000/B000/${WARNING_TOKEN}`,
};

let central: SynthesizedStack;
let outDir: string;

beforeAll(async () => {
  const synth = await synthStacks(
    { "cluster-01": { ...committedStackConfig("cluster-01"), "multicluster:alertWebhookCritical": ENCRYPTED, "multicluster:alertWebhookWarning": ENCRYPTED } },
    { decrypted: { "cluster-01": { alertWebhookCritical: webhooks.critical, alertWebhookWarning: webhooks.warning } } },
  );
  central = synth.byStack["cluster-01"];
  outDir = synth.outDir;
});

function centralConfig() {
  if (central.config.role !== "central") throw new Error("expected the central stack");
  return { ...central.config, tenants: [] };
}
// Its type token keeps the component's old name (existing stacks' URNs).
const component = () => resourcesOfType(central, "multicluster:central:PlatformAlerting");
const children = (type: string) => resourcesOfType(central, type).filter((r) => r.parent === component()[0].name);

test("the central stack declares one MonitoringMixin", () => {
  expect(component().map((r) => r.name)).toEqual(["cluster-01-central-alerting"]);
});

test("the Alertmanager config Secret is valid, named as the central stack expects, its content a Pulumi secret", () => {
  const [secret] = children("kubernetes:core/v1:Secret");
  expect(secret.name).toBe("cluster-01-central-alerting-alertmanager-config");
  const stringData = secret.inputs.stringData as Record<string, unknown>;
  expect(isSecretValue(stringData)).toBe(true);
  const manifest = redactSecrets(secret.inputs) as Record<string, any>;
  expect(() => new Secret(manifest).validate()).not.toThrow();
  expect(manifest.metadata).toEqual({ name: ALERTMANAGER_CONFIG_SECRET, namespace: "monitoring" });
  expect(YAML.parse(manifest.stringData["alertmanager.yaml"])).toEqual(alertmanagerConfig(webhooks));
});

test("no webhook URL appears in any file the synth writes", () => {
  const files = filesUnder(outDir).filter((f) => !f.endsWith("kubeconfig.yaml"));
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8");
    expect({ file, leaks: text.includes(CRITICAL_TOKEN) || text.includes(WARNING_TOKEN) }).toEqual({ file, leaks: false });
  }
  const plan = JSON.parse(fs.readFileSync(path.join(outDir, "cluster-01", "plan.json"), "utf8"));
  const secret = plan.resources.find((r: { name: string }) => r.name === "cluster-01-central-alerting-alertmanager-config");
  expect(secret.inputs.stringData).toBe("[secret]");
});

test("one valid dashboard ConfigMap per dashboard, labelled for Grafana's sidecar, in the central namespace", () => {
  const configMaps = children("kubernetes:core/v1:ConfigMap");
  expect(configMaps.map((c) => c.name)).toEqual(Object.values(DASHBOARD_UIDS).map((uid) => `cluster-01-central-alerting-dashboard-${uid}`));
  const expected = dashboards(centralConfig());
  configMaps.forEach((resource, i) => {
    const manifest = resource.inputs as Record<string, any>;
    expect(() => new ConfigMap(manifest).validate()).not.toThrow();
    expect(manifest.metadata).toEqual({ name: `grafana-dashboard-${expected[i].uid}`, namespace: "monitoring", labels: GRAFANA_DASHBOARD_LABEL });
    expect(Object.keys(manifest.data)).toEqual([`${expected[i].uid}.json`]);
    expect(JSON.parse(manifest.data[`${expected[i].uid}.json`])).toEqual(expected[i]);
  });
});

test("kubernetes-models rejects a malformed ConfigMap (the validation can fail)", () => {
  expect(() => new ConfigMap({ metadata: { name: "x" }, data: { "a.json": 1 as unknown as string } }).validate()).toThrow();
});

test("the synth writes the central stack's rule files", () => {
  const dir = path.join(outDir, "cluster-01", "rules");
  const expected = prometheusRuleFiles(centralConfig());
  expect(fs.readdirSync(dir).sort()).toEqual(Object.keys(expected).sort());
  for (const [file, text] of Object.entries(expected)) expect(fs.readFileSync(path.join(dir, file), "utf8")).toBe(text);
});
