/**
 * Packaging of the framework adapters: `./ai-sdk` and `./langchain` are subpaths whose framework
 * packages are optional peer dependencies, so the root entry and the other subpaths must never load
 * them (checked on the import graph of the sources; scripts/consumer-check.mjs checks the built
 * package in a scratch project), and the five places of a subpath agree (docs/architecture.md).
 */
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const read = (p: string) => readFileSync(join(root, p), "utf8");

/** Every module a file reaches through runtime imports (`import type` and type-only re-exports excluded). */
function graph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const src = readFileSync(file, "utf8");
    for (const m of src.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?["']([^"']+)["'];?$/gms)) {
      if (m[1]) continue; // import type / export type
      const spec = m[2]!;
      if (spec.startsWith(".")) visit(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
      else packages.add(spec);
    }
  };
  visit(join(root, entry));
  return { files, packages };
}

const FRAMEWORK = /^(ai|@ai-sdk\/.*|@langchain\/.*)$/;

describe("the adapters are optional", () => {
  it.each(["src/index.ts", "src/tools/index.ts", "src/template/index.ts", "src/prompt/meta/index.ts", "src/backends/index.ts"])(
    "%s reaches no adapter module and no framework package",
    (entry) => {
      const { files, packages } = graph(entry);
      expect(files.size).toBeGreaterThan(3);
      expect([...files].map((f) => relative(root, f)).filter((f) => f.startsWith("src/adapters/"))).toEqual([]);
      expect([...packages].filter((p) => FRAMEWORK.test(p))).toEqual([]);
    },
  );

  it("./ai-sdk loads only `ai` at run time (@ai-sdk/provider is types only); ./langchain only @langchain/core", () => {
    expect([...graph("src/adapters/ai-sdk/index.ts").packages].filter((p) => FRAMEWORK.test(p))).toEqual(["ai"]);
    expect([...graph("src/adapters/langchain/index.ts").packages].filter((p) => FRAMEWORK.test(p)).every((p) => p.startsWith("@langchain/core/"))).toBe(true);
  });

  it("each subpath is in the five places, and its packages are optional peers (and devDependencies for the tests)", () => {
    const pkg = JSON.parse(read("package.json"));
    for (const [sub, file] of [["ai-sdk", "src/adapters/ai-sdk/index.ts"], ["langchain", "src/adapters/langchain/index.ts"]] as const) {
      expect(pkg.exports[`./${sub}`].import.default).toBe(`./dist/${sub}.js`);
      expect(pkg.exports[`./${sub}`].require.default).toBe(`./dist/${sub}.cjs`);
      expect(read("tsup.config.ts")).toContain(`"${file}"`);
      expect(JSON.parse(read("tsconfig.json")).compilerOptions.paths[`llama-prompt-format/${sub}`]).toEqual([`./${file}`]);
      expect(read("vitest.config.ts")).toContain(`src("${file.slice(4)}")`);
    }
    for (const dep of ["ai", "@ai-sdk/provider", "@langchain/core"]) {
      expect(pkg.peerDependencies[dep], dep).toBeDefined();
      expect(pkg.peerDependenciesMeta[dep], dep).toEqual({ optional: true });
      expect(pkg.devDependencies[dep], dep).toBeDefined();
      expect(pkg.dependencies?.[dep], dep).toBeUndefined();
    }
  });
});
