/**
 * `ChatLlama` (`llama-prompt-format/langchain`) run by the real `@langchain/core` 1.x against the
 * local replay servers of the backend layer (test/helpers/llama-servers.ts). Each test checks what
 * reached the server: the prompt must be exactly what renderPrompt writes for the conversation.
 */
import { AIMessage, AIMessageChunk, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { InvalidArgumentError, InvalidMessageError, InvalidOptionsError, renderPrompt, type ChatMessage, type PromptOptions } from "llama-prompt-format";
import type { CompletionBackend } from "llama-prompt-format/backends";
import { ChatLlama, fromLangChainMessages } from "llama-prompt-format/langchain";
import { countBos } from "./helpers/llama-servers.js";
import { jsonCall as call, promptOf, serverPerTest, type ServerKind } from "./helpers/framework-servers.js";

const serve = serverPerTest();



const getWeather = tool(async ({ city }) => JSON.stringify({ city, temperature: city === "Oslo" ? 12 : 19 }), {
  name: "get_weather",
  description: "Weather in a city",
  schema: z.object({ city: z.string() }),
});
/** What the model is offered for getWeather: LangChain's JSON Schema of the zod schema, without "$schema". */
const weatherParameters = { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false };
const weatherDef = { type: "function" as const, function: { name: "get_weather", description: "Weather in a city", parameters: weatherParameters } };

describe.each<ServerKind>(["tgi", "vllm", "llamacpp"])("ChatLlama on %s", (kind) => {
  it("invoke: text, usage and the rendered prompt", async () => {
    const { server, backend } = await serve(kind, { output: ["Hello! How can I help?", "<|eot_id|>"] });
    const model = new ChatLlama({ backend, dateString: "02 Mar 2025" });
    const reply = await model.invoke([new SystemMessage("Be brief."), new HumanMessage("Hi")]);
    expect(reply).toBeInstanceOf(AIMessageChunk);
    expect(reply.content).toBe("Hello! How can I help?");
    expect(reply.tool_calls).toEqual([]);
    expect(reply.response_metadata).toMatchObject({ finish_reason: "stop", stop_reason: "eot" });
    expect(reply.usage_metadata?.output_tokens).toBeGreaterThan(3);
    expect(promptOf(server, 0)).toBe(renderPrompt([{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }], { dateString: "02 Mar 2025" }));
    expect(countBos(server.promptIds[0]!)).toBe(1);
  });

  it("stream: text chunks that concatenate to the answer", async () => {
    const { backend } = await serve(kind, { output: ["One, two, three.", "<|eot_id|>"] });
    const chunks: AIMessageChunk[] = [];
    for await (const c of await new ChatLlama({ backend }).stream("Count to three")) chunks.push(c);
    expect(chunks.length).toBeGreaterThan(3);
    const all = chunks.reduce((a, b) => a.concat(b));
    expect(all.content).toBe("One, two, three.");
    expect(all.response_metadata).toMatchObject({ finish_reason: "stop" });
  });
});

describe("tools", () => {
  it("bindTools(...).invoke: a LangChain tool, a zod-defined tool and an OpenAI-shaped definition; the call comes back as tool_calls", async () => {
    const { server, backend } = await serve("tgi", { output: [call("get_time", { city: "Oslo" }), "<|eot_id|>"] });
    const timeParams = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
    const model = new ChatLlama({ backend }).bindTools([
      getWeather,
      { name: "get_time", description: "Local time", schema: z.object({ city: z.string() }) },
      { type: "function", function: { name: "get_date", description: "Today's date", parameters: { type: "object", properties: {} } } },
    ]);
    const reply = await model.invoke("Time in Oslo?");
    expect(reply.tool_calls).toEqual([{ id: expect.any(String), name: "get_time", args: { city: "Oslo" }, type: "tool_call" }]);
    expect(reply.response_metadata).toMatchObject({ finish_reason: "tool-calls" });
    const tools: PromptOptions["tools"] = [
      weatherDef,
      { type: "function", function: { name: "get_time", description: "Local time", parameters: { ...timeParams, additionalProperties: false } } },
      { type: "function", function: { name: "get_date", description: "Today's date", parameters: { type: "object", properties: {} } } },
    ];
    expect(promptOf(server, 0)).toBe(renderPrompt([{ role: "user", content: "Time in Oslo?" }], { tools }));
  });

  it("stream with tools: tool_call_chunks (index, id, name, argument deltas) that aggregate to the call", async () => {
    const { backend } = await serve("vllm", { output: [`${call("get_weather", { city: "Oslo" })}; ${call("get_weather", { city: "Rome" })}`, "<|eot_id|>"] });
    const chunks: AIMessageChunk[] = [];
    for await (const c of await new ChatLlama({ backend }).bindTools([getWeather]).stream("Oslo and Rome?")) chunks.push(c);
    const toolChunks = chunks.flatMap((c) => c.tool_call_chunks ?? []);
    expect(toolChunks.filter((c) => c.name !== undefined).map((c) => [c.index, c.name])).toEqual([
      [0, "get_weather"],
      [1, "get_weather"],
    ]);
    // Argument deltas arrive token by token and concatenate to JSON of the arguments.
    expect(toolChunks.filter((c) => c.index === 0 && c.args).length).toBeGreaterThan(3);
    expect(toolChunks.filter((c) => c.index === 0).map((c) => c.args).join("")).toBe('{"city": "Oslo"}');
    const all = chunks.reduce((a, b) => a.concat(b));
    expect(all.tool_calls!.map((c) => [c.name, c.args])).toEqual([
      ["get_weather", { city: "Oslo" }],
      ["get_weather", { city: "Rome" }],
    ]);
    expect(all.tool_calls!.map((c) => c.id)).toEqual(toolChunks.filter((c) => c.id).map((c) => c.id));
  });

  it("a tool-calling loop: ToolMessages go back in as ipython turns, two calls in one turn included", async () => {
    const { server, backend } = await serve("llamacpp", {
      output: [],
      turns: [[`${call("get_weather", { city: "Oslo" })}; ${call("get_weather", { city: "Rome" })}`, "<|eot_id|>"], ["Oslo 12 °C, Rome 19 °C.", "<|eot_id|>"]],
    });
    const model = new ChatLlama({ backend }).bindTools([getWeather]);
    const messages: BaseMessage[] = [new HumanMessage("Oslo and Rome?")];
    for (let step = 0; step < 4; step++) {
      const reply = await model.invoke(messages);
      messages.push(reply);
      if (!reply.tool_calls?.length) break;
      for (const c of reply.tool_calls) messages.push(await getWeather.invoke(c));
    }
    expect(messages.map((m) => m._getType())).toEqual(["human", "ai", "tool", "tool", "ai"]);
    expect(messages.at(-1)!.content).toBe("Oslo 12 °C, Rome 19 °C.");
    const [a, b] = (messages[1] as AIMessage).tool_calls!.map((c) => c.id!);
    expect((messages[2] as ToolMessage).tool_call_id).toBe(a);
    const expected: ChatMessage[] = [
      { role: "user", content: "Oslo and Rome?" },
      { role: "assistant", tool_calls: [{ type: "function", function: { name: "get_weather", arguments: { city: "Oslo" } } }] },
      { role: "tool", tool_call_id: a, content: '{"city":"Oslo","temperature":12}' },
      { role: "assistant", tool_calls: [{ type: "function", function: { name: "get_weather", arguments: { city: "Rome" } } }] },
      { role: "tool", tool_call_id: b, content: '{"city":"Rome","temperature":19}' },
    ];
    expect(promptOf(server, 1)).toBe(renderPrompt(expected, { tools: [weatherDef] }));
    expect(promptOf(server, 1)).toContain('<|start_header_id|>ipython<|end_header_id|>\n\n"{\\"city\\":\\"Oslo\\",\\"temperature\\":12}"<|eot_id|>');
  });

  it("built-in tools: builtinTools renders Llama's built-ins; a bound tool of that name runs the call", async () => {
    const { server, backend } = await serve("tgi", { output: ["<|python_tag|>", 'brave_search.call(query="gold price")', "<|eom_id|>"] });
    const braveSearch = tool(async ({ query }) => `results for ${query}`, { name: "brave_search", description: "Web search", schema: z.object({ query: z.string() }) });
    const reply = await new ChatLlama({ backend, builtinTools: ["brave_search"] }).bindTools([braveSearch]).invoke("Gold price?");
    expect(reply.tool_calls!.map((c) => [c.name, c.args])).toEqual([["brave_search", { query: "gold price" }]]);
    expect(reply.response_metadata).toMatchObject({ finish_reason: "tool-calls", stop_reason: "eom" });
    expect(promptOf(server, 0)).toBe(renderPrompt([{ role: "user", content: "Gold price?" }], { builtinTools: ["brave_search"] }));
  });

  it("withStructuredOutput: the schema is offered as a tool and the model's call is the output", async () => {
    const { backend } = await serve("tgi", { output: [call("Person", { name: "Ada", born: 1815 }), "<|eot_id|>"] });
    const structured = new ChatLlama({ backend }).withStructuredOutput(z.object({ name: z.string(), born: z.number() }), { name: "Person" });
    expect(await structured.invoke("Who wrote the first program?")).toEqual({ name: "Ada", born: 1815 });
  });

  it("tool_choice maps to constrained decoding", async () => {
    const { server, backend } = await serve("tgi", { output: [call("get_weather", { city: "Oslo" }), "<|eot_id|>"] });
    const model = new ChatLlama({ backend });
    await model.bindTools([getWeather], { tool_choice: "any" }).invoke("?");
    expect(server.requests[0]!.json.parameters.grammar.value.properties.name).toEqual({ type: "string", enum: ["get_weather"] });
    await model.bindTools([getWeather], { tool_choice: "get_weather" }).invoke("?");
    expect(server.requests[1]!.json.parameters.grammar.type).toBe("json");
    const e = await model.bindTools([getWeather], { tool_choice: "nope" }).invoke("?").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidOptionsError);
    expect((e as InvalidOptionsError).path).toEqual(["options", "toolChoice", "name"]);
  });
});

describe("options, errors, abort", () => {
  it("constructor fields and per-call llama options are checked by the shared rules; unknown keys are errors", async () => {
    const { server, backend } = await serve("tgi", { output: ["Hi.", "<|eot_id|>"] });
    expect(() => new ChatLlama({ backend, dateStrng: "x" } as never)).toThrow(InvalidOptionsError);
    expect(() => new ChatLlama({ backend, temperature: -1 })).toThrow(/fields\.temperature/);
    expect(() => new ChatLlama({ backend: {} as never })).toThrow(InvalidArgumentError);
    expect(() => new ChatLlama({ backend }).bindTools([42 as never])).toThrow(InvalidArgumentError);
    const model = new ChatLlama({ backend, maxTokens: 64, temperature: 0 });
    await model.invoke("hi", { llama: { dateString: "01 Jan 2025" }, stop: ["END"] });
    expect(promptOf(server, 0)).toBe(renderPrompt([{ role: "user", content: "hi" }], { dateString: "01 Jan 2025" }));
    expect(server.requests[0]!.json.parameters).toMatchObject({ max_new_tokens: 64, do_sample: false, stop: ["<|eom_id|>", "END"] });
    const e = await model.invoke("hi", { llama: { dialect: "klingon" } as never }).catch((x: unknown) => x);
    expect((e as InvalidOptionsError).path).toEqual(["options", "llama", "dialect"]);
  });

  it("a message Llama cannot read is an InvalidMessageError naming it", async () => {
    const { backend } = await serve("tgi", { output: ["Hi.", "<|eot_id|>"] });
    const e = await new ChatLlama({ backend })
      .invoke([new HumanMessage({ content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url: "data:image/png;base64,AA==" } }] })])
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidMessageError);
    expect((e as InvalidMessageError).path).toEqual(["messages", 0, "content", 1]);
  });

  it("fromLangChainMessages: what is not a LangChain message is an InvalidMessageError", () => {
    for (const bad of [null, [null], [5], [{ _getType: () => "function", content: "x" }]]) {
      expect(() => fromLangChainMessages(bad as never), JSON.stringify(bad)).toThrow(InvalidMessageError);
    }
    expect(fromLangChainMessages([new HumanMessage("hi"), new AIMessage({ content: "", tool_calls: [{ id: "c", name: "f", args: { a: 1 } }] }), new ToolMessage({ content: "ok", tool_call_id: "c" })])).toEqual([
      { role: "user", content: "hi" },
      { role: "assistant", content: "", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: { a: 1 } } }] },
      { role: "tool", tool_call_id: "c", content: "ok" },
    ]);
  });

  it("abort: the signal stops the stream and cancels the request", async () => {
    const { backend } = await serve("tgi", { output: [Array.from({ length: 200 }, (_, i) => `word${i}`).join(" "), "<|eot_id|>"] });
    const signals: AbortSignal[] = [];
    const watched: CompletionBackend = { name: "tgi", stream: (r) => (signals.push(r.signal!), backend.stream(r)) };
    const controller = new AbortController();
    let n = 0;
    const e = await (async () => {
      for await (const _ of await new ChatLlama({ backend: watched }).stream("Talk.", { signal: controller.signal })) if (++n === 3) controller.abort();
    })().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Error);
    expect(n).toBeLessThan(20);
    expect(signals[0]!.aborted).toBe(true);
  });
});
