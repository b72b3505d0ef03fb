/**
 * The fleet's clusters for the real engine: one loopback cluster per stack file, named and
 * noded as the stack files say, a chart directory (the real charts from
 * MULTICLUSTER_CHARTS_DIR, or generated stand-ins), a copy of the project, and the Pulumi CLI
 * set up for a file backend in the work directory.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { edgeSchema } from "../../config/edge";
import { PROJECT } from "../../config/primitives";
import { PROJECT_DIR, readStackFiles } from "../../config/stack-files";
import { ClusterSpec, LoopbackClusters, startClusters } from "../clusters/clusters";
import { deployArgs } from "./deploy-commands";
import { copyProject } from "./project-copy";
import { PulumiCli } from "./pulumi-cli";
import { writeStandInCharts } from "./stand-in-charts";
import { requireTool } from "../tools";

/** Nodes of a cluster whose stack file names none: one, enough for every DaemonSet and Deployment. */
const DEFAULT_NODES = ["node-01"];

export interface StackCluster extends ClusterSpec {
  stack: string;
  role: "central" | "edge";
}

/** Each stack file's cluster (its `multicluster:cluster`, else the stack name) and the nodes it names. */
export function stackClusters(stackDir: string = PROJECT_DIR): StackCluster[] {
  return readStackFiles(stackDir).map((file) => {
    const role = file.config[`${PROJECT}:role`] === "central" ? "central" : "edge";
    const name = String(file.config[`${PROJECT}:cluster`] ?? file.stack);
    const edge = role === "edge" ? edgeSchema.safeParse(file.config[`${PROJECT}:edge`]) : undefined;
    const nodes = edge?.success && edge.data.nodes.length > 0 ? edge.data.nodes : DEFAULT_NODES;
    return { stack: file.stack, role, name, nodes };
  });
}

export interface EngineFleet {
  clusters: LoopbackClusters;
  stacks: StackCluster[];
  /** The copy of the project the CLI runs in. */
  projectDir: string;
  chartsDir: string;
  /** True when the charts are generated stand-ins rather than MULTICLUSTER_CHARTS_DIR's real ones. */
  standInCharts: boolean;
  cli: PulumiCli;
  stop(): Promise<void>;
}

/**
 * The central stack's other providers, the stand-ins of tools/pulumi-standin-providers (the real
 * ones have no build here), and the `mc` the MinIO stand-in runs for MinIO's admin API.
 */
export const STAND_IN_PROVIDERS = ["pulumi-resource-random", "pulumi-resource-tls", "pulumi-resource-minio", "mc"] as const;

export async function startEngineFleet(workDir: string, opts: { stacks?: string[]; standInProviders?: boolean; log?: (line: string) => void } = {}): Promise<EngineFleet> {
  const log = opts.log ?? (() => undefined);
  const stacks = stackClusters().filter((s) => !opts.stacks || opts.stacks.includes(s.stack));
  const clusters = await startClusters(stacks, path.join(workDir, "clusters"), log);
  try {
    const realCharts = process.env.MULTICLUSTER_CHARTS_DIR;
    if (realCharts && !fs.existsSync(realCharts)) throw new Error(`MULTICLUSTER_CHARTS_DIR=${realCharts} does not exist`);
    const chartsDir = realCharts ? path.resolve(realCharts) : writeStandInCharts(path.join(workDir, "charts"));
    log(`engine: charts from ${realCharts ? chartsDir : `generated stand-ins in ${chartsDir}`}`);
    const projectDir = copyProject(path.join(workDir, "project"));
    const cli = new PulumiCli({
      projectDir,
      workDir: path.join(workDir, "pulumi"),
      passphrase: crypto.randomBytes(16).toString("hex"),
      extraPlugins: opts.standInProviders ? STAND_IN_PROVIDERS.map((binary) => requireTool(binary)) : [],
      env: { KUBECONFIG: clusters.kubeconfigFile },
    });
    await cli.must(deployArgs("login", { stateDir: cli.backendDir }));
    return { clusters, stacks, projectDir, chartsDir, standInCharts: !realCharts, cli, stop: () => clusters.stop() };
  } catch (err) {
    await clusters.stop();
    throw err;
  }
}
