/**
 * `llama-prompt serve`: an OpenAI-compatible HTTP server (node:http) in front of TGI, vLLM or
 * llama.cpp, with Llama 3.1's own tool calling — the prompt rendered byte-exactly, the reply parsed
 * into `tool_calls` (JSON-string arguments, streamed as OpenAI streams them), `tool_choice` through
 * the backend's constrained decoding.
 *
 *   POST /v1/chat/completions   streaming (SSE, `data: [DONE]`) and not
 *   GET  /v1/models             the one model served (and GET /v1/models/{id})
 *
 * Loaded only by the `serve` command (main.ts imports it dynamically): `render` and `parse` never load it.
 */
import { timingSafeEqual, createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { parseArgs } from "node:util";
import { formatPath, isLlamaPromptError, type ErrorPath, type LlamaPromptError } from "../base/errors.js";
import { streamChat, type ChatFinish, type ChatOptions } from "../backends/chat.js";
import { BackendHttpError, BackendStreamError, BackendTimeoutError } from "../backends/errors.js";
import { llamaCppBackend } from "../backends/llamacpp.js";
import { tgiBackend } from "../backends/tgi.js";
import type { CompletionBackend } from "../backends/types.js";
import { vllmBackend } from "../backends/vllm.js";
import { createOpenAIChunkEncoder } from "../adapters/openai/chunks.js";
import { newCompletionId, toOpenAIChatCompletion } from "../adapters/openai/message.js";
import { BUILTIN_TOOLS_FIELD, fromOpenAIRequest, type OpenAIChatRequest } from "../adapters/openai/request.js";
import type { AssistantMessage, StreamEvent } from "../parse/types.js";
import type { RenderOptions } from "../base/options.js";

/** Default most bytes of a request body: 4 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Default time in-flight requests get to finish after SIGINT / SIGTERM before they are cut. */
export const DEFAULT_SHUTDOWN_GRACE = 10_000;

/** What the server needs (the `serve` command builds it from its flags). */
export interface ServeConfig {
  backend: CompletionBackend;
  /** The model id `GET /v1/models` lists and every answer names. */
  model: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Milliseconds for one backend call (default 600 000); `false` for none. */
  timeout?: number | false;
  /** Default `maxTokens` when the request gives none (default: the backend layer's, 1024). */
  maxTokens?: number;
  maxBodyBytes?: number;
  /** Render options applied to every request (`llamaVersion`, `dateString`). */
  renderOptions?: Pick<RenderOptions, "llamaVersion" | "dateString">;
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** One line per request (default: none). */
  log?: (line: string) => void;
  shutdownGrace?: number;
}

export interface RunningServer {
  url: string;
  server: Server;
  /** Stops accepting, lets in-flight requests finish for `grace` ms, then cuts them. */
  close(grace?: number): Promise<void>;
}

/** OpenAI's error body. */
interface OpenAIError {
  status: number;
  type: string;
  message: string;
  param: string | null;
  code: string | null;
}

const apiError = (status: number, type: string, message: string, param: string | null = null, code: string | null = null): OpenAIError => ({
  status,
  type,
  message,
  param,
  code,
});

/** A request field for an option path of `streamChat` (its errors name `options.*`). */
const OPTION_FIELDS: Record<string, string> = {
  tools: "tools",
  toolChoice: "tool_choice",
  builtinTools: BUILTIN_TOOLS_FIELD,
  temperature: "temperature",
  topP: "top_p",
  seed: "seed",
  stop: "stop",
};

function paramOf(e: LlamaPromptError, body: Record<string, unknown> | undefined): string | null {
  const path: ErrorPath = e.path;
  if (path.length === 0) return null;
  if (path[0] === "request") return path.length > 1 ? formatPath(path.slice(1)) : null;
  if (path[0] === "messages") return formatPath(path);
  if (path[0] === "options") {
    const key = path[1];
    if (key === "maxTokens") return body?.max_completion_tokens != null ? "max_completion_tokens" : "max_tokens";
    if (key === "extraParameters" && typeof path[2] === "string") return path[2];
    const field = typeof key === "string" ? OPTION_FIELDS[key] : undefined;
    if (field === undefined) return null;
    return formatPath([field, ...path.slice(2)]);
  }
  return null;
}

/** Maps any failure to OpenAI's error shape and status. */
function toApiError(e: unknown, body?: Record<string, unknown>): OpenAIError {
  if (e instanceof BackendTimeoutError) return apiError(504, "server_error", `The backend did not answer in time: ${e.message}`, null, "backend_timeout");
  if (e instanceof BackendHttpError) {
    if (e.status === 0) return apiError(502, "server_error", `The backend could not be reached: ${e.message}`, null, "backend_unreachable");
    if (e.status === 400 || e.status === 413 || e.status === 422) {
      // The server refused what it was sent (a prompt longer than its context, a parameter it rejects).
      return apiError(400, "invalid_request_error", `The backend refused the request: ${e.serverMessage ?? e.message}`, null, "backend_rejected_request");
    }
    return apiError(502, "server_error", `The backend failed: ${e.message}`, null, "backend_error");
  }
  if (e instanceof BackendStreamError) return apiError(502, "server_error", `The backend failed: ${e.message}`, null, `backend_${e.reason}`);
  if (isLlamaPromptError(e)) {
    const param = paramOf(e, body);
    let message = e.message;
    if (e.path[0] === "request") {
      // "request.tools[0].type: ..." → "tools[0].type: ..." (the body is the request).
      const prefix = `${formatPath(e.path)}: `;
      if (message.startsWith(prefix)) message = message.slice(prefix.length);
      if (!message.startsWith("Unrecognized request argument") && param !== null) message = `${param}: ${message}`;
    }
    const code = e.path[0] === "request" && message.startsWith("Unrecognized request argument") ? "unrecognized_argument" : e.code.toLowerCase();
    return apiError(400, "invalid_request_error", message, param, code);
  }
  return apiError(500, "server_error", "Internal error (see the server log)", null, "internal_error");
}

function errorBody(err: OpenAIError): string {
  return JSON.stringify({ error: { message: err.message, type: err.type, param: err.param, code: err.code } });
}

/** Reads the body up to `limit` bytes; `undefined` when it is larger. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return undefined;
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    n += b.length;
    if (n > limit) return undefined;
    parts.push(b);
  }
  return Buffer.concat(parts);
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Writes respecting backpressure; resolves false when the client is gone. */
function write(res: ServerResponse, s: string): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return Promise.resolve(false);
  if (res.write(s)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      res.off("drain", onDrain);
      res.off("close", onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on("drain", onDrain);
    res.on("close", onClose);
  });
}

interface Outcome {
  status: number;
  detail: string;
}

/** Starts the server; resolves once it listens. */
export async function startServer(config: ServeConfig): Promise<RunningServer> {
  const host = config.host ?? "127.0.0.1";
  const maxBody = config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const timeout = config.timeout ?? 600_000;
  const log = config.log ?? (() => {});
  const inFlight = new Set<AbortController>();
  const sockets = new Set<Socket>();
  let closing = false;
  const created = () => Math.floor(Date.now() / 1000);

  const sendJson = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    if (res.headersSent) return;
    res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), ...headers });
    res.end(body);
  };
  const sendError = (res: ServerResponse, err: OpenAIError, headers: Record<string, string> = {}): Outcome => {
    sendJson(res, err.status, errorBody(err), headers);
    return { status: err.status, detail: `error=${err.code ?? err.type}${err.param ? ` param=${err.param}` : ""}` };
  };

  async function chat(req: IncomingMessage, res: ServerResponse): Promise<Outcome> {
    const raw = await readBody(req, maxBody);
    if (raw === undefined) {
      return sendError(res, apiError(413, "invalid_request_error", `The request body is larger than ${maxBody} bytes`, null, "request_too_large"), { connection: "close" });
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      return sendError(res, apiError(400, "invalid_request_error", "We could not parse the JSON body of your request. Send a JSON object with Content-Type: application/json.", null, "invalid_json"));
    }
    let parsed: OpenAIChatRequest;
    try {
      parsed = fromOpenAIRequest(body);
    } catch (e) {
      return sendError(res, toApiError(e));
    }
    const b = body as Record<string, unknown>;
    if (config.backend.name === "tgi" && parsed.options.extraParameters?.presence_penalty !== undefined) {
      return sendError(res, apiError(400, "invalid_request_error", "presence_penalty: not supported by the TGI backend (frequency_penalty is)", "presence_penalty", "unsupported_parameter"));
    }

    const controller = new AbortController();
    inFlight.add(controller);
    const onClose = () => {
      if (!res.writableFinished) controller.abort(new Error("the client closed the connection"));
    };
    res.on("close", onClose);
    let finish: ChatFinish["finish"] | undefined;
    const options: ChatOptions = {
      ...(config.renderOptions ?? {}),
      ...(config.maxTokens !== undefined ? { maxTokens: config.maxTokens } : {}),
      ...parsed.options,
      timeout,
      signal: controller.signal,
      onFinish: (f) => {
        finish = f.finish;
      },
    };
    const events = streamChat(config.backend, parsed.messages, options)[Symbol.asyncIterator]();
    const id = newCompletionId();
    const summary = (m: AssistantMessage | undefined, finishReason: string | undefined) =>
      `model=${JSON.stringify(parsed.model)} stream=${parsed.stream} tools=${parsed.options.tools?.length ?? 0}` +
      `${parsed.options.builtinTools ? ` builtin=${parsed.options.builtinTools.join(",")}` : ""}` +
      `${parsed.options.toolChoice ? ` tool_choice=${typeof parsed.options.toolChoice === "object" ? parsed.options.toolChoice.name : parsed.options.toolChoice}` : ""}` +
      `${finishReason ? ` finish=${finishReason}` : ""}${m ? ` calls=${m.toolCalls.length}` : ""}` +
      `${finish?.usage.promptTokens !== undefined ? ` prompt_tokens=${finish.usage.promptTokens}` : ""}` +
      `${finish?.usage.completionTokens !== undefined ? ` completion_tokens=${finish.usage.completionTokens}` : ""}`;
    try {
      // The first event (or failure) decides the status: bad input → 400, backend down → 502,
      // timeout → 504, before any byte of the answer is sent.
      let first: IteratorResult<StreamEvent>;
      try {
        first = await events.next();
      } catch (e) {
        if (controller.signal.aborted && !(e instanceof BackendTimeoutError)) return { status: 499, detail: `client closed ${summary(undefined, undefined)}` };
        const err = toApiError(e, b);
        if (err.status === 500) log(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        const o = sendError(res, err);
        return { status: o.status, detail: `${summary(undefined, undefined)} ${o.detail}` };
      }

      if (!parsed.stream) {
        let message: AssistantMessage | undefined;
        let r = first;
        try {
          while (!r.done) {
            if (r.value.type === "end") message = r.value.message;
            r = await events.next();
          }
        } catch (e) {
          if (controller.signal.aborted && !(e instanceof BackendTimeoutError)) return { status: 499, detail: `client closed ${summary(undefined, undefined)}` };
          const o = sendError(res, toApiError(e, b));
          return { status: o.status, detail: `${summary(undefined, undefined)} ${o.detail}` };
        }
        const completion = toOpenAIChatCompletion(message!, {
          model: config.model,
          id,
          created: created(),
          ...(finish ? { usage: finish.usage } : {}),
          ...(parsed.parallelToolCalls ? {} : { parallelToolCalls: false }),
        });
        sendJson(res, 200, JSON.stringify(completion));
        return { status: 200, detail: summary(message, completion.choices[0]!.finish_reason) };
      }

      const encoder = createOpenAIChunkEncoder({
        model: config.model,
        id,
        created: created(),
        includeUsage: parsed.includeUsage,
        parallelToolCalls: parsed.parallelToolCalls,
      });
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" });
      res.flushHeaders();
      let message: AssistantMessage | undefined;
      let r = first;
      try {
        while (!r.done) {
          const ev = r.value;
          if (ev.type === "end") {
            message = ev.message;
            encoder.setUsage(finish?.usage);
          }
          for (const chunk of encoder.push(ev)) {
            if (!(await write(res, `data: ${JSON.stringify(chunk)}\n\n`))) return { status: 499, detail: `client closed ${summary(undefined, undefined)}` };
          }
          r = await events.next();
        }
      } catch (e) {
        if (controller.signal.aborted && !(e instanceof BackendTimeoutError)) return { status: 499, detail: `client closed ${summary(undefined, undefined)}` };
        // Headers are sent: the error goes in the stream, as OpenAI does, and no [DONE] follows.
        const err = toApiError(e, b);
        await write(res, `data: ${errorBody(err)}\n\n`);
        res.end();
        return { status: 200, detail: `${summary(undefined, undefined)} stream_error=${err.code ?? err.type}` };
      }
      await write(res, "data: [DONE]\n\n");
      res.end();
      return { status: 200, detail: summary(message, encoder.finishReason) };
    } finally {
      res.off("close", onClose);
      inFlight.delete(controller);
      void events.return?.(undefined)?.catch(() => {});
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<Outcome> {
    const url = (req.url ?? "/").split("?")[0]!;
    if (closing) return sendError(res, apiError(503, "server_error", "The server is shutting down", null, "shutting_down"), { connection: "close" });
    if (config.apiKey !== undefined) {
      const auth = req.headers.authorization ?? "";
      const m = /^Bearer\s+(.+)$/i.exec(auth);
      if (!m || !sameSecret(m[1]!.trim(), config.apiKey)) {
        req.resume();
        return sendError(res, apiError(401, "invalid_request_error", "Incorrect API key provided (Authorization: Bearer <key>)", null, "invalid_api_key"));
      }
    }
    const route = url.replace(/\/+$/, "");
    if (route === "/v1/chat/completions") {
      if (req.method !== "POST") {
        req.resume();
        return sendError(res, apiError(405, "invalid_request_error", `Method ${req.method} not allowed on ${route}; use POST`, null, "method_not_allowed"), { allow: "POST" });
      }
      return chat(req, res);
    }
    if (route === "/v1/models" || route.startsWith("/v1/models/")) {
      req.resume();
      if (req.method !== "GET") return sendError(res, apiError(405, "invalid_request_error", `Method ${req.method} not allowed on ${route}; use GET`, null, "method_not_allowed"), { allow: "GET" });
      const model = { id: config.model, object: "model", created: 0, owned_by: "llama-prompt-format" };
      if (route === "/v1/models") {
        sendJson(res, 200, JSON.stringify({ object: "list", data: [model] }));
        return { status: 200, detail: "" };
      }
      let asked = route.slice("/v1/models/".length);
      try {
        asked = decodeURIComponent(asked);
      } catch {
        // keep it as written
      }
      if (asked !== config.model) {
        return sendError(res, apiError(404, "invalid_request_error", `The model '${asked}' does not exist (this server serves '${config.model}')`, "model", "model_not_found"));
      }
      sendJson(res, 200, JSON.stringify(model));
      return { status: 200, detail: "" };
    }
    req.resume();
    return sendError(res, apiError(404, "invalid_request_error", `Unknown request URL: ${req.method} ${url}`, null, "unknown_url"));
  }

  const server = createServer((req, res) => {
    const t0 = performance.now();
    void handle(req, res)
      .catch((e: unknown): Outcome => {
        log(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        if (!res.headersSent) return sendError(res, apiError(500, "server_error", "Internal error (see the server log)", null, "internal_error"));
        res.destroy();
        return { status: 500, detail: "internal error after the headers" };
      })
      .then((o) => {
        const ms = Math.round(performance.now() - t0);
        log(`${new Date().toISOString()} ${req.method} ${(req.url ?? "").split("?")[0]} ${o.status} ${ms}ms${o.detail ? ` ${o.detail}` : ""}`);
      });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("clientError", (_e, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port ?? 8000, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;

  let closed: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${addr.port}`,
    server,
    close(grace = config.shutdownGrace ?? DEFAULT_SHUTDOWN_GRACE) {
      if (closed) return closed;
      closing = true;
      closed = new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        const cut = () => {
          for (const c of inFlight) c.abort(new Error("the server is shutting down"));
          for (const s of sockets) s.destroy();
        };
        // Every answer was written: close the connections once their buffers are flushed.
        const finish = () => {
          for (const s of sockets) s.end();
          setTimeout(cut, 1000).unref();
        };
        if (inFlight.size === 0) (grace === 0 ? cut : finish)();
        else {
          const timer = setTimeout(cut, grace);
          timer.unref();
          const poll = setInterval(() => {
            if (inFlight.size === 0) {
              clearInterval(poll);
              clearTimeout(timer);
              finish();
            }
          }, 50);
          poll.unref();
        }
      });
      return closed;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The command
// ---------------------------------------------------------------------------------------------

export const SERVE_HELP = `Usage: llama-prompt serve --backend tgi|vllm|llamacpp --url <server> [options]

An OpenAI-compatible server (POST /v1/chat/completions, GET /v1/models) with Llama 3.1's
own tool calling, in front of a raw-completion server: Text Generation Inference, vLLM
or llama.cpp. The prompt is rendered byte-exactly; tool calls come back as OpenAI
tool_calls (arguments as JSON strings, streamed as deltas); tool_choice "required" or
a named function uses the server's constrained decoding.

Options:
  --backend <name>        tgi | vllm | llamacpp (required)
  --url <url>             The server's root URL, e.g. http://127.0.0.1:8080 (required)
  --model <name>          vLLM: the served model name (required). Others: the id
                          GET /v1/models lists (default llama-<version>-instruct)
  --host <host>           Interface to listen on (default 127.0.0.1)
  --port <port>           Port (default 8000; 0 picks a free one)
  --api-key <key>         Require Authorization: Bearer <key> (default: the
                          LLAMA_PROMPT_API_KEY environment variable; none if unset)
  --header <name:value>   A header sent to the backend (repeatable), e.g.
                          --header "authorization: Bearer hf_..."
  --timeout <ms>          Time for one backend call (default 600000; 0 = none); past it 504
  --max-tokens <n>        Tokens to generate when a request does not say (default 1024)
  --max-body-bytes <n>    Largest request body (default ${DEFAULT_MAX_BODY_BYTES}); past it 413
  --shutdown-grace <ms>   On SIGINT / SIGTERM, time in-flight requests get to finish
                          before they are cut (default ${DEFAULT_SHUTDOWN_GRACE})
  --llama-version <v>     3.1 | 3.2 | 3.3: the chat template rendered (default 3.1)
  --date <string>         "Today Date:" of the system prompt (default: the template's)
  --quiet                 No log line per request
  -h, --help              Show this help

Extension: a request field "${BUILTIN_TOOLS_FIELD}": ["brave_search", "wolfram_alpha",
"code_interpreter"] switches on Llama's built-in tools for that request.
Stops cleanly on SIGINT / SIGTERM: no new requests, in-flight ones finish (a second
signal stops at once). Logs one line per request on stderr.
`;

/** A bad flag: exit code 2. */
export class ServeUsageError extends Error {}

function positiveInt(v: string | undefined, flag: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)) || Number(v) < min) throw new ServeUsageError(`serve: --${flag} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** Parses the flags into a config (throws `ServeUsageError`). */
export function serveConfigFromArgs(args: string[], env: NodeJS.ProcessEnv = process.env): { config: ServeConfig; help: boolean; quiet: boolean } {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      allowPositionals: false,
      strict: true,
      options: {
        backend: { type: "string" },
        url: { type: "string" },
        model: { type: "string" },
        host: { type: "string" },
        port: { type: "string" },
        "api-key": { type: "string" },
        header: { type: "string", multiple: true },
        timeout: { type: "string" },
        "max-tokens": { type: "string" },
        "max-body-bytes": { type: "string" },
        "shutdown-grace": { type: "string" },
        "llama-version": { type: "string" },
        date: { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (e) {
    throw new ServeUsageError(`serve: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (values.help) return { config: undefined as never, help: true, quiet: false };
  const kind = values.backend as string | undefined;
  if (kind === undefined) throw new ServeUsageError("serve: --backend is required (tgi, vllm or llamacpp)");
  if (kind !== "tgi" && kind !== "vllm" && kind !== "llamacpp") throw new ServeUsageError(`serve: --backend must be tgi, vllm or llamacpp, got ${JSON.stringify(kind)}`);
  const url = values.url as string | undefined;
  if (url === undefined) throw new ServeUsageError("serve: --url is required (the backend server's root URL)");
  const version = values["llama-version"] as string | undefined;
  if (version !== undefined && version !== "3.1" && version !== "3.2" && version !== "3.3") {
    throw new ServeUsageError(`serve: --llama-version must be 3.1, 3.2 or 3.3, got ${JSON.stringify(version)}`);
  }
  const headers: Record<string, string> = {};
  for (const h of (values.header as string[] | undefined) ?? []) {
    const i = h.indexOf(":");
    if (i <= 0) throw new ServeUsageError(`serve: --header must be "name: value", got ${JSON.stringify(h)}`);
    headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
  }
  const model = values.model as string | undefined;
  if (kind === "vllm" && model === undefined) throw new ServeUsageError("serve: --model is required with --backend vllm (the served model name)");
  const base = { baseURL: url, ...(Object.keys(headers).length ? { headers } : {}) };
  let backend: CompletionBackend;
  try {
    backend = kind === "tgi" ? tgiBackend(base) : kind === "vllm" ? vllmBackend({ ...base, model: model! }) : llamaCppBackend(base);
  } catch (e) {
    throw new ServeUsageError(`serve: --url: ${e instanceof Error ? e.message : String(e)}`);
  }
  const timeout = positiveInt(values.timeout as string | undefined, "timeout", 0);
  const port = positiveInt(values.port as string | undefined, "port", 0);
  if (port !== undefined && port > 65535) throw new ServeUsageError(`serve: --port must be at most 65535, got ${port}`);
  const apiKey = (values["api-key"] as string | undefined) ?? env.LLAMA_PROMPT_API_KEY;
  const renderOptions: ServeConfig["renderOptions"] = {};
  if (version !== undefined) renderOptions.llamaVersion = version;
  if (values.date !== undefined) renderOptions.dateString = values.date as string;
  const config: ServeConfig = {
    backend,
    model: model ?? `llama-${version ?? "3.1"}-instruct`,
    host: (values.host as string | undefined) ?? "127.0.0.1",
    port: port ?? 8000,
    timeout: timeout === 0 ? false : (timeout ?? 600_000),
    maxBodyBytes: positiveInt(values["max-body-bytes"] as string | undefined, "max-body-bytes", 1) ?? DEFAULT_MAX_BODY_BYTES,
    renderOptions,
    ...(apiKey !== undefined && apiKey !== "" ? { apiKey } : {}),
  };
  const grace = positiveInt(values["shutdown-grace"] as string | undefined, "shutdown-grace", 0);
  if (grace !== undefined) config.shutdownGrace = grace;
  const maxTokens = positiveInt(values["max-tokens"] as string | undefined, "max-tokens", 1);
  if (maxTokens !== undefined) config.maxTokens = maxTokens;
  return { config, help: false, quiet: values.quiet === true };
}

/**
 * Runs `llama-prompt serve` until SIGINT / SIGTERM; resolves with the exit code. Logs go to
 * `stderr` (one line per request).
 */
export async function serve(args: string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  const { config, help, quiet } = serveConfigFromArgs(args);
  if (help) {
    io.stdout.write(SERVE_HELP);
    return 0;
  }
  if (!quiet) config.log = (line) => io.stderr.write(line.replace(/[\r\n]+/g, " ") + "\n");
  // Rendering options are checked once, at start (a bad --date is a usage error, not 400s later).
  try {
    const { renderPrompt } = await import("../prompt/render.js");
    renderPrompt([{ role: "user", content: "x" }], config.renderOptions);
  } catch (e) {
    throw new ServeUsageError(`serve: ${e instanceof Error ? e.message : String(e)}`);
  }
  let running: RunningServer;
  try {
    running = await startServer(config);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "EADDRINUSE" ? "the address is in use" : err.code === "EACCES" ? "permission denied" : err.message;
    io.stderr.write(`llama-prompt: serve: cannot listen on ${config.host}:${config.port}: ${why}\n`);
    return 1;
  }
  io.stderr.write(
    `llama-prompt serve: listening on ${running.url}/v1 (backend ${config.backend.name}, model ${JSON.stringify(config.model)}${config.apiKey ? ", API key required" : ""})\n`,
  );
  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        io.stderr.write(`llama-prompt serve: ${sig} again, stopping now\n`);
        void running.close(0);
        return;
      }
      io.stderr.write(`llama-prompt serve: ${sig}, shutting down\n`);
      void running.close().then(() => {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        io.stderr.write("llama-prompt serve: stopped\n");
        resolve(0);
      });
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

