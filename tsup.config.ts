import { defineConfig } from "tsup";

/** Public entries: the root and one per subpath export (package.json "exports"). */
const entry = {
  index: "src/index.ts",
  tools: "src/tools/index.ts",
  template: "src/template/index.ts",
  meta: "src/prompt/meta/index.ts",
  backends: "src/backends/index.ts",
  openai: "src/adapters/openai/index.ts",
  "ai-sdk": "src/adapters/ai-sdk/index.ts",
  langchain: "src/adapters/langchain/index.ts",
};

export default defineConfig([
  {
    entry,
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: true,
    target: "node20",
  },
  {
    // The CLI is an executable, not an entry: ESM only.
    entry: { cli: "src/cli/main.ts" },
    format: ["esm"],
    sourcemap: true,
    clean: false,
    target: "node20",
  },
]);
