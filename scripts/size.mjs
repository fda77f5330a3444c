#!/usr/bin/env node
/**
 * npm run size — the browser cost of the root entry: bundles what most users import
 * (`renderPrompt`, `parseAssistantOutput`, `createStreamParser`) with esbuild, minified, for the
 * browser, and fails past the budget (gzip). Run after `npm run build` (it bundles dist/, as a user's
 * bundler would).
 */
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const BUDGET_GZIP = 20 * 1024;
const root = fileURLToPath(new URL("..", import.meta.url));
if (!existsSync(`${root}/dist/index.js`)) {
  console.error("size: dist/index.js is missing; run npm run build first");
  process.exit(1);
}

const cases = {
  "renderPrompt + parseAssistantOutput + createStreamParser": "renderPrompt, parseAssistantOutput, createStreamParser",
  "renderPrompt": "renderPrompt",
  "createStreamParser": "createStreamParser",
};

let failed = false;
for (const [label, names] of Object.entries(cases)) {
  const result = await build({
    stdin: { contents: `export { ${names} } from "llama-prompt-format";`, resolveDir: root, loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false,
    metafile: true,
    alias: { "llama-prompt-format": `${root}/dist/index.js` },
    logLevel: "silent",
  });
  const code = result.outputFiles[0].contents;
  const gz = gzipSync(code, { level: 9 }).length;
  const inputs = Object.entries(result.metafile.inputs)
    .map(([path, v]) => [path.replace(/^.*node_modules\//, "node_modules/"), v.bytes])
    .filter(([path]) => path.includes("node_modules/"));
  const within = label.includes("+") ? gz <= BUDGET_GZIP : true;
  if (!within) failed = true;
  console.log(`${within ? "ok  " : "FAIL"} ${label}: ${(code.length / 1024).toFixed(1)} KB minified, ${(gz / 1024).toFixed(1)} KB gzip` +
    (label.includes("+") ? ` (budget ${BUDGET_GZIP / 1024} KB gzip)` : ""));
  const deps = [...new Set(inputs.map(([p]) => p.split("/").slice(0, p.split("/")[1]?.startsWith("@") ? 3 : 2).join("/")))];
  if (deps.length) console.log(`     dependencies bundled: ${deps.join(", ")}`);
}
process.exit(failed ? 1 : 0);
