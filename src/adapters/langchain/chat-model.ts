/**
 * `ChatLlama`: a LangChain.js chat model (`BaseChatModel`) over any Llama 3.x completion backend.
 * LangChain messages become this library's messages (a `ToolMessage` is an ipython turn), the prompt
 * is rendered byte-exactly, and the model's own tool calls are parsed from its output — streamed as
 * `tool_call_chunks` while they arrive.
 */
import { BaseChatModel, type BaseChatModelCallOptions, type BaseChatModelParams, type BindToolsInput } from "@langchain/core/language_models/chat_models";
import type { BaseLanguageModelInput } from "@langchain/core/language_models/base";
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import { AIMessageChunk, type AIMessage, type BaseMessage, type UsageMetadata } from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";
import type { Runnable } from "@langchain/core/runnables";
import { convertToOpenAITool, isLangChainTool } from "@langchain/core/utils/function_calling";
import { describeValue, InvalidArgumentError, InvalidMessageError, InvalidOptionsError } from "../../base/errors.js";
import { OPTION_CHECKS, toolDefinitionName, type ToolChoice, type ToolDefinition } from "../../base/options.js";
import type { AnyBuiltinToolName } from "../../base/tokens.js";
import { checkBackend, GENERATION_CHECKS, generateChat, streamChat, type ChatOptions } from "../../backends/chat.js";
import type { CompletionBackend, CompletionFinish } from "../../backends/types.js";
import type { AssistantMessage } from "../../parse/types.js";
import type { ChatMessage } from "../../prompt/messages.js";
import { finishKind, readAdapterSettings, ToolInputStream, type LlamaCallSettings } from "../common.js";

/** Generation parameters `ChatLlama` takes (model-wide). */
export interface ChatLlamaGenerationParams {
  /** Most tokens to generate (default 1024). */
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  seed?: number;
  /** Extra stop strings (Llama's stop tokens always stop); call option `stop` adds more. */
  stop?: string[];
}

/** Constructor fields of {@link ChatLlama}. */
export interface ChatLlamaInput extends BaseChatModelParams, LlamaCallSettings, ChatLlamaGenerationParams {
  /** The server: `tgiBackend(...)`, `vllmBackend(...)`, `llamaCppBackend(...)` or your own. */
  backend: CompletionBackend;
  /**
   * Llama's built-in tools to offer (`brave_search`, `wolfram_alpha`, `code_interpreter`). Their calls
   * come back as tool calls of that name; bind a tool of that name to run them (its definition is
   * then not written as a custom tool: the built-in stands for it).
   */
  builtinTools?: AnyBuiltinToolName[];
}

/** Call options of {@link ChatLlama}: LangChain's (`stop`, `signal`, `tools`, `tool_choice`, ...) and `llama`. */
export interface ChatLlamaCallOptions extends BaseChatModelCallOptions {
  /** Tools for this call (what `bindTools` sets): LangChain tools, zod-defined tools, OpenAI-shaped definitions. */
  tools?: BindToolsInput[];
  /** Render / parser options for this call, overriding the model's (checked like the constructor's). */
  llama?: LlamaCallSettings;
}

/** LangChain's own constructor fields, passed to `BaseChatModel`. */
const LANGCHAIN_FIELDS = [
  "callbacks",
  "callbackManager",
  "verbose",
  "tags",
  "metadata",
  "maxConcurrency",
  "maxRetries",
  "onFailedAttempt",
  "cache",
  "disableStreaming",
  "outputVersion",
] as const;
const GENERATION_FIELDS = ["maxTokens", "temperature", "topP", "topK", "seed", "stop"] as const;

/** A tool as bound: its OpenAI-style definition. */
function toDefinition(tool: BindToolsInput, i: number): ToolDefinition {
  const path = ["tools", i];
  if (tool === null || typeof tool !== "object") throw new InvalidArgumentError(`expected a tool, got ${describeValue(tool)}`, path);
  let def: Record<string, unknown>;
  if (isLangChainTool(tool as never)) def = convertToOpenAITool(tool as never) as unknown as Record<string, unknown>;
  else {
    const t = tool as Record<string, unknown>;
    if (t.type === "function" && t.function !== null && typeof t.function === "object") def = t;
    else if (typeof t.name === "string") def = { type: "function", function: t };
    else throw new InvalidArgumentError(`expected a LangChain tool, a zod-defined tool ({ name, description, schema }) or an OpenAI-shaped definition, got ${describeValue(tool)}`, path);
  }
  const fn = def.function as Record<string, unknown> | undefined;
  if (fn && fn.parameters !== null && typeof fn.parameters === "object" && "$schema" in (fn.parameters as object)) {
    // The JSON Schema converter's "$schema" line is not for the model.
    const { $schema: _, ...parameters } = fn.parameters as Record<string, unknown>;
    def = { ...def, function: { ...fn, parameters } };
  }
  if (toolDefinitionName(def) === undefined) throw new InvalidArgumentError(`the tool has no name`, path);
  return def as ToolDefinition;
}

/** LangChain's `tool_choice` as this library's. */
function toToolChoice(choice: unknown): ToolChoice | undefined {
  if (choice === undefined || choice === null || choice === "auto") return undefined;
  if (choice === "any" || choice === "required") return "required";
  if (choice === "none") return "none";
  if (typeof choice === "string") return { name: choice };
  const c = choice as { type?: unknown; function?: { name?: unknown }; name?: unknown };
  if (c.type === "function" && typeof c.function?.name === "string") return { name: c.function.name };
  if (typeof c.name === "string") return { name: c.name };
  throw new InvalidOptionsError(`expected "auto", "any", "none", a tool name or { type: "function", function: { name } }, got ${describeValue(choice)}`, ["options", "tool_choice"]);
}

/** Text of LangChain message content: a string, or text blocks (anything else is refused: Llama 3.x reads text). */
function textOf(content: unknown, path: (string | number)[]): string | { type: "text"; text: string }[] {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw new InvalidMessageError(`expected a string or content blocks, got ${describeValue(content)}`, path);
  return content.map((block: unknown, j) => {
    const b = block as { type?: unknown; text?: unknown } | null;
    if (typeof block === "string") return { type: "text" as const, text: block };
    if (b !== null && typeof b === "object" && b.type === "text" && typeof b.text === "string") return { type: "text" as const, text: b.text };
    throw new InvalidMessageError(`a ${describeValue(b?.type)} content block: Llama 3.x takes text only`, [...path, j]);
  });
}

/** LangChain messages as this library's. Errors name them: `["messages", i, ...]`. */
export function fromLangChainMessages(messages: readonly BaseMessage[]): ChatMessage[] {
  if (!Array.isArray(messages)) throw new InvalidMessageError(`expected an array of LangChain messages, got ${describeValue(messages)}`, ["messages"]);
  return messages.map((m, i): ChatMessage => {
    const at: (string | number)[] = ["messages", i];
    if (m === null || typeof m !== "object") throw new InvalidMessageError(`expected a LangChain message, got ${describeValue(m)}`, at);
    const type = typeof (m as { _getType?: unknown })._getType === "function" ? m._getType() : (m as { type?: string }).type;
    switch (type) {
      case "system":
      case "developer":
        return { role: "system", content: textOf(m.content, [...at, "content"]) };
      case "human":
        return { role: "user", content: textOf(m.content, [...at, "content"]) };
      case "ai": {
        const ai = m as AIMessage;
        const content = textOf(ai.content, [...at, "content"]);
        const calls = ai.tool_calls ?? [];
        if (calls.length === 0) return { role: "assistant", content };
        return {
          role: "assistant",
          content,
          tool_calls: calls.map((c) => ({ ...(c.id ? { id: c.id } : {}), type: "function" as const, function: { name: c.name, arguments: c.args } })),
        };
      }
      case "tool": {
        const t = m as BaseMessage & { tool_call_id?: string };
        const content = textOf(t.content, [...at, "content"]);
        return { role: "tool", ...(t.tool_call_id ? { tool_call_id: t.tool_call_id } : {}), content: typeof content === "string" ? content : content.map((p) => p.text).join("\n") };
      }
      case "generic": {
        const role = (m as BaseMessage & { role?: string }).role;
        if (role === "system" || role === "user" || role === "assistant") return { role, content: textOf(m.content, [...at, "content"]) };
        if (role === "tool" || role === "ipython") return { role, content: m.content };
        throw new InvalidMessageError(`a ChatMessage with role ${describeValue(role)}; Llama 3.x has system, user, assistant and ipython`, [...at, "role"]);
      }
      default:
        throw new InvalidMessageError(`a ${describeValue(type)} message: expected system, human, ai or tool messages`, at);
    }
  });
}

function usageOf(finish: CompletionFinish | undefined): UsageMetadata | undefined {
  const p = finish?.usage.promptTokens;
  const c = finish?.usage.completionTokens;
  if (p === undefined && c === undefined) return undefined;
  return { input_tokens: p ?? 0, output_tokens: c ?? 0, total_tokens: (p ?? 0) + (c ?? 0) };
}

function responseMetadata(message: AssistantMessage, finish: CompletionFinish | undefined, backend: string) {
  return {
    model_provider: "llama-prompt-format",
    backend,
    finish_reason: finishKind(message.stopReason, message.toolCalls, finish?.reason),
    stop_reason: message.stopReason,
    ...(finish !== undefined ? { server_reason: finish.serverReason } : {}),
  };
}

/**
 * A LangChain chat model over a Llama 3.x completion backend.
 *
 * @example
 * import { ChatLlama } from "llama-prompt-format/langchain";
 * import { tgiBackend } from "llama-prompt-format/backends";
 * import { tool } from "@langchain/core/tools";
 * import { z } from "zod";
 *
 * const weather = tool(async ({ city }) => `12 °C in ${city}`, { name: "get_weather", description: "Weather in a city", schema: z.object({ city: z.string() }) });
 * const model = new ChatLlama({ backend: tgiBackend({ baseURL: "http://127.0.0.1:8080" }) }).bindTools([weather]);
 * const reply = await model.invoke("Weather in Oslo?"); // reply.tool_calls: [{ name: "get_weather", args: { city: "Oslo" }, id, type: "tool_call" }]
 */
export class ChatLlama extends BaseChatModel<ChatLlamaCallOptions, AIMessageChunk> {
  static override lc_name() {
    return "ChatLlama";
  }
  readonly backend: CompletionBackend;
  /** Render / parser options for every call (checked by the shared options model). */
  readonly settings: Readonly<LlamaCallSettings>;
  readonly builtinTools: readonly AnyBuiltinToolName[] | undefined;
  readonly generation: Readonly<ChatLlamaGenerationParams>;

  constructor(fields: ChatLlamaInput) {
    if (fields === null || typeof fields !== "object") throw new InvalidArgumentError(`expected { backend, ... }, got ${describeValue(fields)}`, ["fields"]);
    const own: Record<string, unknown> = {};
    const base: Record<string, unknown> = {};
    const generation: Record<string, unknown> = {};
    let builtinTools: unknown;
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined || k === "backend") continue;
      if ((LANGCHAIN_FIELDS as readonly string[]).includes(k)) base[k] = v;
      else if ((GENERATION_FIELDS as readonly string[]).includes(k)) generation[k] = GENERATION_CHECKS[k]!(v, ["fields", k]);
      else if (k === "builtinTools") builtinTools = OPTION_CHECKS.builtinTools(v, ["fields", k]);
      else own[k] = v;
    }
    const settings = readAdapterSettings(own, ["fields"]);
    const backend = checkBackend(fields.backend, ["fields", "backend"]);
    super(base as BaseChatModelParams);
    this.backend = backend;
    this.settings = settings as LlamaCallSettings;
    this.builtinTools = builtinTools as AnyBuiltinToolName[] | undefined;
    this.generation = generation as ChatLlamaGenerationParams;
  }

  _llmType(): string {
    return "llama-prompt-format";
  }

  override invocationParams(options?: this["ParsedCallOptions"]) {
    return { backend: this.backend.name, ...this.generation, ...this.settings, ...(options?.llama ?? {}) };
  }

  /** Binds tools (LangChain tools, zod-defined `{ name, description, schema }`, OpenAI-shaped definitions). */
  override bindTools(tools: BindToolsInput[], kwargs?: Partial<ChatLlamaCallOptions>): Runnable<BaseLanguageModelInput, AIMessageChunk, ChatLlamaCallOptions> {
    if (!Array.isArray(tools)) throw new InvalidArgumentError(`expected an array of tools, got ${describeValue(tools)}`, ["tools"]);
    tools.forEach(toDefinition); // fail now, not at the first call
    return this.withConfig({ tools, ...(kwargs ?? {}) } as Partial<ChatLlamaCallOptions>);
  }

  /** The options of `generateChat` / `streamChat` for one call. */
  #chatOptions(options: this["ParsedCallOptions"]): ChatOptions {
    const perCall = readAdapterSettings(options.llama, ["options", "llama"]);
    const definitions = (options.tools ?? []).map(toDefinition);
    const builtins = this.builtinTools ?? [];
    // A bound tool named like an offered built-in runs the built-in: the built-in's rendering stands for it.
    const custom = definitions.filter((d) => !(builtins as readonly string[]).includes(toolDefinitionName(d)!));
    const stop = [...(this.generation.stop ?? []), ...(options.stop ?? [])];
    const toolChoice = toToolChoice(options.tool_choice);
    return {
      ...this.generation,
      ...this.settings,
      ...perCall,
      splitToolCalls: true,
      ...(custom.length ? { tools: custom } : {}),
      ...(builtins.length ? { builtinTools: builtins } : {}),
      ...(toolChoice !== undefined ? { toolChoice } : {}),
      ...(stop.length ? { stop } : { stop: undefined }),
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    };
  }

  async _generate(messages: BaseMessage[], options: this["ParsedCallOptions"], runManager?: CallbackManagerForLLMRun): Promise<ChatResult> {
    const chat = this.#chatOptions(options);
    let finish: CompletionFinish | undefined;
    const reply = await generateChat(this.backend, fromLangChainMessages(messages), { ...chat, onFinish: (i) => (finish = i.finish) });
    const usage = usageOf(finish);
    // An AIMessageChunk, as the class's output type says (and as LangChain's withStructuredOutput requires).
    const message = new AIMessageChunk({
      content: reply.content,
      tool_calls: reply.toolCalls.map((c) => ({ id: c.id, name: c.name, args: c.arguments, type: "tool_call" as const })),
      response_metadata: responseMetadata(reply, finish, this.backend.name),
      ...(usage ? { usage_metadata: usage } : {}),
    });
    if (reply.content !== "") await runManager?.handleLLMNewToken(reply.content);
    return { generations: [{ text: reply.content, message }], llmOutput: usage ? { tokenUsage: usage } : {} };
  }

  override async *_streamResponseChunks(messages: BaseMessage[], options: this["ParsedCallOptions"], runManager?: CallbackManagerForLLMRun): AsyncGenerator<ChatGenerationChunk> {
    const chat = this.#chatOptions(options);
    let finish: CompletionFinish | undefined;
    const inputs = new ToolInputStream();
    /** Parser index → the chunk index LangChain merges by (the parser reuses a failed call's index; LangChain must not). */
    const chunkIndex = new Map<number, number>();
    let nextIndex = 0;
    const chunk = (fields: ConstructorParameters<typeof AIMessageChunk>[0] & object, text = "") =>
      new ChatGenerationChunk({ text, message: new AIMessageChunk({ content: text, ...fields }) });
    for await (const ev of streamChat(this.backend, fromLangChainMessages(messages), { ...chat, onFinish: (i) => (finish = i.finish) })) {
      switch (ev.type) {
        case "text-delta": {
          const c = chunk({}, ev.text);
          yield c;
          await runManager?.handleLLMNewToken(ev.text, undefined, undefined, undefined, undefined, { chunk: c });
          break;
        }
        case "tool-call-start": {
          inputs.start(ev);
          const index = nextIndex++;
          chunkIndex.set(ev.index, index);
          yield chunk({ tool_call_chunks: [{ type: "tool_call_chunk", index, id: ev.id, ...(ev.name !== undefined ? { name: ev.name } : {}), args: "" }] });
          break;
        }
        case "tool-call-delta": {
          const d = inputs.delta(ev);
          if (d !== "") yield chunk({ tool_call_chunks: [{ type: "tool_call_chunk", index: chunkIndex.get(ev.index)!, args: d }] });
          break;
        }
        case "tool-call-end": {
          const { delta } = inputs.end(ev);
          let index = chunkIndex.get(ev.index);
          const named = index !== undefined;
          if (index === undefined) index = nextIndex++;
          chunkIndex.delete(ev.index);
          if (delta !== "" || !named) {
            yield chunk({ tool_call_chunks: [{ type: "tool_call_chunk", index, ...(named ? {} : { id: ev.toolCall.id, name: ev.toolCall.name }), args: delta }] });
          }
          break;
        }
        case "error":
          inputs.fail(ev.index);
          if (ev.index !== undefined) chunkIndex.delete(ev.index);
          break;
        case "end": {
          const usage = usageOf(finish);
          yield chunk({ response_metadata: responseMetadata(ev.message, finish, this.backend.name), ...(usage ? { usage_metadata: usage } : {}) });
          break;
        }
      }
    }
  }
}
