/** The synth's command line, including the forms npm turns `--stack` into. */
import { parseArgs } from "../../synth/synth";

test("--stack NAME, --stack=NAME and bare names select stacks", () => {
  expect(parseArgs(["--stack", "cluster-01", "--stack=cluster-03", "cluster-04"], {}).stacks).toEqual(["cluster-01", "cluster-03", "cluster-04"]);
});

test("npm run synth --stack NAME: npm keeps the flag (npm_config_stack=true) and passes the name alone", () => {
  expect(parseArgs(["cluster-01"], { npm_config_stack: "true" }).stacks).toEqual(["cluster-01"]);
});

test("npm run synth --stack=NAME: the name arrives as npm_config_stack", () => {
  expect(parseArgs([], { npm_config_stack: "cluster-02" }).stacks).toEqual(["cluster-02"]);
});

test("no stack named means every stack", () => {
  expect(parseArgs([], {}).stacks).toBeUndefined();
});

test("--dir and --out set the directories", () => {
  expect(parseArgs(["--dir", "/tmp/stacks", "--out=/tmp/out"], {})).toMatchObject({ stackDir: "/tmp/stacks", outDir: "/tmp/out" });
});

test("an unknown flag or a flag without its value is a usage error", () => {
  expect(() => parseArgs(["--stacks", "cluster-01"], {})).toThrow("unknown argument --stacks");
  expect(() => parseArgs(["--dir"], {})).toThrow("--dir needs a value");
});
