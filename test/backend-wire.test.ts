/**
 * What each backend puts on the wire, and each server's quirks, against replay servers that follow
 * the servers' source (TGI router/src/lib.rs + server.rs; vLLM completion/protocol.py + serving.py
 * + v1/engine/detokenizer.py; llama.cpp tools/server utils.hpp + server.cpp + server-task.cpp; the
 * details are in test/helpers/llama-servers.ts).
 */
import { afterEach, describe, expect, it } from "vitest";
import { InvalidOptionsError } from "../src/base/errors.js";
import { renderPrompt, renderSegments } from "../src/prompt/render.js";
import type { StreamEvent } from "../src/parse/types.js";
import { BackendStreamError, generateChat, llamaCppBackend, streamChat, tgiBackend, vllmBackend, toolCallSchema } from "../src/backends/index.js";
import { countBos, startLlamaCpp, startTgi, startVllm, type ModelServer, type Script } from "./helpers/llama-servers.js";
import { errorOf } from "./helpers/thrown.js";

const messages = [{ role: "user" as const, content: "What's the weather in Zürich today?" }];
const weather = {
  type: "function" as const,
  function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
};
const BUILTIN_CALL = ["<|python_tag|>", 'brave_search.call(query="Zürich weather ☀️ today")', "<|eom_id|>"];
const JSON_CALL = ['{"name": "get_weather", "parameters": {"city": "São Paulo"}}', "<|eot_id|>"];

let servers: ModelServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
async function serve(start: (s: Script) => Promise<ModelServer>, script: Script) {
  const s = await start(script);
  servers.push(s);
  return s;
}
async function events(it: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const ev of it) out.push(ev);
  return out;
}

describe("tgiBackend", () => {
  it("sends inputs without the leading BOS (TGI adds it) and Llama 3.1 parameters", async () => {
    const server = await serve(startTgi, { output: ["Hi", "<|eot_id|>"] });
    await events(streamChat(tgiBackend({ baseURL: server.url, headers: { authorization: "Bearer hf_x" } }), messages, { maxTokens: 77, temperature: 0.2, topP: 0.9, topK: 40, seed: 7, stop: ["END"] }));
    const req = server.requests[0]!;
    expect(req.path).toBe("/generate_stream");
    expect(req.headers.authorization).toBe("Bearer hf_x");
    expect(req.headers.accept).toBe("text/event-stream");
    expect(req.json).toEqual({
      inputs: renderPrompt(messages).slice("<|begin_of_text|>".length),
      parameters: {
        max_new_tokens: 77,
        stop: ["<|eom_id|>", "END"],
        details: true,
        decoder_input_details: false,
        return_full_text: false,
        temperature: 0.2,
        top_p: 0.9,
        top_k: 40,
        seed: 7,
      },
    });
  });

  it("maps temperature 0 to greedy (TGI refuses 0) and leaves out top_p 1 (TGI wants < 1); passes extraParameters through", async () => {
    const server = await serve(startTgi, { output: ["Hi", "<|eot_id|>"] });
    await generateChat(tgiBackend({ baseURL: server.url }), messages, { temperature: 0, topP: 1, extraParameters: { repetition_penalty: 1.1, adapter_id: "a" } });
    const p = server.requests[0]!.json.parameters;
    expect(p.do_sample).toBe(false);
    expect(p).not.toHaveProperty("temperature");
    expect(p).not.toHaveProperty("top_p");
    expect(p).toMatchObject({ repetition_penalty: 1.1, adapter_id: "a" });
    expect(server.requests[0]!.path).toBe("/generate");
  });

  it("refuses extraParameters it sets itself, naming the option to use", async () => {
    const server = await serve(startTgi, { output: ["Hi", "<|eot_id|>"] });
    const e = await errorOf(generateChat(tgiBackend({ baseURL: server.url }), messages, { extraParameters: { max_new_tokens: 5 } }));
    expect(e).toBeInstanceOf(InvalidOptionsError);
    expect(e).toMatchObject({ path: ["options", "extraParameters", "max_new_tokens"] });
    expect((e as Error).message).toContain("options.maxTokens");
    expect(server.requests).toHaveLength(0);
  });

  it("refuses addBos: false (TGI always adds BOS) before sending anything", async () => {
    const server = await serve(startTgi, { output: ["Hi", "<|eot_id|>"] });
    const e = await errorOf(generateChat(tgiBackend({ baseURL: server.url }), messages, { addBos: false }));
    expect(e).toBeInstanceOf(InvalidOptionsError);
    expect((e as InvalidOptionsError).path).toEqual(["options", "addBos"]);
    expect(server.requests).toHaveLength(0);
  });

  it("tells eom from the token id when an older TGI reports the <|eom_id|> stop as stop_sequence", async () => {
    const server = await serve(startTgi, { output: BUILTIN_CALL, eomAs: "stop_sequence" });
    const reply = await generateChat(tgiBackend({ baseURL: server.url }), messages, { builtinTools: ["brave_search"] });
    expect(reply.stopReason).toBe("eom");
    expect(reply.toolCalls[0]?.name).toBe("brave_search");
  });

  it("sends the tool-call schema as parameters.grammar for toolChoice required", async () => {
    const server = await serve(startTgi, { output: JSON_CALL });
    const reply = await generateChat(tgiBackend({ baseURL: server.url }), messages, { tools: [weather], toolChoice: "required" });
    expect(server.requests[0]!.json.parameters.grammar).toEqual({ type: "json", value: toolCallSchema([weather]) });
    expect(reply.toolCalls[0]?.arguments).toEqual({ city: "São Paulo" });
  });
});

describe("vllmBackend", () => {
  const backend = (url: string) => vllmBackend({ baseURL: url, model: "llama" });

  it("sends the rendered prompt with add_special_tokens false, special tokens kept, token ids asked for", async () => {
    const server = await serve(startVllm, { output: ["Hi", "<|eot_id|>"] });
    await events(streamChat(backend(server.url), messages, { maxTokens: 50, temperature: 0, topP: 0.5, topK: 3, seed: 1, stop: ["END"] }));
    expect(server.requests[0]!.path).toBe("/v1/completions");
    expect(server.requests[0]!.json).toEqual({
      model: "llama",
      prompt: renderPrompt(messages),
      max_tokens: 50,
      stream: true,
      stream_options: { include_usage: true },
      add_special_tokens: false,
      skip_special_tokens: false,
      spaces_between_special_tokens: false,
      stop_token_ids: [128001, 128008, 128009],
      return_token_ids: true,
      stop: ["END"],
      temperature: 0,
      top_p: 0.5,
      top_k: 3,
      seed: 1,
    });
  });

  it("with addBos: false the model sees no BOS at all", async () => {
    const server = await serve(startVllm, { output: ["Hi", "<|eot_id|>"] });
    await generateChat(backend(server.url), messages, { addBos: false });
    expect(countBos(server.promptIds[0]!)).toBe(0);
    expect(server.requests[0]!.json.prompt).toBe(renderPrompt(messages, { addBos: false }));
  });

  it.each([2, 3, 7])("gives the same messages when the server sends %i tokens per chunk (stream_interval)", async (perChunk) => {
    for (const output of [BUILTIN_CALL, ["Type <|eot_id|> or <|python_tag|> to stop.", "<|eot_id|>"], ["Let me look.", "<|python_tag|>", 'brave_search.call(query="x")', "<|eom_id|>"]]) {
      const one = await serve(startVllm, { output });
      const many = await serve(startVllm, { output, perChunk });
      const opts = { builtinTools: ["brave_search" as const], createId: () => "id" };
      expect(await generateChat(backend(many.url), messages, opts)).toEqual(await generateChat(backend(one.url), messages, opts));
    }
  });

  it("keeps special-token text spelled with ordinary tokens as text, even in the chunk of the stop token", async () => {
    const server = await serve(startVllm, { output: ["Type <|eot_id|>", "<|eot_id|>"], perChunk: 50 });
    const reply = await generateChat(backend(server.url), messages);
    // not a stop; and the parser keeps special-token text out of the content (it would not render back)
    expect(reply).toMatchObject({ content: "Type", stopReason: "eot" });
  });

  it("works with a server too old for return_token_ids: special-token text and stop_reason", async () => {
    const eom = await serve(startVllm, { output: BUILTIN_CALL, noTokenIds: true });
    const a = await generateChat(backend(eom.url), messages, { builtinTools: ["brave_search"] });
    expect(a.stopReason).toBe("eom"); // stop_reason 128008
    expect(a.toolCalls[0]?.name).toBe("brave_search"); // <|python_tag|> as text (skip_special_tokens: false)
    const eot = await serve(startVllm, { output: ["Hello.", "<|eot_id|>"], noTokenIds: true });
    expect((await generateChat(backend(eot.url), messages)).stopReason).toBe("eot"); // stop_reason null: the tokenizer's EOS
  });

  it("sends response_format json_schema for a named tool", async () => {
    const server = await serve(startVllm, { output: JSON_CALL });
    await generateChat(backend(server.url), messages, { tools: [weather], toolChoice: { name: "get_weather" } });
    expect(server.requests[0]!.json.response_format).toEqual({ type: "json_schema", json_schema: { name: "tool_call", schema: toolCallSchema([weather], "get_weather") } });
  });

  it("needs the model name", () => {
    expect(() => vllmBackend({ baseURL: "http://127.0.0.1:1" } as never)).toThrow(/config\.model: expected the served model name/);
  });
});

describe("llamaCppBackend", () => {
  const backend = (url: string) => llamaCppBackend({ baseURL: url });

  it("sends the prompt as token ids for special tokens and strings for text, starting with the BOS id", async () => {
    const server = await serve(startLlamaCpp, { output: ["Hi", "<|eot_id|>"] });
    await events(streamChat(backend(server.url), messages, { maxTokens: 9, temperature: 0.3, stop: ["END"] }));
    const segments = renderSegments(messages);
    expect(server.requests[0]!.json).toEqual({
      prompt: segments.map((s) => (s.type === "special" ? s.id : s.text)),
      n_predict: 9,
      stream: true,
      return_tokens: true,
      stop: ["END"],
      temperature: 0.3,
    });
    expect(server.requests[0]!.json.prompt[0]).toBe(128000);
  });

  it("with addBos: false the first element is still an id, so the server adds no BOS", async () => {
    const server = await serve(startLlamaCpp, { output: ["Hi", "<|eot_id|>"] });
    await generateChat(backend(server.url), messages, { addBos: false });
    expect(server.requests[0]!.json.prompt[0]).toBe(128006);
    expect(countBos(server.promptIds[0]!)).toBe(0);
  });

  it("gives the same message when the server runs with --special (names printed)", async () => {
    const plain = await serve(startLlamaCpp, { output: BUILTIN_CALL });
    const special = await serve(startLlamaCpp, { output: BUILTIN_CALL, printSpecial: true });
    const opts = { builtinTools: ["brave_search" as const], createId: () => "id" };
    const a = await generateChat(backend(plain.url), messages, opts);
    expect(await generateChat(backend(special.url), messages, opts)).toEqual(a);
    expect(a.stopReason).toBe("eom");
  });

  it("a server without per-token ids (before Dec 2024): text only, and an EOS stop is reported as eot", async () => {
    const server = await serve(startLlamaCpp, { output: ["Plain answer.", "<|eot_id|>"], noTokens: true });
    expect(await generateChat(backend(server.url), messages)).toMatchObject({ content: "Plain answer.", stopReason: "eot" });
  });

  it("reports a stream error sent as a non-standard `error:` line", async () => {
    const server = await serve(startLlamaCpp, { output: ["Hello there friend", "<|eot_id|>"], errorLine: true, errorAfter: { tokens: 2, message: "failed to decode" } });
    const e = await errorOf(streamChat(backend(server.url), messages));
    expect(e).toBeInstanceOf(BackendStreamError);
    expect(e).toMatchObject({ reason: "error_event", serverMessage: "failed to decode" });
  });

  it("sends json_schema for toolChoice required, and refuses a grammar beside it", async () => {
    const server = await serve(startLlamaCpp, { output: JSON_CALL });
    await generateChat(backend(server.url), messages, { tools: [weather], toolChoice: "required" });
    expect(server.requests[0]!.json.json_schema).toEqual(toolCallSchema([weather]));
    const e = await errorOf(generateChat(backend(server.url), messages, { tools: [weather], toolChoice: "required", extraParameters: { grammar: "root ::= x" } }));
    expect(e).toMatchObject({ code: "INVALID_OPTIONS", path: ["options", "extraParameters", "grammar"] });
    // Without a constraint a grammar of the caller's own passes through.
    await generateChat(backend(server.url), messages, { extraParameters: { grammar: 'root ::= "x"', n_keep: 4 } });
    expect(server.requests.at(-1)!.json).toMatchObject({ grammar: 'root ::= "x"', n_keep: 4 });
  });
});
