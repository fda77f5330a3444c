/**
 * The three backends against local replay servers that write each server's wire format as its
 * source does (see test/helpers/llama-servers.ts for the files read: TGI router/src/server.rs and
 * router/src/lib.rs; vLLM vllm/entrypoints/openai/completion/{protocol,serving}.py and
 * vllm/v1/engine/detokenizer.py; llama.cpp tools/server/server.cpp, utils.hpp, server-task.cpp).
 * What every backend must do alike: one BOS, the right stop reason, split/CRLF/cut streams, error
 * events and bodies, long streams.
 */
import { afterEach, describe, expect, it } from "vitest";
import { encodeSegments } from "../src/prompt/encode.js";
import { renderSegments } from "../src/prompt/render.js";
import { parseAssistantOutput } from "../src/parse/index.js";
import type { AssistantMessage, StreamEvent } from "../src/parse/types.js";
import {
  BackendHttpError,
  BackendStreamError,
  generateChat,
  llamaCppBackend,
  streamChat,
  tgiBackend,
  vllmBackend,
  type ChatOptions,
  type CompletionBackend,
  type ChatFinish,
} from "../src/backends/index.js";
import { countBos, startLlamaCpp, startTgi, startVllm, type ModelServer, type Script } from "./helpers/llama-servers.js";
import { lenmlTokenizer } from "./helpers/tokenizer.js";

const messages = [
  { role: "system" as const, content: "You are a helpful assistant." },
  { role: "user" as const, content: "What's the weather in Zürich today?" },
];
const weather = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

interface Kind {
  name: string;
  start: (s: Script) => Promise<ModelServer>;
  backend: (url: string) => CompletionBackend;
  /** The path of the streaming endpoint. */
  path: string;
}

const kinds: Kind[] = [
  { name: "tgi", start: startTgi, backend: (url) => tgiBackend({ baseURL: url }), path: "/generate_stream" },
  { name: "vllm", start: startVllm, backend: (url) => vllmBackend({ baseURL: url, model: "meta-llama/Llama-3.1-8B-Instruct" }), path: "/v1/completions" },
  { name: "llamacpp", start: startLlamaCpp, backend: (url) => llamaCppBackend({ baseURL: url }), path: "/completion" },
];

let servers: ModelServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function collect(it: AsyncIterable<StreamEvent>): Promise<{ events: StreamEvent[]; error?: unknown }> {
  const events: StreamEvent[] = [];
  try {
    for await (const ev of it) events.push(ev);
  } catch (error) {
    return { events, error };
  }
  return { events };
}

const endOf = (events: StreamEvent[]): AssistantMessage => {
  const last = events.at(-1);
  if (last?.type !== "end") throw new Error(`no end event: ${JSON.stringify(events.slice(-3))}`);
  return last.message;
};

const BUILTIN_CALL = ["<|python_tag|>", 'brave_search.call(query="Zürich weather ☀️ today")', "<|eom_id|>"];
const JSON_CALL = ['{"name": "get_weather", "parameters": {"city": "São Paulo"}}', "<|eot_id|>"];
const TEXT = ["It is 21 °C in Zürich — sunny ☀️.", "<|eot_id|>"];

describe.each(kinds)("$name backend", (kind) => {
  async function serve(script: Script) {
    const s = await kind.start(script);
    servers.push(s);
    return s;
  }

  it("sends the prompt so that exactly one <|begin_of_text|> reaches the model, and the model sees exactly the rendered tokens", async () => {
    const server = await serve({ output: TEXT });
    const options = { builtinTools: ["brave_search" as const], tools: [weather] };
    await generateChat(kind.backend(server.url), messages, options);
    await collect(streamChat(kind.backend(server.url), messages, options));
    expect(server.promptIds).toHaveLength(2);
    const expected = encodeSegments(renderSegments(messages, options), lenmlTokenizer().encodeText);
    for (const ids of server.promptIds) {
      expect(countBos(ids)).toBe(1);
      expect(ids[0]).toBe(128000);
      expect(ids).toEqual(expected);
    }
  });

  it("streams a plain answer: text deltas, stop reason eot, content equal to the parse of the whole output", async () => {
    const server = await serve({ output: TEXT });
    const { events, error } = await collect(streamChat(kind.backend(server.url), messages));
    expect(error).toBeUndefined();
    const message = endOf(events);
    expect(message).toEqual({ role: "assistant", content: "It is 21 °C in Zürich — sunny ☀️.", toolCalls: [], stopReason: "eot" });
    const deltas = events.filter((e) => e.type === "text-delta").map((e) => (e as { text: string }).text);
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join("")).toBe(message.content);
  });

  it("recovers a built-in tool call and stop reason eom from special tokens the server reports", async () => {
    const server = await serve({ output: BUILTIN_CALL });
    const reply = await generateChat(kind.backend(server.url), messages, { builtinTools: ["brave_search"] });
    expect(reply.stopReason).toBe("eom");
    expect(reply.toolCalls).toHaveLength(1);
    expect(reply.toolCalls[0]).toMatchObject({ name: "brave_search", format: "builtin", arguments: { query: "Zürich weather ☀️ today" } });
    expect(reply.content).toBe("");
  });

  it("parses a JSON custom tool call with exactly the tools the prompt offered", async () => {
    const server = await serve({ output: JSON_CALL });
    const reply = await generateChat(kind.backend(server.url), messages, { tools: [weather] });
    expect(reply.stopReason).toBe("eot");
    expect(reply.toolCalls.map((c) => [c.name, c.arguments])).toEqual([["get_weather", { city: "São Paulo" }]]);
    // Not offered: the same output is text.
    const other = await generateChat(kind.backend(server.url), messages, { tools: [{ type: "function", function: { name: "other_tool" } }] });
    expect(other.toolCalls).toEqual([]);
    expect(other.content).toBe('{"name": "get_weather", "parameters": {"city": "São Paulo"}}');
  });

  it("keeps a <|eot_id|> the model spelled with ordinary tokens as text, not a stop", async () => {
    const server = await serve({ output: ["Type <|eot_id|> to stop.", "<|eot_id|>"] });
    const reply = await generateChat(kind.backend(server.url), messages);
    // not a stop; and the parser keeps special-token text out of the content (it would not render back)
    expect(reply).toMatchObject({ content: "Type  to stop.", stopReason: "eot" });
  });

  it("reports end_of_text for <|end_of_text|>", async () => {
    const server = await serve({ output: ["Done.", "<|end_of_text|>"] });
    expect((await generateChat(kind.backend(server.url), messages)).stopReason).toBe("end_of_text");
  });

  it('reports "length" when maxTokens runs out, and sends maxTokens', async () => {
    const server = await serve({ output: ["one two three four five six seven eight nine ten", "<|eot_id|>"] });
    let finish: ChatFinish | undefined;
    const reply = await generateChat(kind.backend(server.url), messages, { maxTokens: 4 });
    expect(reply.stopReason).toBe("length");
    expect(reply.content).toBe("one two three four");
    const { events } = await collect(streamChat(kind.backend(server.url), messages, { maxTokens: 4, onFinish: (f) => (finish = f) }));
    expect(endOf(events)).toEqual(reply);
    expect(finish?.finish).toMatchObject({ reason: "length", usage: { completionTokens: 4, promptTokens: server.promptIds[0]!.length } });
    expect(finish?.message).toEqual(reply);
  });

  it('reports "none" when a caller stop string ended the output', async () => {
    const server = await serve({ output: ["Alpha. STOP here", "<|eot_id|>"] });
    let finish: ChatFinish | undefined;
    const reply = await generateChat(kind.backend(server.url), messages, { stop: ["STOP"], onFinish: (f) => (finish = f) });
    expect(reply.stopReason).toBe("none");
    expect(finish?.finish.reason).toBe("stop_sequence");
  });

  it.each([
    ["byte-split body", { split: [1, 2, 3, 5, 7] }],
    ["CRLF line endings, byte-split", { eol: "\r\n" as const, split: [3, 1] }],
  ])("gives the same message for a %s", async (_label, wire) => {
    const server = await serve({ output: BUILTIN_CALL, ...wire });
    const reply = await generateChat(kind.backend(server.url), messages, { builtinTools: ["brave_search"], createId: () => "call_x" });
    const whole = await serve({ output: BUILTIN_CALL });
    const expected = await generateChat(kind.backend(whole.url), messages, { builtinTools: ["brave_search"], createId: () => "call_x" });
    expect(reply).toEqual(expected);
    expect(reply.toolCalls).toHaveLength(1);
  });

  it.each([
    ["ends cleanly before its final event", { endAfter: 6 }, "truncated"],
    ["is cut off (connection reset)", { cutAfter: 6 }, "network"],
  ])("reports a stream that %s as BackendStreamError %s, after yielding what arrived", async (_label, wire, reason) => {
    const server = await serve({ output: TEXT, ...wire });
    const { events, error } = await collect(streamChat(kind.backend(server.url), messages));
    expect(error).toBeInstanceOf(BackendStreamError);
    expect((error as BackendStreamError).reason).toBe(reason);
    expect((error as BackendStreamError).code).toBe("BACKEND_STREAM_ERROR");
    expect(events.some((e) => e.type === "text-delta")).toBe(true);
    expect(events.some((e) => e.type === "end")).toBe(false);
  });

  it("reports the server's error event as BackendStreamError error_event with its message", async () => {
    const server = await serve({ output: TEXT, errorAfter: { tokens: 3, message: "CUDA out of memory" } });
    const { error } = await collect(streamChat(kind.backend(server.url), messages));
    expect(error).toBeInstanceOf(BackendStreamError);
    expect(error).toMatchObject({ reason: "error_event", serverMessage: "CUDA out of memory", backend: kind.name });
    expect((error as Error).message).toContain("CUDA out of memory");
  });

  it.each([
    [422, { error: "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096", error_type: "validation" }, "Input validation error"],
    [400, { error: { code: 400, message: "the request exceeds the available context size", type: "exceed_context_size_error" } }, "exceeds the available context"],
    [503, { error: { code: 503, message: "Loading model", type: "unavailable_error" } }, "Loading model"],
    [500, { object: "error", message: "old vLLM error shape", type: "InternalServerError", param: null, code: 500 }, "old vLLM error shape"],
  ])("turns HTTP %i into BackendHttpError with the server's message", async (status, payload, text) => {
    const server = await serve({ output: TEXT, httpError: { status, body: JSON.stringify(payload) } });
    let error: unknown;
    try {
      await generateChat(kind.backend(server.url), messages);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BackendHttpError);
    const e = error as BackendHttpError;
    expect(e.status).toBe(status);
    expect(e.serverMessage).toContain(text);
    expect(e.body).toBe(JSON.stringify(payload));
    expect(e.path).toEqual([]);
  });

  it("keeps a non-JSON error body as the body", async () => {
    const server = await serve({ output: TEXT, httpError: { status: 502, body: "<html>Bad Gateway</html>", contentType: "text/html" } });
    const { error } = await collect(streamChat(kind.backend(server.url), messages));
    expect(error).toMatchObject({ status: 502, body: "<html>Bad Gateway</html>", serverMessage: undefined });
  });

  it("streams a long answer (2 000+ tokens) whole", async () => {
    const words = Array.from({ length: 1200 }, (_, i) => `word${i}`).join(" ");
    const server = await serve({ output: [words, "<|eot_id|>"] });
    const reply = await generateChat(kind.backend(server.url), messages, { maxTokens: 10_000 });
    expect(reply.content).toBe(words);
    expect(reply.stopReason).toBe("eot");
  });

  it("equals parseAssistantOutput of the whole output with the same tools, for a text-then-call answer", async () => {
    const output = ["Let me check.\n\n", "<|python_tag|>", 'wolfram_alpha.call(query="2+2")', "<|eom_id|>"];
    const server = await serve({ output });
    const options: ChatOptions = { builtinTools: ["wolfram_alpha"], createId: () => "id" };
    const reply = await generateChat(kind.backend(server.url), messages, options);
    expect(reply).toEqual(parseAssistantOutput(output.join(""), { builtinTools: ["wolfram_alpha"], createId: () => "id" }));
  });

  it("uses the endpoint " + kind.path + " for streams", async () => {
    const server = await serve({ output: TEXT });
    await collect(streamChat(kind.backend(server.url + "/"), messages));
    expect(server.requests[0]!.path).toBe(kind.path);
    expect(server.requests[0]!.headers["content-type"]).toBe("application/json");
  });
});
