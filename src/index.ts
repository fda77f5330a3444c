/**
 * llama-prompt-format: byte-exact Llama 3.1 Instruct prompts, and model output turned into typed
 * tool calls while it streams. This file is the whole public surface.
 */
export { renderPrompt, renderSegments, type PromptOptions } from "./prompt/render.js";
export { segmentsToString, type Segment, type TextSegment, type SpecialSegment } from "./prompt/segments.js";
export type { ChatMessage, MessageContent, TextPart, OpenAIToolCall, SpecialTokenPolicy } from "./prompt/messages.js";
export { parseOptionsFor, type RenderOptions, type ToolDefinition, type LlamaVersion, type ToolChoice, type ToolPromptFormat, type DerivedParseOptions } from "./base/options.js";
export {
  SPECIAL_TOKENS,
  specialTokenRegExp,
  findSpecialToken,
  containsSpecialToken,
  BUILTIN_TOOL_NAMES,
  isToolName,
  type AnyBuiltinToolName,
  ROLES,
  BUILTIN_TOOLS,
  DEFAULT_DATE_STRING,
  specialTokenName,
  specialTokenId,
  isSpecialTokenId,
  type SpecialTokenName,
  type Role,
  type BuiltinToolName,
} from "./base/tokens.js";
export { pyJsonDumps, pyStrip } from "./base/python.js";
export * from "./base/errors.js";
export { renderWithTemplate, type TemplateRenderOptions } from "./template/render-template.js";
export { defineTools, toolErrorMessage, ToolDefinitionError, type DefinedTools, type DefineToolsOptions, type ToolSpec, type ToolSpecs, type ToolParametersSchema, type BuiltinToolArguments, type TypedToolCall, type ParsedToolCall, type FunctionToolDefinition, type SafeParseToolCallResult, type ToolErrorContent, type ToolErrorMessage } from "./tools/define-tools.js";
export { encodeSegments, TokenizerError, type EncodeText, type TokenizerErrorReason } from "./prompt/encode.js";
export {
  systemDefaultPrompt,
  builtinToolsPrompt,
  jsonCustomToolsPrompt,
  functionTagCustomToolsPrompt,
  pythonListToolsPrompt,
  formatMetaDate,
  PYTHON_LIST_DEFAULT_PROMPT,
  META_BUILTIN_TOOLS,
  type AnyToolDefinition,
  type PythonListToolsPromptOptions,
} from "./prompt/meta/system-prompts.js";
export {
  metaToolToOpenAI,
  openAIToolToMeta,
  toMetaTool,
  parseMetaTool,
  isMetaTool,
  MetaToolDefinitionSchema,
  MetaToolParamDefinitionSchema,
  MetaToolError,
  type MetaToolDefinition,
  type MetaToolParamDefinition,
  type OpenAIFunctionTool,
  type OpenAIToMetaOptions,
} from "./prompt/meta/tools.js";

export * from "./backends/tgi.js";
export * from "./parse/index.js";
