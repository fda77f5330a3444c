/**
 * `generateChat` / `streamChat`: render → send (one BOS) → parse, on any {@link CompletionBackend}.
 *
 * The prompt is rendered with the render options given; the reply is parsed with exactly the tools
 * that prompt offered (`parseOptionsFor`); the stop reason comes from the stop token seen in the
 * stream, or else from the server's final information (`length` when the budget ran out).
 */
import { describeValue, InvalidArgumentError, InvalidOptionsError, type ErrorPath } from "../base/errors.js";
import {
  parseOptionsFor,
  readOptions,
  RENDER_KEYS,
  TOOL_CHOICE_CHECK,
  toolDefinitionName,
  type RenderOptions,
  type ToolChoice,
  type ToolDefinition,
} from "../base/options.js";
import { createStreamParser } from "../parse/index.js";
import type { AssistantMessage, StopReason, StreamEvent, TokenChunk } from "../parse/types.js";
import type { ChatMessage } from "../prompt/messages.js";
import { metaToolPromptFormat } from "../prompt/options.js";
import { renderSegments } from "../prompt/render.js";
import { segmentsToString } from "../prompt/segments.js";
import { BackendStreamError, BackendTimeoutError } from "./errors.js";
import { toolCallSchema } from "./schema.js";
import type { BackendEvent, CompletionBackend, CompletionFinish, CompletionRequest } from "./types.js";

/** Default `maxTokens`. */
export const DEFAULT_MAX_TOKENS = 1024;
/** Default `timeout`: 10 minutes for the whole call. */
export const DEFAULT_TIMEOUT = 600_000;

/** What `onFinish` receives: the final message and the server's final information. */
export interface ChatFinish {
  message: AssistantMessage;
  /** The server's words (stop token id, finish reason, token usage); undefined never for the built-in backends. */
  finish: CompletionFinish;
}

/** Options of {@link generateChat} and {@link streamChat}: render options, parser bounds, generation parameters. */
export interface ChatOptions extends RenderOptions {
  /** `"auto"` (default), `"none"` (the prompt offers no tools), `"required"` or `{ name }` (output constrained to such a call). */
  toolChoice?: ToolChoice;
  /** Tool-call id generator (parser option). */
  createId?: () => string;
  /** Longest tool call kept, in characters (parser option). */
  maxToolCallChars?: number;
  /** Most tokens to generate (default 1024). */
  maxTokens?: number;
  /** Sampling temperature; `0` is greedy. */
  temperature?: number;
  /** Nucleus sampling, in (0, 1]. */
  topP?: number;
  /** Top-k sampling (a positive integer). */
  topK?: number;
  /** Sampling seed (a non-negative integer). */
  seed?: number;
  /** Extra stop strings (Llama 3.1's stop tokens always stop). */
  stop?: readonly string[];
  /** Aborts the call; the abort reason is thrown as is. */
  signal?: AbortSignal;
  /** Milliseconds for the whole call (default 600 000); `false` for none. Past it: `BackendTimeoutError`. */
  timeout?: number | false;
  /** Server-specific parameters, sent as they are (a key the backend sets itself is an error). */
  extraParameters?: Record<string, unknown>;
  /** Called once with the final message and the server's final information, before the `end` event. */
  onFinish?: (info: ChatFinish) => void;
}

type Check = (v: unknown, path: ErrorPath) => unknown;

const finite: Check = (v, path) => {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new InvalidOptionsError(`expected a finite number, got ${describeValue(v)}`, path);
  return v;
};
const positiveInt: Check = (v, path) => {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) throw new InvalidOptionsError(`expected a positive integer, got ${describeValue(v)}`, path);
  return v;
};

/** Generation options, checked here (they belong to this entry point and the adapters built on it). */
export const GENERATION_CHECKS: Record<string, Check> = {
  maxTokens: positiveInt,
  temperature: (v, path) => {
    finite(v, path);
    if ((v as number) < 0) throw new InvalidOptionsError(`expected a number >= 0, got ${describeValue(v)}`, path);
    return v;
  },
  topP: (v, path) => {
    finite(v, path);
    if ((v as number) <= 0 || (v as number) > 1) throw new InvalidOptionsError(`expected a number in (0, 1], got ${describeValue(v)}`, path);
    return v;
  },
  topK: positiveInt,
  seed: (v, path) => {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw new InvalidOptionsError(`expected a non-negative integer, got ${describeValue(v)}`, path);
    return v;
  },
  stop: (v, path) => {
    if (!Array.isArray(v)) throw new InvalidOptionsError(`expected an array of strings, got ${describeValue(v)}`, path);
    const out: string[] = [];
    for (let i = 0; i < v.length; i++) {
      const s: unknown = v[i];
      if (typeof s !== "string" || s === "") throw new InvalidOptionsError(`expected a non-empty string, got ${describeValue(s)}`, [...path, i]);
      out.push(s);
    }
    return out;
  },
  signal: (v, path) => {
    const s = v as Record<string, unknown> | null;
    if (s === null || typeof s !== "object" || typeof s.aborted !== "boolean" || typeof s.addEventListener !== "function") {
      throw new InvalidOptionsError(`expected an AbortSignal, got ${describeValue(v)}`, path);
    }
    return v;
  },
  timeout: (v, path) => {
    if (v === false) return v;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1 || v > 2_147_483_647) {
      throw new InvalidOptionsError(`expected a number of milliseconds (1 to 2147483647) or false, got ${describeValue(v)}`, path);
    }
    return v;
  },
  extraParameters: (v, path) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new InvalidOptionsError(`expected an object, got ${describeValue(v)}`, path);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) continue;
      if (typeof x === "function" || typeof x === "symbol" || typeof x === "bigint") {
        throw new InvalidOptionsError(`expected a JSON value, got ${describeValue(x)}`, [...path, k]);
      }
      out[k] = x;
    }
    return out;
  },
  onFinish: (v, path) => {
    if (typeof v !== "function") throw new InvalidOptionsError(`expected a function, got ${describeValue(v)}`, path);
    return v;
  },
};

/** Keys of the shared options model these entry points read (a function: no work at module load). */
function chatKeys() {
  return [...RENDER_KEYS, "createId", "maxToolCallChars"] as const;
}

/** The backend argument, checked: a typed error (path `["backend"]`) for anything that is no backend. */
export function checkBackend(backend: unknown, path: ErrorPath = ["backend"]): CompletionBackend {
  const b = backend as Partial<CompletionBackend> | null;
  if (b === null || typeof b !== "object" || typeof b.stream !== "function" || typeof b.name !== "string") {
    throw new InvalidArgumentError(
      `expected a CompletionBackend ({ name, stream(request) }, e.g. tgiBackend({ baseURL })), got ${describeValue(backend)}`,
      path,
    );
  }
  return b as CompletionBackend;
}

interface Prepared {
  backend: CompletionBackend;
  request: Omit<CompletionRequest, "signal">;
  parseOptions: ReturnType<typeof parseOptionsFor> & { createId?: () => string; maxToolCallChars?: number };
  /** The tool the output must call (`required`: any of `toolNames`). */
  required: { names: readonly string[] } | undefined;
  signal: AbortSignal | undefined;
  timeout: number | false;
  onFinish: ((info: ChatFinish) => void) | undefined;
}

function prepare(backendArg: unknown, messages: readonly ChatMessage[], options: unknown): Prepared {
  const backend = checkBackend(backendArg);
  const o = readOptions(options, chatKeys(), ["options"], { toolChoice: TOOL_CHOICE_CHECK, ...GENERATION_CHECKS });
  const render: Record<string, unknown> = {};
  for (const k of RENDER_KEYS) if (o[k] !== undefined) render[k] = o[k];
  const choice = (o.toolChoice as ToolChoice | undefined) ?? "auto";
  if (choice === "none") {
    // The prompt offers no tools, so the parser accepts none.
    delete render.tools;
    delete render.builtinTools;
  }
  const renderOptions = render as RenderOptions;

  let responseSchema: Record<string, unknown> | undefined;
  let required: Prepared["required"];
  if (choice === "required" || typeof choice === "object") {
    const tools = (renderOptions.tools ?? []) as readonly ToolDefinition[];
    const names = tools.map((t) => toolDefinitionName(t)!).filter((n) => n !== undefined);
    const path: ErrorPath = typeof choice === "object" ? ["options", "toolChoice", "name"] : ["options", "toolChoice"];
    const builtins = renderOptions.builtinTools ?? [];
    if (typeof choice === "object" && !names.includes(choice.name)) {
      throw new InvalidOptionsError(
        (builtins as readonly string[]).includes(choice.name)
          ? `a built-in tool cannot be forced: its call (<|python_tag|>${choice.name}.call(...)) is not the JSON call format that constrained decoding produces`
          : `names no tool of options.tools (${names.length ? names.join(", ") : "none offered"})`,
        path,
      );
    }
    if (names.length === 0) throw new InvalidOptionsError(`"required" needs at least one tool in options.tools`, path);
    if (choice === "required" && builtins.length > 0) {
      throw new InvalidOptionsError(
        `"required" constrains the output to a JSON call of options.tools, so the built-in tools offered (${builtins.join(", ")}) could not be called; drop builtinTools or name the tool`,
        path,
      );
    }
    if (renderOptions.dialect === "meta" && metaToolPromptFormat(renderOptions) !== "json") {
      throw new InvalidOptionsError(
        `constrained tool calls use the JSON call format; the meta prompt asks for ${JSON.stringify(metaToolPromptFormat(renderOptions))} ` +
          `(toolPromptFormat, or llamaVersion's default); pass toolPromptFormat: "json"`,
        path,
      );
    }
    if (backend.supportsResponseSchema !== true) {
      throw new InvalidOptionsError(`the ${backend.name} backend cannot constrain its output (supportsResponseSchema is not true); use toolChoice "auto"`, path);
    }
    responseSchema = toolCallSchema(tools, typeof choice === "object" ? choice.name : undefined);
    required = { names: typeof choice === "object" ? [choice.name] : names };
  }

  const segments = renderSegments(messages, renderOptions);
  // Exactly the tools the prompt offered: no custom tool rendered, none accepted.
  const parseOptions: Prepared["parseOptions"] = { ...parseOptionsFor(renderOptions) };
  if (o.createId !== undefined) parseOptions.createId = o.createId as () => string;
  if (o.maxToolCallChars !== undefined) parseOptions.maxToolCallChars = o.maxToolCallChars as number;

  const request: Omit<CompletionRequest, "signal"> = {
    segments,
    prompt: segmentsToString(segments),
    maxTokens: (o.maxTokens as number | undefined) ?? DEFAULT_MAX_TOKENS,
    stop: (o.stop as string[] | undefined) ?? [],
    extraParameters: (o.extraParameters as Record<string, unknown> | undefined) ?? {},
    ...(o.temperature !== undefined ? { temperature: o.temperature as number } : {}),
    ...(o.topP !== undefined ? { topP: o.topP as number } : {}),
    ...(o.topK !== undefined ? { topK: o.topK as number } : {}),
    ...(o.seed !== undefined ? { seed: o.seed as number } : {}),
    ...(responseSchema !== undefined ? { responseSchema } : {}),
  };
  return {
    backend,
    request,
    parseOptions,
    required,
    signal: o.signal as AbortSignal | undefined,
    timeout: (o.timeout as number | false | undefined) ?? DEFAULT_TIMEOUT,
    onFinish: o.onFinish as ((info: ChatFinish) => void) | undefined,
  };
}

/** The caller's signal and the timeout, as one signal. */
function deadline(backend: string, user: AbortSignal | undefined, timeout: number | false) {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort(user!.reason);
  if (user) {
    if (user.aborted) controller.abort(user.reason);
    else user.addEventListener("abort", onAbort, { once: true });
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (timeout !== false && !controller.signal.aborted) {
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new BackendTimeoutError(backend, timeout));
    }, timeout);
    (timer as { unref?: () => void }).unref?.();
  }
  return {
    signal: controller.signal,
    /** The error to throw for `e`: a timeout error once the timeout fired, else `e`. */
    error(e: unknown): unknown {
      if (timedOut && !(e instanceof BackendTimeoutError)) return new BackendTimeoutError(backend, timeout as number, { cause: e });
      return e;
    },
    dispose(completed: boolean) {
      if (timer !== undefined) clearTimeout(timer);
      user?.removeEventListener("abort", onAbort);
      // Stopped early (consumer broke out, or an error): cancel whatever is still in flight.
      if (!completed && !controller.signal.aborted) controller.abort();
    },
  };
}

/** The stop reason: the stop token seen in the stream, else what the server reported. */
function stopReasonOf(parsed: StopReason, finish: CompletionFinish): StopReason {
  if (parsed !== "none") return parsed;
  switch (finish.reason) {
    case "length":
      return "length";
    case "stop_token":
      // No stop token in the stream: the server's id, or (id unknown) the tokenizer's EOS, <|eot_id|>.
      return finish.stopTokenId === 128008 ? "eom" : finish.stopTokenId === 128001 ? "end_of_text" : "eot";
    default:
      return "none";
  }
}

function checkEvent(backend: string, ev: unknown, tokens: number): BackendEvent {
  const e = ev as Partial<BackendEvent> | null;
  if (e !== null && typeof e === "object") {
    if (e.type === "token" && typeof (e as { token?: unknown }).token === "object" && (e as { token?: unknown }).token !== null) return e as BackendEvent;
    if (e.type === "finish" && typeof (e as { finish?: unknown }).finish === "object" && (e as { finish?: unknown }).finish !== null) return e as BackendEvent;
  }
  throw new BackendStreamError(backend, "invalid_event", `the backend yielded ${describeValue(ev)}, not { type: "token", token } or { type: "finish", finish }`, {
    tokensReceived: tokens,
  });
}

/** Runs one call: yields the parser's events, with the final stop reason on `end`. */
async function* run(p: Prepared, useGenerate: boolean): AsyncGenerator<StreamEvent, void, undefined> {
  const dl = deadline(p.backend.name, p.signal, p.timeout);
  const request: CompletionRequest = { ...p.request, signal: dl.signal };
  const parser = createStreamParser(p.parseOptions);
  let completed = false;
  let finish: CompletionFinish | undefined;
  let tokens = 0;
  /** The parser's `end` event: it comes with the stop token, or from `parser.end()`; held until the server's finish. */
  let parsedEnd: AssistantMessage | undefined;
  const events = function* (list: StreamEvent[]): Generator<StreamEvent> {
    for (const ev of list) {
      if (ev.type === "end") parsedEnd = ev.message;
      else yield ev;
    }
  };
  const push = (chunk: TokenChunk) => {
    tokens++;
    return events(parser.push(chunk));
  };
  try {
    if (useGenerate && p.backend.generate) {
      const result = await p.backend.generate(request);
      for (const t of result.tokens) yield* push(t);
      finish = result.finish;
    } else {
      for await (const raw of p.backend.stream(request)) {
        const ev = checkEvent(p.backend.name, raw, tokens);
        if (ev.type === "finish") {
          finish = ev.finish;
          break;
        }
        yield* push(ev.token);
      }
    }
    if (finish === undefined) {
      throw new BackendStreamError(p.backend.name, "truncated", `the stream ended without its final information after ${tokens} token(s)`, { tokensReceived: tokens });
    }
    yield* events(parser.end());
    if (parsedEnd === undefined) {
      // Not reached: the parser always ends with an `end` event.
      throw new BackendStreamError(p.backend.name, "invalid_event", `the parser produced no final message`, { tokensReceived: tokens });
    }
    const message: AssistantMessage = { ...parsedEnd, stopReason: stopReasonOf(parsedEnd.stopReason, finish) };
    if (p.required && message.stopReason !== "length") {
      const names = p.required.names;
      if (message.toolCalls.length === 0 || message.toolCalls.some((c) => !names.includes(c.name))) {
        throw new BackendStreamError(
          p.backend.name,
          "constraint_not_honoured",
          `toolChoice asked for a call of ${names.join(" or ")} and the server was asked to constrain its output, ` +
            `but the reply is ${message.toolCalls.length ? `a call of ${message.toolCalls.map((c) => c.name).join(", ")}` : "not a tool call"} ` +
            `(does this server version support structured output?)`,
          { tokensReceived: tokens },
        );
      }
    }
    completed = true;
    p.onFinish?.({ message, finish });
    yield { type: "end", message };
    completed = true;
  } catch (e) {
    throw dl.error(e);
  } finally {
    dl.dispose(completed);
  }
}

/**
 * Streams one assistant turn from `backend`: renders `messages` with the render options, sends the
 * prompt (exactly one `<|begin_of_text|>` reaches the model, whichever server), and yields the
 * parser's events as tokens arrive — `text-delta`, `tool-call-start` / `-delta` / `-end`, `error`,
 * and a final `end` whose `message.stopReason` is `eot`, `eom`, `end_of_text`, `length` or `none`.
 *
 * Throws (after yielding what arrived) `BackendHttpError`, `BackendStreamError`,
 * `BackendTimeoutError`; the caller's abort reason as is; `InvalidOptionsError` /
 * `InvalidMessageError` / `InvalidArgumentError` for bad input (before anything is sent).
 *
 * @example
 * const backend = tgiBackend({ baseURL: "http://127.0.0.1:8080" });
 * for await (const ev of streamChat(backend, messages, { tools, maxTokens: 512 })) {
 *   if (ev.type === "text-delta") process.stdout.write(ev.text);
 *   if (ev.type === "tool-call-end") runTool(ev.toolCall);
 * }
 */
export async function* streamChat(
  backend: CompletionBackend,
  messages: readonly ChatMessage[],
  options?: ChatOptions,
): AsyncGenerator<StreamEvent, void, undefined> {
  yield* run(prepare(backend, messages, options), false);
}

/**
 * Generates one assistant turn from `backend` and returns it parsed (render → send with one BOS →
 * parse with exactly the tools the prompt offered). Uses the backend's non-streamed request when it
 * has one (TGI `/generate`), else its stream. Errors as {@link streamChat}.
 *
 * @example
 * const reply = await generateChat(vllmBackend({ baseURL, model }), messages, { tools: defs, toolChoice: "required" });
 * // { role: "assistant", content: "", toolCalls: [{ name: "get_weather", arguments: { city: "Oslo" }, ... }], stopReason: "eot" }
 */
export async function generateChat(backend: CompletionBackend, messages: readonly ChatMessage[], options?: ChatOptions): Promise<AssistantMessage> {
  const p = prepare(backend, messages, options);
  let message: AssistantMessage | undefined;
  for await (const ev of run(p, true)) if (ev.type === "end") message = ev.message;
  return message!;
}
