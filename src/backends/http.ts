/**
 * The HTTP client every backend shares: one POST with JSON, the content type checked, bodies read
 * within bounds. Only `fetch` (global or injected) is used.
 *
 * Bounds (the attack tests that found them are in test/backend-bounds.test.ts):
 * - an error body is read up to {@link MAX_ERROR_BODY_BYTES} and the rest cancelled;
 * - a JSON body, and a whole stream, up to `maxResponseBytes` (default {@link DEFAULT_MAX_RESPONSE_BYTES});
 * - one SSE line or event up to `maxEventSize` characters (see sse.ts).
 */
import { describeValue, InvalidArgumentError, InvalidOptionsError } from "../base/errors.js";
import { BackendHttpError, BackendStreamError, MAX_ERROR_BODY_BYTES } from "./errors.js";
import { DEFAULT_MAX_EVENT_SIZE, parseSseStream, type SseEvent } from "./sse.js";

/** Default bound on one response body, in bytes (32 MiB). */
export const DEFAULT_MAX_RESPONSE_BYTES = 33_554_432;

/** Options every backend constructor takes. */
export interface BackendConfig {
  /** The server's base URL, e.g. `http://127.0.0.1:8080`. */
  baseURL: string | URL;
  /** Extra request headers, e.g. `{ authorization: "Bearer ..." }`. */
  headers?: HeadersInit;
  /** The fetch to use (default: global `fetch`). */
  fetch?: typeof globalThis.fetch;
  /** Longest SSE line / event, in characters (default 1 Mi). */
  maxEventSize?: number;
  /** Longest response body, in bytes (default 32 MiB); a stream counts as one body. */
  maxResponseBytes?: number;
}

/** A checked {@link BackendConfig}. */
export interface HttpClient {
  readonly backend: string;
  readonly baseURL: URL;
  readonly maxEventSize: number;
  readonly maxResponseBytes: number;
  /** POSTs `body` as JSON to `path` (relative to the base URL); checks status and content type. */
  post(path: string, body: unknown, expect: "sse" | "json", signal: AbortSignal | undefined): Promise<Response>;
}

const CONFIG_KEYS = ["baseURL", "headers", "fetch", "maxEventSize", "maxResponseBytes"];

function positiveInt(v: unknown, path: Array<string | number>, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) {
    throw new InvalidArgumentError(`expected a positive integer, got ${describeValue(v)}`, path);
  }
  return v;
}

/**
 * Checks a backend's config (argument name `config`) and returns its HTTP client. `extraKeys` are
 * the backend's own keys (vLLM's `model`), checked by the caller.
 */
export function createHttpClient(backend: string, config: unknown, extraKeys: readonly string[] = []): HttpClient {
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new InvalidArgumentError(`expected { baseURL, headers?, fetch?, ... }, got ${describeValue(config)}`, ["config"]);
  }
  const c = config as Record<string, unknown>;
  for (const k of Object.keys(c)) {
    if (c[k] !== undefined && !CONFIG_KEYS.includes(k) && !extraKeys.includes(k)) {
      throw new InvalidArgumentError(`unknown option; options read here: ${[...CONFIG_KEYS, ...extraKeys].join(", ")}`, ["config", k]);
    }
  }
  let baseURL: URL;
  try {
    baseURL = new URL(String(c.baseURL));
  } catch {
    throw new InvalidArgumentError(`expected an absolute http(s) URL, got ${describeValue(c.baseURL)}`, ["config", "baseURL"]);
  }
  if (baseURL.protocol !== "http:" && baseURL.protocol !== "https:") {
    throw new InvalidArgumentError(`expected an http(s) URL, got protocol ${JSON.stringify(baseURL.protocol)}`, ["config", "baseURL"]);
  }
  if (baseURL.search !== "" || baseURL.hash !== "") {
    throw new InvalidArgumentError(`expected a base URL without query or fragment`, ["config", "baseURL"]);
  }
  let headers: Headers;
  try {
    headers = new Headers(c.headers as HeadersInit | undefined);
  } catch (e) {
    throw new InvalidArgumentError(
      `expected a Headers, a record of header names to values, or [name, value] pairs: ${e instanceof Error ? e.message : String(e)}`,
      ["config", "headers"],
    );
  }
  const f = c.fetch ?? globalThis.fetch;
  if (typeof f !== "function") {
    throw new InvalidArgumentError(`expected a fetch function${c.fetch === undefined ? " (no global fetch available)" : `, got ${describeValue(c.fetch)}`}`, ["config", "fetch"]);
  }
  const maxEventSize = positiveInt(c.maxEventSize, ["config", "maxEventSize"], DEFAULT_MAX_EVENT_SIZE);
  const maxResponseBytes = positiveInt(c.maxResponseBytes, ["config", "maxResponseBytes"], DEFAULT_MAX_RESPONSE_BYTES);
  const base = baseURL.pathname.replace(/\/+$/, "");
  const fetchFn = f as typeof globalThis.fetch;

  return {
    backend,
    baseURL,
    maxEventSize,
    maxResponseBytes,
    async post(path, body, expect, signal) {
      const url = new URL(baseURL.href);
      url.pathname = base + path;
      const target = url.href;
      const h = new Headers(headers);
      h.set("content-type", "application/json");
      if (!h.has("accept")) h.set("accept", expect === "sse" ? "text/event-stream" : "application/json");
      const init: RequestInit = { method: "POST", headers: h, body: JSON.stringify(body) };
      if (signal) init.signal = signal;
      let response: Response;
      try {
        response = await fetchFn(target, init);
      } catch (e) {
        if (signal?.aborted) throw signal.reason ?? e;
        throw new BackendHttpError({ backend, status: 0, url: target }, { cause: e });
      }
      if (!isResponseLike(response)) {
        throw new InvalidArgumentError(`the fetch function returned ${describeValue(response)}, not a Response`, ["config", "fetch"]);
      }
      if (!response.ok) throw await httpError(backend, response, target, signal);
      const type = (response.headers.get("content-type") ?? "").toLowerCase();
      const ok = expect === "sse" ? /^text\/event-stream\b/.test(type) : /^application\/([\w.+-]*\+)?json\b/.test(type);
      if (!ok) {
        const sample = await readErrorBody(response, signal);
        throw new BackendStreamError(
          backend,
          "content_type",
          `${target} answered HTTP ${response.status} with content type ${JSON.stringify(type || "(none)")}, ` +
            `expected ${expect === "sse" ? "text/event-stream" : "application/json"}` +
            (sample.text ? `: ${sample.text.slice(0, 300)}` : ""),
        );
      }
      if (!response.body) throw new BackendStreamError(backend, "no_body", `${target} answered HTTP ${response.status} without a body`);
      return response;
    },
  };
}

/** Duck-typed, so that a fetch polyfill's Response (or one from another realm) is accepted. */
function isResponseLike(r: unknown): r is Response {
  if (r === null || typeof r !== "object") return false;
  const o = r as Record<string, unknown>;
  return typeof o.status === "number" && typeof o.ok === "boolean" && typeof o.headers === "object" && o.headers !== null && "body" in o;
}

/** Reads the body's bytes, counting them; past `limit` cancels the body and throws. */
async function* boundedChunks(
  backend: string,
  response: Response,
  limit: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let total = 0;
  let done = false;
  try {
    for (;;) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        if (signal?.aborted) throw signal.reason ?? e;
        throw new BackendStreamError(backend, "network", `reading the response failed: ${e instanceof Error ? e.message : String(e)}`, {}, { cause: e });
      }
      if (r.done) {
        done = true;
        return;
      }
      const chunk = r.value;
      total += chunk.byteLength;
      if (total > limit) {
        throw new BackendStreamError(backend, "response_too_large", `the response is longer than maxResponseBytes (${limit} bytes)`);
      }
      yield chunk;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    try {
      reader.releaseLock();
    } catch {
      // already released
    }
  }
}

/** The events of a `text/event-stream` response, within the client's bounds. */
export function readSse(client: HttpClient, response: Response, signal: AbortSignal | undefined): AsyncGenerator<SseEvent, void, undefined> {
  return parseSseStream(boundedChunks(client.backend, response, client.maxResponseBytes, signal), {
    maxEventSize: client.maxEventSize,
    source: client.backend,
  });
}

/** A JSON response body, parsed, within the client's bounds. */
export async function readJson(client: HttpClient, response: Response, signal: AbortSignal | undefined): Promise<unknown> {
  const decoder = new TextDecoder();
  const parts: string[] = [];
  for await (const chunk of boundedChunks(client.backend, response, client.maxResponseBytes, signal)) {
    parts.push(decoder.decode(chunk, { stream: true }));
  }
  parts.push(decoder.decode());
  const text = parts.join("");
  try {
    return JSON.parse(text);
  } catch {
    throw new BackendStreamError(client.backend, "invalid_event", `the response body is not JSON: ${text.slice(0, 200)}`);
  }
}

/** Reads at most {@link MAX_ERROR_BODY_BYTES} of a body, then cancels the rest. Never throws. */
async function readErrorBody(response: Response, signal: AbortSignal | undefined): Promise<{ text: string; truncated: boolean }> {
  const body = response.body as ReadableStream<Uint8Array> | null;
  if (!body || typeof body.getReader !== "function") return { text: "", truncated: false };
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  let truncated = false;
  try {
    for (;;) {
      if (signal?.aborted) break;
      const r = await reader.read();
      if (r.done) break;
      const room = MAX_ERROR_BODY_BYTES - bytes;
      if (r.value.byteLength > room) {
        text += decoder.decode(r.value.subarray(0, room), { stream: true });
        truncated = true;
        break;
      }
      bytes += r.value.byteLength;
      text += decoder.decode(r.value, { stream: true });
    }
    text += decoder.decode();
  } catch {
    // a body that fails while we read it: keep what we have
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return { text, truncated };
}

/** The message and type of a server's JSON error body (TGI, vLLM old and new, llama.cpp). */
export function serverErrorOf(j: unknown): { message?: string; type?: string } {
  if (j === null || typeof j !== "object" || Array.isArray(j)) return {};
  const o = j as Record<string, unknown>;
  const e = o.error;
  if (typeof e === "string") return { message: e, type: typeof o.error_type === "string" ? o.error_type : typeof o.type === "string" ? o.type : undefined };
  if (e !== null && typeof e === "object" && !Array.isArray(e)) {
    const m = (e as Record<string, unknown>).message;
    const t = (e as Record<string, unknown>).type;
    return { message: typeof m === "string" ? m : JSON.stringify(e).slice(0, 500), type: typeof t === "string" ? t : undefined };
  }
  // vLLM before the {"error": {...}} shape: {"object": "error", "message", "type"}
  if (o.object === "error" && typeof o.message === "string") return { message: o.message, type: typeof o.type === "string" ? o.type : undefined };
  return {};
}

async function httpError(backend: string, response: Response, url: string, signal: AbortSignal | undefined): Promise<BackendHttpError> {
  const { text, truncated } = await readErrorBody(response, signal);
  let server: { message?: string; type?: string } = {};
  try {
    server = serverErrorOf(JSON.parse(text));
  } catch {
    // not JSON: keep the raw body
  }
  return new BackendHttpError({
    backend,
    status: response.status,
    statusText: response.statusText,
    url,
    body: text,
    bodyTruncated: truncated,
    ...(server.message !== undefined ? { serverMessage: server.message } : {}),
    ...(server.type !== undefined ? { serverErrorType: server.type } : {}),
  });
}

/** Parses one SSE event's data as a JSON object; an error for anything else. */
export function eventJson(backend: string, ev: SseEvent, tokens: number): Record<string, unknown> {
  let j: unknown;
  try {
    j = JSON.parse(ev.data);
  } catch {
    throw new BackendStreamError(backend, "invalid_event", `a stream event is not JSON: ${ev.data.slice(0, 200)}`, { tokensReceived: tokens });
  }
  if (j === null || typeof j !== "object" || Array.isArray(j)) {
    throw new BackendStreamError(backend, "invalid_event", `a stream event is not a JSON object: ${ev.data.slice(0, 200)}`, { tokensReceived: tokens });
  }
  return j as Record<string, unknown>;
}

/** The error of an `{"error": ...}` stream event, or of llama.cpp's `error:` field. */
export function errorEvent(backend: string, server: { message?: string; type?: string }, tokens: number): BackendStreamError {
  const message = server.message ?? "(no message)";
  return new BackendStreamError(
    backend,
    "error_event",
    `the server reported an error after ${tokens} token(s): ${message.slice(0, 500)}${server.type ? ` (${server.type})` : ""}`,
    { ...(server.message !== undefined ? { serverMessage: server.message } : {}), ...(server.type !== undefined ? { serverErrorType: server.type } : {}), tokensReceived: tokens },
  );
}

/** Checks that `x` is a non-negative integer (a token id or count from a server). */
export function isCount(x: unknown): x is number {
  return typeof x === "number" && Number.isSafeInteger(x) && x >= 0;
}


/**
 * Checks `extraParameters` against the keys a backend sets itself: `reserved` maps each such key to
 * the option that sets it (or to `""` when no option does).
 */
export function checkExtraParameters(backend: string, extra: Readonly<Record<string, unknown>>, reserved: Readonly<Record<string, string>>): void {
  for (const k of Object.keys(extra)) {
    if (Object.prototype.hasOwnProperty.call(reserved, k)) {
      const option = reserved[k];
      throw new InvalidOptionsError(
        `the ${backend} backend sets ${JSON.stringify(k)} itself` + (option ? `; use options.${option}` : "; it cannot be overridden"),
        ["options", "extraParameters", k],
      );
    }
  }
}
