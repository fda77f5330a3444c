/**
 * llama.cpp's server (`llama-server`), `POST /completion` with `stream: true`. Wire format read
 * from llama.cpp's source (`tools/server/`): `utils.hpp` / `server-common.cpp` (`tokenize_mixed`:
 * a prompt array mixing token ids and strings; BOS is added only when the first element is a
 * string; `format_oai_sse` / `server_sent_event`: `data: <json>\n\n`, no `[DONE]` on `/completion`),
 * `server.cpp` / `server-context.cpp` (`process_token`, `send_partial_response`: one partial per
 * token with `content` and `tokens: [id]`, the stop token included; special tokens print as `""`
 * unless the server runs with `--special`), `server-task.cpp` (the final event: `stop: true`,
 * `stop_type` `eos` | `word` | `limit` | `none`, `stopping_word`, `tokens_predicted`,
 * `tokens_evaluated`; `json_schema` and `grammar` parameters). Errors: HTTP 4xx/5xx with
 * `{"error": {"code", "message", "type"}}`, or after HTTP 200 a `data: {"error": ...}` event (some
 * builds: an `error: {...}` line).
 *
 * - BOS: the prompt is sent as a mixed array — special tokens as their ids, text as strings —
 *   whose first element is an id, so the server adds no BOS of its own and the model sees exactly
 *   the rendered tokens (one BOS, or none with `addBos: false`).
 * - Special tokens: from the `tokens` id of each partial (servers since Dec 2024); older servers
 *   send no ids and print special tokens as `""`, so eom and eot cannot be told apart there
 *   (the stop reason is then `eot`).
 * - Constrained output: `json_schema` (converted to a GBNF grammar by the server).
 */
import { isSpecialTokenId, specialTokenName } from "../base/tokens.js";
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

/** Options of {@link llamaCppBackend}. */
export type LlamaCppBackendConfig = BackendConfig;

const RESERVED: Record<string, string> = {
  prompt: "",
  stream: "",
  n_predict: "maxTokens",
  max_tokens: "maxTokens",
  return_tokens: "",
  response_fields: "",
  stop: "stop",
  temperature: "temperature",
  top_p: "topP",
  top_k: "topK",
  seed: "seed",
  json_schema: "toolChoice",
};

/** The JSON body for `/completion`. */
export function llamaCppRequestBody(request: CompletionRequest): Record<string, unknown> {
  checkExtraParameters("llamacpp", request.extraParameters, RESERVED);
  if (request.responseSchema !== undefined && "grammar" in request.extraParameters) {
    checkExtraParameters("llamacpp", request.extraParameters, { grammar: "toolChoice (json_schema is ignored when a grammar is given)" });
  }
  const prompt: Array<number | string> = request.segments.map((s) => (s.type === "special" ? s.id : s.text));
  const body: Record<string, unknown> = {
    ...request.extraParameters,
    prompt,
    n_predict: request.maxTokens,
    stream: true,
    return_tokens: true,
  };
  if (request.stop.length > 0) body.stop = [...request.stop];
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.topK !== undefined) body.top_k = request.topK;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.responseSchema !== undefined) body.json_schema = request.responseSchema;
  return body;
}

function finishOf(j: Record<string, unknown>, lastStopId: number | undefined): CompletionFinish {
  const serverReason = typeof j.stop_type === "string" ? j.stop_type : "unknown";
  const usage: CompletionFinish["usage"] = {};
  if (isCount(j.tokens_evaluated)) usage.promptTokens = j.tokens_evaluated;
  if (isCount(j.tokens_predicted)) usage.completionTokens = j.tokens_predicted;
  switch (serverReason) {
    case "eos":
      return lastStopId !== undefined ? { reason: "stop_token", stopTokenId: lastStopId, serverReason, usage } : { reason: "stop_token", serverReason, usage };
    case "limit":
      return { reason: "length", serverReason, usage };
    case "word":
      return typeof j.stopping_word === "string" && j.stopping_word !== ""
        ? { reason: "stop_sequence", stopSequence: j.stopping_word, serverReason, usage }
        : { reason: "stop_sequence", serverReason, usage };
    default:
      return { reason: "other", serverReason, usage };
  }
}

async function* streamLlamaCpp(http: HttpClient, request: CompletionRequest): AsyncGenerator<BackendEvent, void, undefined> {
  const body = llamaCppRequestBody(request);
  const response = await http.post("/completion", body, "sse", request.signal);
  let tokens = 0;
  let lastStopId: number | undefined;
  /** Text streamed so far (to tell a final `content` that repeats it from one that adds to it). */
  const streamed: string[] = [];
  for await (const ev of readSse(http, response, request.signal)) {
    if (ev.error !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(ev.error);
      } catch {
        parsed = { error: ev.error };
      }
      const server = serverErrorOf(parsed);
      throw errorEvent("llamacpp", server.message !== undefined ? server : serverErrorOf({ error: parsed }), tokens);
    }
    if (ev.data === "[DONE]") continue;
    const j = eventJson("llamacpp", ev, tokens);
    if ("error" in j) throw errorEvent("llamacpp", serverErrorOf(j), tokens);
    const content = j.content;
    if (content !== undefined && typeof content !== "string") {
      throw new BackendStreamError("llamacpp", "invalid_event", `an event's content is not a string: ${ev.data.slice(0, 200)}`, { tokensReceived: tokens });
    }
    if (j.stop === true) {
      // In stream mode the final content is "" (already streamed); a build that repeats it whole is
      // ignored, one that adds to it contributes the rest.
      const all = streamed.join("");
      if (typeof content === "string" && content.length > all.length && content.startsWith(all)) {
        yield { type: "token", token: { text: content.slice(all.length), special: false } };
      }
      yield { type: "finish", finish: finishOf(j, lastStopId) };
      return;
    }
    const text = content ?? "";
    const ids = j.tokens;
    if (Array.isArray(ids) && ids.length > 0 && ids.every(isCount)) {
      tokens += ids.length;
      const specials = (ids as number[]).filter((id) => isSpecialTokenId(id));
      let rest = text;
      // With --special the server prints the token's name too: strip it, the id says it.
      for (let k = specials.length - 1; k >= 0; k--) {
        const name = specialTokenName(specials[k]!);
        if (name !== undefined && rest.endsWith(name)) rest = rest.slice(0, rest.length - name.length);
      }
      if (rest !== "") {
        streamed.push(text);
        yield { type: "token", token: { text: rest, special: false } };
      } else if (text !== "") {
        streamed.push(text);
      }
      for (const id of specials) {
        if (STOP_TOKEN_IDS.includes(id)) lastStopId = id;
        yield { type: "token", token: { text: "", id, special: true } };
      }
    } else {
      // A server without per-token ids: text only (special tokens print as "").
      tokens++;
      if (text !== "") {
        streamed.push(text);
        yield { type: "token", token: { text } };
      }
    }
  }
  throw new BackendStreamError("llamacpp", "truncated", `the stream ended before its final event (stop: true) after ${tokens} token(s): the connection was cut off`, {
    tokensReceived: tokens,
  });
}

/**
 * A backend for llama.cpp's server (`llama-server -m model.gguf`; nothing special is needed).
 *
 * @example
 * const llamacpp = llamaCppBackend({ baseURL: "http://127.0.0.1:8080" });
 * const reply = await generateChat(llamacpp, messages, { builtinTools: ["brave_search"] });
 */
export function llamaCppBackend(config: LlamaCppBackendConfig): CompletionBackend {
  const http = createHttpClient("llamacpp", config);
  return {
    name: "llamacpp",
    supportsResponseSchema: true,
    stream: (request) => streamLlamaCpp(http, request),
  };
}
