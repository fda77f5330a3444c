import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

export default defineConfig({
  resolve: {
    // The package's own subpaths, as examples and docs import them (tsconfig "paths" says the same).
    alias: [
      { find: /^llama-prompt-format$/, replacement: src("index.ts") },
      { find: /^llama-prompt-format\/tools$/, replacement: src("tools/index.ts") },
      { find: /^llama-prompt-format\/template$/, replacement: src("template/index.ts") },
      { find: /^llama-prompt-format\/meta$/, replacement: src("prompt/meta/index.ts") },
      { find: /^llama-prompt-format\/backends$/, replacement: src("backends/index.ts") },
      { find: /^llama-prompt-format\/openai$/, replacement: src("adapters/openai/index.ts") },
      { find: /^llama-prompt-format\/ai-sdk$/, replacement: src("adapters/ai-sdk/index.ts") },
      { find: /^llama-prompt-format\/langchain$/, replacement: src("adapters/langchain/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    typecheck: { enabled: true, include: ["test/**/*.test-d.ts"] },
    testTimeout: 60_000,
  },
});
