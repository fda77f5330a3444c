/**
 * llama-prompt-format/openai: parsed turns and stream events in OpenAI's shapes, and OpenAI
 * requests in this library's. The chunk stream is checked by assembling it the way OpenAI clients do
 * (openai-node's ChatCompletionStream#accumulateChatCompletion: content concatenated, tool calls
 * merged by `index`, `id` / `name` from the first piece, `arguments` concatenated).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createStreamParser, parseAssistantOutput, renderPrompt, type AssistantMessage, type ParseOptions, type StreamEvent } from "llama-prompt-format";
import {
  createOpenAIChunkEncoder,
  fromOpenAIRequest,
  fromOpenAIToolChoice,
  fromOpenAITools,
  toOpenAIChatCompletion,
  toOpenAIChunks,
  toOpenAIFinishReason,
  toOpenAIMessage,
  OPENAI_REQUEST_FIELDS,
  type OpenAIChatCompletionChunk,
} from "llama-prompt-format/openai";
import { InvalidArgumentError, InvalidOptionsError, SerializationError } from "../src/base/errors.js";
import { thrown } from "./helpers/thrown.js";

/** Assembles chunks into { content, tool_calls, finish_reason } the way OpenAI clients do. */
export function assemble(chunks: readonly OpenAIChatCompletionChunk[]) {
  let content = "";
  let role: string | undefined;
  let finish: string | null = null;
  let usage: unknown;
  const calls: Array<{ id: string; type: string; function: { name: string; arguments: string } }> = [];
  const ids = new Set<string>();
  for (const c of chunks) {
    ids.add(c.id);
    if (c.usage) usage = c.usage;
    for (const ch of c.choices) {
      expect(ch.index).toBe(0);
      if (ch.delta.role) role = ch.delta.role;
      if (ch.delta.content) content += ch.delta.content;
      for (const t of ch.delta.tool_calls ?? []) {
        expect(Array.isArray(ch.delta.tool_calls)).toBe(true);
        const cur = calls[t.index];
        if (!cur) {
          // A call's first piece: index, id, type and name.
          expect(t.index).toBe(calls.length);
          expect(typeof t.id).toBe("string");
          expect(t.id).not.toBe("");
          expect(t.type).toBe("function");
          expect(typeof t.function?.name).toBe("string");
          calls[t.index] = { id: t.id!, type: t.type!, function: { name: t.function!.name!, arguments: t.function?.arguments ?? "" } };
        } else {
          // Later pieces: index and arguments only.
          expect(t.id).toBeUndefined();
          expect(t.function?.name).toBeUndefined();
          cur.function.arguments += t.function?.arguments ?? "";
        }
      }
      if (ch.finish_reason) finish = ch.finish_reason;
    }
  }
  expect(ids.size).toBeLessThanOrEqual(1);
  return { role, content, calls, finish, usage };
}

function events(pieces: readonly string[], options: ParseOptions): StreamEvent[] {
  const p = createStreamParser(options);
  const out: StreamEvent[] = [];
  for (const c of pieces) out.push(...p.push(c));
  out.push(...p.end());
  return out;
}

function encode(evs: readonly StreamEvent[], options: Parameters<typeof createOpenAIChunkEncoder>[0] = { model: "m" }) {
  const enc = createOpenAIChunkEncoder(options);
  return evs.flatMap((e) => enc.push(e));
}

const endOf = (evs: readonly StreamEvent[]): AssistantMessage => (evs.at(-1) as Extract<StreamEvent, { type: "end" }>).message;

const TOOLS: ParseOptions = { tools: ["get_weather", "f"], builtinTools: ["brave_search", "wolfram_alpha", "code_interpreter"] };

describe("toOpenAIMessage", () => {
  it("tool calls: ids kept, arguments a JSON string, content null when there is no text", () => {
    const m = parseAssistantOutput('{"name": "get_weather", "parameters": {"city": "Zürich", "days": [1, 2]}}<|eot_id|>', TOOLS);
    const o = toOpenAIMessage(m);
    expect(o).toEqual({
      role: "assistant",
      content: null,
      refusal: null,
      tool_calls: [{ id: m.toolCalls[0]!.id, type: "function", function: { name: "get_weather", arguments: '{"city":"Zürich","days":[1,2]}' } }],
    });
    expect(JSON.parse(o.tool_calls![0]!.function.arguments)).toEqual(m.toolCalls[0]!.arguments);
  });

  it("built-in and code-interpreter calls become function calls with JSON arguments", () => {
    const b = toOpenAIMessage(parseAssistantOutput('<|python_tag|>brave_search.call(query="gold price", n=3)<|eom_id|>', TOOLS));
    expect(b.tool_calls![0]!.function).toEqual({ name: "brave_search", arguments: '{"query":"gold price","n":3}' });
    const c = toOpenAIMessage(parseAssistantOutput("<|python_tag|>import math\nprint(math.pi)<|eom_id|>", TOOLS));
    expect(c.tool_calls![0]!.function).toEqual({ name: "code_interpreter", arguments: JSON.stringify({ code: "import math\nprint(math.pi)" }) });
  });

  it("a text answer has content and no tool_calls", () => {
    const o = toOpenAIMessage(parseAssistantOutput("Oslo is in Norway.<|eot_id|>", TOOLS));
    expect(o).toEqual({ role: "assistant", content: "Oslo is in Norway.", refusal: null });
    expect("tool_calls" in o).toBe(false);
  });

  it("text beside calls stays content; parallelToolCalls false keeps the first call", () => {
    const m = parseAssistantOutput('Checking. {"name": "f", "parameters": {"a": 1}}; {"name": "f", "parameters": {"a": 2}}<|eot_id|>', TOOLS);
    expect(toOpenAIMessage(m).content).toBe("Checking.");
    expect(toOpenAIMessage(m).tool_calls).toHaveLength(2);
    expect(toOpenAIMessage(m, { parallelToolCalls: false }).tool_calls!.map((c) => c.function.arguments)).toEqual(['{"a":1}']);
  });

  it("finish_reason from the stop reason", () => {
    const call = parseAssistantOutput('{"name": "f", "parameters": {}}<|eot_id|>', TOOLS).toolCalls;
    expect(toOpenAIFinishReason({ toolCalls: call, stopReason: "eot" })).toBe("tool_calls");
    expect(toOpenAIFinishReason({ toolCalls: call, stopReason: "eom" })).toBe("tool_calls");
    expect(toOpenAIFinishReason({ toolCalls: call, stopReason: "length" })).toBe("length");
    expect(toOpenAIFinishReason({ toolCalls: [], stopReason: "eot" })).toBe("stop");
    expect(toOpenAIFinishReason({ toolCalls: [], stopReason: "none" })).toBe("stop");
    expect(toOpenAIFinishReason({ toolCalls: [], stopReason: "end_of_text" })).toBe("stop");
    expect(toOpenAIFinishReason({ toolCalls: [], stopReason: "length" })).toBe("length");
  });

  it("toOpenAIChatCompletion: one choice, usage only when both counts are known", () => {
    const m = parseAssistantOutput("Hi.<|eot_id|>");
    const c = toOpenAIChatCompletion(m, { model: "llama", id: "chatcmpl-1", created: 7, usage: { promptTokens: 10, completionTokens: 3 } });
    expect(c).toEqual({
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 7,
      model: "llama",
      choices: [{ index: 0, message: { role: "assistant", content: "Hi.", refusal: null }, finish_reason: "stop", logprobs: null }],
      usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 },
    });
    expect(toOpenAIChatCompletion(m, { model: "llama", usage: { completionTokens: 3 } }).usage).toBeUndefined();
    expect(toOpenAIChatCompletion(m, { model: "llama" }).id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
  });

  it("typed errors for bad input, never a raw TypeError", () => {
    const m = parseAssistantOutput("Hi.<|eot_id|>");
    for (const [fn, cls, path] of [
      [() => toOpenAIMessage(null as never), InvalidArgumentError, ["message"]],
      [() => toOpenAIMessage({ ...m, toolCalls: [{ id: "a", name: "f", arguments: 3 }] } as never), InvalidArgumentError, ["message", "toolCalls", 0, "arguments"]],
      [() => toOpenAIMessage({ ...m, stopReason: "x" } as never), InvalidArgumentError, ["message", "stopReason"]],
      [() => toOpenAIMessage({ ...m, toolCalls: [{ id: "a", name: "f", arguments: { n: 10n } }] } as never), SerializationError, ["message", "toolCalls", 0, "arguments"]],
      [() => toOpenAIMessage({ ...m, toolCalls: [{ id: "a", name: "f", arguments: { n: NaN } }] } as never), SerializationError, ["message", "toolCalls", 0, "arguments"]],
      [() => toOpenAIMessage(m, { parallel: false } as never), InvalidOptionsError, ["options", "parallel"]],
      [() => toOpenAIChatCompletion(m, {} as never), InvalidOptionsError, ["options", "model"]],
      [() => toOpenAIChatCompletion(m, { model: "x", created: -1 }), InvalidOptionsError, ["options", "created"]],
    ] as const) {
      const e = thrown(fn);
      expect(e).toBeInstanceOf(cls);
      expect((e as InvalidArgumentError).path).toEqual(path);
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(thrown(() => toOpenAIMessage({ ...m, toolCalls: [{ id: "a", name: "f", arguments: cyclic, format: "json", raw: "" }] }))).toBeInstanceOf(SerializationError);
  });
});

describe("OpenAI chunks from stream events", () => {
  it("OpenAI's order: role first, text, each call's first piece (index, id, type, name) then argument pieces, finish_reason, usage last", () => {
    const evs = events(['Let me look. {"name": "get_weather", "para', 'meters": {"city": "Os', 'lo"}}', "<|eot_id|>"], TOOLS);
    const enc = createOpenAIChunkEncoder({ model: "llama", id: "chatcmpl-x", created: 5, includeUsage: true });
    const chunks: OpenAIChatCompletionChunk[] = [];
    for (const e of evs) {
      if (e.type === "end") enc.setUsage({ promptTokens: 20, completionTokens: 9 });
      chunks.push(...enc.push(e));
    }
    const id = endOf(evs).toolCalls[0]!.id;
    expect(chunks.map((c) => ({ choices: c.choices, usage: c.usage }))).toEqual([
      { choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }], usage: null },
      { choices: [{ index: 0, delta: { content: "Let me look." }, finish_reason: null }], usage: null },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id, type: "function", function: { name: "get_weather", arguments: "" } }] }, finish_reason: null }], usage: null },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"city": "Os' } }] }, finish_reason: null }], usage: null },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'lo"}' } }] }, finish_reason: null }], usage: null },
      { choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }], usage: null },
      { choices: [], usage: { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 } },
    ]);
    for (const c of chunks) expect(c).toMatchObject({ id: "chatcmpl-x", object: "chat.completion.chunk", created: 5, model: "llama" });
    expect(enc.finishReason).toBe("tool_calls");
    // Nothing after the end.
    expect(enc.push({ type: "text-delta", text: "x" })).toEqual([]);
  });

  it("no usage field without includeUsage; a usage chunk with null usage when the server gave none", () => {
    const evs = events(["Hi.<|eot_id|>"], {});
    expect(encode(evs).every((c) => !("usage" in c))).toBe(true);
    expect(encode(evs, { model: "m", includeUsage: true }).at(-1)).toMatchObject({ choices: [], usage: null });
  });

  it("built-in and code calls: announced at start, arguments as one JSON piece at the end", () => {
    const evs = events(["<|python_tag|>brave_search.call(query=", '"a b")', "<|eom_id|>"], TOOLS);
    const a = assemble(encode(evs));
    expect(a.calls).toEqual([{ id: endOf(evs).toolCalls[0]!.id, type: "function", function: { name: "brave_search", arguments: '{"query":"a b"}' } }]);
    expect(a.finish).toBe("tool_calls");
  });

  it("parameters written as a JSON string are sent whole, as the decoded object", () => {
    const evs = events(['{"name": "f", "parameters": "{\\"a\\": 1}"}', "<|eot_id|>"], TOOLS);
    expect(endOf(evs).toolCalls[0]!.arguments).toEqual({ a: 1 });
    expect(assemble(encode(evs)).calls[0]!.function.arguments).toBe('{"a":1}');
  });

  it("a call that fails after it started keeps its index; the next call gets a new one", () => {
    const evs = events(['{"name": "f", "parameters": {"a": x}} {"name": "f", "parameters": {"a": 2}}', "<|eot_id|>"], TOOLS);
    expect(evs.some((e) => e.type === "error")).toBe(true);
    const a = assemble(encode(evs));
    expect(a.calls.map((c) => c.function.arguments)).toEqual(['{"a": ', '{"a": 2}']);
    expect(a.content).toBe(endOf(evs).content);
    expect(a.finish).toBe("tool_calls");
  });

  it("cut by the budget inside a call: the partial call and finish_reason length, as OpenAI sends them", () => {
    const evs = events(['{"name": "f", "parameters": {"a": "lo'], TOOLS);
    const end = endOf(evs);
    const cut: StreamEvent[] = [...evs.slice(0, -1), { type: "end", message: { ...end, stopReason: "length" } }];
    const a = assemble(encode(cut));
    expect(a.calls[0]!.function.arguments).toBe('{"a": "lo');
    expect(a.finish).toBe("length");
  });

  it("parallelToolCalls false: only the first call is sent and counted", () => {
    const evs = events(['{"name": "f", "parameters": {"a": 1}}; {"name": "f", "parameters": {"a": 2}}', "<|eot_id|>"], TOOLS);
    const a = assemble(encode(evs, { model: "m", parallelToolCalls: false }));
    expect(a.calls.map((c) => c.function.arguments)).toEqual(['{"a": 1}']);
    expect(a.finish).toBe("tool_calls");
  });

  it("toOpenAIChunks over an async iterable, with usage from a callback", async () => {
    async function* src() {
      yield* events(["Hello", " there.<|eot_id|>"], {});
    }
    const chunks: OpenAIChatCompletionChunk[] = [];
    for await (const c of toOpenAIChunks(src(), { model: "m", includeUsage: true, usage: () => ({ promptTokens: 1, completionTokens: 2 }) })) chunks.push(c);
    expect(assemble(chunks)).toMatchObject({ role: "assistant", content: "Hello there.", finish: "stop", usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
  });

  it("typed errors for bad events and options", async () => {
    const enc = createOpenAIChunkEncoder({ model: "m" });
    expect((thrown(() => enc.push(null as never)) as InvalidArgumentError).path).toEqual(["event"]);
    expect((thrown(() => enc.push({ type: "nope" } as never)) as InvalidArgumentError).path).toEqual(["event", "type"]);
    expect((thrown(() => enc.push({ type: "end", message: { content: 1 } } as never)) as InvalidArgumentError).path).toEqual(["event", "message", "content"]);
    expect(thrown(() => createOpenAIChunkEncoder({} as never))).toBeInstanceOf(InvalidOptionsError);
    expect((thrown(() => createOpenAIChunkEncoder({ model: "m", include_usage: true } as never)) as InvalidOptionsError).path).toEqual(["options", "include_usage"]);
    await expect(toOpenAIChunks(42 as never, { model: "m" }).next()).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe("assembled chunks equal the non-streamed message, for any output and any chunking", () => {
  const FRAGMENTS = [
    '{"name": "get_weather", "parameters": ', '{"name": "f", "arguments": ', '"parameters": ', '{"city": "Paris"}', '{"a": [1, {"b": null}]}',
    "{", "}", ", ", "; ", "\n", " ", '"', "\\", "x", "Sure.", "é", "🌦", "<|python_tag|>", "<|eom_id|>", "<|eot_id|>",
    'brave_search.call(query="q")', 'wolfram_alpha.call(query="2+2")', "import math\nprint(1)", '"{\\"a\\": 1}"', "}}", "]",
  ];
  const text = fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 3 })), { maxLength: 24 }).map((a) => a.join(""));

  it("content, call ids, names and arguments (JSON.parse of the assembled string) match toOpenAIMessage", () => {
    fc.assert(
      fc.property(text, fc.array(fc.nat(120), { maxLength: 6 }), fc.boolean(), (t, cuts, single) => {
        const points = [...new Set(cuts.map((c) => c % (t.length + 1)))].sort((a, b) => a - b);
        const pieces: string[] = [];
        let last = 0;
        for (const p of points) {
          pieces.push(t.slice(last, p));
          last = p;
        }
        pieces.push(t.slice(last));
        const evs = events(pieces, TOOLS);
        const message = endOf(evs);
        // Known parser gap (see the it.fails below): a call object with two parameters/arguments values.
        fc.pre(!message.toolCalls.some((c) => (c.raw.match(/"(parameters|arguments)"\s*:/g) ?? []).length > 1));
        const whole = toOpenAIMessage(message, single ? { parallelToolCalls: false } : undefined);
        const a = assemble(encode(evs, { model: "m", parallelToolCalls: !single }));
        expect(a.content).toBe(message.content);
        expect(a.finish).toBe(toOpenAIFinishReason({ toolCalls: whole.tool_calls ? message.toolCalls.slice(0, whole.tool_calls.length) : [], stopReason: message.stopReason }));
        // Announced calls that completed are exactly the message's calls, in order.
        const done = new Set((whole.tool_calls ?? []).map((c) => c.id));
        const completed = a.calls.filter((c) => done.has(c.id));
        expect(completed.map((c) => [c.id, c.function.name])).toEqual((whole.tool_calls ?? []).map((c) => [c.id, c.function.name]));
        completed.forEach((c, i) => expect(JSON.parse(c.function.arguments)).toEqual(JSON.parse(whole.tool_calls![i]!.function.arguments)));
      }),
      { numRuns: 800 },
    );
  });
});

describe("known gap", () => {
  // The parser's tool-call-delta events carry the first parameters/arguments value of the call
  // object, while its final arguments are the last one (JSON.parse keeps the last duplicate key;
  // `parameters` wins over `arguments`). The streamed pieces then disagree with the final arguments.
  // The parser refuses such a call as ambiguous, as it does for two names.
  it("a call with two parameters values streams the value it keeps", () => {
    const evs = events(['{"name": "f", "parameters": {"a": 1}, "parameters": {"a": 2}}<|eot_id|>'], TOOLS);
    const a = assemble(encode(evs));
    const m = endOf(evs);
    expect(m.toolCalls.length === 0 || JSON.parse(a.calls[0]!.function.arguments)).toEqual(m.toolCalls.length === 0 || m.toolCalls[0]!.arguments);
  });
});

describe("fromOpenAIRequest", () => {
  const base = { model: "llama", messages: [{ role: "user", content: "Hi" }] };
  const weather = { type: "function", function: { name: "get_weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string" } } }, strict: true } };

  it("maps the fields it supports", () => {
    const r = fromOpenAIRequest({
      ...base,
      tools: [weather],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      parallel_tool_calls: false,
      max_completion_tokens: 64,
      temperature: 0,
      top_p: 0.9,
      seed: 7,
      stop: ["END"],
      frequency_penalty: 0.5,
      presence_penalty: 0,
      stream: true,
      stream_options: { include_usage: true },
      user: "u-1",
      metadata: { a: "b" },
      store: false,
      llama_builtin_tools: ["brave_search"],
    });
    expect(r).toEqual({
      messages: base.messages,
      model: "llama",
      stream: true,
      includeUsage: true,
      parallelToolCalls: false,
      options: {
        tools: [{ type: "function", function: { name: "get_weather", description: "Weather", parameters: weather.function.parameters } }],
        builtinTools: ["brave_search"],
        toolChoice: { name: "get_weather" },
        maxTokens: 64,
        temperature: 0,
        topP: 0.9,
        seed: 7,
        stop: ["END"],
        extraParameters: { frequency_penalty: 0.5 },
      },
    });
    expect(fromOpenAIRequest({ ...base, max_tokens: 9, stop: "x", tool_choice: null }).options).toEqual({ maxTokens: 9, stop: ["x"] });
    expect(fromOpenAIRequest(base)).toMatchObject({ stream: false, includeUsage: false, parallelToolCalls: true, options: {} });
  });

  it("a history with several calls in one assistant message renders (splitToolCalls), only then", () => {
    const call = (id: string, city: string) => ({ id, type: "function", function: { name: "get_weather", arguments: JSON.stringify({ city }) } });
    const messages = [
      { role: "user", content: "Weather in Paris and Oslo?" },
      { role: "assistant", content: null, tool_calls: [call("a", "Paris"), call("b", "Oslo")] },
      { role: "tool", tool_call_id: "a", content: "18" },
      { role: "tool", tool_call_id: "b", content: "9" },
    ];
    const r = fromOpenAIRequest({ ...base, messages, tools: [weather] });
    expect(r.options.splitToolCalls).toBe(true);
    const prompt = renderPrompt(r.messages, { tools: r.options.tools, splitToolCalls: r.options.splitToolCalls });
    expect(prompt.match(/\{"name": "get_weather", "parameters": /g)?.length).toBe(2);
    expect(fromOpenAIRequest({ ...base, tools: [weather] }).options.splitToolCalls).toBeUndefined();
  });

  it("tool_choice: auto, none, required, named, allowed_tools", () => {
    const t = (tool_choice: unknown) => fromOpenAIRequest({ ...base, tools: [weather, { type: "function", function: { name: "f" } }], tool_choice }).options;
    expect(t("auto").toolChoice).toBeUndefined();
    expect(t("none").toolChoice).toBe("none");
    expect(t("required").toolChoice).toBe("required");
    const allowed = t({ type: "allowed_tools", allowed_tools: { mode: "required", tools: [{ type: "function", function: { name: "f" } }] } });
    expect(allowed.toolChoice).toBe("required");
    expect(allowed.tools).toEqual([{ type: "function", function: { name: "f" } }]);
    expect(fromOpenAIToolChoice({ type: "function", function: { name: "f" } })).toEqual({ name: "f" });
  });

  it("fromOpenAITools drops strict and keeps the definition's key order", () => {
    const [d] = fromOpenAITools([{ type: "function", function: { parameters: { type: "object" }, name: "g", strict: false } }]);
    expect(Object.keys((d as { function: object }).function)).toEqual(["parameters", "name"]);
  });

  it("refuses, naming the field: unknown fields (as OpenAI does), fields it cannot honour, bad values", () => {
    const cases: Array<[Record<string, unknown>, (string | number)[], RegExp]> = [
      [{ ...base, foo: 1 }, ["request", "foo"], /Unrecognized request argument supplied: foo/],
      [{ model: "llama" }, ["request", "messages"], /required/],
      [{ ...base, model: 3 }, ["request", "model"], /model name/],
      [{ ...base, messages: [] }, ["request", "messages"], /at least one/],
      [{ ...base, n: 2 }, ["request", "n"], /n = 1/],
      [{ ...base, logprobs: true }, ["request", "logprobs"], /not supported/],
      [{ ...base, response_format: { type: "json_object" } }, ["request", "response_format"], /not supported/],
      [{ ...base, functions: [] }, ["request", "functions"], /deprecated/],
      [{ ...base, audio: { voice: "x", format: "mp3" } }, ["request", "audio"], /not supported/],
      [{ ...base, temperature: 2.5 }, ["request", "temperature"], /0 to 2/],
      [{ ...base, top_p: 0 }, ["request", "top_p"], /above 0/],
      [{ ...base, seed: -1 }, ["request", "seed"], />= 0/],
      [{ ...base, stop: ["a", "b", "c", "d", "e"] }, ["request", "stop"], /at most 4/],
      [{ ...base, stop: [""] }, ["request", "stop", 0], /non-empty/],
      [{ ...base, max_tokens: 0 }, ["request", "max_tokens"], />= 1/],
      [{ ...base, max_tokens: 5, max_completion_tokens: 6 }, ["request", "max_tokens"], /disagree/],
      [{ ...base, stream_options: { include_usage: true } }, ["request", "stream_options"], /only allowed when stream/],
      [{ ...base, stream: true, stream_options: { usage: true } }, ["request", "stream_options", "usage"], /unknown field/],
      [{ ...base, tools: [{ type: "custom", custom: { name: "x" } }] }, ["request", "tools", 0, "type"], /custom/],
      [{ ...base, tools: [{ type: "function", function: { name: "bad name!" } }] }, ["request", "tools", 0, "function", "name"], /function name/],
      [{ ...base, tools: [weather, weather] }, ["request", "tools", 1, "function", "name"], /second tool/],
      [{ ...base, tools: [{ type: "function", function: { name: "a", extra: 1 } }] }, ["request", "tools", 0, "function", "extra"], /unknown field/],
      [{ ...base, tools: [weather], tool_choice: { type: "function", function: { name: "nope" } } }, ["request", "tool_choice", "function", "name"], /names no tool/],
      [{ ...base, tool_choice: "required" }, ["request", "tool_choice"], /needs tools/],
      [{ ...base, tool_choice: "sometimes" }, ["request", "tool_choice"], /expected "auto"/],
      [{ ...base, llama_builtin_tools: ["google"] }, ["request", "llama_builtin_tools", 0], /brave_search/],
      [{ ...base, tools: [{ type: "function", function: { name: "brave_search" } }], llama_builtin_tools: ["brave_search"] }, ["request", "tools", 0, "function", "name"], /built-in/],
    ];
    for (const [body, path, message] of cases) {
      const e = thrown(() => fromOpenAIRequest(body));
      expect(e, JSON.stringify(body)).toBeInstanceOf(InvalidArgumentError);
      expect((e as InvalidArgumentError).path).toEqual(path);
      expect((e as Error).message).toMatch(message);
    }
    expect((thrown(() => fromOpenAIRequest("{}")) as InvalidArgumentError).path).toEqual(["request"]);
    const hostile = new Proxy({}, { ownKeys: () => { throw new Error("boom"); } });
    expect(thrown(() => fromOpenAIRequest(hostile))).toBeInstanceOf(InvalidArgumentError);
  });

  it("knows every field of OpenAI's request (the type test checks the list against openai@6)", () => {
    expect(new Set(OPENAI_REQUEST_FIELDS).size).toBe(OPENAI_REQUEST_FIELDS.length);
  });
});
