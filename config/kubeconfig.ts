/** The kubeconfig a stack's Kubernetes provider uses: a file, $KUBECONFIG, ~/.kube/config, or the content itself. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";

/** Where the kubernetes provider's kubeconfig came from, and its content. */
export interface Kubeconfig {
  /** The file it was read from, or "inline" when the config holds the content. */
  source: string;
  /**
   * True when `multicluster:kubeconfig` chose it; false when it is the machine's own ($KUBECONFIG,
   * else ~/.kube/config), which the Kubernetes provider finds by itself.
   */
  fromConfig: boolean;
  content: string;
  context: string;
}

/** True when the value is the kubeconfig itself rather than a path to it. */
export function isInlineKubeconfig(value: string): boolean {
  return value.includes("\n") || /^\s*(apiVersion|\{)/.test(value);
}

export function resolveKubeconfig(
  value: string | undefined,
  context: string | undefined,
  opts: { projectDir?: string; env?: NodeJS.ProcessEnv; hideValue?: boolean },
  fail: (keyPath: (string | number)[], expected: string) => never,
): Kubeconfig {
  const env = opts.env ?? process.env;
  let source: string;
  let content: string;
  // A secret value may be the content itself in a form this does not recognise (base64, say): never show it.
  const hidden = value !== undefined && opts.hideValue === true;
  let shown: string;
  if (value !== undefined && isInlineKubeconfig(value)) {
    source = shown = "inline";
    content = value;
  } else {
    const home = env.HOME ?? os.homedir();
    const fromEnv = env.KUBECONFIG?.split(path.delimiter).find((p) => p !== "");
    const chosen = value ?? fromEnv ?? path.join(home, ".kube", "config");
    source = path.resolve(opts.projectDir ?? process.cwd(), chosen.replace(/^~(?=$|\/)/, home));
    const origin = value !== undefined ? "" : fromEnv ? " (from $KUBECONFIG; multicluster:kubeconfig is not set)" : " (the default; multicluster:kubeconfig is not set)";
    shown = hidden ? "the file multicluster:kubeconfig names (not shown: it is a secret)" : source;
    if (!fs.existsSync(source)) fail(["kubeconfig"], `expected a kubeconfig file or its content, but ${shown}${origin} does not exist`);
    if (!fs.statSync(source).isFile()) fail(["kubeconfig"], `expected a kubeconfig file or its content, but ${shown}${origin} is a directory`);
    try {
      content = fs.readFileSync(source, "utf8");
    } catch (err) {
      fail(["kubeconfig"], `expected a readable kubeconfig file, but ${shown}${origin} could not be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  let doc: { contexts?: { name?: string }[]; "current-context"?: string } | undefined;
  try {
    doc = YAML.parse(content);
  } catch (err) {
    // The parser may quote the text it stopped at: of a secret, say only where.
    const where = /at line \d+, column \d+/.exec((err as Error).message)?.[0] ?? "somewhere";
    const reason = hidden || source === "inline" ? `${where} (the parser's message is not shown: it may quote the secret)` : (err as Error).message.split("\n")[0];
    fail(["kubeconfig"], `expected a kubeconfig in YAML, but ${shown} does not parse: ${reason}`);
  }
  const contexts = (doc?.contexts ?? []).map((c) => c.name).filter((n): n is string => typeof n === "string");
  if (contexts.length === 0) fail(["kubeconfig"], `expected a kubeconfig with at least one context, ${shown} has none`);
  const chosenContext = context ?? doc?.["current-context"];
  if (chosenContext === undefined) fail(["kubeContext"], `expected a context name (${shown} sets no current-context); one of ${contexts.join(", ")}`);
  if (!contexts.includes(chosenContext!)) fail(["kubeContext"], `expected one of the contexts in ${shown} (${contexts.join(", ")}), got ${chosenContext}`);
  return { source, content, context: chosenContext!, fromConfig: value !== undefined };
}
