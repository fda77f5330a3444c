/**
 * A parsed assistant turn (`AssistantMessage`) in OpenAI's shape: the message, its finish reason,
 * and a whole non-streamed `ChatCompletion`.
 */
import { describeValue, InvalidArgumentError, InvalidOptionsError, SerializationError, type ErrorPath } from "../../base/errors.js";
import { readOptions } from "../../base/options.js";
import type { CompletionUsage } from "../../backends/types.js";
import type { AssistantMessage, ToolCall } from "../../parse/types.js";
import type { OpenAIAssistantMessage, OpenAIChatCompletion, OpenAIFinishReason, OpenAIToolCall, OpenAIUsage } from "./types.js";

const STOP_REASONS: readonly string[] = ["eot", "eom", "end_of_text", "length", "none"];

/** Options of {@link toOpenAIMessage} and {@link toOpenAIChatCompletion}. */
export interface OpenAIMessageOptions {
  /** `false` (OpenAI's `parallel_tool_calls: false`): keep only the first tool call. Default true. */
  parallelToolCalls?: boolean;
}

/** Options of {@link toOpenAIChatCompletion}. */
export interface OpenAIChatCompletionOptions extends OpenAIMessageOptions {
  /** The `model` field of the answer. */
  model: string;
  /** Default `chatcmpl-` + 32 random hex digits. */
  id?: string;
  /** Unix seconds; default now. */
  created?: number;
  /** Token counts as the backend reported them (`onFinish`'s `finish.usage`); the answer has `usage` only when both are known. */
  usage?: CompletionUsage;
}

type Check = (v: unknown, path: ErrorPath) => unknown;
const bool: Check = (v, path) => {
  if (typeof v !== "boolean") throw new InvalidOptionsError(`expected a boolean, got ${describeValue(v)}`, path);
  return v;
};
const nonEmptyString: Check = (v, path) => {
  if (typeof v !== "string" || v === "") throw new InvalidOptionsError(`expected a non-empty string, got ${describeValue(v)}`, path);
  return v;
};
const unixSeconds: Check = (v, path) => {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw new InvalidOptionsError(`expected Unix seconds (an integer >= 0), got ${describeValue(v)}`, path);
  return v;
};
const usageCheck: Check = (v, path) => {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new InvalidOptionsError(`expected { promptTokens?, completionTokens? }, got ${describeValue(v)}`, path);
  const u = v as Record<string, unknown>;
  for (const k of Object.keys(u)) {
    if (k !== "promptTokens" && k !== "completionTokens") throw new InvalidOptionsError(`unknown key; expected promptTokens, completionTokens`, [...path, k]);
    const n = u[k];
    if (n !== undefined && (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0)) {
      throw new InvalidOptionsError(`expected a token count, got ${describeValue(n)}`, [...path, k]);
    }
  }
  return v;
};

/** Checks of the adapter's own options (read through the one options model). */
export const OPENAI_OPTION_CHECKS = { parallelToolCalls: bool, includeUsage: bool, model: nonEmptyString, id: nonEmptyString, created: unixSeconds, usage: usageCheck };

/** A fresh completion id: `chatcmpl-` + 32 random hex digits. */
export function newCompletionId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let s = "chatcmpl-";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** A tool call's arguments as a JSON string (what OpenAI clients `JSON.parse`). */
export function argumentsJson(args: unknown, path: ErrorPath): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(args, (_k, v: unknown) => {
      if (typeof v === "number" && !Number.isFinite(v)) throw new SerializationError(`${v} has no JSON form`, path);
      if (typeof v === "bigint" || typeof v === "function" || typeof v === "symbol") throw new SerializationError(`${describeValue(v)} has no JSON form`, path);
      return v;
    });
  } catch (e) {
    if (e instanceof SerializationError) throw e;
    throw new SerializationError(`the arguments cannot be written as JSON (${e instanceof Error ? e.message : describeValue(e)})`, path);
  }
  if (s === undefined || s[0] !== "{") throw new SerializationError(`expected an object, got ${describeValue(args)}`, path);
  return s;
}

/** Checks that `message` is an `AssistantMessage` (as the parser or `generateChat` returns it). */
export function checkAssistantMessage(message: unknown, root: ErrorPath = ["message"]): AssistantMessage {
  const m = message as Partial<AssistantMessage> | null;
  if (m === null || typeof m !== "object" || Array.isArray(m)) throw new InvalidArgumentError(`expected an AssistantMessage { content, toolCalls, stopReason }, got ${describeValue(message)}`, root);
  if (typeof m.content !== "string") throw new InvalidArgumentError(`expected a string, got ${describeValue(m.content)}`, [...root, "content"]);
  if (!Array.isArray(m.toolCalls)) throw new InvalidArgumentError(`expected an array of tool calls, got ${describeValue(m.toolCalls)}`, [...root, "toolCalls"]);
  if (typeof m.stopReason !== "string" || !STOP_REASONS.includes(m.stopReason)) {
    throw new InvalidArgumentError(`expected one of ${STOP_REASONS.join(", ")}, got ${describeValue(m.stopReason)}`, [...root, "stopReason"]);
  }
  m.toolCalls.forEach((c: Partial<ToolCall> | null, i) => {
    const p = [...root, "toolCalls", i];
    if (c === null || typeof c !== "object") throw new InvalidArgumentError(`expected a tool call { id, name, arguments }, got ${describeValue(c)}`, p);
    if (typeof c.id !== "string" || c.id === "") throw new InvalidArgumentError(`expected a non-empty string, got ${describeValue(c.id)}`, [...p, "id"]);
    if (typeof c.name !== "string" || c.name === "") throw new InvalidArgumentError(`expected a non-empty string, got ${describeValue(c.name)}`, [...p, "name"]);
    if (c.arguments === null || typeof c.arguments !== "object" || Array.isArray(c.arguments)) {
      throw new InvalidArgumentError(`expected an object, got ${describeValue(c.arguments)}`, [...p, "arguments"]);
    }
  });
  return m as AssistantMessage;
}

/**
 * The finish reason OpenAI would give for this turn: `"length"` when the token budget ran out
 * (stop reason `length`, even after complete calls: the turn was cut), else `"tool_calls"` when it
 * has tool calls (built-in calls too: the client runs them and sends the results back), else
 * `"stop"`.
 */
export function toOpenAIFinishReason(message: Pick<AssistantMessage, "toolCalls" | "stopReason">): OpenAIFinishReason {
  const m = checkAssistantMessage({ content: "", ...(message as object) });
  if (m.stopReason === "length") return "length";
  return m.toolCalls.length > 0 ? "tool_calls" : "stop";
}

/**
 * A parsed assistant turn as an OpenAI `ChatCompletionMessage`: `content` (null when the turn is
 * only tool calls), `tool_calls` with each call's id kept and its arguments as a JSON string
 * (`function.arguments`), built-in calls included (`brave_search` → `{"query": ...}`,
 * `code_interpreter` → `{"code": ...}`).
 *
 * @example
 * toOpenAIMessage(parseAssistantOutput('{"name": "get_weather", "parameters": {"city": "Oslo"}}<|eot_id|>', { tools: ["get_weather"] }))
 * // { role: "assistant", content: null, refusal: null,
 * //   tool_calls: [{ id: "call_…", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } }] }
 */
export function toOpenAIMessage(message: AssistantMessage, options?: OpenAIMessageOptions): OpenAIAssistantMessage {
  const o = readOptions(options, [], ["options"], { parallelToolCalls: OPENAI_OPTION_CHECKS.parallelToolCalls });
  const m = checkAssistantMessage(message);
  const calls = o.parallelToolCalls === false ? m.toolCalls.slice(0, 1) : m.toolCalls;
  const toolCalls: OpenAIToolCall[] = calls.map((c, i) => ({
    id: c.id,
    type: "function",
    function: { name: c.name, arguments: argumentsJson(c.arguments, ["message", "toolCalls", i, "arguments"]) },
  }));
  const out: OpenAIAssistantMessage = {
    role: "assistant",
    content: m.content === "" && toolCalls.length > 0 ? null : m.content,
    refusal: null,
  };
  if (toolCalls.length > 0) out.tool_calls = toolCalls;
  return out;
}

/** Backend token counts as OpenAI `usage`, or `undefined` unless both counts are known. */
export function toOpenAIUsage(usage: CompletionUsage | undefined): OpenAIUsage | undefined {
  if (usage === undefined || usage === null || typeof usage !== "object") return undefined;
  const { promptTokens, completionTokens } = usage;
  if (typeof promptTokens !== "number" || typeof completionTokens !== "number") return undefined;
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

/**
 * A parsed assistant turn as a whole non-streamed OpenAI `ChatCompletion` (one choice).
 *
 * @example
 * let usage;
 * const reply = await generateChat(backend, messages, { tools, onFinish: ({ finish }) => (usage = finish.usage) });
 * res.end(JSON.stringify(toOpenAIChatCompletion(reply, { model: "llama-3.1", usage })));
 */
export function toOpenAIChatCompletion(message: AssistantMessage, options: OpenAIChatCompletionOptions): OpenAIChatCompletion {
  const o = readOptions(options, [], ["options"], OPENAI_OPTION_CHECKS);
  if (o.model === undefined) throw new InvalidOptionsError(`is required`, ["options", "model"]);
  const msg = toOpenAIMessage(message, o.parallelToolCalls === false ? { parallelToolCalls: false } : undefined);
  const usage = toOpenAIUsage(o.usage as CompletionUsage | undefined);
  const finish = toOpenAIFinishReason({ toolCalls: msg.tool_calls ? message.toolCalls.slice(0, msg.tool_calls.length) : [], stopReason: message.stopReason });
  return {
    id: (o.id as string | undefined) ?? newCompletionId(),
    object: "chat.completion",
    created: (o.created as number | undefined) ?? Math.floor(Date.now() / 1000),
    model: o.model as string,
    choices: [{ index: 0, message: msg, finish_reason: finish, logprobs: null }],
    ...(usage ? { usage } : {}),
  };
}
