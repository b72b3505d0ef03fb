/**
 * The commands a user runs to deploy the program for real, as the README's "Deploying for
 * real" section prints them. The engine tests run exactly these (filling in the placeholders),
 * and a unit test checks that the README shows each one, so the documentation cannot drift
 * from what was run.
 */

/** `<stack>`, `<state-dir>`, `<charts-dir>`, `<minio-endpoint>`, `<generation>` are filled in per run. */
export const DEPLOY_COMMANDS = {
  login: "pulumi login file://<state-dir>",
  select: "pulumi stack select --create organization/multicluster/<stack>",
  charts: "pulumi config set --path multicluster:charts.directory <charts-dir> --stack <stack>",
  minioEndpoint: "pulumi config set --path multicluster:central.minio.deployEndpoint <minio-endpoint> --stack <stack>",
  minioUser: "pulumi config set --secret multicluster:minioUser --stack <stack>",
  minioPassword: "pulumi config set --secret multicluster:minioPassword --stack <stack>",
  preview: "pulumi preview --stack <stack>",
  up: "pulumi up --yes --stack <stack>",
  check: "pulumi preview --expect-no-changes --stack <stack>",
  outputs: "pulumi stack output --json --show-secrets --stack <stack>",
  destroy: "pulumi destroy --yes --stack <stack>",
  destroyKeepingBuckets: "pulumi destroy --yes --exclude-protected --stack <stack>",
  rotate: "pulumi config set --path multicluster:central.receive.tls.rotation <generation> --stack <stack>",
} as const;

export type DeployStep = keyof typeof DEPLOY_COMMANDS;

/** The command's arguments after `pulumi`, with the placeholders filled in. */
export function deployArgs(step: DeployStep, values: { stack?: string; stateDir?: string; chartsDir?: string; minioEndpoint?: string; generation?: number }): string[] {
  const fill: Record<string, string | undefined> = {
    "<stack>": values.stack,
    "<state-dir>": values.stateDir,
    "<charts-dir>": values.chartsDir,
    "<minio-endpoint>": values.minioEndpoint,
    "<generation>": values.generation === undefined ? undefined : String(values.generation),
  };
  const words = DEPLOY_COMMANDS[step].split(" ").slice(1);
  return words.map((word) => {
    for (const [placeholder, value] of Object.entries(fill)) {
      if (!word.includes(placeholder)) continue;
      if (value === undefined) throw new Error(`${DEPLOY_COMMANDS[step]}: no value for ${placeholder}`);
      word = word.replace(placeholder, value);
    }
    return word;
  });
}
