/**
 * Parse benchmark: the streaming parser on large completions fed 4 characters at a time and whole,
 * against baselines in the same run — bare loops that only look for `<|`, `{`, `[` and `.call(` in
 * the same chunks (bench/baselines.ts) — and a naive parser that re-parses the accumulated buffer on
 * every chunk (what parsers that are not incremental do, e.g. partial-JSON parsing of the whole text
 * at every token). Each time is the median of 5 timed repetitions after a warm-up (1 for the naive
 * parser), measured with tinybench.
 */
import { Bench } from "tinybench";
import { createStreamParser, parseAssistantOutput } from "../src/index.js";
import { CharScanner, KeepingScanner, MarkScanner } from "./baselines.js";

const PARAGRAPH =
  "Llama 3.1 supports tool calling: the model writes a JSON object, a built-in call or Python code, " +
  "and the executor runs it. Here is a long explanation with {braces}, [brackets], \"quotes\" and <tags> " +
  "that look like the start of something but are not, and unicode — 東京, Zürich, 🤖.\n\n";

/**
 * The tool the completion calls, declared as a prompt that offered it would (its call follows prose
 * on the same line: an undeclared name there is text).
 */
export const OPTIONS = { tools: ["save_notes"] };

/** A completion of about `size` characters: prose, then one JSON tool call, then the stop token. */
export function makeCompletion(size: number): string {
  const call = '{"name": "save_notes", "parameters": {"title": "Summary", "tags": ["a", "b"], "count": 3}}';
  const body = PARAGRAPH.repeat(Math.ceil((size - call.length) / PARAGRAPH.length)).slice(0, size - call.length - 10);
  return body + call + "<|eot_id|>";
}

/** Median latency (ms) of `fn` over `runs` runs, measured by tinybench (one warm-up run when runs > 1). */
async function time(fn: () => void, runs: number): Promise<number> {
  const bench = new Bench({ iterations: runs, time: 0, warmup: runs > 1, warmupIterations: 1, warmupTime: 0 });
  bench.add("run", fn);
  await bench.run();
  const r = bench.tasks[0]!.result;
  if (!("latency" in r)) throw new Error("benchmark task failed");
  return r.latency.p50;
}

function chunks(text: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += n) out.push(text.slice(i, i + n));
  return out;
}

function streamed(parts: string[]): void {
  const p = createStreamParser(OPTIONS);
  let ended = false;
  for (const c of parts) for (const e of p.push(c)) if (e.type === "end") ended = true;
  for (const e of p.end()) if (e.type === "end") ended = true;
  if (!ended) throw new Error("no end event");
}

function scanned(parts: string[], scanner: { push(chunk: string): number; found: number; text?(): string }): void {
  for (const c of parts) scanner.push(c);
  if (scanner.found === 0) throw new Error("the baseline found no mark");
  if (scanner.text !== undefined && scanner.text().length === 0) throw new Error("the baseline kept no text");
}

function naive(parts: string[]): void {
  let buffer = "";
  for (const c of parts) {
    buffer += c;
    parseAssistantOutput(buffer, OPTIONS);
  }
}

/** One run's times (ms) for one completion size. */
export interface ParseRun {
  sizeBytes: number;
  streamedMs: number;
  wholeMs: number;
  /** The baselines, fed the same 4-character chunks. */
  markScanMs: number;
  charScanMs: number;
  /** The indexOf scan that also keeps the text as the parser keeps content. */
  keepingScanMs: number;
}

/** One run: every size, the parser and the baselines interleaved. */
export async function benchParse(sizes = [1 << 20, 2 << 20, 4 << 20]): Promise<ParseRun[]> {
  const rows: ParseRun[] = [];
  for (const size of sizes) {
    const text = makeCompletion(size);
    const expected = parseAssistantOutput(text, OPTIONS);
    if (expected.toolCalls.length !== 1) throw new Error("benchmark completion must hold one tool call");
    const parts = chunks(text, 4);
    rows.push({
      sizeBytes: size,
      markScanMs: await time(() => scanned(parts, new MarkScanner()), 5),
      streamedMs: await time(() => streamed(parts), 5),
      charScanMs: await time(() => scanned(parts, new CharScanner()), 5),
      keepingScanMs: await time(() => scanned(parts, new KeepingScanner()), 5),
      wholeMs: await time(() => void parseAssistantOutput(text, OPTIONS), 5),
    });
  }
  return rows;
}

/** The naive re-parsing parser against the streaming one (quadratic against linear). */
export async function benchNaive(sizes = [4 << 10, 16 << 10]): Promise<Array<{ sizeBytes: number; streamedMs: number; naiveMs: number }>> {
  const rows = [];
  for (const size of sizes) {
    const parts = chunks(makeCompletion(size), 4);
    rows.push({ sizeBytes: size, streamedMs: await time(() => streamed(parts), 5), naiveMs: await time(() => naive(parts), 1) });
  }
  return rows;
}
