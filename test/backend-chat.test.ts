/**
 * generateChat / streamChat on any backend: options (one options model, unknown keys rejected),
 * toolChoice and the tool-call schema (checked with a real JSON Schema validator), the stop reason
 * from the server's final information, custom backends, timeout and abort.
 */
import { Ajv } from "ajv";
import { afterEach, describe, expect, it } from "vitest";
import { InvalidArgumentError, InvalidMessageError, InvalidOptionsError } from "../src/base/errors.js";
import type { StreamEvent, TokenChunk } from "../src/parse/types.js";
import {
  BackendStreamError,
  BackendTimeoutError,
  generateChat,
  promptWithoutBos,
  streamChat,
  tgiBackend,
  toolCallSchema,
  type BackendEvent,
  type ChatFinish,
  type CompletionBackend,
  type CompletionFinish,
  type CompletionRequest,
} from "../src/backends/index.js";
import { renderPrompt } from "../src/prompt/render.js";
import { startTgi, type ModelServer } from "./helpers/llama-servers.js";
import { startReplayServer, type ReplayServer } from "./helpers/replay-server.js";
import { errorOf, thrown } from "./helpers/thrown.js";

const messages = [{ role: "user" as const, content: "Weather in Oslo?" }];
const weather = {
  type: "function" as const,
  function: {
    name: "get_weather",
    parameters: { type: "object", properties: { city: { type: "string" }, unit: { enum: ["c", "f"] } }, required: ["city"], additionalProperties: false },
  },
};
const time = { type: "function" as const, function: { name: "get_time", parameters: { type: "object", properties: { tz: { type: "string" } } } } };
const noParams = { name: "ping" }; // a definition without parameters: any object

/** An in-memory backend that replays token chunks and records what it was asked. */
function fake(tokens: Array<TokenChunk | string>, finish: Partial<CompletionFinish> = {}, extra: Partial<CompletionBackend> = {}) {
  const requests: CompletionRequest[] = [];
  const backend: CompletionBackend = {
    name: "fake",
    supportsResponseSchema: true,
    async *stream(request) {
      requests.push(request);
      for (const t of tokens) yield { type: "token", token: typeof t === "string" ? { text: t } : t };
      yield { type: "finish", finish: { reason: "stop_token", serverReason: "eos", usage: {}, ...finish } };
    },
    ...extra,
  };
  return { backend, requests };
}


let servers: Array<ModelServer | ReplayServer> = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe("options", () => {
  const { backend } = fake(["Hi", { text: "", id: 128009 }]);

  it.each([
    [{ temprature: 1 }, ["options", "temprature"], /unknown option/],
    [{ maxTokens: 0 }, ["options", "maxTokens"], /positive integer/],
    [{ temperature: -1 }, ["options", "temperature"], />= 0/],
    [{ topP: 0 }, ["options", "topP"], /\(0, 1\]/],
    [{ topK: 1.5 }, ["options", "topK"], /positive integer/],
    [{ seed: -1 }, ["options", "seed"], /non-negative integer/],
    [{ stop: ["a", ""] }, ["options", "stop", 1], /non-empty string/],
    [{ stop: "a" }, ["options", "stop"], /array of strings/],
    [{ signal: {} }, ["options", "signal"], /AbortSignal/],
    [{ timeout: 0 }, ["options", "timeout"], /milliseconds/],
    [{ timeout: true }, ["options", "timeout"], /milliseconds/],
    [{ extraParameters: [] }, ["options", "extraParameters"], /object/],
    [{ extraParameters: { f: () => 1 } }, ["options", "extraParameters", "f"], /JSON value/],
    [{ onFinish: 3 }, ["options", "onFinish"], /function/],
    [{ toolChoice: "any" }, ["options", "toolChoice"], /"auto", "none", "required"/],
    [{ maxToolCallChars: 0 }, ["options", "maxToolCallChars"], /positive integer/],
    [{ dialect: "x" }, ["options", "dialect"], /"hf", "meta"/],
  ])("rejects %j with InvalidOptionsError at its path", async (options, path, message) => {
    for (const call of [generateChat(backend, messages, options as never), streamChat(backend, messages, options as never)]) {
      const e = await errorOf(call);
      expect(e).toBeInstanceOf(InvalidOptionsError);
      expect((e as InvalidOptionsError).path).toEqual(path);
      expect((e as Error).message).toMatch(message);
    }
  });

  it("rejects a backend that is not one, and bad messages, before sending anything", async () => {
    expect(await errorOf(generateChat({} as never, messages))).toMatchObject({ code: "INVALID_ARGUMENT", path: ["backend"] });
    expect(await errorOf(generateChat(null as never, messages))).toBeInstanceOf(InvalidArgumentError);
    const { backend: b, requests } = fake(["x"]);
    expect(await errorOf(generateChat(b, [{ role: "robot" } as never]))).toBeInstanceOf(InvalidMessageError);
    expect(requests).toHaveLength(0);
  });

  it("passes render options to the renderer and generation options to the backend", async () => {
    const { backend: b, requests } = fake(["Hi", { text: "", id: 128009 }]);
    await generateChat(b, messages, { dateString: "01 Jan 2025", builtinTools: ["wolfram_alpha"], maxTokens: 5, temperature: 0.5, stop: ["x"], extraParameters: { foo: 1 } });
    const r = requests[0]!;
    expect(r.prompt).toBe(renderPrompt(messages, { dateString: "01 Jan 2025", builtinTools: ["wolfram_alpha"] }));
    expect(r).toMatchObject({ maxTokens: 5, temperature: 0.5, stop: ["x"], extraParameters: { foo: 1 } });
    expect(r.responseSchema).toBeUndefined();
    expect(r.signal).toBeInstanceOf(AbortSignal);
    expect(promptWithoutBos(r)).toBe(r.prompt.slice("<|begin_of_text|>".length));
  });

  it("defaults: maxTokens 1024, no stop strings, no extra parameters", async () => {
    const { backend: b, requests } = fake(["Hi"]);
    await generateChat(b, messages);
    expect(requests[0]).toMatchObject({ maxTokens: 1024, stop: [], extraParameters: {} });
  });
});

describe("stop reason and final information", () => {
  it.each([
    [[{ text: "", id: 128008 }], {}, "eom"], // the stop token in the stream wins
    [[], { reason: "stop_token" as const, stopTokenId: 128008 }, "eom"], // no token: the server's id
    [[], { reason: "stop_token" as const, stopTokenId: 128001 }, "end_of_text"],
    [[], { reason: "stop_token" as const }, "eot"], // id unknown: the tokenizer's EOS
    [[], { reason: "length" as const }, "length"],
    [[], { reason: "stop_sequence" as const }, "none"],
    [[], { reason: "other" as const }, "none"],
  ])("tokens %j + finish %j → %s", async (tail, finish, expected) => {
    const { backend } = fake(["Answer.", ...tail], finish);
    expect((await generateChat(backend, messages)).stopReason).toBe(expected);
  });

  it("calls onFinish once, before the end event, with the message and the server's information", async () => {
    const { backend } = fake(["Answer.", { text: "<|eot_id|>", id: 128009, special: true }, "ignored after the stop"], { usage: { promptTokens: 10, completionTokens: 2 } });
    const seen: Array<ChatFinish | StreamEvent> = [];
    for await (const ev of streamChat(backend, messages, { onFinish: (f) => seen.push(f) })) seen.push(ev);
    const finishes = seen.filter((x) => !("type" in x)) as ChatFinish[];
    expect(finishes).toHaveLength(1);
    expect(seen.at(-2)).toBe(finishes[0]);
    expect(finishes[0]!.finish.usage).toEqual({ promptTokens: 10, completionTokens: 2 });
    expect(finishes[0]!.message).toEqual(seen.at(-1) && (seen.at(-1) as { message: unknown }).message);
    expect(finishes[0]!.message.content).toBe("Answer.");
  });

  it("a custom backend may send text only: special-token text is scanned", async () => {
    const { backend } = fake(["<|python_tag|>", 'brave_search.call(query="x")', "<|eom_id|>"]);
    const reply = await generateChat(backend, messages, { builtinTools: ["brave_search"] });
    expect(reply).toMatchObject({ stopReason: "eom", toolCalls: [{ name: "brave_search", arguments: { query: "x" } }] });
  });

  it("a backend stream without its finish event is truncated; a malformed event is invalid", async () => {
    const noFinish: CompletionBackend = {
      name: "nofinish",
      async *stream() {
        yield { type: "token", token: { text: "x" } } as BackendEvent;
      },
    };
    expect(await errorOf(generateChat(noFinish, messages))).toMatchObject({ code: "BACKEND_STREAM_ERROR", reason: "truncated", backend: "nofinish" });
    const junk: CompletionBackend = {
      name: "junk",
      async *stream() {
        yield { type: "tokens" } as never;
      },
    };
    expect(await errorOf(generateChat(junk, messages))).toMatchObject({ reason: "invalid_event" });
  });

  it("generateChat uses a backend's generate() when it has one", async () => {
    const { backend, requests } = fake(["streamed"], {}, {
      async generate(request) {
        requests.push(request);
        return { tokens: [{ text: "generated" }, { text: "", id: 128009 }], finish: { reason: "stop_token", serverReason: "eos_token", usage: {} } };
      },
    });
    expect((await generateChat(backend, messages)).content).toBe("generated");
    const evs: StreamEvent[] = [];
    for await (const ev of streamChat(backend, messages)) evs.push(ev);
    expect(evs.at(-1)).toMatchObject({ type: "end", message: { content: "streamed" } });
  });
});

describe("toolChoice", () => {
  const ajv = new Ajv({ strict: false });

  it('"none" renders no tools and parses none', async () => {
    const { backend, requests } = fake(['{"name": "get_weather", "parameters": {"city": "Oslo"}}', { text: "", id: 128009 }]);
    const reply = await generateChat(backend, messages, { tools: [weather], builtinTools: ["brave_search"], toolChoice: "none" });
    expect(requests[0]!.prompt).toBe(renderPrompt(messages));
    expect(reply.toolCalls).toEqual([]);
    expect(reply.content).toBe('{"name": "get_weather", "parameters": {"city": "Oslo"}}');
  });

  it("without tools in the prompt, a JSON call is text (the prompt offered none)", async () => {
    const { backend } = fake(['{"name": "get_weather", "parameters": {"city": "Oslo"}}', { text: "", id: 128009 }]);
    expect((await generateChat(backend, messages)).toolCalls).toEqual([]);
  });

  it('"auto" (the default) sends no schema', async () => {
    const { backend, requests } = fake(["x"]);
    await generateChat(backend, messages, { tools: [weather], toolChoice: "auto" });
    expect(requests[0]!.responseSchema).toBeUndefined();
  });

  it('"required" sends a schema that accepts exactly the calls of the offered tools', async () => {
    const { backend, requests } = fake(['{"name": "get_time", "parameters": {}}', { text: "", id: 128009 }]);
    const reply = await generateChat(backend, messages, { tools: [weather, time, noParams], toolChoice: "required" });
    expect(reply.toolCalls.map((c) => c.name)).toEqual(["get_time"]);
    const schema = requests[0]!.responseSchema!;
    expect(schema).toEqual(toolCallSchema([weather, time, noParams]));
    const valid = ajv.compile(schema);
    for (const ok of [
      { name: "get_weather", parameters: { city: "Oslo" } },
      { name: "get_weather", parameters: { city: "Oslo", unit: "c" } },
      { name: "get_time", parameters: {} },
      { name: "ping", parameters: { anything: [1, 2] } },
    ]) {
      expect(valid(ok), JSON.stringify(ok)).toBe(true);
    }
    for (const bad of [
      { name: "get_weather", parameters: {} }, // city is required
      { name: "get_weather", parameters: { city: "Oslo", unit: "k" } }, // not in the enum
      { name: "get_weather", parameters: { city: 3 } },
      { name: "nope", parameters: {} },
      { name: "get_time" }, // parameters required
      { name: "get_time", parameters: {}, extra: 1 },
      { function: "get_time" },
      "get_time",
    ]) {
      expect(valid(bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it("{ name } sends the schema of that tool only", async () => {
    const { backend, requests } = fake(['{"name": "get_weather", "parameters": {"city": "Oslo"}}', { text: "", id: 128009 }]);
    await generateChat(backend, messages, { tools: [weather, time], toolChoice: { name: "get_weather" } });
    const valid = ajv.compile(requests[0]!.responseSchema!);
    expect(valid({ name: "get_weather", parameters: { city: "Oslo" } })).toBe(true);
    expect(valid({ name: "get_time", parameters: {} })).toBe(false);
    expect(requests[0]!.responseSchema).toEqual(toolCallSchema([weather], "get_weather"));
  });

  it.each([
    [{ toolChoice: "required" }, ["options", "toolChoice"], /at least one tool/],
    [{ tools: [weather], builtinTools: ["brave_search"], toolChoice: "required" }, ["options", "toolChoice"], /built-in tools offered \(brave_search\)/],
    [{ tools: [weather], toolChoice: { name: "get_time" } }, ["options", "toolChoice", "name"], /names no tool of options\.tools \(get_weather\)/],
    [{ tools: [weather], builtinTools: ["brave_search"], toolChoice: { name: "brave_search" } }, ["options", "toolChoice", "name"], /built-in tool cannot be forced/],
    [{ dialect: "meta", toolPromptFormat: "function_tag", tools: [time], toolChoice: "required" }, ["options", "toolChoice"], /JSON call format/],
    [{ dialect: "meta", llamaVersion: "3.2", tools: [time], toolChoice: "required" }, ["options", "toolChoice"], /asks for "python_list"/],
    [{ llamaVersion: "3.2", builtinTools: ["brave_search"], tools: [time] }, ["options", "builtinTools"], /Llama 3\.2's chat template has no built-in tools/],
  ])("refuses %j", async (options, path, message) => {
    const { backend, requests } = fake(["x"]);
    const e = await errorOf(generateChat(backend, messages, options as never));
    expect(e).toBeInstanceOf(InvalidOptionsError);
    expect((e as InvalidOptionsError).path).toEqual(path);
    expect((e as Error).message).toMatch(message);
    expect(requests).toHaveLength(0);
  });

  it("refuses a constraint the backend cannot honour, instead of dropping it", async () => {
    const { backend } = fake(["x"], {}, { supportsResponseSchema: false });
    const e = await errorOf(generateChat(backend, messages, { tools: [weather], toolChoice: "required" }));
    expect(e).toMatchObject({ code: "INVALID_OPTIONS", path: ["options", "toolChoice"] });
    expect((e as Error).message).toMatch(/fake backend cannot constrain/);
  });

  it("reports a server that ignored the constraint (the reply is not the call asked for)", async () => {
    const { backend } = fake(["Sure! It is sunny.", { text: "", id: 128009 }]);
    const e = await errorOf(generateChat(backend, messages, { tools: [weather], toolChoice: "required" }));
    expect(e).toBeInstanceOf(BackendStreamError);
    expect(e).toMatchObject({ reason: "constraint_not_honoured" });
    const wrong = fake(['{"name": "get_time", "parameters": {}}', { text: "", id: 128009 }]);
    expect(await errorOf(generateChat(wrong.backend, messages, { tools: [weather, time], toolChoice: { name: "get_weather" } }))).toMatchObject({
      reason: "constraint_not_honoured",
    });
  });

  it("accepts a constrained call cut by the token budget: stop reason length", async () => {
    const { backend } = fake(['{"name": "get_weather", "parame'], { reason: "length" });
    const reply = await generateChat(backend, messages, { tools: [weather], toolChoice: "required" });
    expect(reply.stopReason).toBe("length");
  });
});

describe("timeout and abort", () => {
  async function hanging(): Promise<ReplayServer> {
    const s = await startReplayServer(() => ({
      chunks: [`data:${JSON.stringify({ index: 1, token: { id: 13347, text: "Hi", logprob: 0, special: false }, generated_text: null, details: null })}\n\n`],
      finish: "hang",
    }));
    servers.push(s);
    return s;
  }

  it("throws BackendTimeoutError when the server stops answering (after yielding what arrived)", async () => {
    const server = await hanging();
    const seen: StreamEvent[] = [];
    let error: unknown;
    try {
      for await (const ev of streamChat(tgiBackend({ baseURL: server.url }), messages, { timeout: 300 })) seen.push(ev);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BackendTimeoutError);
    expect(error).toMatchObject({ code: "BACKEND_TIMEOUT", timeout: 300, backend: "tgi", path: [] });
    expect(seen).toEqual([{ type: "text-delta", text: "Hi" }]);
  });

  it("rethrows the caller's abort reason as is, and an already-aborted signal sends nothing", async () => {
    const server = await hanging();
    const controller = new AbortController();
    const reason = new Error("user cancelled");
    let error: unknown;
    try {
      for await (const ev of streamChat(tgiBackend({ baseURL: server.url }), messages, { signal: controller.signal })) {
        if (ev.type === "text-delta") controller.abort(reason);
      }
    } catch (e) {
      error = e;
    }
    expect(error).toBe(reason);
    const before = server.requests.length;
    const aborted = AbortSignal.abort(reason);
    expect(await errorOf(generateChat(tgiBackend({ baseURL: server.url }), messages, { signal: aborted }))).toBe(reason);
    expect(server.requests.length).toBe(before);
  });

  it("an unreachable server is BackendHttpError status 0", async () => {
    const s = await startReplayServer(() => ({ chunks: [] }));
    const url = s.url;
    await s.close();
    const e = await errorOf(generateChat(tgiBackend({ baseURL: url }), messages));
    expect(e).toMatchObject({ code: "BACKEND_HTTP_ERROR", status: 0, backend: "tgi" });
  });

  it("stopping early (break) cancels the request", async () => {
    const server = await startTgi({ output: ["one two three four five six seven", "<|eot_id|>"] });
    servers.push(server);
    for await (const ev of streamChat(tgiBackend({ baseURL: server.url }), messages)) {
      if (ev.type === "text-delta") break;
    }
    // the call returned: nothing is left running (the test would hang on the server otherwise)
    expect(server.requests).toHaveLength(1);
  });
});

describe("backend configs", () => {
  it.each([
    [{}, ["config", "baseURL"]],
    [{ baseURL: "ftp://x" }, ["config", "baseURL"]],
    [{ baseURL: "http://x/?q=1" }, ["config", "baseURL"]],
    [{ baseURL: "http://x", fetch: 3 }, ["config", "fetch"]],
    [{ baseURL: "http://x", headers: 3 }, ["config", "headers"]],
    [{ baseURL: "http://x", maxEventSize: 0 }, ["config", "maxEventSize"]],
    [{ baseURL: "http://x", maxResponseBytes: 1.5 }, ["config", "maxResponseBytes"]],
    [{ baseURL: "http://x", model: "m" }, ["config", "model"]],
    ["http://x", ["config"]],
  ])("tgiBackend(%j) throws InvalidArgumentError at %j", (config, path) => {
    const e = thrown(() => tgiBackend(config as never));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as InvalidArgumentError).path).toEqual(path);
  });
});
