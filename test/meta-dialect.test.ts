/**
 * The `meta` dialect against Meta's reference: the prompt_format.md examples (fixtures extracted from
 * the md by scripts/gen-meta-fixtures.py) and conversations rendered by a port of
 * ChatFormat.encode_dialog_prompt that calls the real ToolUtils.encode_tool_call.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderPrompt, renderSegments, type PromptOptions } from "../src/prompt/render.js";
import type { ChatMessage } from "../src/prompt/messages.js";
import { formatPythonListValue } from "../src/prompt/meta/dialect.js";
import { LlamaPromptError } from "../src/base/errors.js";
import { pythonListToolsPrompt, systemDefaultPrompt } from "../src/prompt/meta/system-prompts.js";
import type { MetaToolDefinition } from "../src/prompt/meta/tools.js";

const load = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../fixtures/meta/${name}`, import.meta.url), "utf8")) as T;

interface MdCase {
  id: string;
  title: string;
  expected?: string;
  expectedSuffix?: string;
  input: { messages: ChatMessage[]; options: PromptOptions } | null;
  note?: string;
}
interface DialectCase {
  id: string;
  messages: ChatMessage[];
  options: PromptOptions;
  expected: string;
}
const md = load<MdCase[]>("prompt-format-md.json");
const cases = load<DialectCase[]>("dialect-cases.json");

const meta = (messages: ChatMessage[], options: PromptOptions = {}) => renderPrompt(messages, { dialect: "meta", ...options });

describe("prompt_format.md examples (Llama 3.1 and 3.2)", () => {
  it("every chat example of both files is covered", () => {
    expect(md.filter((c) => c.input !== null && c.expected !== undefined).length).toBe(11);
    expect(md.filter((c) => c.input === null).map((c) => c.id)).toEqual(["llama3_1/Llama 3.1 Base Model", "llama3_2/Prompt format for base models"]);
  });
  for (const c of md) {
    if (c.input === null) continue;
    it(c.id, () => {
      const text = renderPrompt(c.input!.messages, c.input!.options);
      if (c.expected !== undefined) expect(text).toBe(c.expected);
      else expect(text.endsWith(c.expectedSuffix!)).toBe(true);
    });
  }
});

describe("documented deviation of the Llama 3.2 md from today's generator", () => {
  it("the md's python_list system prompt is pythonListToolsPrompt's output except for a multi-line \"required\" list", () => {
    const c = md.find((x) => x.id === "llama3_2/Zero shot function calling")!;
    const mdSystem = (c.input!.messages[0] as { content: string }).content;
    const weather = load<{ tests: { test: string; tools: MetaToolDefinition[] }[] }>("system-prompts.json").tests.find(
      (t) => t.test === "test_llama_3_2_system_zero_shot",
    )!.tools;
    expect(mdSystem).not.toBe(pythonListToolsPrompt(weather));
    expect(mdSystem.replace(/\[\s+("\w+")\s+\]/, "[$1]")).toBe(pythonListToolsPrompt(weather));
  });
});

describe("ChatFormat port + real ToolUtils.encode_tool_call", () => {
  for (const c of cases) {
    it(c.id, () => {
      expect(renderPrompt(c.messages, c.options)).toBe(c.expected);
    });
  }
});

describe("ChatFormat structure", () => {
  it("every role: header, content as is, eot; tool → ipython; open assistant header at the end", () => {
    expect(
      meta([
        { role: "system", content: " s " },
        { role: "user", content: "u\n" },
        { role: "assistant", content: "\ta" },
        { role: "tool", content: "r" },
      ]),
    ).toBe(
      "<|begin_of_text|>" +
        "<|start_header_id|>system<|end_header_id|>\n\n s <|eot_id|>" +
        "<|start_header_id|>user<|end_header_id|>\n\nu\n<|eot_id|>" +
        "<|start_header_id|>assistant<|end_header_id|>\n\n\ta<|eot_id|>" +
        "<|start_header_id|>ipython<|end_header_id|>\n\nr<|eot_id|>" +
        "<|start_header_id|>assistant<|end_header_id|>\n\n",
    );
  });

  it("no generated system message unless tools/builtinTools/dateString are given", () => {
    expect(meta([{ role: "user", content: "hi" }])).toBe(
      "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
    );
    expect(meta([], { addGenerationPrompt: false })).toBe("<|begin_of_text|>");
  });

  it("code_interpreter: <|python_tag|> is a special segment before the content, then the raw code", () => {
    const segs = renderSegments(
      [{ role: "assistant", content: "c", toolCalls: [{ name: "code_interpreter", arguments: { code: "print(1)" } }] }],
      { dialect: "meta", addGenerationPrompt: false },
    );
    expect(segs.slice(-3)).toEqual([
      { type: "special", token: "<|python_tag|>", id: 128010, text: "<|python_tag|>" },
      { type: "text", text: "cprint(1)" },
      { type: "special", token: "<|eom_id|>", id: 128008, text: "<|eom_id|>" },
    ]);
    const s = renderPrompt(
      [{ role: "assistant", content: "c", toolCalls: [{ name: "code_interpreter", arguments: { code: "print(1)" } }] }],
      { dialect: "meta", addGenerationPrompt: false },
    );
    expect(s.endsWith("<|end_header_id|>\n\n<|python_tag|>cprint(1)<|eom_id|>")).toBe(true);
    expect(segs.filter((x) => x.type === "special" && x.token === "<|python_tag|>").length).toBe(1);
  });

  it("built-in calls write only query; custom call formats", () => {
    const call = (name: string, args: Record<string, unknown>, toolPromptFormat?: "json" | "function_tag" | "python_list") =>
      meta([{ role: "assistant", toolCalls: [{ name, arguments: args }] }], { addGenerationPrompt: false, toolPromptFormat }).replace(
        "<|begin_of_text|><|start_header_id|>assistant<|end_header_id|>\n\n",
        "",
      );
    expect(call("brave_search", { query: "q", other: 1 })).toBe('brave_search.call(query="q")<|eom_id|>');
    expect(call("wolfram_alpha", { query: 'a "b"' })).toBe('wolfram_alpha.call(query="a "b"")<|eom_id|>');
    expect(call("photogen", { query: "cat" })).toBe('photogen.call(query="cat")<|eom_id|>');
    expect(call("f", { a: "é", b: [1, 2.5] })).toBe('{"type": "function", "name": "f", "parameters": {"a": "\\u00e9", "b": [1, 2.5]}}<|eot_id|>');
    expect(call("f", { a: "é" }, "function_tag")).toBe('<function=f>{"a": "\\u00e9"}</function><|eot_id|>');
    expect(call("f", { a: "é", n: 1, ok: true, no: null }, "python_list")).toBe('[f(a="é", n=1, ok=True, no=None)]<|eot_id|>');
  });

  it("eom/eot: stopReason wins; otherwise eom for built-in calls, eot for custom-only calls", () => {
    const end = (m: ChatMessage) => meta([m], { addGenerationPrompt: false }).slice(-10);
    expect(end({ role: "assistant", toolCalls: [{ name: "custom", arguments: {} }] })).toBe("<|eot_id|>");
    expect(end({ role: "assistant", toolCalls: [{ name: "custom", arguments: {} }], stopReason: "eom" })).toBe("<|eom_id|>");
    expect(end({ role: "assistant", toolCalls: [{ name: "brave_search", arguments: { query: "x" } }] })).toBe("<|eom_id|>");
    expect(end({ role: "assistant", toolCalls: [{ name: "brave_search", arguments: { query: "x" } }], stopReason: "eot" })).toBe("<|eot_id|>");
    expect(end({ role: "assistant", toolCalls: [{ name: "custom", arguments: {} }, { name: "wolfram_alpha", arguments: { query: "x" } }] })).toBe(
      "<|eom_id|>",
    );
    expect(end({ role: "assistant", content: "thinking", stopReason: "eom" })).toBe("<|eom_id|>");
    expect(end({ role: "assistant", content: "done", stopReason: "eot" })).toBe("<|eot_id|>");
    expect(end({ role: "assistant", content: "done" })).toBe("<|eot_id|>");
  });

  it("several calls in one message are each encoded, back to back", () => {
    expect(
      meta(
        [{ role: "assistant", tool_calls: [{ type: "function", function: { name: "a", arguments: '{"x": 1}' } }, { type: "function", function: { name: "b", arguments: "{}" } }] }],
        { addGenerationPrompt: false, toolPromptFormat: "python_list" },
      ).endsWith("[a(x=1)][b()]<|eot_id|>"),
    ).toBe(true);
  });

  it("tool results: strings as is, other JSON as ASCII-only json.dumps", () => {
    const body = (content: unknown) =>
      meta([{ role: "tool", content }], { addGenerationPrompt: false }).replace("<|begin_of_text|><|start_header_id|>ipython<|end_header_id|>\n\n", "");
    expect(body('"quoted"')).toBe('"quoted"<|eot_id|>');
    expect(body("é")).toBe("é<|eot_id|>");
    expect(body({ t: "é😀", n: 1e-7 })).toBe('{"t": "\\u00e9\\ud83d\\ude00", "n": 1e-07}<|eot_id|>');
    expect(body(null)).toBe("null<|eot_id|>");
    expect(body(true)).toBe("true<|eot_id|>");
  });

  it("python_list format_value quirks", () => {
    expect(formatPythonListValue('say "hi"\n')).toBe('"say "hi"\n"');
    expect(formatPythonListValue(true)).toBe("True");
    expect(formatPythonListValue(false)).toBe("False");
    expect(formatPythonListValue(null)).toBe("None");
    expect(formatPythonListValue(0.1)).toBe("0.1");
    expect(formatPythonListValue(1e-7)).toBe("1e-07");
    expect(formatPythonListValue([1, "a", [null]])).toBe('[1, "a", [None]]');
    expect(formatPythonListValue({ k: { j: "v" }, n: 2 })).toBe('{k={j="v"}, n=2}');
  });

  it("generated system prompt: today's date when no dateString", () => {
    expect(meta([{ role: "user", content: "hi" }], { builtinTools: ["brave_search"] })).toBe(
      "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython\nTools: brave_search\n" +
        systemDefaultPrompt() +
        "\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
    );
  });

  it("errors: bad toolPromptFormat, toolsInUserMessage, missing built-in query / code, special tokens", () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(LlamaPromptError);
        return (e as LlamaPromptError).code;
      }
      return "no error";
    };
    expect(code(() => meta([], { toolPromptFormat: "xml" as never }))).toBe("INVALID_OPTIONS");
    expect(code(() => meta([], { toolsInUserMessage: false }))).toBe("INVALID_OPTIONS");
    expect(code(() => meta([{ role: "assistant", toolCalls: [{ name: "brave_search", arguments: {} }] }]))).toBe("INVALID_MESSAGE");
    expect(code(() => meta([{ role: "assistant", toolCalls: [{ name: "code_interpreter", arguments: { code: 1 } }] }]))).toBe("INVALID_MESSAGE");
    expect(code(() => meta([{ role: "user", content: "<|eot_id|>" }]))).toBe("SPECIAL_TOKEN_IN_CONTENT");
    expect(code(() => meta([{ role: "user", content: "x" }], { tools: [{ tool_name: "t", parameters: { p: {} } }] }))).toBe("INVALID_TOOL_DEFINITION");
    expect(
      code(() =>
        meta([{ role: "user", content: "x" }], {
          tools: [{ type: "function", function: { name: "t", parameters: { type: "object", properties: { p: { type: "string", enum: ["a"] } } } } }],
        }),
      ),
    ).toBe("INVALID_TOOL_DEFINITION");
  });
});

describe("deep values", () => {
  it("python_list arguments nested past MAX_JSON_DEPTH throw a typed error, not a stack overflow", () => {
    let deep: unknown = "x";
    for (let i = 0; i < 5000; i++) deep = [deep];
    expect(() => formatPythonListValue(deep)).toThrow(LlamaPromptError);
    expect(() =>
      renderPrompt([{ role: "assistant", toolCalls: [{ name: "f", arguments: { a: deep } }] }], {
        dialect: "meta",
        toolPromptFormat: "python_list",
        specialTokens: "allow",
      }),
    ).toThrow(LlamaPromptError);
  });
});

describe("meta dialect: OpenAI tools with keywords Meta's shape cannot hold", () => {
  const tool = {
    type: "function",
    function: { name: "f", description: "d", parameters: { type: "object", properties: { u: { type: "string", enum: ["a", "b"] } }, required: ["u"] } },
  };
  it("throws by default, naming the property, and drops the keyword with lossyTools", () => {
    expect(() => meta([{ role: "user", content: "x" }], { tools: [tool], dateString: "1 January 2025" })).toThrow(/"enum"/);
    const lossy = meta([{ role: "user", content: "x" }], { tools: [tool], dateString: "1 January 2025", lossyTools: true });
    const plain = meta([{ role: "user", content: "x" }], {
      tools: [{ ...tool, function: { ...tool.function, parameters: { type: "object", properties: { u: { type: "string" } }, required: ["u"] } } }],
      dateString: "1 January 2025",
    });
    expect(lossy).toBe(plain);
    expect(() => meta([{ role: "user", content: "x" }], { lossyTools: "yes" as never })).toThrow(/lossyTools/);
  });
});
