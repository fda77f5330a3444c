/**
 * Text Generation Inference (TGI): `POST /generate_stream` (server-sent events) and `POST /generate`.
 * Wire format read from TGI's source: `router/src/lib.rs` (GenerateRequest, GenerateParameters,
 * StreamResponse, Token, FinishReason), `router/src/server.rs` (generate_stream_internal: one
 * `data:` event per token, the last with `generated_text` and `details`; errors as
 * `{"error", "error_type"}` events or bodies).
 *
 * - BOS: TGI tokenizes `inputs` with `add_special_tokens = true` (the field is `#[serde(skip)]`, so
 *   no client can turn it off) and Llama 3's post-processor prepends `<|begin_of_text|>`. The prompt
 *   is therefore sent without its leading BOS; a prompt rendered with `addBos: false` cannot be sent.
 * - Special tokens: `generated_text` has them removed, but every token event carries
 *   `{ id, text, special }`, so `<|python_tag|>`, `<|eom_id|>` and `<|eot_id|>` are seen by id.
 * - Stop: TGI reports `eos_token` for any EOS id of the generation config; the id of the last token
 *   tells eom from eot. `<|eom_id|>` is also sent as a stop sequence, so versions that stop only on
 *   the tokenizer's EOS (`<|eot_id|>`) still stop after a built-in call.
 * - Constrained output: `parameters.grammar = { type: "json", value: schema }`.
 */
import { InvalidOptionsError } from "../base/errors.js";
import type { TokenChunk } from "../parse/types.js";
import { BackendStreamError } from "./errors.js";
import {
  checkExtraParameters,
  createHttpClient,
  errorEvent,
  eventJson,
  isCount,
  readJson,
  readSse,
  serverErrorOf,
  type BackendConfig,
  type HttpClient,
} from "./http.js";
import { promptWithoutBos, STOP_TOKEN_IDS, type BackendEvent, type CompletionBackend, type CompletionFinish, type CompletionRequest, type CompletionResult } from "./types.js";

/** Options of {@link tgiBackend}. */
export type TgiBackendConfig = BackendConfig;

/** Keys of `parameters` this backend sets, and the option that sets each. */
const RESERVED: Record<string, string> = {
  inputs: "",
  stream: "",
  max_new_tokens: "maxTokens",
  stop: "stop",
  details: "",
  decoder_input_details: "",
  return_full_text: "",
  grammar: "toolChoice",
  temperature: "temperature",
  do_sample: "temperature",
  top_p: "topP",
  top_k: "topK",
  seed: "seed",
};

/** The JSON body for `/generate` and `/generate_stream`. */
export function tgiRequestBody(request: CompletionRequest): { inputs: string; parameters: Record<string, unknown> } {
  checkExtraParameters("tgi", request.extraParameters, RESERVED);
  const inputs = promptWithoutBos(request);
  if (inputs === undefined) {
    throw new InvalidOptionsError(
      `TGI always adds <|begin_of_text|> when it tokenizes a prompt, so a prompt without it cannot be sent; leave addBos at its default`,
      ["options", "addBos"],
    );
  }
  const parameters: Record<string, unknown> = {
    ...request.extraParameters,
    max_new_tokens: request.maxTokens,
    stop: ["<|eom_id|>", ...request.stop],
    details: true,
    decoder_input_details: false,
    return_full_text: false,
  };
  // TGI wants temperature > 0 and top_p < 1: temperature 0 means greedy (no sampling), top_p 1 means none.
  if (request.temperature !== undefined) {
    if (request.temperature === 0) parameters.do_sample = false;
    else parameters.temperature = request.temperature;
  }
  if (request.topP !== undefined && request.topP < 1) parameters.top_p = request.topP;
  if (request.topK !== undefined) parameters.top_k = request.topK;
  if (request.seed !== undefined) parameters.seed = request.seed;
  if (request.responseSchema !== undefined) parameters.grammar = { type: "json", value: request.responseSchema };
  return { inputs, parameters };
}

function tokenOf(backend: string, t: unknown, tokens: number): TokenChunk {
  const o = t as Record<string, unknown> | null;
  if (o === null || typeof o !== "object" || typeof o.text !== "string" || (o.id !== undefined && !isCount(o.id)) || (o.special !== undefined && typeof o.special !== "boolean")) {
    throw new BackendStreamError(backend, "invalid_event", `a token is not { id, text, special }: ${JSON.stringify(t)?.slice(0, 200)}`, { tokensReceived: tokens });
  }
  const c: TokenChunk = { text: o.text };
  if (o.id !== undefined) c.id = o.id as number;
  if (o.special !== undefined) c.special = o.special as boolean;
  return c;
}

function finishOf(details: unknown, last: TokenChunk | undefined): CompletionFinish {
  const d = (details !== null && typeof details === "object" ? details : {}) as Record<string, unknown>;
  const serverReason = typeof d.finish_reason === "string" ? d.finish_reason : "unknown";
  const usage: CompletionFinish["usage"] = {};
  if (isCount(d.input_length)) usage.promptTokens = d.input_length;
  if (isCount(d.generated_tokens)) usage.completionTokens = d.generated_tokens;
  const stopId = last?.id !== undefined && STOP_TOKEN_IDS.includes(last.id) ? last.id : undefined;
  if (serverReason === "length") return { reason: "length", serverReason, usage };
  // "eos_token", or our "<|eom_id|>" stop sequence: the last token says which stop token it was.
  if (stopId !== undefined) return { reason: "stop_token", stopTokenId: stopId, serverReason, usage };
  if (serverReason === "eos_token") return { reason: "stop_token", serverReason, usage };
  if (serverReason === "stop_sequence") return { reason: "stop_sequence", serverReason, usage };
  return { reason: "other", serverReason, usage };
}

async function* streamTgi(http: HttpClient, request: CompletionRequest): AsyncGenerator<BackendEvent, void, undefined> {
  const body = tgiRequestBody(request);
  const response = await http.post("/generate_stream", body, "sse", request.signal);
  let tokens = 0;
  let last: TokenChunk | undefined;
  for await (const ev of readSse(http, response, request.signal)) {
    if (ev.error !== undefined) throw errorEvent("tgi", serverErrorOf(safeParse(ev.error)), tokens);
    if (ev.data === "[DONE]") continue;
    const j = eventJson("tgi", ev, tokens);
    if ("error" in j) throw errorEvent("tgi", serverErrorOf(j), tokens);
    last = tokenOf("tgi", j.token, tokens);
    tokens++;
    yield { type: "token", token: last };
    if (typeof j.generated_text === "string" || (j.details !== null && typeof j.details === "object")) {
      yield { type: "finish", finish: finishOf(j.details, last) };
      return;
    }
  }
  throw new BackendStreamError("tgi", "truncated", `the stream ended before its final event (the one with generated_text) after ${tokens} token(s): the connection was cut off`, {
    tokensReceived: tokens,
  });
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return { error: s };
  }
}

async function generateTgi(http: HttpClient, request: CompletionRequest): Promise<CompletionResult> {
  const body = tgiRequestBody(request);
  const response = await http.post("/generate", body, "json", request.signal);
  let j = await readJson(http, response, request.signal);
  if (Array.isArray(j)) j = j[0];
  const o = j as Record<string, unknown> | null;
  if (o === null || typeof o !== "object" || typeof o.generated_text !== "string") {
    throw new BackendStreamError("tgi", "invalid_event", `the /generate response has no generated_text: ${JSON.stringify(j)?.slice(0, 200)}`);
  }
  const details = o.details !== null && typeof o.details === "object" ? (o.details as Record<string, unknown>) : undefined;
  const list = details?.tokens;
  let tokens: TokenChunk[];
  if (Array.isArray(list) && list.length > 0) {
    tokens = list.map((t, i) => tokenOf("tgi", t, i));
  } else {
    // No token details (a proxy that drops them): the text alone, special tokens already removed.
    tokens = [{ text: o.generated_text }];
  }
  return { tokens, finish: finishOf(details, tokens.at(-1)) };
}

/**
 * A backend for Text Generation Inference. `generateChat` uses `/generate`, `streamChat`
 * `/generate_stream`. Nothing special is needed when starting TGI.
 *
 * @example
 * const tgi = tgiBackend({ baseURL: "http://127.0.0.1:8080", headers: { authorization: `Bearer ${token}` } });
 * const reply = await generateChat(tgi, [{ role: "user", content: "Hi" }]);
 */
export function tgiBackend(config: TgiBackendConfig): CompletionBackend {
  const http = createHttpClient("tgi", config);
  return {
    name: "tgi",
    supportsResponseSchema: true,
    stream: (request) => streamTgi(http, request),
    generate: (request) => generateTgi(http, request),
  };
}
