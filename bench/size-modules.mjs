#!/usr/bin/env node
/**
 * node bench/size-modules.mjs [filter] — what each source module costs in the root's size-budget bundle
 * (renderPrompt + parseAssistantOutput + createStreamParser, minified for the browser, as
 * scripts/size.mjs bundles it, but from src/ so modules keep their names): esbuild's `bytesInOutput`
 * per input, largest first, and the total of the modules whose path contains `filter` (default
 * "src/parse/").
 */
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const filter = process.argv[2] ?? "src/parse/";
const result = await build({
  stdin: { contents: `export { renderPrompt, parseAssistantOutput, createStreamParser } from "./src/index.ts";`, resolveDir: root, loader: "ts" },
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  write: false,
  metafile: true,
  logLevel: "silent",
});
const code = result.outputFiles[0].contents;
const output = Object.values(result.metafile.outputs)[0];
const rows = Object.entries(output.inputs)
  .map(([path, v]) => [path, v.bytesInOutput])
  .sort((a, b) => b[1] - a[1]);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`bundle: ${kb(code.length)} minified, ${kb(gzipSync(code, { level: 9 }).length)} gzip`);
let selected = 0;
for (const [path, bytes] of rows) {
  if (path.includes(filter)) selected += bytes;
  console.log(`${String(bytes).padStart(7)}  ${path}`);
}
console.log(`${filter}: ${selected} bytes (${kb(selected)}) minified`);
