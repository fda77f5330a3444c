import { afterEach, describe, expect, it } from "vitest";
import { InvalidArgumentError, InvalidOptionsError } from "../src/base/errors.js";
import { parseAssistantOutput } from "../src/parse/index.js";
import type { StreamEvent, TokenChunk } from "../src/parse/types.js";
import { renderPrompt } from "../src/prompt/render.js";
import {
  buildGenerateRequest,
  generateTgi,
  streamTgi,
  TGI_DEFAULT_PARAMETERS,
  TgiHttpError,
  TgiStreamError,
  tgiStreamResponses,
  tgiTokenChunks,
} from "../src/backends/tgi.js";
import { loadFixture, sseBody, splitBytes, startTgiServer, type ScriptedReply, type TgiTestServer, type TokenFixture } from "./helpers/tgi-server.js";

const messages = [
  { role: "system" as const, content: "You are a helpful assistant." },
  { role: "user" as const, content: "What's the weather in Zürich today?" },
];
const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather",
    parameters: { type: "object", properties: { city: { type: "string" }, unit: { type: "string" } }, required: ["city"] },
  },
};

let servers: TgiTestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
async function serve(reply: (req: import("./helpers/tgi-server.js").RecordedRequest) => ScriptedReply) {
  const s = await startTgiServer(reply);
  servers.push(s);
  return s;
}

async function collect(it: AsyncIterable<StreamEvent>): Promise<{ events: StreamEvent[]; error?: unknown }> {
  const events: StreamEvent[] = [];
  try {
    for await (const ev of it) events.push(ev);
  } catch (error) {
    return { events, error };
  }
  return { events };
}

/** The completion as the model wrote it, special tokens included. */
const rawText = (fx: TokenFixture) => fx.tokens.map((t) => t.text).join("");

describe("buildGenerateRequest", () => {
  it("renders the prompt and applies Llama 3.1 defaults", () => {
    const body = buildGenerateRequest(messages, { builtinTools: ["brave_search"] });
    expect(body.inputs).toBe(renderPrompt(messages, { builtinTools: ["brave_search"] }));
    expect(body.parameters).toEqual({
      max_new_tokens: 1024,
      stop: ["<|eom_id|>", "<|eot_id|>"],
      details: true,
      decoder_input_details: false,
      return_full_text: false,
    });
    expect(Object.keys(body).sort()).toEqual(["inputs", "parameters"]);
  });

  it("lets every parameter be overridden, keeps defaults for undefined, passes unknown ones through", () => {
    const body = buildGenerateRequest(messages, {
      parameters: { max_new_tokens: 64, stop: ["<|eot_id|>"], details: false, temperature: 0.2, seed: 0, top_n_tokens: undefined, adapter_id: null, some_new_param: { x: 1 } },
    });
    expect(body.parameters).toEqual({
      max_new_tokens: 64,
      stop: ["<|eot_id|>"],
      details: false,
      decoder_input_details: false,
      return_full_text: false,
      temperature: 0.2,
      seed: 0,
      adapter_id: null,
      some_new_param: { x: 1 },
    });
    // the defaults object is not shared or mutated
    body.parameters.stop!.push("x");
    expect(TGI_DEFAULT_PARAMETERS.stop).toEqual(["<|eom_id|>", "<|eot_id|>"]);
  });

  it.each([
    [{ max_new_tokens: 0 }, "options.parameters.max_new_tokens: expected a positive integer, got 0"],
    [{ max_new_tokens: 1.5 }, "options.parameters.max_new_tokens: expected a positive integer, got 1.5"],
    [{ stop: "<|eot_id|>" }, "options.parameters.stop: expected an array of strings"],
    [{ stop: ["a", 3] }, "options.parameters.stop[1]: expected a non-empty string, got 3"],
    [{ details: "yes" }, 'options.parameters.details: expected a boolean, got "yes"'],
    [{ details: null }, "options.parameters.details: must not be null"],
    [{ temperature: Number.NaN }, "options.parameters.temperature: expected a finite number"],
    [{ grammar: "json" }, "options.parameters.grammar: expected { type"],
    [{ other: () => 1 }, "options.parameters.other: expected a JSON value"],
  ])("rejects bad parameter %j", (parameters, message) => {
    let err: unknown;
    try {
      buildGenerateRequest(messages, { parameters: parameters as never });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidOptionsError);
    expect((err as Error).message).toContain(message);
  });

  it("rejects a non-object parameters and unknown render options", () => {
    expect(() => buildGenerateRequest(messages, { parameters: [] as never })).toThrow(/options\.parameters: expected an object/);
    expect(() => buildGenerateRequest(messages, { temprature: 1 } as never)).toThrow(InvalidOptionsError);
  });
});

describe("streamTgi against a TGI-like server", () => {
  const fx = loadFixture("builtin-call");

  it("sends the rendered prompt with stop/details, and yields a built-in tool call recovered from token ids", async () => {
    const server = await serve(() => ({ chunks: [sseBody(fx)] }));
    const { events, error } = await collect(
      streamTgi(server.url, messages, { builtinTools: ["brave_search"], headers: { authorization: "Bearer hf_test" }, parameters: { temperature: 0.1 } }),
    );
    expect(error).toBeUndefined();

    const [req] = server.requests;
    expect(req!.method).toBe("POST");
    expect(req!.path).toBe("/generate_stream");
    expect(req!.headers["content-type"]).toBe("application/json");
    expect(req!.headers.accept).toBe("text/event-stream");
    expect(req!.headers.authorization).toBe("Bearer hf_test");
    expect(req!.json.inputs).toBe(renderPrompt(messages, { builtinTools: ["brave_search"] }));
    expect(req!.json.inputs).toContain("Tools: brave_search");
    expect(req!.json.parameters.stop).toEqual(["<|eom_id|>", "<|eot_id|>"]);
    expect(req!.json.parameters.details).toBe(true);
    expect(req!.json.parameters.temperature).toBe(0.1);
    expect(req!.json.parameters.return_full_text).toBe(false);

    const end = events.at(-1);
    expect(end?.type).toBe("end");
    const message = (end as Extract<StreamEvent, { type: "end" }>).message;
    expect(message.stopReason).toBe("eom");
    expect(message.content).toBe("");
    expect(message.toolCalls).toHaveLength(1);
    expect(message.toolCalls[0]).toMatchObject({
      name: "brave_search",
      format: "builtin",
      arguments: { query: "Zürich weather ☀️ today" },
      raw: 'brave_search.call(query="Zürich weather ☀️ today")',
    });
    expect(events.map((e) => e.type)).toContain("tool-call-start");
    expect(events.filter((e) => e.type === "tool-call-end")).toHaveLength(1);
    // the spec's invariant: equal to parsing the whole completion
    const whole = parseAssistantOutput(rawText(fx), { builtinTools: ["brave_search"] });
    expect({ ...message, toolCalls: message.toolCalls.map(({ id: _id, ...t }) => t) }).toEqual({
      ...whole,
      toolCalls: whole.toolCalls.map(({ id: _id, ...t }) => t),
    });
  });

  it("recovers special tokens from ids when TGI sends them with empty text", async () => {
    const server = await serve(() => ({ chunks: [sseBody(fx, { specialText: "empty" })] }));
    const { events, error } = await collect(streamTgi(server.url, messages, { builtinTools: ["brave_search"] }));
    expect(error).toBeUndefined();
    const message = (events.at(-1) as Extract<StreamEvent, { type: "end" }>).message;
    expect(message.stopReason).toBe("eom");
    expect(message.toolCalls.map((t) => [t.name, t.arguments])).toEqual([["brave_search", { query: "Zürich weather ☀️ today" }]]);
  });

  it.each([
    ["1-to-3-byte pieces, LF", [1, 2, 3], "\n" as const],
    ["odd pieces, CRLF", [3, 7, 2, 11, 5], "\r\n" as const],
    ["odd pieces, CR", [13, 1, 4], "\r" as const],
  ])("gives the same tokens for a body split in %s (mid-line, mid-UTF-8)", async (_name, sizes, eol) => {
    const body = sseBody(fx, { eol, keepAlive: true });
    const server = await serve(() => ({ chunks: splitBytes(body, sizes) }));
    const res = await fetch(`${server.url}/generate_stream`, { method: "POST", body: "{}" });
    const chunks: TokenChunk[] = [];
    for await (const c of tgiTokenChunks(res)) chunks.push(c);
    expect(chunks).toEqual(fx.tokens.map((t) => ({ text: t.text, id: t.id, special: t.special })));
  });

  it("parses a JSON custom tool call, text deltas adding up to the content", async () => {
    const json = loadFixture("json-call");
    const server = await serve(() => ({ chunks: splitBytes(sseBody(json), [5, 2, 9]) }));
    const { events, error } = await collect(streamTgi(server.url, messages, { tools: [weatherTool] }));
    expect(error).toBeUndefined();
    expect(server.requests[0]!.json.inputs).toContain('"name": "get_weather"');
    const message = (events.at(-1) as Extract<StreamEvent, { type: "end" }>).message;
    expect(message.stopReason).toBe("eot");
    expect(message.toolCalls.map((t) => [t.name, t.format, t.arguments])).toEqual([
      ["get_weather", "json", { city: "São Paulo", unit: "°C" }],
    ]);
    const text = events.filter((e) => e.type === "text-delta").map((e) => (e as { text: string }).text).join("");
    expect(text).toBe(message.content);
  });

  it("streams a plain answer as text deltas", async () => {
    const answer = loadFixture("text-answer");
    const server = await serve(() => ({ chunks: splitBytes(sseBody(answer), [4]) }));
    const { events, error } = await collect(streamTgi(`${server.url}/`, messages));
    expect(error).toBeUndefined();
    expect(server.requests[0]!.path).toBe("/generate_stream");
    const text = events.filter((e) => e.type === "text-delta").map((e) => (e as { text: string }).text).join("");
    const message = (events.at(-1) as Extract<StreamEvent, { type: "end" }>).message;
    expect(message).toMatchObject({ content: "It is 21 °C in Zürich — sunny ☀️.", toolCalls: [], stopReason: "eot" });
    expect(text).toBe(message.content);
  });

  it("fails with TGI_STREAM_ERROR (truncated) when the body ends mid-event", async () => {
    const body = sseBody(fx);
    const cut = body.lastIndexOf("data:") + 30; // inside the final event
    const server = await serve(() => ({ chunks: [body.slice(0, cut)] }));
    const { events, error } = await collect(streamTgi(server.url, messages, { builtinTools: ["brave_search"] }));
    expect(error).toBeInstanceOf(TgiStreamError);
    expect(error).toMatchObject({ code: "TGI_STREAM_ERROR", reason: "truncated", tokensReceived: fx.tokens.length - 1 });
    expect(events.some((e) => e.type === "end")).toBe(false);
  });

  it("fails with TGI_STREAM_ERROR (truncated) when every event is complete but the final one never came", async () => {
    const server = await serve(() => ({ chunks: [sseBody(fx, { final: false })] }));
    const { error } = await collect(streamTgi(server.url, messages));
    expect(error).toMatchObject({ code: "TGI_STREAM_ERROR", reason: "truncated", tokensReceived: fx.tokens.length });
    expect((error as Error).message).toMatch(/ended before its final event/);
  });

  it("fails with TGI_STREAM_ERROR when the connection is cut mid-event", async () => {
    const body = sseBody(fx);
    const server = await serve(() => ({ chunks: [body.slice(0, body.length - 40)], finish: "destroy" }));
    const { error } = await collect(streamTgi(server.url, messages));
    expect(error).toBeInstanceOf(TgiStreamError);
    expect((error as TgiStreamError).code).toBe("TGI_STREAM_ERROR");
    expect(["network", "truncated"]).toContain((error as TgiStreamError).reason);
  });

  it("throws TgiHttpError with TGI's error JSON on HTTP 422", async () => {
    const tgiError = {
      error: "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 3900 `inputs` tokens and 1024 `max_new_tokens`",
      error_type: "validation",
    };
    const server = await serve(() => ({ status: 422, headers: { "content-type": "application/json" }, chunks: [JSON.stringify(tgiError)] }));
    const { events, error } = await collect(streamTgi(server.url, messages));
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(TgiHttpError);
    expect(error).toMatchObject({ code: "TGI_HTTP_ERROR", status: 422, serverError: tgiError.error, errorType: "validation" });
    expect((error as Error).message).toContain("HTTP 422");
    expect((error as Error).message).toContain("must be <= 4096");
  });

  it("throws TgiHttpError with the raw body on HTTP 500 without JSON", async () => {
    const server = await serve(() => ({ status: 500, headers: { "content-type": "text/plain" }, chunks: ["upstream exploded"] }));
    const { error } = await collect(streamTgi(server.url, messages));
    expect(error).toMatchObject({ code: "TGI_HTTP_ERROR", status: 500, body: "upstream exploded", serverError: undefined });
    expect((error as Error).message).toContain("upstream exploded");
  });

  it("throws TgiStreamError for an in-stream error event, after yielding what arrived", async () => {
    const answer = loadFixture("text-answer");
    const partial = { ...answer, tokens: answer.tokens.slice(0, 4) };
    const errorEvent = `data:${JSON.stringify({ error: "Request failed during generation: Server error: CUDA out of memory", error_type: "generation" })}\n\n`;
    const server = await serve(() => ({ chunks: [sseBody(partial, { final: false }), errorEvent] }));
    const { events, error } = await collect(streamTgi(server.url, messages));
    expect(error).toBeInstanceOf(TgiStreamError);
    expect(error).toMatchObject({ code: "TGI_STREAM_ERROR", reason: "error_event", errorType: "generation", tokensReceived: 4 });
    expect((error as Error).message).toContain("CUDA out of memory");
    expect(events.filter((e) => e.type === "text-delta").length).toBeGreaterThan(0);
    expect(events.some((e) => e.type === "end")).toBe(false);
  });

  it("rejects an event that is not JSON", async () => {
    const server = await serve(() => ({ chunks: ["data: not json\n\n"] }));
    const { error } = await collect(streamTgi(server.url, messages));
    expect(error).toMatchObject({ code: "TGI_STREAM_ERROR", reason: "invalid_event" });
  });

  it("stops with the caller's AbortError when the signal aborts mid-stream", async () => {
    const server = await serve(() => ({ chunks: splitBytes(sseBody(loadFixture("text-answer")), [40]) }));
    const controller = new AbortController();
    const seen: StreamEvent[] = [];
    let error: unknown;
    try {
      for await (const ev of streamTgi(server.url, messages, { signal: controller.signal })) {
        seen.push(ev);
        controller.abort();
      }
    } catch (e) {
      error = e;
    }
    expect(seen.length).toBeGreaterThan(0);
    expect((error as Error).name).toBe("AbortError");
    expect(seen.some((e) => e.type === "end")).toBe(false);
  });

  it("reports an unreachable server as TgiHttpError with status 0", async () => {
    const server = await serve(() => ({ chunks: [] }));
    const url = server.url;
    await server.close();
    servers = [];
    const { error } = await collect(streamTgi(url, messages));
    expect(error).toMatchObject({ code: "TGI_HTTP_ERROR", status: 0 });
    expect((error as Error).message).toContain("could not reach");
  });

  it("uses an injected fetch", async () => {
    const calls: Array<[string, RequestInit | undefined]> = [];
    const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
      calls.push([String(input), init]);
      return new Response(sseBody(loadFixture("text-answer")), { status: 200, headers: { "content-type": "text/event-stream" } });
    }) as typeof fetch;
    const { events } = await collect(streamTgi("https://tgi.example/v0/generate_stream", messages, { fetch: fakeFetch }));
    expect(calls[0]![0]).toBe("https://tgi.example/v0/generate_stream");
    expect(JSON.parse(String(calls[0]![1]!.body)).parameters.stop).toEqual(["<|eom_id|>", "<|eot_id|>"]);
    expect(events.at(-1)).toMatchObject({ type: "end", message: { stopReason: "eot" } });
  });

  it("rejects a URL that is not http(s)", async () => {
    const { error } = await collect(streamTgi("localhost:8080", messages));
    expect(error).toBeInstanceOf(InvalidArgumentError);
  });
});

describe("generateTgi", () => {
  const fx = loadFixture("builtin-call");

  it("POSTs /generate and recovers special tokens from details.tokens", async () => {
    const server = await serve(() => ({
      headers: { "content-type": "application/json" },
      chunks: [
        JSON.stringify({
          generated_text: fx.generated_text,
          details: { finish_reason: "stop_sequence", generated_tokens: fx.tokens.length, seed: null, prefill: [], tokens: fx.tokens },
        }),
      ],
    }));
    const message = await generateTgi(server.url, messages, { builtinTools: ["brave_search"] });
    const [req] = server.requests;
    expect(req!.path).toBe("/generate");
    expect(req!.headers.accept).toBe("application/json");
    expect(req!.json.parameters.details).toBe(true);
    expect(req!.json.parameters.stop).toEqual(["<|eom_id|>", "<|eot_id|>"]);
    expect(message.stopReason).toBe("eom");
    expect(message.toolCalls.map((t) => [t.name, t.format, t.arguments])).toEqual([
      ["brave_search", "builtin", { query: "Zürich weather ☀️ today" }],
    ]);
  });

  it("falls back to generated_text without token details, mapping finish_reason where unambiguous", async () => {
    const json = loadFixture("json-call");
    const reply = (finish: string) => () => ({
      headers: { "content-type": "application/json" },
      chunks: [JSON.stringify({ generated_text: json.generated_text, details: { finish_reason: finish, generated_tokens: 20 } })],
    });
    const eos = await serve(reply("eos_token"));
    const m1 = await generateTgi(eos.url, messages, { tools: [weatherTool] });
    expect(m1.toolCalls.map((t) => [t.name, t.arguments])).toEqual([["get_weather", { city: "São Paulo", unit: "°C" }]]);
    expect(m1.stopReason).toBe("eot");

    const stop = await serve(reply("stop_sequence"));
    expect((await generateTgi(stop.url, messages, { tools: [weatherTool] })).stopReason).toBe("none");
    expect((await generateTgi(stop.url, messages, { tools: [weatherTool], parameters: { stop: ["<|eom_id|>"] } })).stopReason).toBe("eom");

    const length = await serve(reply("length"));
    expect((await generateTgi(length.url, messages, { tools: [weatherTool] })).stopReason).toBe("none");
  });

  it("throws TgiHttpError with TGI's error on 4xx", async () => {
    const server = await serve(() => ({
      status: 424,
      headers: { "content-type": "application/json" },
      chunks: [JSON.stringify({ error: "Request failed during generation", error_type: "generation" })],
    }));
    await expect(generateTgi(server.url, messages)).rejects.toMatchObject({ code: "TGI_HTTP_ERROR", status: 424, errorType: "generation" });
  });
});

/** A token stream: strings are text tokens, `[id, text]` special tokens. */
function tokenFixture(pieces: Array<string | [number, string]>, finish = "stop_sequence"): TokenFixture {
  const tokens = pieces.map((p, i) =>
    typeof p === "string" ? { id: 1000 + i, text: p, logprob: -0.1, special: false } : { id: p[0], text: p[1], logprob: -0.1, special: true },
  );
  return { tokens, generated_text: tokens.filter((t) => !t.special).map((t) => t.text).join(""), finish_reason: finish };
}
const EOM: [number, string] = [128008, "<|eom_id|>"];
const EOT: [number, string] = [128009, "<|eot_id|>"];
const PYTHON_TAG: [number, string] = [128010, "<|python_tag|>"];
const endMessage = (events: StreamEvent[]) => (events.at(-1) as Extract<StreamEvent, { type: "end" }>).message;
const generateReply = (fx: TokenFixture, details: object | null = { finish_reason: fx.finish_reason, generated_tokens: fx.tokens.length, tokens: fx.tokens }) => () => ({
  headers: { "content-type": "application/json" },
  chunks: [JSON.stringify(details ? { generated_text: fx.generated_text, details } : { generated_text: fx.generated_text })],
});

describe("parser options derived from the render options", () => {
  const braveText = tokenFixture(["brave", "_search", ".call", '(query="x")', EOM]);
  const braveTagged = tokenFixture([PYTHON_TAG, "brave", "_search", ".call", '(query="x")', EOM]);
  const tool = (name: string) => ({
    type: "function" as const,
    function: { name, description: `the ${name} tool`, parameters: { type: "object", properties: { query: { type: "string" } }, required: ["query"] } },
  });

  it("a prompt with only custom tools does not turn brave_search.call(...) text into a call", async () => {
    const server = await serve(() => ({ chunks: [sseBody(braveText)] }));
    const { events, error } = await collect(streamTgi(server.url, messages, { tools: [weatherTool] }));
    expect(error).toBeUndefined();
    expect(server.requests[0]!.json.inputs).not.toContain("brave_search");
    expect(endMessage(events)).toMatchObject({ content: 'brave_search.call(query="x")', toolCalls: [], stopReason: "eom" });

    const gen = await serve(generateReply(braveText));
    expect(await generateTgi(gen.url, messages, { tools: [weatherTool] })).toMatchObject({ content: 'brave_search.call(query="x")', toolCalls: [] });
  });

  it("a prompt without any tools does not either; a <|python_tag|> region is still code_interpreter code", async () => {
    const plain = await serve(() => ({ chunks: [sseBody(braveText)] }));
    expect(endMessage((await collect(streamTgi(plain.url, messages))).events).toolCalls).toEqual([]);

    const tagged = await serve(() => ({ chunks: [sseBody(braveTagged)] }));
    const message = endMessage((await collect(streamTgi(tagged.url, messages, { tools: [weatherTool] }))).events);
    expect(message.toolCalls.map((t) => [t.name, t.format, t.arguments])).toEqual([["code_interpreter", "code", { code: 'brave_search.call(query="x")' }]]);
  });

  it("the render builtinTools are exactly the parser's (builtinTools: null = none)", async () => {
    const wolfram = tokenFixture(["wolfram", "_alpha.call", '(query="2+2")', EOM]);
    const server = await serve(() => ({ chunks: [sseBody(wolfram)] }));
    const only = endMessage((await collect(streamTgi(server.url, messages, { builtinTools: ["brave_search"] }))).events);
    expect(only.toolCalls).toEqual([]);
    const none = endMessage((await collect(streamTgi(server.url, messages, { builtinTools: null } as never))).events);
    expect(none.toolCalls).toEqual([]);
    const both = endMessage((await collect(streamTgi(server.url, messages, { builtinTools: ["brave_search", "wolfram_alpha"] }))).events);
    expect(both.toolCalls.map((t) => [t.name, t.format])).toEqual([["wolfram_alpha", "builtin"]]);
  });

  it("dialect meta: tools named like a Meta built-in are built-ins for the parser too", async () => {
    const photogen = tokenFixture(["photo", "gen.call", '(query="a cat")', EOM]);
    const server = await serve(() => ({ chunks: [sseBody(photogen)] }));
    const options = { dialect: "meta" as const, tools: [tool("photogen"), tool("brave_search"), weatherTool], dateString: "26 Jul 2024" };
    const message = endMessage((await collect(streamTgi(server.url, messages, options))).events);
    expect(server.requests[0]!.json.inputs).toContain("Tools: photogen, brave_search");
    expect(message.toolCalls.map((t) => [t.name, t.format, t.arguments])).toEqual([["photogen", "builtin", { query: "a cat" }]]);

    const brave = await serve(() => ({ chunks: [sseBody(braveText)] }));
    const m2 = endMessage((await collect(streamTgi(brave.url, messages, options))).events);
    expect(m2.toolCalls.map((t) => [t.name, t.format])).toEqual([["brave_search", "builtin"]]);

    const gen = await serve(generateReply(photogen));
    const m3 = await generateTgi(gen.url, messages, options);
    expect(m3.toolCalls.map((t) => [t.name, t.format])).toEqual([["photogen", "builtin"]]);
  });

  it("dialect hf: a custom tool named brave_search is not a built-in", async () => {
    const server = await serve(() => ({ chunks: [sseBody(braveText)] }));
    const message = endMessage((await collect(streamTgi(server.url, messages, { tools: [tool("brave_search")] }))).events);
    expect(message.toolCalls).toEqual([]);
  });

  it("explicit parseOptions win; an undefined key keeps the derived value", async () => {
    const server = await serve(() => ({ chunks: [sseBody(braveText)] }));
    const on = endMessage((await collect(streamTgi(server.url, messages, { tools: [weatherTool], parseOptions: { builtinTools: ["brave_search"] } }))).events);
    expect(on.toolCalls.map((t) => t.name)).toEqual(["brave_search"]);
    const kept = endMessage((await collect(streamTgi(server.url, messages, { tools: [weatherTool], parseOptions: { builtinTools: undefined } }))).events);
    expect(kept.toolCalls).toEqual([]);
    const { error } = await collect(streamTgi(server.url, messages, { parseOptions: 5 as never }));
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).path).toEqual(["options", "parseOptions"]);
  });
});

describe("invalid client arguments are InvalidOptionsError, never a bare TypeError", () => {
  it.each([[{ "bad header": "x" }], [5], [[["only-a-name"]]]])("headers %j", async (headers) => {
    const server = await serve(() => ({ chunks: [sseBody(loadFixture("text-answer"))] }));
    const { error } = await collect(streamTgi(server.url, messages, { headers: headers as never }));
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).path).toEqual(["options", "headers"]);
    const err2 = await generateTgi(server.url, messages, { headers: headers as never }).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(InvalidOptionsError);
    expect((err2 as InvalidOptionsError).path).toEqual(["options", "headers"]);
    expect(server.requests).toHaveLength(0);
  });

  it("a signal that is not an AbortSignal", async () => {
    const server = await serve(() => ({ chunks: [sseBody(loadFixture("text-answer"))] }));
    const { error } = await collect(streamTgi(server.url, messages, { signal: "stop" as never }));
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).path).toEqual(["options", "signal"]);
  });

  it("an injected fetch that returns no Response", async () => {
    const fakeFetch = (async () => undefined) as unknown as typeof fetch;
    const { error } = await collect(streamTgi("http://tgi.invalid", messages, { fetch: fakeFetch }));
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).path).toEqual(["options", "fetch"]);
    await expect(generateTgi("http://tgi.invalid", messages, { fetch: fakeFetch })).rejects.toBeInstanceOf(InvalidOptionsError);
  });

  it.each([[null], [undefined], [{}], ["data: x\n\n"], [{ body: null }]])("tgiStreamResponses / tgiTokenChunks of %j", async (bad) => {
    for (const gen of [tgiStreamResponses, tgiTokenChunks]) {
      let error: unknown;
      try {
        for await (const _ of gen(bad as never)) void _;
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).path).toEqual(["response"]);
    }
  });

  it("tgiStreamResponses accepts a Response-like object (a fetch polyfill's)", async () => {
    const real = new Response(sseBody(loadFixture("text-answer")));
    const like = { ok: real.ok, status: real.status, statusText: "", url: "", body: real.body, text: () => real.text() };
    const chunks: TokenChunk[] = [];
    for await (const c of tgiTokenChunks(like as unknown as Response)) chunks.push(c);
    expect(chunks.length).toBe(loadFixture("text-answer").tokens.length);
  });
});

describe("generateTgi: bodies that are not TGI's", () => {
  it.each([
    ["text", "text/plain", "hello, I am not TGI", /is not JSON/],
    ["a JSON number", "application/json", "42", /not a TGI \/generate response object/],
    ["an empty array", "application/json", "[]", /not a TGI \/generate response object/],
    ["an object without generated_text", "application/json", '{"foo":1}', /has no generated_text/],
    ["generated_text not a string", "application/json", '[{"generated_text":5}]', /has no generated_text/],
  ])("an HTTP 200 with %s → TgiStreamError invalid_response", async (_name, type, body, message) => {
    const server = await serve(() => ({ headers: { "content-type": type }, chunks: [body] }));
    const error = await generateTgi(server.url, messages).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TgiStreamError);
    expect(error).not.toBeInstanceOf(TgiHttpError);
    expect(error).toMatchObject({ code: "TGI_STREAM_ERROR", reason: "invalid_response", tokensReceived: 0 });
    expect((error as Error).message).toMatch(message);
  });

  it("a body cut off mid-read → TgiStreamError network", async () => {
    const server = await serve(() => ({ headers: { "content-type": "application/json", "content-length": "5000" }, chunks: ['{"generated_text": "Hel'], finish: "destroy" }));
    const error = await generateTgi(server.url, messages).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TgiStreamError);
    expect(error).toMatchObject({ reason: "network" });
  });

  it("details: false → TGI sends only generated_text: no finish_reason to map, stop reason none", async () => {
    const json = loadFixture("json-call");
    const server = await serve(generateReply(json, null));
    const message = await generateTgi(server.url, messages, { tools: [weatherTool], parameters: { details: false } });
    expect(server.requests[0]!.json.parameters.details).toBe(false);
    expect(message.toolCalls.map((t) => t.name)).toEqual(["get_weather"]);
    expect(message.stopReason).toBe("none");
  });
});
