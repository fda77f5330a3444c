/**
 * OpenAI Chat Completions requests → this library's inputs: `tools` → tool definitions,
 * `tool_choice` → `toolChoice`, and a whole request body → the messages and `ChatOptions` that
 * `streamChat` / `generateChat` take.
 *
 * Every field of the body is checked the way OpenAI's API does: an unknown field is refused
 * ("Unrecognized request argument supplied"), a known field this server cannot honour is refused
 * naming it, and fields that only concern OpenAI's platform (`user`, `metadata`, `store`, ...) are
 * accepted and have no effect. Errors are `InvalidArgumentError`s whose path starts at the argument
 * (`["request", "tools", 0, "function", "name"]`).
 */
import { describeValue, InvalidArgumentError, type ErrorPath } from "../../base/errors.js";
import { toolDefinitionName, type ToolChoice, type ToolDefinition } from "../../base/options.js";
import { BUILTIN_TOOL_NAMES, isToolName, TOOL_NAME_RULE, type AnyBuiltinToolName } from "../../base/tokens.js";
import type { ChatOptions } from "../../backends/chat.js";
import type { ChatMessage } from "../../prompt/messages.js";

/**
 * The extension field that switches on Llama's built-in tools for one request:
 * `"llama_builtin_tools": ["brave_search", "wolfram_alpha", "code_interpreter"]`. Their calls come
 * back as ordinary `tool_calls` (`brave_search` with `{"query": ...}`, `code_interpreter` with
 * `{"code": ...}`).
 */
export const BUILTIN_TOOLS_FIELD = "llama_builtin_tools";

/**
 * Every field of OpenAI's `ChatCompletionCreateParams` (openai@6), and what this adapter does with
 * it. `test/openai-request.test-d.ts` checks that the list is exactly the SDK's keys.
 */
export const OPENAI_REQUEST_FIELDS = [
  "messages",
  "model",
  "audio",
  "frequency_penalty",
  "function_call",
  "functions",
  "logit_bias",
  "logprobs",
  "max_completion_tokens",
  "max_tokens",
  "metadata",
  "modalities",
  "moderation",
  "n",
  "parallel_tool_calls",
  "prediction",
  "presence_penalty",
  "prompt_cache_key",
  "prompt_cache_options",
  "prompt_cache_retention",
  "reasoning_effort",
  "response_format",
  "safety_identifier",
  "seed",
  "service_tier",
  "stop",
  "store",
  "stream",
  "stream_options",
  "temperature",
  "tool_choice",
  "tools",
  "top_logprobs",
  "top_p",
  "user",
  "verbosity",
  "web_search_options",
] as const;

/** Fields that concern OpenAI's platform only (storage, billing, caching, abuse tracking): accepted, no effect. */
export const OPENAI_PLATFORM_FIELDS: readonly string[] = [
  "metadata",
  "store",
  "user",
  "safety_identifier",
  "service_tier",
  "prompt_cache_key",
  "prompt_cache_options",
  "prompt_cache_retention",
  "moderation",
];

/** A request body turned into this library's inputs (see {@link fromOpenAIRequest}). */
export interface OpenAIChatRequest {
  /** `messages` as given (`renderPrompt` accepts OpenAI messages; it validates them when rendering). */
  messages: ChatMessage[];
  /** What to pass to `streamChat` / `generateChat` (add `signal`, `timeout`, render options...). */
  options: ChatOptions;
  /** `model` as the client sent it. */
  model: string;
  /** `stream: true`. */
  stream: boolean;
  /** `stream_options.include_usage: true`. */
  includeUsage: boolean;
  /** `parallel_tool_calls` (default true): when false, only the first tool call is returned. */
  parallelToolCalls: boolean;
}

const fail = (message: string, path: ErrorPath) => new InvalidArgumentError(message, path);

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Own enumerable keys and values, read once (a throwing getter is a typed error). */
function entriesOf(v: Record<string, unknown>, path: ErrorPath): Array<[string, unknown]> {
  try {
    return Object.keys(v).map((k) => [k, v[k]]);
  } catch (cause) {
    throw new InvalidArgumentError(`the object could not be read`, path, { cause });
  }
}

function readObject(v: unknown, path: ErrorPath, allowed: readonly string[], what: string): Record<string, unknown> {
  if (!isObject(v)) throw fail(`expected ${what}, got ${describeValue(v)}`, path);
  const out: Record<string, unknown> = {};
  for (const [k, x] of entriesOf(v, path)) {
    if (!allowed.includes(k)) throw fail(`unknown field; expected ${allowed.join(", ")}`, [...path, k]);
    out[k] = x;
  }
  return out;
}

function readArray(v: unknown, path: ErrorPath, what: string): unknown[] {
  if (!Array.isArray(v)) throw fail(`expected an array of ${what}, got ${describeValue(v)}`, path);
  const out: unknown[] = [];
  try {
    for (let i = 0; i < v.length; i++) out.push(v[i]);
  } catch (cause) {
    throw new InvalidArgumentError(`the array could not be read`, path, { cause });
  }
  return out;
}

function number(v: unknown, path: ErrorPath, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) {
    throw fail(`expected a number from ${min} to ${max}, got ${describeValue(v)}`, path);
  }
  return v;
}

function integer(v: unknown, path: ErrorPath, min: number): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) throw fail(`expected an integer >= ${min}, got ${describeValue(v)}`, path);
  return v;
}

function boolean(v: unknown, path: ErrorPath): boolean {
  if (typeof v !== "boolean") throw fail(`expected a boolean, got ${describeValue(v)}`, path);
  return v;
}

function toolName(v: unknown, path: ErrorPath): string {
  if (!isToolName(v)) throw fail(`expected a function name (${TOOL_NAME_RULE}), got ${describeValue(v)}`, path);
  return v;
}

/**
 * OpenAI `tools` → tool definitions for `renderPrompt` / `streamChat`. Only function tools exist for
 * Llama (`{ type: "function", function: { name, description?, parameters?, strict? } }`); a custom
 * (free-text) tool is refused. The definition is kept as given, in its key order (the prompt writes
 * it as JSON, as the official template does), without `strict`, which is an instruction to OpenAI's
 * API, not a description of the tool.
 *
 * @param path where the tools are, for error paths (default `["tools"]`)
 * @example
 * fromOpenAITools([{ type: "function", function: { name: "get_weather", parameters: { type: "object" }, strict: true } }])
 * // [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }]
 */
export function fromOpenAITools(tools: unknown, path: ErrorPath = ["tools"]): ToolDefinition[] {
  const out: ToolDefinition[] = [];
  const seen = new Set<string>();
  readArray(tools, path, "tools").forEach((t, i) => {
    const p = [...path, i];
    const tool = readObject(t, p, ["type", "function", "custom"], "a tool ({ type: \"function\", function: { name, ... } })");
    if (tool.type !== "function") {
      throw fail(
        tool.type === "custom" ? `custom (free-text) tools are not supported: Llama calls functions with JSON arguments` : `expected "function", got ${describeValue(tool.type)}`,
        [...p, "type"],
      );
    }
    if (tool.custom !== undefined) throw fail(`unknown field for a function tool`, [...p, "custom"]);
    const fn = readObject(tool.function, [...p, "function"], ["name", "description", "parameters", "strict"], "a function definition { name, description?, parameters? }");
    const name = toolName(fn.name, [...p, "function", "name"]);
    if (seen.has(name)) throw fail(`a second tool named ${JSON.stringify(name)}`, [...p, "function", "name"]);
    seen.add(name);
    const def: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(fn)) {
      if (k === "strict") {
        if (v !== null && v !== undefined) boolean(v, [...p, "function", "strict"]);
        continue;
      }
      if (v === undefined) continue;
      if (k === "description" && typeof v !== "string") throw fail(`expected a string, got ${describeValue(v)}`, [...p, "function", k]);
      if (k === "parameters" && !isObject(v)) throw fail(`expected a JSON Schema object, got ${describeValue(v)}`, [...p, "function", k]);
      def[k] = v;
    }
    out.push({ type: "function", function: def as { name: string } });
  });
  return out;
}

/**
 * OpenAI `tool_choice` → `toolChoice`: `"auto"`, `"none"`, `"required"`, or
 * `{ type: "function", function: { name } }` → `{ name }`. `allowed_tools` restricts which tools are
 * offered, which a `toolChoice` alone cannot say: {@link fromOpenAIRequest} handles it.
 *
 * @example
 * fromOpenAIToolChoice({ type: "function", function: { name: "get_weather" } }) // { name: "get_weather" }
 */
export function fromOpenAIToolChoice(choice: unknown, path: ErrorPath = ["tool_choice"]): ToolChoice {
  if (choice === "auto" || choice === "none" || choice === "required") return choice;
  if (isObject(choice)) {
    if (choice.type === "function") {
      const c = readObject(choice, path, ["type", "function"], "a named tool choice");
      const fn = readObject(c.function, [...path, "function"], ["name"], "{ name }");
      return { name: toolName(fn.name, [...path, "function", "name"]) };
    }
    if (choice.type === "allowed_tools") {
      throw fail(`allowed_tools restricts the tools offered; pass the whole request to fromOpenAIRequest, or filter the tools yourself`, path);
    }
    if (choice.type === "custom") throw fail(`custom (free-text) tools are not supported`, [...path, "type"]);
  }
  throw fail(`expected "auto", "none", "required" or { type: "function", function: { name } }, got ${describeValue(choice)}`, path);
}

function allowedTools(choice: Record<string, unknown>, path: ErrorPath, offered: readonly ToolDefinition[]): { mode: "auto" | "required"; names: string[] } {
  const c = readObject(choice, path, ["type", "allowed_tools"], "an allowed-tools choice");
  const at = readObject(c.allowed_tools, [...path, "allowed_tools"], ["mode", "tools"], "{ mode, tools }");
  if (at.mode !== "auto" && at.mode !== "required") throw fail(`expected "auto" or "required", got ${describeValue(at.mode)}`, [...path, "allowed_tools", "mode"]);
  const names: string[] = [];
  readArray(at.tools, [...path, "allowed_tools", "tools"], "tool references").forEach((t, i) => {
    const p = [...path, "allowed_tools", "tools", i];
    const ref = readObject(t, p, ["type", "function"], `a tool reference ({ type: "function", function: { name } })`);
    if (ref.type !== "function") throw fail(`expected "function", got ${describeValue(ref.type)}`, [...p, "type"]);
    const fn = readObject(ref.function, [...p, "function"], ["name"], "{ name }");
    const name = toolName(fn.name, [...p, "function", "name"]);
    if (!offered.some((d) => toolDefinitionName(d) === name)) throw fail(`names no tool of tools`, [...p, "function", "name"]);
    names.push(name);
  });
  return { mode: at.mode, names };
}

/** The value unless it is `null` / `undefined` (OpenAI treats `null` as "not given"). */
const given = (v: unknown): boolean => v !== null && v !== undefined;

/**
 * A Chat Completions request body (`ChatCompletionCreateParams`, parsed JSON) → the messages and
 * `ChatOptions` for `streamChat` / `generateChat`, plus what shapes the answer (`stream`,
 * `includeUsage`, `parallelToolCalls`).
 *
 * | field | becomes |
 * |---|---|
 * | `messages` | the messages, as given (an assistant message with several `tool_calls`: `splitToolCalls: true`) |
 * | `tools`, `tool_choice` (`auto`, `none`, `required`, a named function, `allowed_tools`) | `tools`, `toolChoice` (required / named: constrained decoding) |
 * | `llama_builtin_tools` (extension) | `builtinTools` |
 * | `max_completion_tokens` / `max_tokens` | `maxTokens` |
 * | `temperature`, `top_p`, `seed`, `stop` | `temperature`, `topP`, `seed`, `stop` |
 * | `frequency_penalty`, `presence_penalty` (non-zero) | `extraParameters`, sent to the server as they are |
 * | `n` > 1, `logprobs`, `top_logprobs`, `logit_bias`, `response_format` other than text, `audio`, audio `modalities`, `functions`, `function_call`, `prediction`, `web_search_options`, `reasoning_effort`, `verbosity` | refused: `InvalidArgumentError` naming the field |
 * | `user`, `metadata`, `store`, `service_tier`, `safety_identifier`, `prompt_cache_*`, `moderation` | accepted, no effect |
 * | anything else | refused ("Unrecognized request argument supplied") |
 *
 * @example
 * const { messages, options, stream } = fromOpenAIRequest(JSON.parse(body));
 * const reply = await generateChat(backend, messages, { ...options, timeout: 60_000 });
 */
export function fromOpenAIRequest(request: unknown): OpenAIChatRequest {
  const root: ErrorPath = ["request"];
  if (!isObject(request)) throw fail(`expected a JSON object (a Chat Completions request), got ${describeValue(request)}`, root);
  const known: readonly string[] = OPENAI_REQUEST_FIELDS;
  const body: Record<string, unknown> = {};
  for (const [k, v] of entriesOf(request, root)) {
    if (!known.includes(k) && k !== BUILTIN_TOOLS_FIELD) throw fail(`Unrecognized request argument supplied: ${k}`, [...root, k]);
    body[k] = v;
  }
  const at = (k: string): ErrorPath => [...root, k];
  const unsupported = (k: string, why: string): never => {
    throw fail(`not supported by this server: ${why}`, at(k));
  };

  if (body.messages === undefined) throw fail(`is required`, at("messages"));
  const messages = readArray(body.messages, at("messages"), "messages") as ChatMessage[];
  if (messages.length === 0) throw fail(`expected at least one message`, at("messages"));
  if (typeof body.model !== "string" || body.model === "") {
    throw fail(body.model === undefined ? `is required` : `expected a model name, got ${describeValue(body.model)}`, at("model"));
  }

  const options: ChatOptions = {};
  const extra: Record<string, unknown> = {};

  // Output shape
  const stream = given(body.stream) ? boolean(body.stream, at("stream")) : false;
  let includeUsage = false;
  if (given(body.stream_options)) {
    if (!stream) throw fail(`is only allowed when stream is true`, at("stream_options"));
    const so = readObject(body.stream_options, at("stream_options"), ["include_usage", "include_obfuscation"], "{ include_usage? }");
    if (given(so.include_usage)) includeUsage = boolean(so.include_usage, [...at("stream_options"), "include_usage"]);
    // include_obfuscation pads chunks against side channels on OpenAI's platform; nothing to pad here.
    if (given(so.include_obfuscation)) boolean(so.include_obfuscation, [...at("stream_options"), "include_obfuscation"]);
  }
  if (given(body.n) && integer(body.n, at("n"), 1) !== 1) unsupported("n", "only n = 1 (one choice per request)");
  if (given(body.logprobs) && boolean(body.logprobs, at("logprobs"))) unsupported("logprobs", "log probabilities are not returned");
  if (given(body.top_logprobs)) unsupported("top_logprobs", "log probabilities are not returned");
  if (given(body.logit_bias)) {
    if (!isObject(body.logit_bias)) throw fail(`expected an object, got ${describeValue(body.logit_bias)}`, at("logit_bias"));
    if (Object.keys(body.logit_bias).length > 0) unsupported("logit_bias", "logit biases are not applied");
  }
  if (given(body.response_format)) {
    const rf = body.response_format;
    if (!isObject(rf) || rf.type !== "text") unsupported("response_format", `only { "type": "text" } (tool calls are constrained with tool_choice)`);
  }
  if (given(body.modalities)) {
    const m = readArray(body.modalities, at("modalities"), "modalities");
    if (m.some((x) => x !== "text")) unsupported("modalities", `only "text"`);
  }
  for (const k of ["audio", "prediction", "web_search_options", "reasoning_effort", "verbosity"] as const) {
    if (given(body[k])) unsupported(k, k === "audio" ? "audio output" : k === "prediction" ? "predicted outputs" : k === "web_search_options" ? "web search (use llama_builtin_tools: [\"brave_search\"])" : "Llama 3.x has no such setting");
  }
  if (given(body.functions)) unsupported("functions", "the deprecated functions API; use tools");
  if (given(body.function_call)) unsupported("function_call", "the deprecated functions API; use tool_choice");
  // OPENAI_PLATFORM_FIELDS are accepted as they are: they have no effect on the answer.

  // Sampling
  const maxCompletion = given(body.max_completion_tokens) ? integer(body.max_completion_tokens, at("max_completion_tokens"), 1) : undefined;
  const maxTokens = given(body.max_tokens) ? integer(body.max_tokens, at("max_tokens"), 1) : undefined;
  if (maxCompletion !== undefined && maxTokens !== undefined && maxCompletion !== maxTokens) {
    throw fail(`max_tokens (${maxTokens}) and max_completion_tokens (${maxCompletion}) disagree; give one`, at("max_tokens"));
  }
  if (maxCompletion ?? maxTokens) options.maxTokens = (maxCompletion ?? maxTokens)!;
  if (given(body.temperature)) options.temperature = number(body.temperature, at("temperature"), 0, 2);
  if (given(body.top_p)) {
    const p = number(body.top_p, at("top_p"), 0, 1);
    if (p === 0) throw fail(`expected a number above 0 (for greedy decoding use temperature 0)`, at("top_p"));
    options.topP = p;
  }
  if (given(body.seed)) options.seed = integer(body.seed, at("seed"), 0);
  if (given(body.stop)) {
    const list = typeof body.stop === "string" ? [body.stop] : readArray(body.stop, at("stop"), "strings");
    if (list.length > 4) throw fail(`expected at most 4 stop sequences, got ${list.length}`, at("stop"));
    options.stop = list.map((s, i) => {
      const p = typeof body.stop === "string" ? at("stop") : [...at("stop"), i];
      if (typeof s !== "string" || s === "") throw fail(`expected a non-empty string, got ${describeValue(s)}`, p);
      return s;
    });
  }
  for (const k of ["frequency_penalty", "presence_penalty"] as const) {
    if (given(body[k]) && number(body[k], at(k), -2, 2) !== 0) extra[k] = body[k];
  }
  if (Object.keys(extra).length > 0) options.extraParameters = extra;

  // Tools
  let tools = given(body.tools) ? fromOpenAITools(body.tools, at("tools")) : [];
  let builtins: AnyBuiltinToolName[] = [];
  if (given(body[BUILTIN_TOOLS_FIELD])) {
    const list = readArray(body[BUILTIN_TOOLS_FIELD], at(BUILTIN_TOOLS_FIELD), "built-in tool names");
    builtins = list.map((t, i) => {
      if (typeof t !== "string" || !(BUILTIN_TOOL_NAMES as readonly string[]).includes(t)) {
        throw fail(`expected one of ${BUILTIN_TOOL_NAMES.join(", ")}; got ${describeValue(t)}`, [...at(BUILTIN_TOOLS_FIELD), i]);
      }
      return t as AnyBuiltinToolName;
    });
    const clash = tools.find((d) => builtins.includes(toolDefinitionName(d) as AnyBuiltinToolName));
    if (clash) throw fail(`a function tool is named like a built-in tool enabled in ${BUILTIN_TOOLS_FIELD}`, [...at("tools"), tools.indexOf(clash), "function", "name"]);
  }
  let choice: ToolChoice = "auto";
  if (given(body.tool_choice)) {
    const tc = body.tool_choice;
    if (isObject(tc) && tc.type === "allowed_tools") {
      const a = allowedTools(tc, at("tool_choice"), tools);
      tools = tools.filter((d) => a.names.includes(toolDefinitionName(d)!));
      choice = a.mode;
    } else {
      choice = fromOpenAIToolChoice(tc, at("tool_choice"));
    }
    const named = typeof choice === "object" ? choice.name : undefined;
    if (named !== undefined && !tools.some((d) => toolDefinitionName(d) === named) && !builtins.includes(named as AnyBuiltinToolName)) {
      throw fail(`names no tool of tools`, [...at("tool_choice"), "function", "name"]);
    }
    if (choice === "required" && tools.length === 0 && builtins.length === 0) throw fail(`"required" needs tools`, at("tool_choice"));
  }
  if (tools.length > 0) options.tools = tools;
  if (builtins.length > 0) options.builtinTools = builtins;
  if (choice !== "auto") options.toolChoice = choice;
  const parallelToolCalls = given(body.parallel_tool_calls) ? boolean(body.parallel_tool_calls, at("parallel_tool_calls")) : true;
  // OpenAI clients send back a turn with several (parallel) calls as one assistant message; the
  // official template refuses that, so such a history is rendered with splitToolCalls (the
  // equivalent single-call turns, each followed by its result).
  if (messages.some((m) => isObject(m) && m.role === "assistant" && Array.isArray(m.tool_calls) && m.tool_calls.length > 1)) {
    options.splitToolCalls = true;
  }

  return { messages, options, model: body.model, stream, includeUsage, parallelToolCalls };
}
