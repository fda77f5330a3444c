/**
 * The AI SDK model (`llama-prompt-format/ai-sdk`) run by the real `ai` package (6.x) against the
 * local replay servers of the backend layer (test/helpers/llama-servers.ts: TGI, vLLM and llama.cpp
 * wire formats as their sources write them, prompts tokenized with the real Llama 3 tokenizer).
 * Each test checks what reached the server: the prompt must be exactly what renderPrompt writes for
 * the conversation the AI SDK holds.
 */
import { generateText, jsonSchema, stepCountIs, streamText, tool, type ModelMessage } from "ai";
import type { LanguageModelV3, LanguageModelV3CallOptions, LanguageModelV3StreamPart } from "@ai-sdk/provider";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { InvalidArgumentError, InvalidMessageError, InvalidOptionsError, isLlamaPromptError, renderPrompt, type ChatMessage, type PromptOptions } from "llama-prompt-format";
import { BackendStreamError, type CompletionBackend } from "llama-prompt-format/backends";
import { createLlamaModel, llama } from "llama-prompt-format/ai-sdk";
import { countBos } from "./helpers/llama-servers.js";
import { jsonCall as call, promptOf, serverPerTest, type ServerKind } from "./helpers/framework-servers.js";

// The warnings are asserted on results; the AI SDK need not also log them.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const serve = serverPerTest();


const weatherSchema = z.object({ city: z.string() });
/** The JSON Schema the AI SDK hands the model for weatherSchema (zod 4's toJSONSchema, without "$schema"). */
const weatherParameters = { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false };
const weatherDef = { type: "function" as const, function: { name: "get_weather", description: "Weather in a city", parameters: weatherParameters } };
const timeDef = { type: "function" as const, function: { name: "get_time", description: "Local time in a city", parameters: weatherParameters } };

function weatherTools(log: string[] = []) {
  return {
    get_weather: tool({
      description: "Weather in a city",
      inputSchema: weatherSchema,
      execute: async ({ city }) => {
        log.push(`weather ${city}`);
        return { city, temperature: city === "Oslo" ? 12 : 19 };
      },
    }),
    get_time: tool({
      description: "Local time in a city",
      inputSchema: weatherSchema,
      execute: async ({ city }) => {
        log.push(`time ${city}`);
        return `${city}: 14:05`;
      },
    }),
  };
}


describe.each<ServerKind>(["tgi", "vllm", "llamacpp"])("generateText on %s", (kind) => {
  it("runs a three-step loop (call → result → call → result → answer) with zod tools; every prompt is the rendered conversation", async () => {
    const { server, backend } = await serve(kind, {
      output: [],
      turns: [
        [call("get_weather", { city: "Oslo" }), "<|eot_id|>"],
        [call("get_time", { city: "Oslo" }), "<|eot_id|>"],
        ["It is 12 °C in Oslo at 14:05.", "<|eot_id|>"],
      ],
    });
    const log: string[] = [];
    const result = await generateText({
      model: createLlamaModel(backend),
      tools: weatherTools(log),
      stopWhen: stepCountIs(5),
      system: "Be brief.",
      prompt: "Weather and time in Oslo?",
    });
    expect(result.text).toBe("It is 12 °C in Oslo at 14:05.");
    expect(result.steps.map((s) => s.finishReason)).toEqual(["tool-calls", "tool-calls", "stop"]);
    expect(log).toEqual(["weather Oslo", "time Oslo"]);

    const ids = result.steps.flatMap((s) => s.toolCalls.map((c) => c.toolCallId));
    const conversation: ChatMessage[] = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Weather and time in Oslo?" },
      { role: "assistant", content: "", tool_calls: [{ id: ids[0]!, type: "function", function: { name: "get_weather", arguments: { city: "Oslo" } } }] },
      { role: "tool", tool_call_id: ids[0]!, content: { city: "Oslo", temperature: 12 } },
      { role: "assistant", content: "", tool_calls: [{ id: ids[1]!, type: "function", function: { name: "get_time", arguments: { city: "Oslo" } } }] },
      { role: "tool", tool_call_id: ids[1]!, content: "Oslo: 14:05" },
    ];
    const options: PromptOptions = { tools: [weatherDef, timeDef] };
    expect(server.requests).toHaveLength(3);
    expect(promptOf(server, 0)).toBe(renderPrompt(conversation.slice(0, 2), options));
    expect(promptOf(server, 1)).toBe(renderPrompt(conversation.slice(0, 4), options));
    expect(promptOf(server, 2)).toBe(renderPrompt(conversation, options));
    for (const ids of server.promptIds) expect(countBos(ids)).toBe(1);
    // The prompt is reported as the request body.
    expect((result.steps[2]!.request.body as { prompt: string }).prompt).toBe(renderPrompt(conversation, options));
  });

  it("two calls in one turn: both executed, and the next prompt renders them as consecutive single-call turns", async () => {
    const { server, backend } = await serve(kind, {
      output: [],
      turns: [[`${call("get_weather", { city: "Oslo" })}; ${call("get_weather", { city: "Rome" })}`, "<|eot_id|>"], ["Oslo 12, Rome 19.", "<|eot_id|>"]],
    });
    const log: string[] = [];
    const result = await generateText({ model: createLlamaModel(backend), tools: weatherTools(log), stopWhen: stepCountIs(3), prompt: "Oslo and Rome?" });
    expect(result.steps[0]!.toolCalls.map((c) => c.input)).toEqual([{ city: "Oslo" }, { city: "Rome" }]);
    expect(log).toEqual(["weather Oslo", "weather Rome"]);
    expect(result.text).toBe("Oslo 12, Rome 19.");
    const [a, b] = result.steps[0]!.toolCalls.map((c) => c.toolCallId);
    const split: ChatMessage[] = [
      { role: "user", content: "Oslo and Rome?" },
      { role: "assistant", tool_calls: [{ type: "function", function: { name: "get_weather", arguments: { city: "Oslo" } } }] },
      { role: "tool", tool_call_id: a!, content: { city: "Oslo", temperature: 12 } },
      { role: "assistant", tool_calls: [{ type: "function", function: { name: "get_weather", arguments: { city: "Rome" } } }] },
      { role: "tool", tool_call_id: b!, content: { city: "Rome", temperature: 19 } },
    ];
    expect(promptOf(server, 1)).toBe(renderPrompt(split, { tools: [weatherDef, timeDef] }));
  });
});

describe("streamText", () => {
  it("streams text and tool input; the deltas of each call concatenate to its input", async () => {
    const { backend } = await serve("vllm", {
      output: [],
      turns: [[call("get_weather", { city: "Zürich 🌧" }), "<|eot_id|>"], ["Wet, 9 °C.", "<|eot_id|>"]],
    });
    const result = streamText({ model: createLlamaModel(backend), tools: weatherTools(), stopWhen: stepCountIs(3), prompt: "Zürich?" });
    const deltas: Record<string, string> = {};
    const parts: string[] = [];
    let text = "";
    for await (const p of result.fullStream) {
      parts.push(p.type);
      if (p.type === "tool-input-delta") deltas[p.id] = (deltas[p.id] ?? "") + p.delta;
      if (p.type === "text-delta") text += p.text;
      if (p.type === "tool-call") expect(JSON.parse(deltas[p.toolCallId]!)).toEqual(p.input);
    }
    expect(text).toBe("Wet, 9 °C.");
    expect(Object.values(deltas)).toEqual(['{"city": "Zürich 🌧"}']);
    // Deltas arrive one token at a time, before the call is complete.
    expect(parts.filter((t) => t === "tool-input-delta").length).toBeGreaterThan(3);
    expect(parts.indexOf("tool-input-start")).toBeLessThan(parts.indexOf("tool-input-delta"));
    expect(parts.indexOf("tool-input-end")).toBeLessThan(parts.indexOf("tool-call"));
    expect(await result.finishReason).toBe("stop");
    const usage = await result.totalUsage;
    expect(usage.inputTokens).toBeGreaterThan(100);
    expect(usage.outputTokens).toBeGreaterThan(5);
  });

  it("abort: the stream ends with an abort part, onAbort runs, the request is cancelled", async () => {
    const { backend } = await serve("tgi", { output: [Array.from({ length: 200 }, (_, i) => `word${i}`).join(" "), "<|eot_id|>"] });
    const signals: AbortSignal[] = [];
    const watched: CompletionBackend = { name: "tgi", stream: (r) => (signals.push(r.signal!), backend.stream(r)) };
    const controller = new AbortController();
    let aborted = false;
    const result = streamText({ model: createLlamaModel(watched), prompt: "Talk.", abortSignal: controller.signal, onAbort: () => void (aborted = true) });
    const types: string[] = [];
    let deltas = 0;
    for await (const p of result.fullStream) {
      types.push(p.type);
      if (p.type === "text-delta" && ++deltas === 3) controller.abort();
    }
    expect(aborted).toBe(true);
    expect(types.at(-1)).toBe("abort");
    expect(deltas).toBeLessThan(20);
    expect(signals).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(true); // the HTTP request was aborted
  });

  it("a stream error after the response began is an error part, then finish 'error'", async () => {
    const { backend } = await serve("tgi", { output: ["Hello there my friend", "<|eot_id|>"], errorAfter: { tokens: 2, message: "CUDA out of memory" } });
    const errors: unknown[] = [];
    const result = streamText({ model: createLlamaModel(backend), prompt: "hi", onError: ({ error }) => void errors.push(error) });
    const types: string[] = [];
    for await (const p of result.fullStream) types.push(p.type);
    expect(types).toContain("error");
    expect(errors[0]).toBeInstanceOf(BackendStreamError);
    expect((errors[0] as BackendStreamError).reason).toBe("error_event");
    expect(await result.finishReason).toBe("error");
  });
});

/** Calls doStream directly and collects the parts (the model's own contract, below the `ai` package). */
async function parts(model: LanguageModelV3, options: Partial<LanguageModelV3CallOptions>): Promise<LanguageModelV3StreamPart[]> {
  const { stream } = await model.doStream({ prompt: [{ role: "user", content: [{ type: "text", text: "go" }] }], ...options });
  const out: LanguageModelV3StreamPart[] = [];
  for await (const p of stream as unknown as AsyncIterable<LanguageModelV3StreamPart>) out.push(p);
  return out;
}

describe("doStream: tool input deltas concatenate to the call's input string", () => {
  const fnTool = (name: string) => ({ type: "function" as const, name, inputSchema: { type: "object" as const } });
  const builtin = (name: string, id: `llama.${string}`) => ({ type: "provider" as const, id, name, args: {} });

  it.each([
    ["a JSON call", [call("get_weather", { city: "São Paulo", days: [1, 2], nested: { "a\"b": null } }), "<|eot_id|>"], [fnTool("get_weather")]],
    ["code-interpreter code (quotes, newlines, emoji split across tokens)", ["<|python_tag|>", 'print("héllo 🌍")\nx = {"a": 1}\n', "<|eom_id|>"], [builtin("run_code", "llama.code_interpreter")]],
    ["a built-in call", ["<|python_tag|>", 'brave_search.call(query="gold \\"price\\"")', "<|eom_id|>"], [builtin("web", "llama.brave_search")]],
  ] as const)("%s", async (_, output, tools) => {
    const { backend } = await serve("vllm", { output: [...output] });
    const got = await parts(createLlamaModel(backend), { tools: [...tools] });
    const calls = got.filter((p) => p.type === "tool-call");
    expect(calls).toHaveLength(1);
    const c = calls[0] as Extract<LanguageModelV3StreamPart, { type: "tool-call" }>;
    const deltas = got.filter((p): p is Extract<LanguageModelV3StreamPart, { type: "tool-input-delta" }> => p.type === "tool-input-delta" && p.id === c.toolCallId);
    expect(deltas.map((d) => d.delta).join("")).toBe(c.input);
    expect(c.toolName).toBe(tools[0]!.name);
    const finish = got.at(-1) as Extract<LanguageModelV3StreamPart, { type: "finish" }>;
    expect(finish.finishReason.unified).toBe("tool-calls");
  });

  it("for any JSON arguments and any token split of the call", async () => {
    const key = fc.string({ maxLength: 6 }).filter((s) => !s.includes("<|"));
    const value = fc.oneof(fc.string({ maxLength: 8 }).filter((s) => !s.includes("<|")), fc.integer(), fc.boolean(), fc.constant(null));
    await fc.assert(
      fc.asyncProperty(fc.dictionary(key, fc.oneof(value, fc.array(value, { maxLength: 3 })), { maxKeys: 4 }), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }), async (args, cuts) => {
        const text = `{"name": "f", "parameters": ${JSON.stringify(args)}}`;
        // The model's output cut into pieces (each piece is a separately tokenized run).
        const pieces: string[] = [];
        for (let i = 0, k = 0; i < text.length; k++) {
          const n = cuts[k % cuts.length]!;
          pieces.push(text.slice(i, i + n));
          i += n;
        }
        const backend: CompletionBackend = {
          name: "pieces",
          async *stream() {
            for (const p of pieces) yield { type: "token", token: { text: p, special: false } };
            yield { type: "token", token: { text: "<|eot_id|>", id: 128009 } };
            yield { type: "finish", finish: { reason: "stop_token", serverReason: "eos", usage: {} } };
          },
        };
        const got = await parts(createLlamaModel(backend), { tools: [fnTool("f")] });
        const c = got.find((p) => p.type === "tool-call") as Extract<LanguageModelV3StreamPart, { type: "tool-call" }>;
        const joined = got.flatMap((p) => (p.type === "tool-input-delta" ? [p.delta] : [])).join("");
        expect(joined).toBe(c.input);
        expect(JSON.parse(c.input)).toEqual(args);
      }),
      { numRuns: 150 },
    );
  });

  it("a call the model began but did not finish closes its tool input and comes back as text", async () => {
    const { backend } = await serve("tgi", { output: ['{"name": "get_weather", "parameters": {"city": "Os'], });
    const got = await parts(createLlamaModel(backend), { tools: [fnTool("get_weather")], maxOutputTokens: 12 });
    const types = got.map((p) => p.type);
    expect(types).toContain("tool-input-start");
    expect(types).toContain("tool-input-end");
    expect(types).not.toContain("tool-call");
    const text = got.flatMap((p) => (p.type === "text-delta" ? [p.delta] : [])).join("");
    expect(text).toContain('{"name": "get_weather"');
    const finish = got.at(-1) as Extract<LanguageModelV3StreamPart, { type: "finish" }>;
    expect(finish.finishReason).toEqual({ unified: "length", raw: "length" });
    expect((finish.providerMetadata!.llama as { errors: Array<{ code: string }> }).errors[0]!.code).toBe("TOOL_CALL_INCOMPLETE");
  });
});

describe("built-in tools as provider tools", () => {
  it("llama.tools.braveSearch(): rendered as a Llama built-in; its call is executed by the application and rendered back", async () => {
    const { server, backend } = await serve("tgi", {
      output: [],
      turns: [["<|python_tag|>", 'brave_search.call(query="gold price")', "<|eom_id|>"], ["About $2,400 an ounce.", "<|eot_id|>"]],
    });
    const queries: string[] = [];
    const result = await generateText({
      model: createLlamaModel(backend),
      tools: { web: llama.tools.braveSearch({ execute: async ({ query }) => (queries.push(query), ["$2,400 an ounce"]) }) },
      stopWhen: stepCountIs(3),
      prompt: "Gold price?",
    });
    expect(queries).toEqual(["gold price"]);
    expect(result.steps[0]!.finishReason).toBe("tool-calls");
    expect(result.steps[0]!.toolCalls[0]!.toolName).toBe("web");
    expect(result.text).toBe("About $2,400 an ounce.");
    const conversation: ChatMessage[] = [
      { role: "user", content: "Gold price?" },
      { role: "assistant", tool_calls: [{ type: "function", function: { name: "brave_search", arguments: { query: "gold price" } } }] },
      { role: "tool", content: ["$2,400 an ounce"] },
    ];
    expect(promptOf(server, 0)).toBe(renderPrompt(conversation.slice(0, 1), { builtinTools: ["brave_search"] }));
    expect(promptOf(server, 1)).toBe(renderPrompt(conversation, { builtinTools: ["brave_search"] }));
    expect(promptOf(server, 1)).toContain('<|python_tag|>brave_search.call(query="gold price")<|eom_id|>');
  });

  it("a call of a built-in without execute is returned to the application (finish reason tool-calls on eom)", async () => {
    const { backend } = await serve("llamacpp", { output: ["<|python_tag|>", "import math\nprint(math.sqrt(2))", "<|eom_id|>"] });
    const result = await generateText({ model: createLlamaModel(backend), tools: { python: llama.tools.codeInterpreter() }, prompt: "sqrt 2?" });
    expect(result.finishReason).toBe("tool-calls");
    expect(result.toolCalls.map((c) => [c.toolName, c.input])).toEqual([["python", { code: "import math\nprint(math.sqrt(2))" }]]);
  });

  it("another provider's tool is not offered, with a warning", async () => {
    const { server, backend } = await serve("tgi", { output: ["Hi.", "<|eot_id|>"] });
    const result = await generateText({
      model: createLlamaModel(backend),
      tools: { other: { type: "provider", id: "openai.web_search", args: {}, inputSchema: jsonSchema({ type: "object" }) } as never },
      prompt: "hi",
    });
    expect(result.warnings).toEqual([expect.objectContaining({ type: "unsupported", feature: "provider tool openai.web_search" })]);
    expect(promptOf(server, 0)).toBe(renderPrompt([{ role: "user", content: "hi" }]));
  });
});

describe("toolChoice, settings, providerOptions", () => {
  it("toolChoice required / a named tool become the backend's constrained decoding", async () => {
    const { server, backend } = await serve("tgi", { output: [call("get_time", { city: "Oslo" }), "<|eot_id|>"] });
    const model = createLlamaModel(backend);
    const r1 = await generateText({ model, tools: weatherTools(), toolChoice: "required", prompt: "?" });
    expect(r1.toolCalls[0]!.toolName).toBe("get_time");
    expect(server.requests[0]!.json.parameters.grammar.type).toBe("json");
    expect(server.requests[0]!.json.parameters.grammar.value.anyOf).toHaveLength(2);
    await generateText({ model, tools: weatherTools(), toolChoice: { type: "tool", toolName: "get_time" }, prompt: "?" });
    expect(server.requests[1]!.json.parameters.grammar.value.properties.name).toEqual({ type: "string", enum: ["get_time"] });
    await generateText({ model, tools: weatherTools(), toolChoice: "none", prompt: "?" });
    expect(promptOf(server, 2)).toBe(renderPrompt([{ role: "user", content: "?" }]));
  });

  it("a setting the backend cannot honour is a warning, never a silent drop", async () => {
    const { server, backend } = await serve("tgi", { output: [call("get_time", { city: "Oslo" }), "<|eot_id|>"] });
    const unconstrained: CompletionBackend = { name: "plain", stream: (r) => backend.stream(r) };
    const result = await generateText({
      model: createLlamaModel(unconstrained),
      tools: weatherTools(),
      toolChoice: "required",
      presencePenalty: 0.5,
      frequencyPenalty: 0.5,
      headers: { "x-trace": "1" },
      prompt: "hi",
    });
    expect(result.warnings!.map((w) => (w.type === "other" ? w.message : w.feature)).sort()).toEqual(["frequencyPenalty", "headers", "presencePenalty", "toolChoice required"]);
    expect(server.requests[0]!.json.parameters.grammar).toBeUndefined();
  });

  it("call settings map to the backend's: maxOutputTokens, temperature, topP, topK, seed, stopSequences", async () => {
    const { server, backend } = await serve("vllm", { output: ["one two three four five six", "<|eot_id|>"] });
    const result = await generateText({ model: createLlamaModel(backend), prompt: "count", maxOutputTokens: 3, temperature: 0.2, topP: 0.9, topK: 5, seed: 7, stopSequences: ["END"] });
    expect(server.requests[0]!.json).toMatchObject({ max_tokens: 3, temperature: 0.2, top_p: 0.9, top_k: 5, seed: 7, stop: ["END"] });
    expect(result.finishReason).toBe("length");
    expect(result.usage.outputTokens).toBe(3);
  });

  it("render options go through providerOptions.llama (model defaults, overridden per call) and are checked by the shared rules", async () => {
    const { server, backend } = await serve("tgi", { output: ["Hi.", "<|eot_id|>"] });
    const model = createLlamaModel(backend, { dateString: "01 Jan 2025", modelId: "llama-3.1-8b" });
    expect(model.modelId).toBe("llama-3.1-8b");
    expect(model.provider).toBe("llama-prompt-format.tgi");
    await generateText({ model, prompt: "hi" });
    await generateText({ model, prompt: "hi", providerOptions: { llama: { dateString: "02 Mar 2025", toolsInUserMessage: false } } });
    expect(promptOf(server, 0)).toBe(renderPrompt([{ role: "user", content: "hi" }], { dateString: "01 Jan 2025" }));
    expect(promptOf(server, 1)).toBe(renderPrompt([{ role: "user", content: "hi" }], { dateString: "02 Mar 2025" }));

    const bad = await generateText({ model, prompt: "hi", maxRetries: 0, providerOptions: { llama: { dateStrng: "x" } } }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(InvalidOptionsError);
    expect((bad as InvalidOptionsError).path).toEqual(["providerOptions", "llama", "dateStrng"]);
    const tools = await generateText({ model, prompt: "hi", maxRetries: 0, providerOptions: { llama: { tools: [] } } }).catch((e: unknown) => e);
    expect((tools as InvalidOptionsError).path).toEqual(["providerOptions", "llama", "tools"]);
    expect(() => createLlamaModel(backend, { llamaVersion: "4" as never })).toThrow(InvalidOptionsError);
    expect(() => createLlamaModel({} as never)).toThrow(InvalidArgumentError);
  });

  it("a prompt part Llama cannot read is an InvalidMessageError naming it", async () => {
    const { backend } = await serve("tgi", { output: ["Hi.", "<|eot_id|>"] });
    const messages: ModelMessage[] = [{ role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image", image: new Uint8Array([1, 2, 3]), mediaType: "image/png" }] }];
    const e = await generateText({ model: createLlamaModel(backend), messages, maxRetries: 0 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidMessageError);
    expect((e as InvalidMessageError).path).toEqual(["prompt", 0, "content", 1]);
  });

  it("a malformed prompt given to doGenerate directly is a typed error, never a raw TypeError", async () => {
    const backend: CompletionBackend = { name: "unused", stream: () => { throw new Error("not reached"); } };
    const model = createLlamaModel(backend);
    const result = (output: unknown) => ({ role: "tool", content: [{ type: "tool-result", toolCallId: "c", toolName: "t", output }] });
    for (const prompt of [
      null,
      [null],
      [5],
      [{ role: "user", content: null }],
      [{ role: "user", content: [null] }],
      [{ role: "assistant", content: [7] }],
      [{ role: "assistant", content: [{ type: "tool-call", toolCallId: "c", toolName: "t", input: "not an object" }] }],
      [result(null)],
      [result({ type: "content", value: null })],
      [result({ type: "content", value: [{ type: "image-data", data: "", mediaType: "image/png" }] })],
      [result({ type: "weird" })],
      [{ role: "alien", content: [] }],
    ]) {
      const e = await Promise.resolve().then(() => model.doGenerate({ prompt: prompt as never })).catch((x: unknown) => x);
      expect(isLlamaPromptError(e), JSON.stringify(prompt)).toBe(true);
      expect((e as InvalidMessageError).path[0], JSON.stringify(prompt)).toBe("prompt");
    }
  });
});
