/**
 * npm run bench — runs the benchmarks of bench/main.ts (`-- --runs N`, `-- --write` to write
 * bench/results.md, a tracked file: only when asked).
 *
 * The benchmark is bundled with esbuild first, the way a user's bundler or tsup builds the library,
 * and run from the bundle: run straight from TypeScript with tsx, every function created at run
 * time would also be named by a helper (esbuild's keepNames), which slows closures down and is not
 * what users run. The bundle goes to dist/.bench/ (two levels below the root, as the fixtures helper
 * expects of its own directory).
 */
import { build } from "esbuild";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const root = join(import.meta.dirname, "..");
const outfile = join(root, "dist", ".bench", "main.mjs");
await build({
  entryPoints: [join(import.meta.dirname, "main.ts")],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outfile,
  packages: "external",
  logLevel: "warning",
});
process.env.BENCH_RESULTS = join(import.meta.dirname, "results.md");
await import(pathToFileURL(outfile).href);
