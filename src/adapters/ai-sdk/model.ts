/**
 * `createLlamaModel(backend, options?)`: a Vercel AI SDK language model (`LanguageModelV3`) that
 * renders the AI SDK prompt as a byte-exact Llama 3.x prompt, sends it to any
 * {@link CompletionBackend} (TGI, vLLM, llama.cpp, your own) and parses the reply — text and tool
 * calls, streamed as they arrive.
 */
import type {
  JSONObject,
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3FinishReason,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
  LanguageModelV3Usage,
  SharedV3Warning,
} from "@ai-sdk/provider";
import { describeValue, InvalidOptionsError } from "../../base/errors.js";
import { checkBackend, generateChat, streamChat, type ChatFinish, type ChatOptions } from "../../backends/chat.js";
import type { CompletionBackend, CompletionFinish } from "../../backends/types.js";
import type { AssistantMessage, StreamEvent } from "../../parse/types.js";
import { finishKind, readAdapterSettings, ToolInputStream, type LlamaCallSettings } from "../common.js";
import { convertPrompt, convertToolChoice, convertTools } from "./prompt.js";

/** Options of {@link createLlamaModel}: defaults for every call, which `providerOptions.llama` can override. */
export interface LlamaModelOptions extends LlamaCallSettings {
  /** The model id the AI SDK reports (default: the backend's name, e.g. `"tgi"`). */
  modelId?: string;
}

/** `providerOptions.llama` of a call: the same keys as {@link LlamaModelOptions} but `modelId`. */
export type LlamaProviderOptions = LlamaCallSettings;

/** What `providerMetadata.llama` of a result holds. */
export interface LlamaProviderMetadata {
  /** The Llama stop reason: `eot`, `eom` (run the tool and come back), `end_of_text`, `length`, `none`. */
  stopReason: AssistantMessage["stopReason"];
  /** The server's final information (`serverReason`, `stopTokenId`, token counts). */
  finish: CompletionFinish;
  /** Calls the parser started and gave up on (their text is kept as text): `{ code, message }`. */
  errors: Array<{ code: string; message: string }>;
}


const modelIdCheck = (v: unknown, path: readonly (string | number)[]) => {
  if (typeof v !== "string" || v === "") throw new InvalidOptionsError(`expected a non-empty string, got ${describeValue(v)}`, path);
  return v;
};

function usageOf(finish: CompletionFinish | undefined): LanguageModelV3Usage {
  const u = finish?.usage ?? {};
  const raw: JSONObject = {};
  if (u.promptTokens !== undefined) raw.promptTokens = u.promptTokens;
  if (u.completionTokens !== undefined) raw.completionTokens = u.completionTokens;
  return {
    inputTokens: { total: u.promptTokens, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: u.completionTokens, text: undefined, reasoning: undefined },
    raw,
  };
}

function finishReasonOf(message: AssistantMessage, finish: CompletionFinish | undefined): LanguageModelV3FinishReason {
  return { unified: finishKind(message.stopReason, message.toolCalls, finish?.reason), raw: finish?.serverReason };
}

function metadataOf(message: AssistantMessage, finish: CompletionFinish | undefined, errors: LlamaProviderMetadata["errors"]) {
  const llama: Record<string, unknown> = { stopReason: message.stopReason, errors };
  if (finish !== undefined) llama.finish = JSON.parse(JSON.stringify(finish));
  return { llama: llama as JSONObject };
}

/** The language model (created by {@link createLlamaModel}). */
class LlamaLanguageModel implements LanguageModelV3 {
  readonly specificationVersion = "v3" as const;
  readonly provider: string;
  readonly modelId: string;
  readonly supportedUrls: Record<string, RegExp[]> = {};
  readonly #backend: CompletionBackend;
  readonly #settings: Record<string, unknown>;

  constructor(backend: CompletionBackend, settings: Record<string, unknown>) {
    this.#backend = backend;
    const { modelId, ...rest } = settings;
    this.#settings = rest;
    this.provider = `llama-prompt-format.${backend.name}`;
    this.modelId = (modelId as string | undefined) ?? backend.name;
  }

  /** Everything a call needs: the messages, the options of `streamChat`, warnings, the tool-name map. */
  #prepare(options: LanguageModelV3CallOptions) {
    const warnings: SharedV3Warning[] = [];
    const perCall = readAdapterSettings(options.providerOptions?.llama, ["providerOptions", "llama"]);
    const settings = { ...this.#settings, ...perCall };
    const tools = convertTools(options.tools, warnings);
    const messages = convertPrompt(options.prompt, tools.toModel, warnings);
    const toolChoice = convertToolChoice(options.toolChoice, tools, this.#backend.supportsResponseSchema === true, warnings);

    const unsupported = (feature: string, details: string) => warnings.push({ type: "unsupported", feature, details });
    if (options.presencePenalty !== undefined) unsupported("presencePenalty", "not sent; pass the server's own parameter in providerOptions.llama.extraParameters");
    if (options.frequencyPenalty !== undefined) unsupported("frequencyPenalty", "not sent; pass the server's own parameter in providerOptions.llama.extraParameters");
    if (options.responseFormat !== undefined && options.responseFormat.type !== "text") {
      unsupported("responseFormat", "JSON output is not constrained; offer a tool with toolChoice instead");
    }
    const headers = Object.entries(options.headers ?? {}).filter(([k, v]) => v !== undefined && k.toLowerCase() !== "user-agent");
    if (headers.length) unsupported("headers", `per-call headers (${headers.map(([k]) => k).join(", ")}) are not sent; give them to the backend: tgiBackend({ baseURL, headers })`);
    if (options.includeRawChunks === true) unsupported("includeRawChunks", "the backend's raw events are not exposed");

    const chat: ChatOptions = {
      ...(settings as LlamaCallSettings),
      splitToolCalls: true,
      ...(tools.tools ? { tools: tools.tools } : {}),
      ...(tools.builtinTools ? { builtinTools: tools.builtinTools } : {}),
      ...(toolChoice !== undefined ? { toolChoice } : {}),
      ...(options.maxOutputTokens !== undefined ? { maxTokens: options.maxOutputTokens } : {}),
      ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
      ...(options.topP !== undefined ? { topP: options.topP } : {}),
      ...(options.topK !== undefined ? { topK: options.topK } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.stopSequences !== undefined && options.stopSequences.length ? { stop: options.stopSequences } : {}),
      ...(options.abortSignal !== undefined ? { signal: options.abortSignal } : {}),
    };
    return { messages, chat, warnings, fromModel: tools.fromModel };
  }

  /** A backend that remembers the prompt it was asked to complete (for `request.body`). */
  #recording() {
    const backend = this.#backend;
    const seen: { prompt?: string } = {};
    const rec: CompletionBackend = {
      name: backend.name,
      ...(backend.supportsResponseSchema !== undefined ? { supportsResponseSchema: backend.supportsResponseSchema } : {}),
      stream(request) {
        seen.prompt = request.prompt;
        return backend.stream(request);
      },
      ...(backend.generate
        ? {
            generate(request) {
              seen.prompt = request.prompt;
              return backend.generate!(request);
            },
          }
        : {}),
    };
    return { backend: rec, seen };
  }

  async doGenerate(options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    const { messages, chat, warnings, fromModel } = this.#prepare(options);
    const { backend, seen } = this.#recording();
    let finish: ChatFinish["finish"] | undefined;
    const message = await generateChat(backend, messages, { ...chat, onFinish: (info) => (finish = info.finish) });
    const content: LanguageModelV3Content[] = [];
    if (message.content !== "") content.push({ type: "text", text: message.content });
    for (const call of message.toolCalls) {
      content.push({ type: "tool-call", toolCallId: call.id, toolName: fromModel.get(call.name) ?? call.name, input: JSON.stringify(call.arguments) });
    }
    return {
      content,
      finishReason: finishReasonOf(message, finish),
      usage: usageOf(finish),
      providerMetadata: metadataOf(message, finish, []),
      request: { body: { prompt: seen.prompt } },
      warnings,
    };
  }

  async doStream(options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
    const { messages, chat, warnings, fromModel } = this.#prepare(options);
    const { backend, seen } = this.#recording();
    let finish: CompletionFinish | undefined;
    const events = streamChat(backend, messages, { ...chat, onFinish: (info) => (finish = info.finish) });
    // The request is sent, and its first event awaited, before the stream is returned: bad input and
    // HTTP errors reject doStream (as a provider's failed fetch does) instead of arriving mid-stream.
    const first = await events.next();

    const inputs = new ToolInputStream();
    const errors: LlamaProviderMetadata["errors"] = [];
    /** Calls started (tool-input-start sent), by parser index: their id and the application's tool name. */
    const open = new Map<number, { id: string; toolName: string }>();
    let textId: string | undefined;
    let textCount = 0;
    let pending: IteratorResult<StreamEvent, void> | undefined = first;
    let done = false;

    const map = (ev: StreamEvent, out: LanguageModelV3StreamPart[]) => {
      const closeText = () => {
        if (textId !== undefined) out.push({ type: "text-end", id: textId });
        textId = undefined;
      };
      switch (ev.type) {
        case "text-delta":
          if (textId === undefined) {
            textId = `text-${textCount++}`;
            out.push({ type: "text-start", id: textId });
          }
          out.push({ type: "text-delta", id: textId, delta: ev.text });
          return;
        case "tool-call-start": {
          closeText();
          inputs.start(ev);
          const toolName = ev.name === undefined ? undefined : (fromModel.get(ev.name) ?? ev.name);
          if (toolName !== undefined) {
            open.set(ev.index, { id: ev.id, toolName });
            out.push({ type: "tool-input-start", id: ev.id, toolName });
          }
          return;
        }
        case "tool-call-delta": {
          const d = inputs.delta(ev);
          const call = open.get(ev.index);
          if (d !== "" && call !== undefined) out.push({ type: "tool-input-delta", id: call.id, delta: d });
          return;
        }
        case "tool-call-end": {
          const { delta, input } = inputs.end(ev);
          const toolName = fromModel.get(ev.toolCall.name) ?? ev.toolCall.name;
          const id = ev.toolCall.id;
          if (!open.has(ev.index)) out.push({ type: "tool-input-start", id, toolName });
          open.delete(ev.index);
          if (delta !== "") out.push({ type: "tool-input-delta", id, delta });
          out.push({ type: "tool-input-end", id });
          out.push({ type: "tool-call", toolCallId: id, toolName, input });
          return;
        }
        case "error": {
          errors.push({ code: ev.error.code, message: ev.error.message });
          inputs.fail(ev.index);
          const call = ev.index === undefined ? undefined : open.get(ev.index);
          if (call !== undefined) {
            // The call the model began is not a call after all (its text follows as text).
            open.delete(ev.index!);
            out.push({ type: "tool-input-end", id: call.id });
          }
          return;
        }
        case "end":
          closeText();
          out.push({
            type: "finish",
            finishReason: finishReasonOf(ev.message, finish),
            usage: usageOf(finish),
            providerMetadata: metadataOf(ev.message, finish, errors),
          });
          return;
      }
    };

    const stream = new ReadableStream<LanguageModelV3StreamPart>({
      start(controller) {
        controller.enqueue({ type: "stream-start", warnings });
      },
      async pull(controller) {
        if (done) return;
        const out: LanguageModelV3StreamPart[] = [];
        try {
          while (out.length === 0) {
            const r: IteratorResult<StreamEvent, void> = pending ?? (await events.next());
            pending = undefined;
            if (r.done) {
              done = true;
              controller.close();
              return;
            }
            map(r.value, out);
          }
        } catch (error) {
          done = true;
          if (options.abortSignal?.aborted) {
            controller.error(error);
            return;
          }
          // A server or stream failure after the response began: the AI SDK's error part, then the end.
          if (textId !== undefined) out.push({ type: "text-end", id: textId });
          for (const call of open.values()) out.push({ type: "tool-input-end", id: call.id });
          out.push({ type: "error", error });
          out.push({ type: "finish", finishReason: { unified: "error", raw: undefined }, usage: usageOf(finish) });
          for (const part of out) controller.enqueue(part);
          controller.close();
          return;
        }
        for (const part of out) controller.enqueue(part);
      },
      async cancel() {
        done = true;
        await events.return(undefined);
      },
    });
    return { stream, request: { body: { prompt: seen.prompt } } };
  }
}

/**
 * A Vercel AI SDK language model over a Llama 3.x completion backend. `generateText`,
 * `streamText`, tools (zod or JSON Schema), multi-step loops (`stopWhen`) and `toolChoice` work as
 * with any provider; the prompt is the byte-exact Llama prompt, and the model's tool calls are
 * parsed from its own output (JSON calls, built-in calls, several in one turn).
 *
 * @param backend `tgiBackend(...)`, `vllmBackend(...)`, `llamaCppBackend(...)` or your own
 * @param options render options (dialect, llamaVersion, dateString, ...), parser options, `timeout`,
 *   `extraParameters` — defaults for every call (`providerOptions.llama` overrides them per call) —
 *   and `modelId`
 *
 * @example
 * import { generateText, stepCountIs, tool } from "ai";
 * import { z } from "zod";
 * import { createLlamaModel } from "llama-prompt-format/ai-sdk";
 * import { tgiBackend } from "llama-prompt-format/backends";
 *
 * const { text } = await generateText({
 *   model: createLlamaModel(tgiBackend({ baseURL: "http://127.0.0.1:8080" })),
 *   tools: { getWeather: tool({ inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => ({ city, temperature: 18 }) }) },
 *   stopWhen: stepCountIs(5),
 *   prompt: "Do I need an umbrella in Oslo?",
 * });
 */
export function createLlamaModel(backend: CompletionBackend, options?: LlamaModelOptions): LanguageModelV3 {
  const b = checkBackend(backend);
  const settings = readAdapterSettings(options, ["options"], { modelId: modelIdCheck });
  return new LlamaLanguageModel(b, settings);
}
