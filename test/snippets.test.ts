/**
 * Every TypeScript snippet in README.md and docs/ type-checks, and runs.
 *
 * A fenced block is checked when its info string starts with `ts` or `typescript`. Words after it:
 * `no-run` (type-check only: it needs a server, a model, or input the reader supplies) and `no-check`
 * (neither: a type sketch, not code). Each snippet is its own module, so it must define or import
 * everything it uses. Snippets import the package by name (`llama-prompt-format`,
 * `llama-prompt-format/tools`, ...), resolved to src/ by tsconfig paths and the vitest alias.
 *
 * Snippets that talk to a server run against a stand-in model (test/helpers/docs-model.ts) that
 * answers on TGI's, vLLM's and llama.cpp's routes with their replayed wire formats: the
 * `LLAMA_TGI_URL` / `LLAMA_VLLM_URL` / `LLAMA_LLAMACPP_URL` variables point at it, and so does the
 * address the docs use for a local server, `http://127.0.0.1:8080`. Snippets that talk to
 * `llama-prompt serve` (OpenAI clients at `http://127.0.0.1:8000/v1`) reach a serve the harness
 * starts in front of the stand-in model (TGI backend).
 *
 * A line `console.log(a, b); // true "eom"` (a JSON literal per argument at the start of the
 * comment) is a claim: the runnable copy throws when the values printed differ.
 *
 * `SNIPPETS_LOG=1` lets the snippets print (to compare what they print with what the docs say).
 * The README stays a page for users: at most 15 KB.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDocsModel, type DocsModel } from "./helpers/docs-model.js";
import { startServer, type RunningServer } from "../src/cli/serve.js";
import { tgiBackend } from "../src/backends/index.js";

const root = join(import.meta.dirname, "..");
const out = join(root, "test", ".snippets");

interface Snippet {
  file: string;
  line: number;
  code: string;
  run: boolean;
  module: string;
}

function markdownFiles(): string[] {
  const docs = readdirSync(join(root, "docs"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".md"))
    .map((f) => join(root, "docs", f));
  return [join(root, "README.md"), ...docs];
}

function extract(): Snippet[] {
  const snippets: Snippet[] = [];
  for (const file of markdownFiles()) {
    const lines = readFileSync(file, "utf8").split("\n");
    for (let i = 0; i < lines.length; i++) {
      // Fences may be indented (a block inside a list item): the indentation is removed.
      const open = /^( *)```(ts|typescript)\b(.*)$/.exec(lines[i]!);
      if (!open) continue;
      const indent = open[1]!;
      const flags = open[3]!.split(/\s+/);
      const start = i + 1;
      let end = start;
      while (end < lines.length && !/^ *```/.test(lines[end]!)) end++;
      if (!flags.includes("no-check")) {
        const rel = relative(root, file);
        const module = `${rel.replace(/[^A-Za-z0-9]+/g, "_")}_L${start}.ts`;
        // `export {}` makes every snippet a module (top-level await, no global name clashes).
        snippets.push({ file: rel, line: start, code: lines.slice(start, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l)).join("\n") + "\nexport {};\n", run: !flags.includes("no-run"), module });
      }
      i = end;
    }
  }
  return snippets;
}

/** The arguments of a call's argument list, split at top-level commas (strings and brackets respected). */
function topLevelArgs(list: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i]!;
    if (quote !== undefined) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === "`") quote = c;
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (c === "," && depth === 0) {
      args.push(list.slice(start, i));
      start = i + 1;
    }
  }
  args.push(list.slice(start));
  return args.map((a) => a.trim());
}

/**
 * A line `console.log(a, b); // true "eom"` claims what it prints: one JSON literal per argument
 * (booleans, null, numbers, double-quoted strings) at the start of the comment. In the runnable
 * copy it throws when the values printed are not those. Returns the code and how many claims it checks.
 */
function checkClaims(code: string, where: string): { code: string; claims: number } {
  let claims = 0;
  const lines = code.split("\n").map((line) => {
    const m = /^(\s*)console\.log\((.*)\);\s*\/\/\s*(.*)$/.exec(line);
    if (!m) return line;
    const args = topLevelArgs(m[2]!);
    const want: string[] = [];
    const literal = /^(?:true|false|null|-?\d+(?:\.\d+)?|"(?:[^"\\]|\\.)*")(?=\s|$|[:,;.)])/;
    let rest = m[3]!;
    for (let t = literal.exec(rest); t && want.length < args.length; t = literal.exec(rest)) {
      want.push(t[0]);
      rest = rest.slice(t[0].length).trimStart();
    }
    if (want.length === 0 || args.length !== want.length) return line;
    claims++;
    const expected = JSON.stringify(want.join(" "));
    return (
      `${m[1]}{ const got: unknown[] = [${args.join(", ")}]; console.log(...got); const printed = got.map((v) => JSON.stringify(v)).join(" "); ` +
      `if (printed !== ${expected}) throw new Error(${JSON.stringify(`${where}: the docs say it prints ${want.join(" ")}, it printed `)} + printed); }`
    );
  });
  return { code: lines.join("\n"), claims };
}

const LOCAL_SERVER = /http:\/\/(?:127\.0\.0\.1|localhost):8080/g;
/** The address `llama-prompt serve` listens on by default, as OpenAI clients are given it. */
const LOCAL_SERVE = /http:\/\/(?:127\.0\.0\.1|localhost):8000\/v1/g;
const README_MAX_BYTES = 15 * 1024;

const snippets = extract();
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const s of snippets) writeFileSync(join(out, s.module), s.code);

let model: DocsModel | undefined;
let serve: RunningServer | undefined;
/** How many `console.log(...); // <literals>` claims the runnable copies check. */
let claims = 0;
const saved: Record<string, string | undefined> = {};
beforeAll(async () => {
  model = await startDocsModel();
  serve = await startServer({ backend: tgiBackend({ baseURL: model.url }), model: "llama-3.1-instruct", port: 0 });
  for (const v of ["LLAMA_TGI_URL", "LLAMA_VLLM_URL", "LLAMA_LLAMACPP_URL"]) {
    saved[v] = process.env[v];
    process.env[v] = model.url;
  }
  // Runnable copies point the docs' local-server address at the stand-in model.
  for (const s of snippets) {
    if (!s.run) continue;
    const { code, claims: n } = checkClaims(s.code, `${s.file}:${s.line}`);
    claims += n;
    writeFileSync(join(out, `run_${s.module}`), code.replace(LOCAL_SERVE, `${serve.url}/v1`).replace(LOCAL_SERVER, model.url));
  }
});
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await serve?.close(0);
  await model?.close();
  rmSync(out, { recursive: true, force: true });
});

describe("documentation snippets", () => {
  it("there are snippets to check", () => {
    expect(snippets.length).toBeGreaterThan(5);
  });

  it("the boolean results the snippets claim are checked when they run", () => {
    expect(claims).toBeGreaterThanOrEqual(16);
  });

  it(`the README is at most ${README_MAX_BYTES} bytes (a page for users; the rest lives in docs/)`, () => {
    expect(statSync(join(root, "README.md")).size).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  it("every snippet type-checks", () => {
    const config = {
      extends: "../../tsconfig.json",
      compilerOptions: { noEmit: true, noUnusedLocals: false, baseUrl: "../.." },
      include: ["./*.ts"],
      exclude: ["./run_*.ts"],
    };
    writeFileSync(join(out, "tsconfig.json"), JSON.stringify(config));
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    const r = spawnSync(process.execPath, [tsc, "-p", join(out, "tsconfig.json")], { encoding: "utf8" });
    // Map errors back to the markdown file and line.
    const report = (r.stdout + r.stderr).replace(/([A-Za-z0-9_]+_L(\d+)\.ts)\((\d+),(\d+)\)/g, (_m, mod: string, _l, line: string) => {
      const s = snippets.find((x) => x.module === mod);
      return s ? `${s.file}:${s.line + Number(line) - 1}` : mod;
    });
    expect(report).toBe("");
    expect(r.status).toBe(0);
  });

  for (const s of snippets.filter((x) => x.run)) {
    it(`${s.file}:${s.line} runs`, async () => {
      const log = console.log;
      // Snippets print what they show; the test only needs them to run (SNIPPETS_LOG=1 to read it).
      if (!process.env.SNIPPETS_LOG) console.log = () => undefined;
      else {
        inspect.defaultOptions.depth = null;
        console.log(`--- ${s.file}:${s.line}`);
      }
      try {
        await import(join(out, `run_${s.module}`));
      } finally {
        console.log = log;
      }
    });
  }
});
