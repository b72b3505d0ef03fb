/**
 * The README and docs/ stay true to the tree and the schema: every relative link (and its
 * #anchor) resolves, every repository path they name in backticks exists, and
 * docs/configuration.md documents every key of the central and edge schemas and no other.
 */
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { centralSchema } from "../../config/central";
import { edgeSchema } from "../../config/edge";
import { SECRET_KEYS } from "../../config/primitives";
import { PROJECT_DIR } from "../../config/stack-files";

const DOCS_DIR = path.join(PROJECT_DIR, "docs");
const PAGES = ["README.md", ...fs.readdirSync(DOCS_DIR).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
/** Top-level folders of the tree: a backticked path starting with one of them must exist. */
const TREE_ROOTS = [".ci", ".github", "bench", "components", "config", "docs", "loopback", "mixin", "scripts", "synth", "tests", "tools"];

const read = (page: string) => fs.readFileSync(path.join(PROJECT_DIR, page), "utf8");

/** The page's prose: fenced code blocks and HTML comments removed. */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, "").replace(/<!--[\s\S]*?-->/g, "");
}

/** GitHub's anchors for the page's headings (lower case, punctuation dropped, spaces to '-', repeats numbered). */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, heading] of prose(text).matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

/** What a link points at that does not exist, or undefined. */
function brokenLink(page: string, target: string): string | undefined {
  const [file, anchor] = target.split("#", 2);
  const resolved = file === "" ? path.join(PROJECT_DIR, page) : path.resolve(path.dirname(path.join(PROJECT_DIR, page)), file);
  if (!fs.existsSync(resolved)) return "no such file";
  if (anchor === undefined || fs.statSync(resolved).isDirectory()) return undefined;
  return anchors(fs.readFileSync(resolved, "utf8")).has(anchor) ? undefined : `no heading #${anchor}`;
}

/** `a/{b,c}.ts` as `a/b.ts`, `a/c.ts`. */
function expandBraces(p: string): string[] {
  const m = /\{([^}]*)\}/.exec(p);
  return m ? m[1].split(",").flatMap((alt) => expandBraces(p.slice(0, m.index) + alt + p.slice(m.index + m[0].length))) : [p];
}

/** Whether a path with `*` segments matches anything in the tree. */
function existsGlob(rel: string, dir = PROJECT_DIR): boolean {
  const [head, ...rest] = rel.split("/").filter(Boolean);
  if (head === undefined) return fs.existsSync(dir);
  const pattern = new RegExp(`^${head.replace(/[.+?^$()[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}$`);
  const entries = fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? fs.readdirSync(dir) : [];
  return entries.filter((e) => pattern.test(e)).some((e) => existsGlob(rest.join("/"), path.join(dir, e)));
}

/** Backticked tokens that name a file or folder of the tree (`config/fleet.ts`, `tools/*\/go.mod`, `mixin/alerts/`). */
function treePaths(text: string): string[] {
  const rootPattern = new RegExp(`^(${TREE_ROOTS.map((r) => r.replace(".", "\\.")).join("|")})/`);
  const tokens = [...prose(text).matchAll(/`([^`\s<>]+)`/g)].map((m) => m[1]);
  return tokens.filter((t) => rootPattern.test(t) && (t.endsWith("/") || /\.[a-z]+\}?$/.test(t) || t === ".ci/run")).flatMap(expandBraces);
}

describe.each(PAGES)("%s", (page) => {
  const text = read(page);

  test("every relative link resolves to a file (and heading) that exists", () => {
    const links = [...prose(text).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^[a-z]+:/.test(t));
    const broken = links.map((target) => ({ target, problem: brokenLink(page, target) })).filter((l) => l.problem);
    expect(broken).toEqual([]);
  });

  test("every path of the tree it names exists", () => {
    expect(treePaths(text).filter((p) => !existsGlob(p))).toEqual([]);
  });
});

/** Every key path of a schema (`receive.limits.default.headSeries`, `tenants[].quota.cpu`), and which are leaves. */
function schemaKeys(schema: z.ZodType): { nodes: string[]; leaves: string[] } {
  const nodes: string[] = [];
  const leaves: string[] = [];
  const walk = (node: Record<string, any>, prefix: string) => {
    const item = node.type === "array" && node.items?.type === "object" ? node.items : node;
    const itemPrefix = item === node ? prefix : `${prefix}[]`;
    const props = item.type === "object" ? Object.entries<Record<string, any>>(item.properties ?? {}) : [];
    if (prefix && props.length === 0) leaves.push(prefix);
    for (const [key, child] of props) {
      const keyPath = itemPrefix ? `${itemPrefix}.${key}` : key;
      nodes.push(keyPath);
      walk(child, keyPath);
    }
  };
  walk(z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }), "");
  return { nodes, leaves };
}

/** The keys of the `| key | default | meaning |` tables in one `## ` section of docs/configuration.md, `.x` completed from the key before it. */
function documentedKeys(section: string): string[] {
  const rows = section.split("\n").filter((line, i, lines) => line.startsWith("| `") && lines.slice(0, i).some((l) => l.startsWith("| key | default | meaning |")));
  return rows.flatMap((row) => {
    const keys: string[] = [];
    for (const [, token] of row.split(" | ")[0].matchAll(/`([^`]+)`/g)) {
      const previous = keys[keys.length - 1] ?? "";
      const full = token.startsWith(".") ? previous.replace(/\.[^.]+$/, "") + token : token;
      keys.push(full);
    }
    return keys.map((k) => k.replace(/\.<.*$/, ""));
  });
}

describe("docs/configuration.md documents the schema", () => {
  const text = read("docs/configuration.md");
  const sections = text.split(/^## /m);
  const section = (title: string) => sections.find((s) => s.startsWith(title)) ?? "";

  test.each([
    ["Central", centralSchema],
    ["Edge", edgeSchema],
  ])("every key of the %s schema, and no key it does not have", (title, schema) => {
    const { nodes, leaves } = schemaKeys(schema);
    const documented = documentedKeys(section(title as string));
    const covers = (doc: string, key: string) => key === doc || key.startsWith(`${doc}.`) || key.startsWith(`${doc}[]`);
    expect(documented.length).toBeGreaterThan(10);
    expect(leaves.filter((key) => !documented.some((doc) => covers(doc, key)))).toEqual([]);
    expect(documented.filter((doc) => !nodes.includes(doc))).toEqual([]);
  });

  test("every secret key", () => {
    expect(SECRET_KEYS.filter((key) => !text.includes(`\`${key}\``))).toEqual([]);
  });
});
