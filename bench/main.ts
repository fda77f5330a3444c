/**
 * The benchmarks (bench/run.ts bundles and runs this): the render and parse benchmarks several times
 * (`--runs N`, default 5), each run timing ours and its baselines side by side; prints the medians
 * and ranges over the runs and the targets of issue 15. `--write` also writes bench/results.md.
 */
import { writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { benchNaive, benchParse, type ParseRun } from "./parse.js";
import { benchRender, type RenderRow } from "./render.js";

const argv = process.argv.slice(2);
const runsArg = argv.indexOf("--runs");
const RUNS = runsArg >= 0 ? Math.max(1, Number(argv[runsArg + 1])) : 5;

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const size = (b: number) => (b >= 1 << 20 ? `${b / (1 << 20)} MB` : `${b / 1024} KB`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
/** "median [min–max]" of one measure over the runs. */
const spread = (xs: number[], digits: number) => `${fmt(median(xs), digits)} [${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)}]`;
const mbps = (bytes: number, ms: number) => bytes / (1 << 20) / (ms / 1000);

const renders: RenderRow[][] = [];
const parses: ParseRun[][] = [];
for (let r = 0; r < RUNS; r++) {
  process.stderr.write(`run ${r + 1}/${RUNS}\n`);
  renders.push(await benchRender());
  parses.push(await benchParse());
}
const naive = await benchNaive();

// -- render ---------------------------------------------------------------------------------------
const renderRows = renders[0]!.map((row, i) => {
  const all = renders.map((run) => run[i]!);
  return { row, ours: all.map((x) => x.oursOpsPerSec), jinja: all.map((x) => x.jinjaOpsPerSec), ratio: all.map((x) => x.oursOpsPerSec / x.jinjaOpsPerSec) };
});
const renderTable = [
  "| input | prompt chars | renderPrompt ops/s | @huggingface/jinja ops/s | ratio |",
  "|---|---:|---:|---:|---:|",
  ...renderRows.map((r) => `| ${r.row.input} | ${fmt(r.row.promptChars)} | ${spread(r.ours, 0)} | ${spread(r.jinja, 0)} | ${spread(r.ratio, 1)}× |`),
];

// -- parse ----------------------------------------------------------------------------------------
const sizes = parses[0]!.map((row) => row.sizeBytes);
const across = (bytes: number, f: (row: ParseRun) => number) => parses.map((run) => f(run.find((row) => row.sizeBytes === bytes)!));
const parseTable = [
  "| size | streamed, 4-char chunks MB/s | whole text MB/s | indexOf scan MB/s | char loop MB/s | indexOf scan + content MB/s | streamed ÷ indexOf scan | streamed ÷ char loop | streamed ÷ scan + content |",
  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ...sizes.map((b) => {
    const streamed = across(b, (row) => mbps(b, row.streamedMs));
    return (
      `| ${size(b)} | ${spread(streamed, 1)} | ${spread(across(b, (row) => mbps(b, row.wholeMs)), 1)} | ` +
      `${spread(across(b, (row) => mbps(b, row.markScanMs)), 1)} | ${spread(across(b, (row) => mbps(b, row.charScanMs)), 1)} | ` +
      `${spread(across(b, (row) => mbps(b, row.keepingScanMs)), 1)} | ` +
      `${spread(across(b, (row) => row.markScanMs / row.streamedMs), 2)} | ${spread(across(b, (row) => row.charScanMs / row.streamedMs), 2)} | ` +
      `${spread(across(b, (row) => row.keepingScanMs / row.streamedMs), 2)} |`
    );
  }),
];
const growth = parses.map((run) => run.find((row) => row.sizeBytes === 4 << 20)!.streamedMs / run.find((row) => row.sizeBytes === 1 << 20)!.streamedMs);
const naiveLines = [
  "| size | createStreamParser (ms) | naive re-parse per chunk (ms) |",
  "|---:|---:|---:|",
  ...naive.map((row) => `| ${size(row.sizeBytes)} | ${fmt(row.streamedMs, 1)} | ${fmt(row.naiveMs, 1)} |`),
];

// -- targets (issue 15) ---------------------------------------------------------------------------
const oneMb = (f: (row: ParseRun) => number) => median(across(1 << 20, f));
const ratioOf = (label: string) => median(renderRows.find((r) => r.row.input === label)!.ratio);
const targets: Array<[string, number, string, boolean]> = [
  ["streaming, 4-char chunks, 1 MB (MB/s)", oneMb((row) => mbps(1 << 20, row.streamedMs)), "≥ 30", oneMb((row) => mbps(1 << 20, row.streamedMs)) >= 30],
  ["streaming ÷ indexOf scan, 1 MB", oneMb((row) => row.markScanMs / row.streamedMs), "≥ 0.67", oneMb((row) => row.markScanMs / row.streamedMs) >= 2 / 3],
  ["whole text, 1 MB (MB/s)", oneMb((row) => mbps(1 << 20, row.wholeMs)), "≥ 60", oneMb((row) => mbps(1 << 20, row.wholeMs)) >= 60],
  ["time(4 MB) ÷ time(1 MB), streamed", median(growth), "≤ 4.5", median(growth) <= 4.5],
  ["render 5 tools, warm (× jinja)", ratioOf("5 tools + call, warm (same tools array)"), "≥ 20", ratioOf("5 tools + call, warm (same tools array)") >= 20],
  ["render 5 tools, cold: new array (× jinja)", ratioOf("5 tools + call, cold: new array"), "≥ 20", ratioOf("5 tools + call, cold: new array") >= 20],
  ["render 5 tools, cold: fresh definitions (× jinja)", ratioOf("5 tools + call, cold: fresh definitions"), "≥ 20 (ideal)", ratioOf("5 tools + call, cold: fresh definitions") >= 20],
  ["render 40 messages (× jinja)", ratioOf("40-message conversation"), "≥ 50", ratioOf("40-message conversation") >= 50],
];
const targetTable = [
  "| measure (median over runs) | value | target | met |",
  "|---|---:|---:|:---:|",
  ...targets.map(([name, value, target, met]) => `| ${name} | ${fmt(value, 2)} | ${target} | ${met ? "yes" : "**no**"} |`),
];

const machine = `${cpus()[0]?.model ?? "unknown CPU"} × ${cpus().length}, ${fmt(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}/${process.arch}`;
const date = new Date().toISOString().slice(0, 10);

const md = [
  "# Benchmark results",
  "",
  `${date} — ${machine}. Generated by \`npm run bench\` (bench/run.ts): ${RUNS} runs; each cell is the median over the runs and [its range]. ` +
    "Each run times ours and its baseline one after the other; ratios are taken within a run. docs/performance.md explains the measures.",
  "",
  "## Targets",
  "",
  ...targetTable,
  "",
  "## Render: renderPrompt vs @huggingface/jinja (official template, compiled once)",
  "",
  ...renderTable,
  "",
  "## Parse: completions of prose + one JSON tool call",
  "",
  ...parseTable,
  "",
  `Streaming, time(4 MB) ÷ time(1 MB): ${spread(growth, 2)} (linear = 4).`,
  "",
  "Against a parser that re-parses the whole buffer at every chunk (one run):",
  "",
  ...naiveLines,
  "",
].join("\n");

console.log(md);
const resultsFile = process.env.BENCH_RESULTS;
if (argv.includes("--write") && resultsFile !== undefined) {
  writeFileSync(resultsFile, md);
  console.log("(written to bench/results.md)");
}
