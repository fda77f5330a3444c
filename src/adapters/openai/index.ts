/**
 * `llama-prompt-format/openai`: Llama 3.x turns in OpenAI's Chat Completions shapes.
 *
 * - Out: `toOpenAIMessage` / `toOpenAIChatCompletion` (a parsed turn, `tool_calls` with JSON-string
 *   arguments and a finish reason) and `createOpenAIChunkEncoder` / `toOpenAIChunks` (`StreamEvent`s
 *   → `ChatCompletionChunk`s, `delta.tool_calls` as OpenAI streams them).
 * - In: `fromOpenAIRequest` (a whole request body → messages and `ChatOptions`), `fromOpenAITools`,
 *   `fromOpenAIToolChoice`. OpenAI messages go to `renderPrompt` / `streamChat` as they are.
 *
 * The shapes are declared here (`OpenAIChatCompletion`, `OpenAIChatCompletionChunk`, ...), assignable
 * to the `openai` package's types; the package itself is not needed.
 */
export {
  toOpenAIMessage,
  toOpenAIChatCompletion,
  toOpenAIFinishReason,
  toOpenAIUsage,
  type OpenAIMessageOptions,
  type OpenAIChatCompletionOptions,
} from "./message.js";
export {
  createOpenAIChunkEncoder,
  toOpenAIChunks,
  type OpenAIChunkEncoder,
  type OpenAIChunkOptions,
  type OpenAIChunkStreamOptions,
} from "./chunks.js";
export {
  fromOpenAIRequest,
  fromOpenAITools,
  fromOpenAIToolChoice,
  BUILTIN_TOOLS_FIELD,
  OPENAI_REQUEST_FIELDS,
  OPENAI_PLATFORM_FIELDS,
  type OpenAIChatRequest,
} from "./request.js";
export type {
  OpenAIAssistantMessage,
  OpenAIChatCompletion,
  OpenAIChatCompletionChunk,
  OpenAIChunkChoice,
  OpenAIFinishReason,
  OpenAIToolCall,
  OpenAIToolCallDelta,
  OpenAIUsage,
} from "./types.js";
