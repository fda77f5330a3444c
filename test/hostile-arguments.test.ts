/**
 * No public function lets a raw TypeError / RangeError (or any other foreign error) escape: every
 * public function of the root (except the parser and the backends, which have their own tests), `./meta`,
 * `./template` and `./tools`, called with hostile values in every argument position and at every
 * level of its structured arguments, either returns or throws a LlamaPromptError (issue 9 item 12).
 */
import { describe, expect, it } from "vitest";
import * as root from "../src/index.js";
import * as meta from "../src/prompt/meta/index.js";
import * as template from "../src/template/index.js";
import * as tools from "../src/tools/index.js";
import * as backends from "../src/backends/index.js";
import { z } from "zod";

function deep(n: number, leaf: unknown, wrap: (x: unknown) => unknown): unknown {
  let v = leaf;
  for (let i = 0; i < n; i++) v = wrap(v);
  return v;
}

const revoked = (() => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
})();
const revokedArray = (() => {
  const { proxy, revoke } = Proxy.revocable([], {});
  revoke();
  return proxy;
})();
/** Every trap throws. */
const trapping = new Proxy(
  {},
  new Proxy({}, { get: () => () => { throw new Error("trap"); } }),
);
const trappingArray = new Proxy([1, 2], { get: () => { throw new Error("get trap"); } });
const lyingArray = new Proxy([], { get: (t, k) => (k === "length" ? 2 ** 32 - 1 : "x") });
const throwingGetters = Object.defineProperties({}, {
  role: { get: () => { throw new Error("getter"); }, enumerable: true },
  content: { get: () => { throw new RangeError("getter"); }, enumerable: true },
  name: { get: () => { throw 42; }, enumerable: true },
});
let reads = 0;
const changing = { get q() { return reads++ % 2 === 0 ? "fine" : "<|eot_id|>"; } };
class Box {
  a = "x";
}

/** Values an attacker (or a bug) hands a public function. */
const HOSTILE: Array<[string, unknown]> = [
  ["null", null],
  ["undefined", undefined],
  ["NaN", NaN],
  ["Infinity", Infinity],
  ["-0", -0],
  ["a BigInt", 12345678901234567890n],
  ["a huge BigInt", 10n ** 400n],
  ["a symbol", Symbol("s")],
  ["a function", () => "<|eot_id|>"],
  ["a class instance", new Box()],
  ["Object.create(null)", Object.create(null)],
  ["Object.create(proto)", Object.create({ role: "user", content: "x", name: "f" })],
  ["a sparse array", [, , 1]],
  ["an empty array", []],
  ["a 10,000-deep object", deep(10_000, "user", (x) => ({ x }))],
  ["a 10,000-deep array", deep(10_000, 1, (x) => [x])],
  ["a revoked Proxy", revoked],
  ["a revoked array Proxy", revokedArray],
  ["a Proxy whose every trap throws", trapping],
  ["an array Proxy whose get throws", trappingArray],
  ["an array Proxy with a lying length", lyingArray],
  ["an object whose getters throw", throwingGetters],
  ["a getter that changes its answer", changing],
  ["an object whose toJSON throws", { toJSON: () => { throw new TypeError("toJSON"); } }],
  ["an object whose toJSON returns a symbol", { toJSON: () => Symbol("j") }],
  ["an invalid Date", new Date(NaN)],
  ["a Date", new Date(0)],
  ["a boxed string", new String("<|eot_id|>")],
  ["a Map", new Map([["a", 1]])],
  ["a Uint8Array", new Uint8Array([1, 2])],
  ["a special token", "<|eot_id|>"],
  ["half a special token", "<|eot"],
  ["a long string", "x".repeat(100_000)],
  ["a number", 3],
];

/** Foreign throws seen by the current test (reported together at its end). */
let failures: string[] = [];

/** Calls `f`; passes when it returns or throws a LlamaPromptError, records any other throw. */
function survives(label: string, f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!root.isLlamaPromptError(e)) failures.push(`${label}: threw ${show(e)}`);
    else if (!Array.isArray(e.path) || typeof e.message !== "string") failures.push(`${label}: a LlamaPromptError without a path or message`);
  }
}

function checked(f: () => void): () => void {
  return () => {
    failures = [];
    f();
    expect(failures.slice(0, 30)).toEqual([]);
  };
}

function show(e: unknown): string {
  try {
    return (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).slice(0, 160);
  } catch {
    return "an unprintable value";
  }
}

/** Every way of putting a hostile value `h` into a conversation. */
function conversations(h: unknown): unknown[] {
  const u = { role: "user", content: "x" };
  const fn = (f: unknown) => [u, { role: "assistant", tool_calls: [{ type: "function", function: f }] }];
  return [
    h,
    [h],
    [u, h],
    [{ role: h, content: "x" }],
    [{ role: "user", content: h }],
    [{ role: "user", content: [h] }],
    [{ role: "user", content: [{ type: h, text: "x" }] }],
    [{ role: "user", content: [{ type: "text", text: h }] }],
    [{ role: "system", content: h }, u],
    [{ role: "developer", content: [{ type: "text", text: "a" }, h] }, u],
    [u, { role: "assistant", content: h }],
    [u, { role: "assistant", content: null, tool_calls: h }],
    [u, { role: "assistant", tool_calls: [h] }],
    fn(h),
    fn({ name: h, arguments: {} }),
    fn({ name: "f", arguments: h }),
    fn({ name: "f", arguments: { a: h } }),
    fn({ name: "code_interpreter", arguments: { code: h } }),
    fn({ name: "brave_search", arguments: { query: h } }),
    [u, { role: "assistant", tool_calls: [{ type: h, function: { name: "f" } }] }],
    [u, { role: "assistant", toolCalls: h }],
    [u, { role: "assistant", toolCalls: [{ name: "f", arguments: h }] }],
    [u, { role: "assistant", function_call: h }],
    [u, { role: "assistant", content: "x", stopReason: h }],
    [u, { role: "tool", content: h }],
    [u, { role: "tool", content: { a: [h] }, tool_call_id: h }],
    [u, { role: "function", name: "f", content: h }],
  ];
}

const RENDER_OPTION_KEYS = ["dialect", "llamaVersion", "tools", "builtinTools", "dateString", "toolsInUserMessage", "addGenerationPrompt", "addBos", "specialTokens", "toolPromptFormat", "lossyTools"];

/** Every way of putting a hostile value into render options. */
function renderOptions(h: unknown): unknown[] {
  const tool = (parameters: unknown) => ({ type: "function", function: { name: "t", description: "d", parameters } });
  return [
    h,
    ...RENDER_OPTION_KEYS.map((k) => ({ [k]: h })),
    ...RENDER_OPTION_KEYS.map((k) => ({ dialect: "meta", [k]: h })),
    { tools: [h] },
    { tools: [tool(h)] },
    { tools: [tool({ type: "object", properties: { x: h } })] },
    { dialect: "meta", tools: [tool({ type: "object", properties: { x: { type: "string", description: h } } })] },
    { dialect: "meta", tools: [{ tool_name: "t", parameters: h }] },
    { dialect: "meta", tools: [{ tool_name: "t", parameters: { x: h } }] },
    { dialect: "meta", tools: [{ tool_name: "t", parameters: { x: { param_type: "str", default: h } } }] },
    { builtinTools: [h] },
  ];
}

const OK_MESSAGES = [{ role: "user", content: "x" }];
const OK_TOOLS = [{ type: "function", function: { name: "t", description: "d", parameters: { type: "object", properties: { x: { type: "string" } } } } }];

describe("hostile arguments: typed errors only", () => {
  for (const [name, h] of HOSTILE) {
    it(`root: renderPrompt / renderSegments / parseOptionsFor with ${name}`, checked(() => {
      for (const policy of ["reject", "strip", "allow"] as const) {
        for (const dialect of ["hf", "meta"] as const) {
          for (const msgs of conversations(h)) {
            survives(`renderPrompt(${name} in messages, ${dialect}, ${policy})`, () => root.renderPrompt(msgs as never, { dialect, specialTokens: policy }));
          }
        }
      }
      for (const o of renderOptions(h)) {
        survives(`renderPrompt(messages, ${name} in options)`, () => root.renderPrompt(OK_MESSAGES as never, o as never));
        survives(`renderSegments(messages, ${name} in options)`, () => root.renderSegments(OK_MESSAGES as never, o as never));
        survives(`parseOptionsFor(${name} in options)`, () => root.parseOptionsFor(o as never));
      }
    }));

    it(`root: the other functions and the error constructors with ${name}`, checked(() => {
      const segments = root.renderSegments(OK_MESSAGES as never);
      const calls: Array<[string, () => unknown]> = [
        ["segmentsToString(h)", () => root.segmentsToString(h as never)],
        ["segmentsToString([h])", () => root.segmentsToString([h] as never)],
        ["encodeSegments(h, f)", () => root.encodeSegments(h as never, () => [1])],
        ["encodeSegments([h], f)", () => root.encodeSegments([h] as never, () => [1])],
        ["encodeSegments(s, h)", () => root.encodeSegments(segments, h as never)],
        ["encodeSegments(s, () => h)", () => root.encodeSegments(segments, () => h as never)],
        ["specialTokenName(h)", () => root.specialTokenName(h as never)],
        ["specialTokenId(h)", () => root.specialTokenId(h as never)],
        ["isSpecialTokenId(h)", () => root.isSpecialTokenId(h as never)],
        ["findSpecialToken(h)", () => root.findSpecialToken(h as never)],
        ["containsSpecialToken(h)", () => root.containsSpecialToken(h as never)],
        ["specialTokenRegExp(h)", () => root.specialTokenRegExp(h as never)],
        ["isToolName(h)", () => root.isToolName(h)],
        ["isLlamaPromptError(h)", () => root.isLlamaPromptError(h)],
        ["isLlamaPromptError(e, h)", () => root.isLlamaPromptError(new root.InvalidArgumentError("x", []), h as never)],
      ];
      // The backends (re-exported by the root) have their own tests: test/backend*.test.ts.
      const fromBackends = new Set<unknown>(Object.values(backends));
      for (const [n, value] of Object.entries(root)) {
        if (typeof value === "function" && value.prototype instanceof root.LlamaPromptError && !fromBackends.has(value)) {
          const C = value as unknown as new (...args: unknown[]) => unknown;
          calls.push([`new ${n}(h, h, h, h, h)`, () => new C(h, h, h, h, h)]);
          calls.push([`new ${n}("m", h)`, () => new C("m", h)]);
          calls.push([`new ${n}("m", ["x"], h)`, () => new C("m", ["x"], h)]);
        }
      }
      for (const [label, f] of calls) survives(`${label} with ${name}`, f);
    }));

    it(`./meta with ${name}`, checked(() => {
      const toolShapes = [
        h,
        { tool_name: h },
        { tool_name: "t", description: h },
        { tool_name: "t", parameters: h },
        { tool_name: "t", parameters: { x: h } },
        { tool_name: "t", parameters: { x: { param_type: h, required: h, default: h } } },
        { type: "function", function: h },
        { type: "function", function: { name: h } },
        { type: "function", function: { name: "t", parameters: h } },
        { type: "function", function: { name: "t", parameters: { type: "object", properties: h, required: h } } },
        { type: "function", function: { name: "t", parameters: { type: "object", properties: { x: h } } } },
      ];
      const calls: Array<[string, () => unknown]> = [
        ["systemDefaultPrompt(h)", () => meta.systemDefaultPrompt(h as never)],
        ["systemDefaultPrompt({date: h})", () => meta.systemDefaultPrompt({ date: h as never })],
        ["formatMetaDate(h)", () => meta.formatMetaDate(h as never)],
        ["builtinToolsPrompt(h)", () => meta.builtinToolsPrompt(h as never)],
        ["jsonCustomToolsPrompt(tools, h)", () => meta.jsonCustomToolsPrompt(OK_TOOLS as never, h as never)],
        ["functionTagCustomToolsPrompt(tools, h)", () => meta.functionTagCustomToolsPrompt(OK_TOOLS as never, h as never)],
        ["pythonListToolsPrompt(tools, h)", () => meta.pythonListToolsPrompt(OK_TOOLS as never, h as never)],
        ["pythonListToolsPrompt(tools, {systemPrompt: h})", () => meta.pythonListToolsPrompt(OK_TOOLS as never, { systemPrompt: h as never })],
        ["openAIToolToMeta(tool, h)", () => meta.openAIToolToMeta(OK_TOOLS[0], h as never)],
        ["toMetaTool(tool, h)", () => meta.toMetaTool(OK_TOOLS[0], h as never)],
        ["new MetaToolError(h, h, h, h)", () => new meta.MetaToolError(h as never, h as never, h as never, h as never)],
      ];
      for (const t of toolShapes) {
        for (const f of [meta.builtinToolsPrompt, meta.jsonCustomToolsPrompt, meta.functionTagCustomToolsPrompt, meta.pythonListToolsPrompt]) {
          calls.push([`${f.name}([tool with h])`, () => f([t] as never)]);
          calls.push([`${f.name}([ok, tool with h])`, () => f([OK_TOOLS[0], t] as never)]);
        }
        for (const f of [meta.metaToolToOpenAI, meta.openAIToolToMeta, meta.toMetaTool, meta.parseMetaTool, meta.isMetaTool]) {
          calls.push([`${f.name}(tool with h)`, () => (f as (t: unknown) => unknown)(t)]);
        }
      }
      for (const [label, f] of calls) survives(`${label} with ${name}`, f);
    }));

    it(`./template with ${name}`, checked(() => {
      const t = "{{ bos_token }}{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}{{ extra }}";
      survives(`renderWithTemplate(h)`, () => template.renderWithTemplate(h as never, OK_MESSAGES as never));
      for (const msgs of conversations(h)) {
        for (const policy of ["reject", "strip", "allow"] as const) {
          survives(`renderWithTemplate(t, ${name} in messages, ${policy})`, () => template.renderWithTemplate(t, msgs as never, { specialTokens: policy }));
        }
      }
      const options = [
        h,
        { variables: h },
        { variables: { extra: h } },
        { variables: { extra: [h] }, specialTokens: "strip" },
        { variables: { extra: h }, specialTokens: "allow" },
        { bosToken: h },
        { eosToken: h },
        { dialect: h },
        ...renderOptions(h).slice(1).filter((o) => !Object.keys(o as object).includes("dialect")),
      ];
      for (const o of options) survives(`renderWithTemplate(t, messages, ${name} in options)`, () => template.renderWithTemplate(t, OK_MESSAGES as never, o as never));
    }));

    it(`./tools with ${name}`, checked(() => {
      const schema = z.object({ city: z.string() });
      const specs = [h, { get_weather: h }, { get_weather: { description: h, parameters: schema } }, { get_weather: { description: "d", parameters: h } }, { [String(name)]: { parameters: schema } }];
      const calls: Array<[string, () => unknown]> = [];
      for (const s of specs) {
        calls.push(["defineTools(spec with h)", () => tools.defineTools(s as never)]);
        calls.push(["defineTools(spec with h, {builtinTools: h})", () => tools.defineTools(s as never, { builtinTools: h } as never)]);
      }
      calls.push(["defineTools(ok, h)", () => tools.defineTools({ get_weather: { description: "d", parameters: schema } }, h as never)]);
      const defined = tools.defineTools({ get_weather: { description: "d", parameters: schema } }, { builtinTools: ["brave_search"] });
      const callShapes = [h, { name: h, arguments: {} }, { name: "get_weather", arguments: h }, { name: "get_weather", arguments: { city: h } }, { name: "brave_search", arguments: { query: h } }];
      for (const c of callShapes) {
        calls.push(["defined.parse(call with h)", () => defined.parse(c as never)]);
        calls.push(["defined.safeParse(call with h)", () => defined.safeParse(c as never)]);
        calls.push(["toolErrorMessage(error, call with h)", () => tools.toolErrorMessage(new Error("x"), c as never)]);
        calls.push(["toolErrorMessage(h, call)", () => tools.toolErrorMessage(h, { id: "1" })]);
      }
      calls.push(["new ToolDefinitionError(h, h, h, h)", () => new tools.ToolDefinitionError(h as never, h as never, h as never, h as never)]);
      for (const [label, f] of calls) survives(`${label} with ${name}`, f);
    }));
  }
});
