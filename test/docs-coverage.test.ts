/**
 * The documentation covers the package: every runtime export of every entry point (the package's
 * `exports` map) is named in inline code on some page (README.md or docs/), every docs page is
 * linked from the README or from a page the README links, and every relative link points at a page
 * and heading that exist.
 *
 * "Named" means an inline code span that starts with the name (after an optional `new `), followed
 * by the end of the span or by a character that cannot continue a name (`(`, `.`, `<`, space, ...):
 * `toolCallSchema(tools, name?)`, `llama.tools.braveSearch()`, `SPECIAL_TOKENS`. Code blocks do not
 * count: a name that appears only in an example is not documented.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");

/** Pages linked from the README that another branch is writing (tolerated while absent). */
const PENDING_PAGES = new Set<string>();

function pages(): string[] {
  const docs = readdirSync(join(root, "docs"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".md"))
    .map((f) => join("docs", f));
  return ["README.md", ...docs.sort()];
}

/** A page's text without its fenced code blocks (their backticks and links are not prose). */
function prose(page: string): string {
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of readFileSync(join(root, page), "utf8").split("\n")) {
    const m = /^\s*(`{3,}|~{3,})/.exec(line);
    if (m) {
      if (fence === undefined) fence = m[1];
      else if (m[1]!.startsWith(fence)) fence = undefined;
      continue;
    }
    if (fence === undefined) out.push(line);
  }
  return out.join("\n");
}

/** Inline code spans of a page's prose. */
function codeSpans(text: string): string[] {
  const spans: string[] = [];
  for (const m of text.matchAll(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g)) spans.push(m[2]!.trim());
  return spans;
}

function names(span: string, name: string): boolean {
  const s = span.replace(/^new\s+/, "");
  if (!s.startsWith(name)) return false;
  const next = s.charAt(name.length);
  return next === "" || !/[A-Za-z0-9_$\-/]/.test(next);
}

/** GitHub's anchor for a heading: lower case, punctuation but `-` and `_` dropped, spaces to `-`. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, "")
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function anchors(page: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(page).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

interface Link {
  from: string;
  target: string;
  anchor?: string;
}

/** Relative links of a page (`[text](path#anchor)`), resolved from the repository root. */
function links(page: string): Link[] {
  const out: Link[] = [];
  for (const m of prose(page).matchAll(/\]\(([^)\s]+)\)/g)) {
    const href = m[1]!;
    if (/^[a-z]+:/i.test(href)) continue; // https:, mailto:
    const [path, anchor] = href.split("#") as [string, string | undefined];
    const target = path === "" ? page : normalize(join(dirname(page), path));
    out.push({ from: page, target, ...(anchor !== undefined ? { anchor } : {}) });
  }
  return out;
}

const entryPoints = Object.keys(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).exports as Record<string, unknown>)
  .filter((k) => k !== "./package.json")
  .map((k) => (k === "." ? "llama-prompt-format" : `llama-prompt-format/${k.slice(2)}`));

describe("docs coverage", () => {
  it("knows every entry point of the package", () => {
    expect(entryPoints).toEqual(
      expect.arrayContaining([
        "llama-prompt-format",
        "llama-prompt-format/tools",
        "llama-prompt-format/template",
        "llama-prompt-format/meta",
        "llama-prompt-format/backends",
        "llama-prompt-format/ai-sdk",
        "llama-prompt-format/langchain",
        "llama-prompt-format/openai",
      ]),
    );
  });

  it("every runtime export of every entry point is named in inline code on some page", async () => {
    const spans = pages().flatMap((p) => codeSpans(prose(p)));
    const missing: string[] = [];
    let checked = 0;
    for (const entry of entryPoints) {
      const mod = (await import(/* @vite-ignore */ entry)) as Record<string, unknown>;
      for (const name of Object.keys(mod)) {
        if (name === "default") continue;
        checked++;
        if (!spans.some((s) => names(s, name))) missing.push(`${entry}: ${name}`);
      }
    }
    expect(checked).toBeGreaterThan(80);
    expect(missing).toEqual([]);
  });

  it("every docs page is linked from the README or from a page the README links", () => {
    const linked = (page: string) => links(page).map((l) => l.target).filter((t) => t.endsWith(".md") && existsSync(join(root, t)));
    const first = linked("README.md");
    const reached = new Set(["README.md", ...first, ...first.flatMap(linked)]);
    expect(pages().filter((p) => !reached.has(p))).toEqual([]);
  });

  it("every relative link points at a file that exists, and at a heading of it that exists", () => {
    const broken: string[] = [];
    for (const page of pages()) {
      for (const l of links(page)) {
        if (!existsSync(join(root, l.target))) {
          if (!PENDING_PAGES.has(l.target)) broken.push(`${l.from} → ${l.target}`);
          continue;
        }
        if (l.anchor !== undefined && l.target.endsWith(".md") && !anchors(l.target).has(l.anchor)) {
          broken.push(`${l.from} → ${relative(root, join(root, l.target))}#${l.anchor}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
