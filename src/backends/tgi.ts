/**
 * Text Generation Inference (TGI) helpers: request bodies for `/generate` and `/generate_stream`,
 * the token stream of `/generate_stream`, and end-to-end calls that return parsed events / messages.
 *
 * Why the token ids matter: TGI decodes `generated_text` with special tokens skipped, so
 * `<|python_tag|>`, `<|eom_id|>` and `<|eot_id|>` never appear in it. Per token, though, TGI reports
 * `{ id, text, special }`; feeding those to the stream parser recovers the control tokens, and with
 * them the difference between a built-in tool call and plain text, and between "eom" and "eot".
 *
 * Only global `fetch` (or an injected one) is used; no runtime dependency.
 */
import { InvalidArgumentError, InvalidOptionsError, LlamaPromptError, nameErrorClass } from "../base/errors.js";
import type { ChatMessage } from "../prompt/messages.js";
import { toolDefinitionName } from "../base/options.js";
import { createStreamParser, parseAssistantOutput } from "../parse/index.js";
import type { AssistantMessage, ParseOptions, ParseToolSpec, StopReason, StreamEvent, TokenChunk } from "../parse/types.js";
import { renderPrompt, type PromptOptions } from "../prompt/render.js";
import { parseSseStream } from "./sse.js";
import { META_BUILTIN_TOOLS } from "../prompt/meta/system-prompts.js";

export { parseSseStream, SseDecoder, type SseEvent, type ByteSource } from "./sse.js";

// ---------------------------------------------------------------------------------------------
// Types of TGI's wire format
// ---------------------------------------------------------------------------------------------

/** Generation parameters of TGI's `/generate` and `/generate_stream` (`parameters` of the body). */
export interface TgiParameters {
  max_new_tokens?: number | null;
  stop?: string[];
  details?: boolean;
  decoder_input_details?: boolean;
  return_full_text?: boolean | null;
  do_sample?: boolean;
  temperature?: number | null;
  top_k?: number | null;
  top_p?: number | null;
  typical_p?: number | null;
  repetition_penalty?: number | null;
  frequency_penalty?: number | null;
  seed?: number | null;
  truncate?: number | null;
  watermark?: boolean;
  best_of?: number | null;
  top_n_tokens?: number | null;
  grammar?: { type: string; value: unknown } | null;
  adapter_id?: string | null;
  /** Parameters of newer TGI versions pass through unchanged. */
  [key: string]: unknown;
}

/** The JSON body POSTed to `/generate` or `/generate_stream`. */
export interface TgiGenerateRequest {
  inputs: string;
  parameters: TgiParameters;
}

/** One generated token as TGI reports it. */
export interface TgiToken {
  id: number;
  text: string;
  logprob?: number | null;
  special: boolean;
}

/** Why TGI stopped generating. */
export type TgiFinishReason = "length" | "eos_token" | "stop_sequence" | (string & {});

/** `details` of the final `/generate_stream` event. */
export interface TgiStreamDetails {
  finish_reason: TgiFinishReason;
  generated_tokens: number;
  seed?: number | null;
  input_length?: number;
  [key: string]: unknown;
}

/** One event of `/generate_stream`. The last one carries `generated_text` (and `details` when requested). */
export interface TgiStreamResponse {
  index?: number;
  token: TgiToken;
  top_tokens?: unknown;
  generated_text: string | null;
  details: TgiStreamDetails | null;
}

/** The body of a `/generate` response. */
export interface TgiGenerateResponse {
  generated_text: string;
  details?: {
    finish_reason: TgiFinishReason;
    generated_tokens: number;
    seed?: number | null;
    prefill?: unknown[];
    tokens?: TgiToken[];
    [key: string]: unknown;
  } | null;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

function clip(s: string, n = 500): string {
  return s.length > n ? s.slice(0, n) + "…" : s;
}

/**
 * TGI answered with a non-2xx status (or could not be reached: `status` 0). `serverError` /
 * `errorType` are TGI's `{"error", "error_type"}` when the body had them; `body` is the raw body.
 */
export class TgiHttpError extends LlamaPromptError {
  readonly status: number;
  readonly statusText: string;
  readonly body: string;
  readonly serverError: string | undefined;
  readonly errorType: string | undefined;
  readonly url: string;
  constructor(
    init: { status: number; statusText?: string; body?: string; serverError?: string; errorType?: string; url: string },
    options?: { cause?: unknown },
  ) {
    const detail =
      init.status === 0
        ? `could not reach ${init.url}${options?.cause instanceof Error ? `: ${options.cause.message}` : ""}`
        : `TGI returned HTTP ${init.status}${init.statusText ? ` ${init.statusText}` : ""} for ${init.url}` +
          (init.serverError !== undefined
            ? `: ${init.serverError}${init.errorType ? ` (${init.errorType})` : ""}`
            : init.body
              ? `: ${clip(init.body)}`
              : "");
    super("TGI_HTTP_ERROR", detail, options);
    this.status = init.status;
    this.statusText = init.statusText ?? "";
    this.body = init.body ?? "";
    this.serverError = init.serverError;
    this.errorType = init.errorType;
    this.url = init.url;
  }
}
nameErrorClass(TgiHttpError, "TgiHttpError");

/** Why a TGI stream failed. */
export type TgiStreamErrorReason =
  /** The server sent an `{"error": ..., "error_type": ...}` event. */
  | "error_event"
  /** The stream ended before its final event (no `generated_text` / `details` seen). */
  | "truncated"
  /** An event's data was not a TGI stream response. */
  | "invalid_event"
  /** The response had no body. */
  | "no_body"
  /** Reading the body failed (connection reset...). */
  | "network"
  /** A `/generate` response with a 2xx status whose body is not TGI's JSON (no `generated_text`). */
  | "invalid_response";

/** A `/generate_stream` or `/generate` response failed after the HTTP status was fine. */
export class TgiStreamError extends LlamaPromptError {
  readonly reason: TgiStreamErrorReason;
  readonly serverError: string | undefined;
  readonly errorType: string | undefined;
  /** Tokens received before the failure. */
  readonly tokensReceived: number;
  constructor(
    reason: TgiStreamErrorReason,
    message: string,
    init: { serverError?: string; errorType?: string; tokensReceived: number },
    options?: { cause?: unknown },
  ) {
    super("TGI_STREAM_ERROR", message, options);
    this.reason = reason;
    this.serverError = init.serverError;
    this.errorType = init.errorType;
    this.tokensReceived = init.tokensReceived;
  }
}
nameErrorClass(TgiStreamError, "TgiStreamError");

// ---------------------------------------------------------------------------------------------
// Request body
// ---------------------------------------------------------------------------------------------

/**
 * Defaults for Llama 3.1 Instruct. `stop` lists both `<|eom_id|>` and `<|eot_id|>`: the tokenizer's
 * EOS is `<|eot_id|>`, and whether TGI also stops on the other ids of `generation_config.json`
 * (`[128001, 128008, 128009]`) depends on its version; with `stop` set, a built-in tool call
 * (`...<|eom_id|>`) ends the generation on every version. TGI matches stop sequences on the
 * decoded token text, in which special tokens are written out, and the stop token is still streamed.
 */
export const TGI_DEFAULT_PARAMETERS: Readonly<{
  max_new_tokens: number;
  stop: readonly string[];
  details: boolean;
  decoder_input_details: boolean;
  return_full_text: boolean;
}> = Object.freeze({
  max_new_tokens: 1024,
  stop: Object.freeze(["<|eom_id|>", "<|eot_id|>"]),
  details: true,
  decoder_input_details: false,
  return_full_text: false,
});

/** Options of {@link buildGenerateRequest}: render options plus TGI parameter overrides. */
export interface TgiRequestOptions extends PromptOptions {
  /** Overrides of {@link TGI_DEFAULT_PARAMETERS} and any other TGI parameter. `undefined` keeps the default. */
  parameters?: TgiParameters;
}

/** Options of {@link streamTgi} and {@link generateTgi}. */
export interface TgiClientOptions extends TgiRequestOptions {
  /** The fetch to use (default: global `fetch`). */
  fetch?: typeof globalThis.fetch;
  /** Extra request headers, e.g. `{ authorization: "Bearer hf_..." }`. */
  headers?: HeadersInit;
  /** Aborts the request and the stream. The abort error is rethrown as is. */
  signal?: AbortSignal;
  /**
   * Parser options. By default they are derived from the render options, so the parser recognises
   * exactly the tools the prompt offered: `tools` are the render `tools`; `builtinTools` are the
   * render `builtinTools`, or none when none were given (text such as `brave_search.call(...)` then
   * stays text; a `<|python_tag|>` region is still `code_interpreter` code). With `dialect: "meta"`,
   * tools named like a Meta built-in (`brave_search`, `wolfram_alpha`, `photogen`,
   * `code_interpreter`) are built-ins for the parser too, as the meta prompt lists them as such.
   * Keys given here (other than `undefined`) replace the derived ones.
   */
  parseOptions?: ParseOptions;
}

type Check = "posInt" | "nonNegInt" | "number" | "boolean" | "stringArray" | "grammar" | "string";
const PARAM_CHECKS: Record<string, { check: Check; nullable: boolean }> = {
  max_new_tokens: { check: "posInt", nullable: true },
  stop: { check: "stringArray", nullable: false },
  details: { check: "boolean", nullable: false },
  decoder_input_details: { check: "boolean", nullable: false },
  return_full_text: { check: "boolean", nullable: true },
  do_sample: { check: "boolean", nullable: false },
  temperature: { check: "number", nullable: true },
  top_k: { check: "posInt", nullable: true },
  top_p: { check: "number", nullable: true },
  typical_p: { check: "number", nullable: true },
  repetition_penalty: { check: "number", nullable: true },
  frequency_penalty: { check: "number", nullable: true },
  seed: { check: "nonNegInt", nullable: true },
  truncate: { check: "posInt", nullable: true },
  watermark: { check: "boolean", nullable: false },
  best_of: { check: "posInt", nullable: true },
  top_n_tokens: { check: "nonNegInt", nullable: true },
  grammar: { check: "grammar", nullable: true },
  adapter_id: { check: "string", nullable: true },
};

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return JSON.stringify(clip(v, 40));
  return typeof v;
}

function checkParameter(key: string, v: unknown): void {
  const spec = PARAM_CHECKS[key];
  if (!spec) {
    if (typeof v === "function" || typeof v === "symbol" || typeof v === "bigint") {
      throw new InvalidOptionsError(`expected a JSON value, got ${typeof v}`, ["options", "parameters", key]);
    }
    return;
  }
  if (v === null) {
    if (spec.nullable) return;
    throw new InvalidOptionsError(`must not be null`, ["options", "parameters", key]);
  }
  const path = ["options", "parameters", key];
  switch (spec.check) {
    case "posInt":
      if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw new InvalidOptionsError(`expected a positive integer, got ${describe(v)}`, path);
      return;
    case "nonNegInt":
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new InvalidOptionsError(`expected a non-negative integer, got ${describe(v)}`, path);
      return;
    case "number":
      if (typeof v !== "number" || !Number.isFinite(v)) throw new InvalidOptionsError(`expected a finite number, got ${describe(v)}`, path);
      return;
    case "boolean":
      if (typeof v !== "boolean") throw new InvalidOptionsError(`expected a boolean, got ${describe(v)}`, path);
      return;
    case "string":
      if (typeof v !== "string") throw new InvalidOptionsError(`expected a string, got ${describe(v)}`, path);
      return;
    case "stringArray":
      if (!Array.isArray(v)) throw new InvalidOptionsError(`expected an array of strings, got ${describe(v)}`, path);
      v.forEach((s: unknown, i) => {
        if (typeof s !== "string" || s === "") throw new InvalidOptionsError(`expected a non-empty string, got ${describe(s)}`, [...path, i]);
      });
      return;
    case "grammar":
      if (typeof v !== "object" || Array.isArray(v) || typeof (v as { type?: unknown }).type !== "string" || !("value" in (v as object))) {
        throw new InvalidOptionsError(`expected { type: "json" | "regex", value }, got ${describe(v)}`, path);
      }
      return;
  }
}

const CLIENT_KEYS = ["parameters", "fetch", "headers", "signal", "parseOptions"] as const;

function splitOptions(options: TgiClientOptions | undefined): { render: PromptOptions; client: Pick<TgiClientOptions, (typeof CLIENT_KEYS)[number]> } {
  if (options === undefined || options === null) return { render: {}, client: {} };
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new InvalidOptionsError(`expected an object, got ${describe(options)}`, ["options"]);
  }
  const { parameters, fetch, headers, signal, parseOptions, ...render } = options;
  return { render, client: { parameters, fetch, headers, signal, parseOptions } };
}

function resolveParameters(parameters: unknown): TgiParameters {
  if (parameters !== undefined && (parameters === null || typeof parameters !== "object" || Array.isArray(parameters))) {
    throw new InvalidOptionsError(`expected an object, got ${describe(parameters)}`, ["options", "parameters"]);
  }
  const out: TgiParameters = { ...TGI_DEFAULT_PARAMETERS, stop: [...TGI_DEFAULT_PARAMETERS.stop] };
  for (const [k, v] of Object.entries((parameters ?? {}) as Record<string, unknown>)) {
    if (v === undefined) continue;
    checkParameter(k, v);
    out[k] = Array.isArray(v) ? [...v] : v;
  }
  return out;
}

/**
 * The JSON body for TGI's `/generate` or `/generate_stream`: the rendered prompt as `inputs`
 * and Llama 3.1 defaults as `parameters` ({@link TGI_DEFAULT_PARAMETERS}), every one overridable
 * through `options.parameters`. Other options are render options ({@link renderPrompt}).
 *
 * @example
 * buildGenerateRequest([{ role: "user", content: "Hi" }], { parameters: { temperature: 0.2 } })
 * // { inputs: "<|begin_of_text|>...", parameters: { max_new_tokens: 1024, stop: ["<|eom_id|>", "<|eot_id|>"], ... } }
 */
export function buildGenerateRequest(messages: readonly ChatMessage[], options?: TgiRequestOptions): TgiGenerateRequest {
  const { render, client } = splitOptions(options as TgiClientOptions | undefined);
  const parameters = resolveParameters(client.parameters);
  return { inputs: renderPrompt(messages, render), parameters };
}

// ---------------------------------------------------------------------------------------------
// Reading /generate_stream
// ---------------------------------------------------------------------------------------------

/** Duck-typed, so that a fetch polyfill's Response (or one from another realm) is accepted. */
function isResponseLike(r: unknown): r is Response {
  if (r === null || typeof r !== "object") return false;
  const o = r as Record<string, unknown>;
  return typeof o.status === "number" && typeof o.ok === "boolean" && typeof o.text === "function" && "body" in o;
}

function isAbort(e: unknown): boolean {
  return typeof e === "object" && e !== null && ((e as { name?: unknown }).name === "AbortError" || (e as { name?: unknown }).name === "TimeoutError");
}

async function httpError(response: Response, url: string): Promise<TgiHttpError> {
  let body = "";
  try {
    body = await response.text();
  } catch {
    body = "";
  }
  let serverError: string | undefined;
  let errorType: string | undefined;
  try {
    const j = JSON.parse(body) as unknown;
    if (j && typeof j === "object" && !Array.isArray(j)) {
      const o = j as Record<string, unknown>;
      if (typeof o.error === "string") serverError = o.error;
      else if (o.error && typeof o.error === "object" && typeof (o.error as { message?: unknown }).message === "string") {
        serverError = (o.error as { message: string }).message;
      }
      if (typeof o.error_type === "string") errorType = o.error_type;
    }
  } catch {
    // not JSON: keep the raw body
  }
  return new TgiHttpError({ status: response.status, statusText: response.statusText, body, serverError, errorType, url });
}

function validToken(t: unknown): t is TgiToken {
  if (!t || typeof t !== "object") return false;
  const o = t as Record<string, unknown>;
  return typeof o.text === "string" && (o.id === undefined || typeof o.id === "number") && (o.special === undefined || typeof o.special === "boolean");
}

/**
 * The events of a `/generate_stream` response, validated. Throws {@link TgiHttpError} for a non-2xx
 * response (with the server's error), and {@link TgiStreamError} for an `{"error": ...}` event, an
 * event that is not a TGI stream response, or a stream that ends before its final event (the one
 * with `generated_text`). Stops after the final event.
 */
export async function* tgiStreamResponses(response: Response): AsyncGenerator<TgiStreamResponse, void, undefined> {
  if (!isResponseLike(response)) {
    throw new InvalidArgumentError(`expected a fetch Response (of /generate_stream), got ${describe(response)}`, ["response"]);
  }
  const url = response.url || "(response)";
  if (!response.ok) throw await httpError(response, url);
  if (!response.body) throw new TgiStreamError("no_body", `TGI response from ${url} has no body`, { tokensReceived: 0 });
  let tokens = 0;
  const events = parseSseStream(response.body);
  for (;;) {
    let next: IteratorResult<{ event: string; data: string }>;
    try {
      next = await events.next();
    } catch (e) {
      if (isAbort(e) || e instanceof LlamaPromptError) throw e;
      throw new TgiStreamError(
        "network",
        `reading the TGI stream failed after ${tokens} token(s): ${e instanceof Error ? e.message : String(e)}`,
        { tokensReceived: tokens },
        { cause: e },
      );
    }
    if (next.done) break;
    const { data } = next.value;
    if (data === "[DONE]") continue;
    let j: unknown;
    try {
      j = JSON.parse(data);
    } catch {
      await events.return(undefined);
      throw new TgiStreamError("invalid_event", `TGI stream event is not JSON: ${clip(data, 200)}`, { tokensReceived: tokens });
    }
    const o = (j && typeof j === "object" && !Array.isArray(j) ? j : {}) as Record<string, unknown>;
    if ("error" in o) {
      await events.return(undefined);
      const serverError = typeof o.error === "string" ? o.error : JSON.stringify(o.error);
      const errorType = typeof o.error_type === "string" ? o.error_type : undefined;
      throw new TgiStreamError(
        "error_event",
        `TGI reported an error after ${tokens} token(s): ${serverError}${errorType ? ` (${errorType})` : ""}`,
        { serverError, errorType, tokensReceived: tokens },
      );
    }
    if (!validToken(o.token)) {
      await events.return(undefined);
      throw new TgiStreamError("invalid_event", `TGI stream event has no valid token: ${clip(data, 200)}`, { tokensReceived: tokens });
    }
    tokens++;
    const ev: TgiStreamResponse = {
      ...(o as object),
      token: o.token,
      generated_text: typeof o.generated_text === "string" ? o.generated_text : null,
      details: o.details && typeof o.details === "object" ? (o.details as TgiStreamDetails) : null,
    };
    yield ev;
    if (ev.generated_text !== null || ev.details !== null) {
      await events.return(undefined);
      return;
    }
  }
  throw new TgiStreamError(
    "truncated",
    `TGI stream ended before its final event (no generated_text/details) after ${tokens} token(s): the connection was cut off`,
    { tokensReceived: tokens },
  );
}

/**
 * The tokens of a `/generate_stream` response as parser input: `{ text, id, special }` per token.
 * Errors as {@link tgiStreamResponses}.
 *
 * @example
 * const parser = createStreamParser();
 * for await (const chunk of tgiTokenChunks(response)) handle(parser.push(chunk));
 */
export async function* tgiTokenChunks(response: Response): AsyncGenerator<TokenChunk, void, undefined> {
  for await (const ev of tgiStreamResponses(response)) yield toChunk(ev.token);
}

function toChunk(t: TgiToken): TokenChunk {
  const c: TokenChunk = { text: t.text };
  if (typeof t.id === "number") c.id = t.id;
  if (typeof t.special === "boolean") c.special = t.special;
  return c;
}

// ---------------------------------------------------------------------------------------------
// End to end
// ---------------------------------------------------------------------------------------------

function endpoint(url: string | URL, path: "/generate" | "/generate_stream"): string {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    throw new InvalidArgumentError(`expected an absolute http(s) URL of a TGI server, got ${describe(String(url))}`, ["url"]);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new InvalidArgumentError(`expected an http(s) URL, got ${JSON.stringify(u.protocol)}`, ["url"]);
  }
  const base = u.pathname.replace(/\/+$/, "").replace(/\/(generate|generate_stream)$/, "");
  u.pathname = base + path;
  return u.toString();
}

async function post(
  url: string,
  body: TgiGenerateRequest,
  client: Pick<TgiClientOptions, "fetch" | "headers" | "signal">,
  accept: string,
): Promise<Response> {
  const f = client.fetch ?? globalThis.fetch;
  if (typeof f !== "function") throw new InvalidOptionsError(`expected a fetch function (no global fetch available)`, ["options", "fetch"]);
  let headers: Headers;
  try {
    headers = new Headers(client.headers);
  } catch (e) {
    throw new InvalidOptionsError(
      `expected a Headers, a record of header names to values, or [name, value] pairs: ${e instanceof Error ? e.message : String(e)}`,
      ["options", "headers"],
    );
  }
  headers.set("content-type", "application/json");
  if (!headers.has("accept")) headers.set("accept", accept);
  const init: RequestInit = { method: "POST", headers, body: JSON.stringify(body) };
  if (client.signal !== undefined && client.signal !== null) {
    const s = client.signal as unknown as Record<string, unknown>;
    if (typeof s !== "object" || typeof s.aborted !== "boolean" || typeof s.addEventListener !== "function") {
      throw new InvalidOptionsError(`expected an AbortSignal, got ${describe(client.signal)}`, ["options", "signal"]);
    }
    init.signal = client.signal;
  }
  let response: Response;
  try {
    response = await f(url, init);
  } catch (e) {
    if (isAbort(e)) throw e;
    throw new TgiHttpError({ status: 0, url }, { cause: e });
  }
  if (!isResponseLike(response)) {
    throw new InvalidOptionsError(`the fetch function returned ${describe(response)}, not a Response`, ["options", "fetch"]);
  }
  if (!response.ok) throw await httpError(response, url);
  return response;
}

const META_BUILTINS: ReadonlySet<string> = new Set(META_BUILTIN_TOOLS);

/**
 * The parser options for a prompt rendered with `render` (already validated by rendering): the
 * tools the prompt offered, and exactly its built-ins (none when none were given). Explicit
 * `parseOptions` keys win.
 */
function resolveParseOptions(render: PromptOptions, parseOptions: ParseOptions | undefined): ParseOptions {
  if (parseOptions !== undefined && parseOptions !== null && (typeof parseOptions !== "object" || Array.isArray(parseOptions))) {
    throw new InvalidOptionsError(`expected an object, got ${describe(parseOptions)}`, ["options", "parseOptions"]);
  }
  const out: ParseOptions = {};
  const tools = Array.isArray(render.tools) ? (render.tools as readonly ParseToolSpec[]) : undefined;
  if (tools) out.tools = tools;
  const builtins: string[] = Array.isArray(render.builtinTools) ? [...(render.builtinTools as readonly string[])] : [];
  if (render.dialect === "meta" && tools) {
    for (const t of tools) {
      const name = toolDefinitionName(t);
      if (name !== undefined && META_BUILTINS.has(name) && !builtins.includes(name)) builtins.push(name);
    }
  }
  out.builtinTools = builtins;
  for (const [k, v] of Object.entries(parseOptions ?? {})) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

/**
 * Streams a chat turn from a TGI server: renders `messages`, POSTs to `{url}/generate_stream`,
 * and yields the parser's events (`text-delta`, `tool-call-*`, `end`) as tokens arrive. Special
 * tokens are recovered from the token ids / `special` flags TGI reports. `url` is the server's base
 * URL (a trailing `/generate` or `/generate_stream` is accepted too).
 *
 * Throws {@link TgiHttpError} / {@link TgiStreamError} (after yielding what arrived) on failure.
 *
 * @example
 * for await (const ev of streamTgi("http://localhost:8080", messages, { builtinTools: ["brave_search"] })) {
 *   if (ev.type === "text-delta") process.stdout.write(ev.text);
 *   if (ev.type === "tool-call-end") runTool(ev.toolCall);
 * }
 */
export async function* streamTgi(
  url: string | URL,
  messages: readonly ChatMessage[],
  options?: TgiClientOptions,
): AsyncGenerator<StreamEvent, void, undefined> {
  const { render, client } = splitOptions(options);
  const body = buildGenerateRequest(messages, { ...render, parameters: client.parameters });
  const target = endpoint(url, "/generate_stream");
  const parser = createStreamParser(resolveParseOptions(render, client.parseOptions));
  const response = await post(target, body, client, "text/event-stream");
  for await (const chunk of tgiTokenChunks(response)) {
    for (const ev of parser.push(chunk)) yield ev;
  }
  for (const ev of parser.end()) yield ev;
}

/** Maps TGI's `finish_reason` to a stop reason where the answer is known (see {@link generateTgi}). */
function stopReasonFromFinish(finish: unknown, stop: readonly string[] | undefined): StopReason | undefined {
  if (finish === "eos_token") return "eot";
  if (finish === "stop_sequence" && stop) {
    const ours = stop.filter((s) => s === "<|eom_id|>" || s === "<|eot_id|>");
    if (ours.length === 1 && stop.length === 1) return ours[0] === "<|eom_id|>" ? "eom" : "eot";
  }
  return undefined;
}

/**
 * Generates a chat turn with TGI's non-streaming `/generate` and returns it parsed. With
 * `details: true` (the default) TGI returns every generated token with its id, and the message is
 * parsed from those tokens, so special tokens (`<|python_tag|>`, `<|eom_id|>`, `<|eot_id|>`) are
 * recovered exactly.
 *
 * Without token details only `generated_text` is available (special tokens removed by TGI), and it
 * is parsed as text: a built-in call lost its `<|python_tag|>`, and the stop token is gone.
 * - With `details: false` TGI sends no `details` at all, so there is no `finish_reason` either:
 *   the stop reason is `"none"`.
 * - When a response has `details` but no usable `tokens` (some servers and proxies), the stop
 *   reason comes from `details.finish_reason` where that is unambiguous — `"eos_token"` → `"eot"`
 *   (the tokenizer's EOS); `"stop_sequence"` only when a single stop sequence was requested;
 *   otherwise `"none"`.
 *
 * Throws {@link TgiHttpError} for a non-2xx status or an unreachable server, and
 * {@link TgiStreamError} with reason `"invalid_response"` for a 2xx whose body is not TGI's JSON.
 */
export async function generateTgi(
  url: string | URL,
  messages: readonly ChatMessage[],
  options?: TgiClientOptions,
): Promise<AssistantMessage> {
  const { render, client } = splitOptions(options);
  const body = buildGenerateRequest(messages, { ...render, parameters: client.parameters });
  const target = endpoint(url, "/generate");
  const parseOptions = resolveParseOptions(render, client.parseOptions);
  const response = await post(target, body, client, "application/json");
  let text: string;
  try {
    text = await response.text();
  } catch (e) {
    if (isAbort(e)) throw e;
    throw new TgiStreamError(
      "network",
      `reading the TGI response from ${target} failed: ${e instanceof Error ? e.message : String(e)}`,
      { tokensReceived: 0 },
      { cause: e },
    );
  }
  const invalid = (why: string) =>
    new TgiStreamError("invalid_response", `TGI response from ${target} (HTTP ${response.status}) ${why}: ${clip(text, 200)}`, { tokensReceived: 0 });
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw invalid("is not JSON");
  }
  if (Array.isArray(j)) j = j[0];
  if (j === null || typeof j !== "object" || Array.isArray(j)) throw invalid("is not a TGI /generate response object");
  const r = j as Partial<TgiGenerateResponse>;
  if (typeof r.generated_text !== "string") throw invalid("has no generated_text");
  const details = r.details !== null && typeof r.details === "object" && !Array.isArray(r.details) ? r.details : undefined;
  const tokens = details?.tokens;
  if (Array.isArray(tokens) && tokens.length > 0 && tokens.every(validToken)) {
    const parser = createStreamParser(parseOptions);
    let message: AssistantMessage | undefined;
    const take = (events: StreamEvent[]) => {
      for (const ev of events) if (ev.type === "end") message = ev.message;
    };
    for (const t of tokens) take(parser.push(toChunk(t)));
    take(parser.end());
    if (message) return message;
  }
  const message = parseAssistantOutput(r.generated_text, parseOptions);
  if (message.stopReason === "none") {
    const reason = stopReasonFromFinish(details?.finish_reason, body.parameters.stop);
    if (reason) return { ...message, stopReason: reason };
  }
  return message;
}
