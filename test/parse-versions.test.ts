/**
 * Parser defaults per Llama version: the parse options derived from a 3.2 / 3.3 prompt
 * (`parseOptionsFor`) accept what those models emit — python-list calls, JSON with or without
 * `<|python_tag|>` — and no built-in a 3.2 prompt cannot offer. The model outputs are read from
 * Meta's Llama 3.2 prompt-format doc (a copy in fixtures/docs/); Meta's Llama 3.3 page shows the
 * same function-calling outputs ("Llama 3.3 supports the same function-calling format as Llama 3.2").
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  createStreamParser,
  parseAssistantOutput,
  parseOptionsFor,
  type AssistantMessage,
  type LlamaVersion,
  type RenderOptions,
  type StreamEvent,
} from "../src/index.js";
import { fixturesDir } from "./helpers/hf-fixtures.js";

/** The doc's code blocks by section: `{ "Zero shot function calling": { input, response } }`. */
function docBlocks(): Record<string, { input: string; response: string }> {
  const text = readFileSync(join(fixturesDir, "docs", "meta-llama-models.llama3_2.text_prompt_format.md"), "utf8");
  const out: Record<string, { input: string; response: string }> = {};
  let section = "";
  let label = "";
  let code: string[] | undefined;
  for (const line of text.split("\n")) {
    if (code !== undefined) {
      if (line === "```") {
        const entry = (out[section] ??= { input: "", response: "" });
        if (label === "Input Prompt Format") entry.input = code.join("\n");
        if (label === "Model Response Format") entry.response = code.join("\n");
        code = undefined;
      } else code.push(line);
    } else if (line === "```") code = [];
    else if (line.startsWith("##### ")) label = line.slice(6);
    else if (line.startsWith("## ")) section = line.slice(3);
  }
  return out;
}

const doc = docBlocks();
const response = (section: string): string => {
  const r = doc[section]?.response;
  if (!r) throw new Error(`no model response in doc section ${section}`);
  return r;
};

/** A tool as OpenAI shape, named as in the doc. */
const tool = (name: string) => ({ type: "function" as const, function: { name, description: "", parameters: { type: "object", properties: {} } } });

/** Parses whole and one character at a time; both must agree. */
function parseBoth(text: string, options: RenderOptions): AssistantMessage {
  const o = parseOptionsFor(options);
  const whole = parseAssistantOutput(text, { ...o, createId: counter() });
  const parser = createStreamParser({ ...o, createId: counter() });
  const events: StreamEvent[] = [];
  for (const c of text) events.push(...parser.push(c));
  events.push(...parser.end());
  const end = events.find((e) => e.type === "end");
  expect(end && end.type === "end" ? end.message : undefined).toEqual(whole);
  return whole;
}

function counter(): () => string {
  let n = 0;
  return () => `call_${n++}`;
}

const calls = (m: AssistantMessage) => m.toolCalls.map((c) => ({ name: c.name, arguments: c.arguments, format: c.format }));

const VERSIONS: Array<{ llamaVersion: LlamaVersion; dialect: "hf" | "meta" }> = [
  { llamaVersion: "3.2", dialect: "hf" },
  { llamaVersion: "3.3", dialect: "hf" },
  { llamaVersion: "3.2", dialect: "meta" },
  { llamaVersion: "3.3", dialect: "meta" },
];

describe("the doc's outputs parse under the options derived from each version's prompt", () => {
  it("found the doc's model responses", () => {
    for (const s of ["User and assistant conversation", "Zero shot function calling", "Zero shot function calling with user message", "Code Interpreter", "Zero shot function calling E2E format"]) {
      expect(response(s).length, s).toBeGreaterThan(0);
    }
  });

  for (const v of VERSIONS) {
    describe(`${v.dialect} ${v.llamaVersion}`, () => {
      it("zero-shot python list with two calls", () => {
        const m = parseBoth(response("Zero shot function calling"), { ...v, tools: [tool("get_weather")] });
        expect(calls(m)).toEqual([
          { name: "get_weather", arguments: { city: "San Francisco", metric: "celsius" }, format: "python_list" },
          { name: "get_weather", arguments: { city: "Seattle", metric: "celsius" }, format: "python_list" },
        ]);
        expect(m.content).toBe("");
        expect(m.stopReason).toBe("eot");
      });

      it("zero-shot python list from tools in the user message (an integer argument)", () => {
        const m = parseBoth(response("Zero shot function calling with user message"), { ...v, tools: [tool("get_user_info")] });
        expect(calls(m)).toEqual([{ name: "get_user_info", arguments: { user_id: 7890, special: "black" }, format: "python_list" }]);
      });

      it("the E2E example's assistant turn: a python list after <|python_tag|>", () => {
        const input = doc["Zero shot function calling E2E format"]!.input;
        const turn = /assistant<\|end_header_id\|>\n\n(<\|python_tag\|>.*?<\|eot_id\|>)/s.exec(input)![1]!;
        const m = parseBoth(turn, { ...v, tools: [tool("get_weather")] });
        expect(calls(m)).toEqual([{ name: "get_weather", arguments: { city: "San Francisco", metric: "celsius" }, format: "python_list" }]);
      });

      it("the final answer after the tool result, and a plain conversation, are content", () => {
        const final = parseBoth(response("Zero shot function calling E2E format"), { ...v, tools: [tool("get_weather")] });
        expect(final).toMatchObject({ content: "The weather in San Francisco is 25 C.", toolCalls: [], stopReason: "eot" });
        const plain = parseBoth(response("User and assistant conversation"), v);
        expect(plain.toolCalls).toEqual([]);
        expect(plain.content.startsWith("I'm an AI assistant")).toBe(true);
      });

      it("JSON calls with and without <|python_tag|> (the format the hf template asks for)", () => {
        const json = '{"name": "get_weather", "parameters": {"city": "San Francisco"}}';
        for (const text of [json + "<|eot_id|>", "<|python_tag|>" + json + "<|eom_id|>"]) {
          const m = parseBoth(text, { ...v, tools: [tool("get_weather")] });
          expect(calls(m)).toEqual([{ name: "get_weather", arguments: { city: "San Francisco" }, format: "json" }]);
        }
      });

      it("a python-list or JSON call naming a tool the prompt did not offer stays text", () => {
        for (const text of ["[get_time(zone='UTC')]<|eot_id|>", '{"name": "get_time", "parameters": {}}<|eot_id|>']) {
          const m = parseBoth(text, { ...v, tools: [tool("get_weather")] });
          expect(m.toolCalls).toEqual([]);
          expect(m.content).toBe(text.replace("<|eot_id|>", ""));
        }
      });
    });
  }
});

describe("built-ins: only what the version's prompt offers", () => {
  const brave = '<|python_tag|>brave_search.call(query="llama 3.2 release")<|eom_id|>';
  const jsonBrave = '{"name": "brave_search", "parameters": {"query": "x"}}<|eot_id|>';

  it("hf 3.2 derives no built-ins: brave_search.call is never a built-in call, a JSON brave_search call is text", () => {
    const options: RenderOptions = { llamaVersion: "3.2", tools: [tool("get_weather")] };
    expect(parseOptionsFor(options).builtinTools).toEqual([]);
    expect(parseBoth(brave, options).toolCalls.some((c) => c.format === "builtin" || c.name === "brave_search")).toBe(false);
    expect(parseBoth(jsonBrave, options)).toMatchObject({ toolCalls: [], content: jsonBrave.replace("<|eot_id|>", "") });
  });

  it("hf 3.3 offers built-ins as 3.1 does: the doc's 3.1 built-in call parses", () => {
    const m = parseBoth(brave, { llamaVersion: "3.3", builtinTools: ["brave_search"] });
    expect(calls(m)).toEqual([{ name: "brave_search", arguments: { query: "llama 3.2 release" }, format: "builtin" }]);
    expect(m.stopReason).toBe("eom");
  });

  it("the doc's 3.2 code-interpreter output parses as code with the meta dialect (Meta's reference offers it to 3.2)", () => {
    const m = parseBoth(response("Code Interpreter"), { dialect: "meta", llamaVersion: "3.2", builtinTools: ["code_interpreter"] });
    expect(m.toolCalls).toHaveLength(1);
    expect(m.toolCalls[0]).toMatchObject({ name: "code_interpreter", format: "code" });
    expect(m.toolCalls[0]!.arguments.code).toMatch(/^def is_prime\(n\):\n[\s\S]*print\(is_prime\(7\)\)  # Output: True$/);
    expect(m.stopReason).toBe("eom");
  });

  it("built-ins with hf 3.2 cannot even be derived (the prompt cannot offer them)", () => {
    expect(() => parseOptionsFor({ llamaVersion: "3.2", builtinTools: ["brave_search"] })).toThrow(/Llama 3\.2's chat template has no built-in tools/);
  });
});
