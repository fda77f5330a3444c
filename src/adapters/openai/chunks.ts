/**
 * `StreamEvent`s → OpenAI `ChatCompletionChunk`s, as OpenAI streams them:
 *
 * 1. a first chunk `delta: { role: "assistant", content: "" }`;
 * 2. text as `delta.content` pieces;
 * 3. each tool call as `delta.tool_calls` (always an array): its first piece carries `index`, `id`,
 *    `type: "function"` and `function: { name, arguments: "" }`; later pieces carry `index` and
 *    pieces of `function.arguments`, which concatenate to the JSON string of the arguments;
 * 4. a last chunk `delta: {}` with `finish_reason` (`tool_calls`, `stop` or `length`);
 * 5. with `includeUsage`, a usage chunk `choices: []` (and `usage: null` on every chunk before it).
 *
 * JSON calls stream their arguments as the model writes them (the model's own JSON text, which
 * parses to the same object as the final arguments). Built-in, code-interpreter and other non-JSON
 * calls are written in Python-like syntax, so their arguments arrive as one JSON piece when the
 * call is complete. `index` numbers the calls the client sees, from 0, never reused.
 */
import { describeValue, InvalidArgumentError, InvalidOptionsError } from "../../base/errors.js";
import { readOptions } from "../../base/options.js";
import type { CompletionUsage } from "../../backends/types.js";
import type { StreamEvent } from "../../parse/types.js";
import { argumentsJson, checkAssistantMessage, newCompletionId, OPENAI_OPTION_CHECKS, toOpenAIUsage } from "./message.js";
import type { OpenAIChatCompletionChunk, OpenAIChunkChoice, OpenAIFinishReason, OpenAIToolCallDelta } from "./types.js";

/** Options of {@link createOpenAIChunkEncoder} and {@link toOpenAIChunks}. */
export interface OpenAIChunkOptions {
  /** The `model` field of every chunk. */
  model: string;
  /** Default `chatcmpl-` + 32 random hex digits (the same on every chunk). */
  id?: string;
  /** Unix seconds; default now. */
  created?: number;
  /** OpenAI's `stream_options.include_usage`: end with a usage chunk. Default false. */
  includeUsage?: boolean;
  /** `false` (OpenAI's `parallel_tool_calls: false`): only the first tool call is sent. Default true. */
  parallelToolCalls?: boolean;
}

/** Options of {@link toOpenAIChunks}: also where the usage comes from. */
export interface OpenAIChunkStreamOptions extends OpenAIChunkOptions {
  /** Called after the `end` event for the usage chunk (e.g. what `streamChat`'s `onFinish` saw). */
  usage?: () => CompletionUsage | undefined;
}

/** Turns `StreamEvent`s into chunks, one event at a time (see {@link createOpenAIChunkEncoder}). */
export interface OpenAIChunkEncoder {
  /** The completion id every chunk carries. */
  readonly id: string;
  /** The chunks for one event (none for events that change nothing the client sees). */
  push(event: StreamEvent): OpenAIChatCompletionChunk[];
  /** Token counts for the usage chunk; call before pushing the `end` event. */
  setUsage(usage: CompletionUsage | undefined): void;
  /** The finish reason sent, once the `end` event was pushed. */
  readonly finishReason: OpenAIFinishReason | undefined;
}

interface OpenCall {
  /** The index the client sees; -1 until announced. */
  index: number;
  id: string;
  name: string | undefined;
  json: boolean;
  /** Argument pieces were sent as they came (a JSON call whose parameters are an object). */
  streaming: boolean;
  /** Whitespace-only argument text held until the first significant character decides `streaming`. */
  pending: string;
  dropped: boolean;
}

/**
 * A stateful encoder from `StreamEvent`s to OpenAI chunks, for push-style code (an HTTP handler):
 *
 * @example
 * const encoder = createOpenAIChunkEncoder({ model: "llama-3.1", includeUsage: true });
 * for await (const ev of streamChat(backend, messages, { tools, onFinish: ({ finish }) => encoder.setUsage(finish.usage) })) {
 *   for (const chunk of encoder.push(ev)) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
 * }
 * res.end("data: [DONE]\n\n");
 */
export function createOpenAIChunkEncoder(options: OpenAIChunkOptions): OpenAIChunkEncoder {
  const o = readOptions(options, [], ["options"], {
    model: OPENAI_OPTION_CHECKS.model,
    id: OPENAI_OPTION_CHECKS.id,
    created: OPENAI_OPTION_CHECKS.created,
    includeUsage: OPENAI_OPTION_CHECKS.includeUsage,
    parallelToolCalls: OPENAI_OPTION_CHECKS.parallelToolCalls,
  });
  if (o.model === undefined) throw new InvalidOptionsError(`is required`, ["options", "model"]);
  const id = (o.id as string | undefined) ?? newCompletionId();
  const created = (o.created as number | undefined) ?? Math.floor(Date.now() / 1000);
  const model = o.model as string;
  const includeUsage = o.includeUsage === true;
  const single = o.parallelToolCalls === false;

  let started = false;
  let ended = false;
  let nextIndex = 0;
  let completed = 0;
  let usage: CompletionUsage | undefined;
  let finishReason: OpenAIFinishReason | undefined;
  /** Calls in progress, by the parser's index. */
  const open = new Map<number, OpenCall>();

  const chunk = (choices: OpenAIChunkChoice[]): OpenAIChatCompletionChunk => ({
    id,
    object: "chat.completion.chunk",
    created,
    model,
    choices,
    ...(includeUsage ? { usage: null } : {}),
  });
  const delta = (d: OpenAIChunkChoice["delta"]): OpenAIChatCompletionChunk => chunk([{ index: 0, delta: d, finish_reason: null }]);
  const calls = (list: OpenAIToolCallDelta[]): OpenAIChatCompletionChunk => delta({ tool_calls: list });
  const announce = (c: OpenCall, out: OpenAIChatCompletionChunk[]) => {
    c.index = nextIndex++;
    out.push(calls([{ index: c.index, id: c.id, type: "function", function: { name: c.name!, arguments: "" } }]));
  };

  function push(event: StreamEvent): OpenAIChatCompletionChunk[] {
    const ev = event as Partial<StreamEvent> | null;
    if (ev === null || typeof ev !== "object" || typeof ev.type !== "string") {
      throw new InvalidArgumentError(`expected a StreamEvent, got ${describeValue(event)}`, ["event"]);
    }
    if (ended) return [];
    const out: OpenAIChatCompletionChunk[] = [];
    if (!started) {
      started = true;
      out.push(delta({ role: "assistant", content: "" }));
    }
    switch (event.type) {
      case "text-delta":
        if (typeof event.text !== "string") throw new InvalidArgumentError(`expected a string, got ${describeValue(event.text)}`, ["event", "text"]);
        if (event.text !== "") out.push(delta({ content: event.text }));
        break;
      case "tool-call-start": {
        const c: OpenCall = {
          index: -1,
          id: String(event.id),
          name: event.name,
          json: event.format === "json",
          streaming: false,
          pending: "",
          dropped: single && completed > 0,
        };
        open.set(event.index, c);
        if (!c.dropped && c.name !== undefined) announce(c, out);
        break;
      }
      case "tool-call-delta": {
        const c = open.get(event.index);
        if (!c || c.dropped || c.index < 0 || !c.json) break;
        let text = String(event.argumentsDelta);
        if (!c.streaming) {
          // Stream the model's text only when the parameters are a JSON object; a JSON string
          // holding the object (some models write that) is sent whole at the end instead.
          text = c.pending + text;
          const first = text.trimStart()[0];
          if (first === undefined) {
            c.pending = text;
            break;
          }
          c.pending = "";
          if (first !== "{") {
            c.json = false;
            break;
          }
          c.streaming = true;
          text = text.trimStart();
        }
        if (text !== "") out.push(calls([{ index: c.index, function: { arguments: text } }]));
        break;
      }
      case "tool-call-end": {
        const c = open.get(event.index);
        open.delete(event.index);
        if (c?.dropped || (single && completed > 0)) break;
        completed++;
        const call = event.toolCall;
        const entry = c ?? { index: -1, id: call.id, name: call.name, json: false, streaming: false, pending: "", dropped: false };
        if (entry.name === undefined) entry.name = call.name;
        if (entry.index < 0) announce(entry, out);
        if (!entry.streaming) {
          out.push(calls([{ index: entry.index, function: { arguments: argumentsJson(call.arguments, ["event", "toolCall", "arguments"]) } }]));
        }
        break;
      }
      case "error":
        // A call that failed: its index is not reused (the client may hold its first pieces); its
        // text arrives as content, as the parser keeps it.
        if (typeof event.index === "number") open.delete(event.index);
        break;
      case "end": {
        const m = checkAssistantMessage(event.message, ["event", "message"]);
        const n = single ? Math.min(1, m.toolCalls.length) : m.toolCalls.length;
        finishReason = m.stopReason === "length" ? "length" : n > 0 ? "tool_calls" : "stop";
        ended = true;
        out.push(chunk([{ index: 0, delta: {}, finish_reason: finishReason }]));
        if (includeUsage) out.push({ id, object: "chat.completion.chunk", created, model, choices: [], usage: toOpenAIUsage(usage) ?? null });
        break;
      }
      default:
        throw new InvalidArgumentError(`unknown event type ${describeValue((event as { type: unknown }).type)}`, ["event", "type"]);
    }
    return out;
  }

  return {
    id,
    push,
    setUsage(u) {
      usage = u;
    },
    get finishReason() {
      return finishReason;
    },
  };
}

/**
 * `StreamEvent`s (from `streamChat` or `parseStream`) → OpenAI `ChatCompletionChunk`s.
 *
 * @example
 * let usage;
 * const events = streamChat(backend, messages, { tools, onFinish: ({ finish }) => (usage = finish.usage) });
 * for await (const chunk of toOpenAIChunks(events, { model: "llama-3.1", includeUsage: true, usage: () => usage })) {
 *   res.write(`data: ${JSON.stringify(chunk)}\n\n`);
 * }
 * res.end("data: [DONE]\n\n");
 */
export async function* toOpenAIChunks(
  events: AsyncIterable<StreamEvent> | Iterable<StreamEvent>,
  options: OpenAIChunkStreamOptions,
): AsyncGenerator<OpenAIChatCompletionChunk, void, undefined> {
  const { usage, ...rest } = (options ?? {}) as OpenAIChunkStreamOptions;
  if (usage !== undefined && typeof usage !== "function") throw new InvalidOptionsError(`expected a function, got ${describeValue(usage)}`, ["options", "usage"]);
  const encoder = createOpenAIChunkEncoder(rest);
  const it = events as Partial<AsyncIterable<StreamEvent> & Iterable<StreamEvent>> | null;
  if (it === null || typeof it !== "object" || (typeof it[Symbol.asyncIterator] !== "function" && typeof it[Symbol.iterator] !== "function")) {
    throw new InvalidArgumentError(`expected an (async) iterable of StreamEvents, got ${describeValue(events)}`, ["events"]);
  }
  for await (const ev of events) {
    if (ev !== null && typeof ev === "object" && ev.type === "end" && usage) encoder.setUsage(usage());
    yield* encoder.push(ev);
  }
}
