/**
 * vLLM's OpenAI-compatible completions endpoint, `POST /v1/completions` with `stream: true`.
 * Wire format read from vLLM's source: `vllm/entrypoints/openai/completion/protocol.py`
 * (CompletionRequest: `add_special_tokens`, `skip_special_tokens`, `spaces_between_special_tokens`,
 * `stop_token_ids`, `return_token_ids`, `response_format`; CompletionStreamResponse: `choices[].text`,
 * `token_ids`, `finish_reason`, `stop_reason`), `completion/serving.py` (one `data:` event per
 * output, a usage chunk with `stream_options.include_usage`, errors as `data: {"error": {...}}`, then
 * `data: [DONE]`), `vllm/v1/engine/detokenizer.py` (the stop token's text is left out of `text` but
 * its id stays in `token_ids`).
 *
 * - BOS: `add_special_tokens: false`, and the prompt is sent as rendered (with its BOS), so exactly
 *   the rendered tokens reach the model whatever the tokenizer's post-processor does.
 * - Special tokens: `skip_special_tokens: false` writes `<|python_tag|>` into `text`;
 *   `return_token_ids: true` gives the ids of each chunk, so special-token text is matched against
 *   special ids (text the model spelled with ordinary tokens stays text). Servers too old for
 *   `return_token_ids` send no ids: their text is scanned for special-token text.
 * - Stop: `stop_token_ids: [128001, 128008, 128009]`; `stop_reason` is the stop token id (or null
 *   for the tokenizer's EOS, `<|eot_id|>`), and the id is also the last of `token_ids`.
 * - Constrained output: `response_format: { type: "json_schema", json_schema: { name, schema } }`,
 *   the OpenAI field vLLM maps onto its structured-output backend (`structured_outputs_from_response_format`
 *   in `vllm/entrypoints/generate/base/protocol.py`: today `structured_outputs.json`; older versions
 *   mapped it to `guided_json`, removed in 0.12).
 */
import { describeValue, InvalidArgumentError } from "../base/errors.js";
import { isSpecialTokenId, specialTokenName } from "../base/tokens.js";
import type { TokenChunk } from "../parse/types.js";
import { BackendStreamError } from "./errors.js";
import {
  checkExtraParameters,
  createHttpClient,
  errorEvent,
  eventJson,
  isCount,
  readSse,
  serverErrorOf,
  type BackendConfig,
  type HttpClient,
} from "./http.js";
import { STOP_TOKEN_IDS, type BackendEvent, type CompletionBackend, type CompletionFinish, type CompletionRequest } from "./types.js";

/** Options of {@link vllmBackend}: the base URL (without `/v1`) and the served model name. */
export interface VllmBackendConfig extends BackendConfig {
  /** The model name the server serves (`--served-model-name`, or the model path). */
  model: string;
}

const RESERVED: Record<string, string> = {
  model: "",
  prompt: "",
  stream: "",
  stream_options: "",
  n: "",
  best_of: "",
  echo: "",
  suffix: "",
  use_beam_search: "",
  max_tokens: "maxTokens",
  add_special_tokens: "addBos",
  skip_special_tokens: "",
  spaces_between_special_tokens: "",
  stop_token_ids: "",
  include_stop_str_in_output: "",
  return_token_ids: "",
  stop: "stop",
  temperature: "temperature",
  top_p: "topP",
  top_k: "topK",
  seed: "seed",
  response_format: "toolChoice",
  structured_outputs: "toolChoice",
  guided_json: "toolChoice",
};

/** The JSON body for `/v1/completions`. */
export function vllmRequestBody(model: string, request: CompletionRequest): Record<string, unknown> {
  checkExtraParameters("vllm", request.extraParameters, RESERVED);
  const body: Record<string, unknown> = {
    ...request.extraParameters,
    model,
    prompt: request.prompt,
    max_tokens: request.maxTokens,
    stream: true,
    stream_options: { include_usage: true },
    add_special_tokens: false,
    skip_special_tokens: false,
    spaces_between_special_tokens: false,
    stop_token_ids: [...STOP_TOKEN_IDS],
    return_token_ids: true,
  };
  if (request.stop.length > 0) body.stop = [...request.stop];
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.topK !== undefined) body.top_k = request.topK;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.responseSchema !== undefined) {
    body.response_format = { type: "json_schema", json_schema: { name: "tool_call", schema: request.responseSchema } };
  }
  return body;
}

/**
 * Turns vLLM chunks (`text` + `token_ids`) into parser tokens: special-token text in `text` becomes
 * a special token only where a special id of the chunks stands for it, in order; the rest is
 * literal text. A possible partial name at the end of a chunk waits for the next one (vLLM holds
 * text back while it might be a stop string). Special ids whose text never came (the stop token,
 * left out of `text` by vLLM) are emitted at the end.
 */
class Aligner {
  /** Special ids seen, waiting for their text. */
  private queue: number[] = [];
  private carry = "";

  push(text: string, ids: readonly number[], skipLast: boolean, out: TokenChunk[]): void {
    const specials = ids.filter((id) => isSpecialTokenId(id));
    let trailing: number | undefined;
    if (skipLast && specials.length > 0 && specials[specials.length - 1] === ids[ids.length - 1]) trailing = specials.pop();
    this.queue.push(...specials);
    const s = this.carry + text;
    this.carry = "";
    let literal = "";
    let i = 0;
    while (i < s.length) {
      const lt = s.indexOf("<|", i);
      if (lt < 0 || this.queue.length === 0) {
        literal += s.slice(i);
        i = s.length;
        break;
      }
      literal += s.slice(i, lt);
      const name = specialTokenName(this.queue[0]!) ?? "";
      if (name !== "" && s.startsWith(name, lt)) {
        if (literal) out.push({ text: literal, special: false });
        literal = "";
        out.push({ text: name, id: this.queue.shift()!, special: true });
        i = lt + name.length;
      } else if (name !== "" && name.startsWith(s.slice(lt))) {
        // the name may continue in the next chunk
        this.carry = s.slice(lt);
        i = s.length;
      } else {
        literal += "<|";
        i = lt + 2;
      }
    }
    if (literal) out.push({ text: literal, special: false });
    if (trailing !== undefined) this.queue.push(trailing);
  }

  /** Ids whose text never came, and held text. */
  end(out: TokenChunk[]): void {
    if (this.carry) out.push({ text: this.carry, special: false });
    this.carry = "";
    for (const id of this.queue) out.push({ text: "", id, special: true });
    this.queue = [];
  }
}

function finishOf(reason: string, stopReason: unknown, lastId: number | undefined, usage: CompletionFinish["usage"]): CompletionFinish {
  const serverReason = stopReason === null || stopReason === undefined ? reason : `${reason} (stop_reason ${JSON.stringify(stopReason)})`;
  if (reason === "length") return { reason: "length", serverReason, usage };
  if (reason === "stop") {
    if (typeof stopReason === "string") return { reason: "stop_sequence", stopSequence: stopReason, serverReason, usage };
    const id = typeof stopReason === "number" ? stopReason : lastId !== undefined && STOP_TOKEN_IDS.includes(lastId) ? lastId : undefined;
    return id !== undefined ? { reason: "stop_token", stopTokenId: id, serverReason, usage } : { reason: "stop_token", serverReason, usage };
  }
  return { reason: "other", serverReason, usage };
}

async function* streamVllm(http: HttpClient, model: string, request: CompletionRequest): AsyncGenerator<BackendEvent, void, undefined> {
  const body = vllmRequestBody(model, request);
  const response = await http.post("/v1/completions", body, "sse", request.signal);
  const aligner = new Aligner();
  let tokens = 0;
  let lastId: number | undefined;
  let finish: { reason: string; stopReason: unknown } | undefined;
  const usage: CompletionFinish["usage"] = {};
  let done = false;
  const out: TokenChunk[] = [];
  for await (const ev of readSse(http, response, request.signal)) {
    if (ev.data === "[DONE]") {
      done = true;
      break;
    }
    const j = eventJson("vllm", ev, tokens);
    if ("error" in j || j.object === "error") throw errorEvent("vllm", serverErrorOf(j), tokens);
    const u = j.usage as Record<string, unknown> | null | undefined;
    if (u !== null && typeof u === "object") {
      if (isCount(u.prompt_tokens)) usage.promptTokens = u.prompt_tokens;
      if (isCount(u.completion_tokens)) usage.completionTokens = u.completion_tokens;
    }
    const choices = j.choices;
    if (!Array.isArray(choices)) throw new BackendStreamError("vllm", "invalid_event", `a stream event has no choices: ${ev.data.slice(0, 200)}`, { tokensReceived: tokens });
    for (const c of choices) {
      const ch = c as Record<string, unknown> | null;
      if (ch === null || typeof ch !== "object" || typeof ch.text !== "string") {
        throw new BackendStreamError("vllm", "invalid_event", `a choice has no text: ${ev.data.slice(0, 200)}`, { tokensReceived: tokens });
      }
      if (ch.index !== undefined && ch.index !== 0) continue;
      const reason = typeof ch.finish_reason === "string" ? ch.finish_reason : undefined;
      if (reason === "abort" || reason === "error") {
        throw errorEvent("vllm", { message: `the generation ended with finish_reason ${JSON.stringify(reason)}` }, tokens);
      }
      const ids = ch.token_ids;
      out.length = 0;
      if (Array.isArray(ids) && ids.every(isCount)) {
        // The stop token's text is left out of `text` (unless the stop was a stop string).
        const skipLast = reason === "stop" && typeof ch.stop_reason !== "string";
        aligner.push(ch.text, ids, skipLast, out);
        if (ids.length > 0) lastId = ids[ids.length - 1];
        tokens += ids.length;
      } else {
        if (ch.text !== "") out.push({ text: ch.text });
        tokens++;
      }
      for (const t of out) yield { type: "token", token: t };
      if (reason !== undefined) finish = { reason, stopReason: ch.stop_reason };
    }
  }
  if (finish === undefined) {
    throw new BackendStreamError("vllm", "truncated", `the stream ended ${done ? "with [DONE] but" : ""} without a finish_reason after ${tokens} token(s)${done ? "" : ": the connection was cut off"}`, {
      tokensReceived: tokens,
    });
  }
  out.length = 0;
  aligner.end(out);
  for (const t of out) yield { type: "token", token: t };
  yield { type: "finish", finish: finishOf(finish.reason, finish.stopReason, lastId, usage) };
}

/**
 * A backend for vLLM's OpenAI-compatible server (`vllm serve <model>`; nothing special is needed).
 * `baseURL` is the server root (`http://127.0.0.1:8000`), without `/v1`.
 *
 * @example
 * const vllm = vllmBackend({ baseURL: "http://127.0.0.1:8000", model: "meta-llama/Llama-3.1-8B-Instruct" });
 * for await (const ev of streamChat(vllm, messages, { tools })) console.log(ev);
 */
export function vllmBackend(config: VllmBackendConfig): CompletionBackend {
  const http = createHttpClient("vllm", config, ["model"]);
  const model = (config as { model?: unknown }).model;
  if (typeof model !== "string" || model === "") {
    throw new InvalidArgumentError(`expected the served model name (a non-empty string), got ${describeValue(model)}`, ["config", "model"]);
  }
  return {
    name: "vllm",
    supportsResponseSchema: true,
    stream: (request) => streamVllm(http, model, request),
  };
}
