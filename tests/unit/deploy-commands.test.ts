/**
 * The README's "Deploying for real" commands are the ones the engine tests run: both come from
 * loopback/engine/deploy-commands.ts, and this holds the README to it.
 */
import * as fs from "fs";
import * as path from "path";
import { DEPLOY_COMMANDS, deployArgs } from "../../loopback/engine/deploy-commands";
import { PROJECT_DIR } from "../support";

const README = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
const section = README.slice(README.indexOf("## Deploying for real"), README.indexOf("<!-- End of Deploying for real. -->"));

test.each(Object.entries(DEPLOY_COMMANDS))("the README's Deploying for real shows the %s command the engine tests run", (_step, command) => {
  expect(section).toContain(command);
});

test("deployArgs fills in the placeholders and refuses a missing one", () => {
  expect(deployArgs("up", { stack: "cluster-03" })).toEqual(["up", "--yes", "--stack", "cluster-03"]);
  expect(deployArgs("login", { stateDir: "/state" })).toEqual(["login", "file:///state"]);
  expect(() => deployArgs("charts", { stack: "cluster-03" })).toThrow("no value for <charts-dir>");
});
