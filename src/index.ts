/**
 * llama-prompt-format: byte-exact Llama 3.1 Instruct prompts, and model output turned into typed
 * tool calls while it streams. This file is the whole public surface.
 */
export { renderPrompt, renderSegments, type PromptOptions } from "./render.js";
export { segmentsToString, type Segment, type TextSegment, type SpecialSegment } from "./segments.js";
export type { ChatMessage, MessageContent, TextPart, OpenAIToolCall, SpecialTokenPolicy } from "./messages.js";
export type { RenderOptions, ToolDefinition } from "./options.js";
export {
  SPECIAL_TOKENS,
  SPECIAL_TOKEN_PATTERN,
  ROLES,
  BUILTIN_TOOLS,
  DEFAULT_DATE_STRING,
  specialTokenName,
  specialTokenId,
  isSpecialTokenId,
  type SpecialTokenName,
  type Role,
  type BuiltinToolName,
} from "./tokens.js";
export { pyJsonDumps, pyStrip } from "./pyjson.js";
export * from "./errors.js";
export { renderWithTemplate, type TemplateRenderOptions } from "./template.js";
