/**
 * llama-prompt-format: byte-exact Llama 3.x Instruct prompts, and model output turned into typed
 * tool calls while it streams.
 *
 * The root entry is what most users call — render, parse, the error model — and stays small enough
 * for a browser. Everything else is a subpath:
 * - `llama-prompt-format/tools`    `defineTools` (zod-typed tools; zod is a peer dependency)
 * - `llama-prompt-format/template` `renderWithTemplate` (any Jinja chat template, @huggingface/jinja)
 * - `llama-prompt-format/meta`     Meta's system-prompt generators and Meta ↔ OpenAI tool conversion
 * - `llama-prompt-format/backends` TGI, vLLM and llama.cpp backends, `generateChat` / `streamChat`
 */
export { renderPrompt, renderSegments, type PromptOptions } from "./prompt/render.js";
export { segmentsToString, type Segment, type TextSegment, type SpecialSegment, type SegmentTokenName } from "./prompt/segments.js";
export { encodeSegments, TokenizerError, type EncodeText, type TokenizerErrorReason } from "./prompt/encode.js";
export type {
  ChatMessage,
  MessageContent,
  ContentPart,
  TextPart,
  OpenAIToolCall,
} from "./prompt/messages.js";
export {
  parseOptionsFor,
  type RenderOptions,
  type ToolDefinition,
  type FunctionToolDefinition,
  type MetaToolDefinition,
  type MetaToolParamDefinition,
  type LlamaVersion,
  type ToolChoice,
  type ToolPromptFormat,
  type SpecialTokenPolicy,
  type DerivedParseOptions,
} from "./base/options.js";
export {
  SPECIAL_TOKENS,
  BUILTIN_TOOLS,
  BUILTIN_TOOL_NAMES,
  DEFAULT_DATE_STRING,
  IMAGE_TOKEN,
  IMAGE_TOKEN_ID,
  specialTokenName,
  specialTokenId,
  isSpecialTokenId,
  findSpecialToken,
  containsSpecialToken,
  specialTokenRegExp,
  isToolName,
  type SpecialTokenName,
  type Role,
  type BuiltinToolName,
  type AnyBuiltinToolName,
} from "./base/tokens.js";
export {
  LlamaPromptError,
  isLlamaPromptError,
  InvalidMessageError,
  InvalidOptionsError,
  InvalidArgumentError,
  TemplateError,
  SpecialTokenError,
  SerializationError,
  ToolCallTooLargeError,
  IncompleteToolCallError,
  UnknownToolError,
  ToolArgumentsError,
  type ErrorCode,
  type ErrorPath,
  type TemplateErrorReason,
  type ToolArgumentIssue,
} from "./base/errors.js";
export * from "./parse/index.js";
// Servers (also "llama-prompt-format/backends"); tree-shaken away unless used.
export {
  generateChat,
  streamChat,
  tgiBackend,
  vllmBackend,
  llamaCppBackend,
  BackendHttpError,
  BackendStreamError,
  BackendTimeoutError,
  type ChatOptions,
  type ChatFinish,
  type CompletionBackend,
  type CompletionRequest,
  type CompletionFinish,
  type BackendEvent,
} from "./backends/index.js";
