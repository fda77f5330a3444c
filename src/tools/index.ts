/**
 * `llama-prompt-format/tools`: typed tools with zod (a peer dependency). Declare tools once, render
 * their definitions, validate the model's calls into a union narrowed by tool name.
 */
export {
  defineTools,
  toolErrorMessage,
  ToolDefinitionError,
  type DefinedTools,
  type DefineToolsOptions,
  type ToolSpec,
  type ToolSpecs,
  type ToolParametersSchema,
  type BuiltinToolArguments,
  type ParsedToolCall,
  type SafeParseToolCallResult,
  type ToolErrorContent,
  type ToolErrorMessage,
} from "./define-tools.js";
export type { FunctionToolDefinition } from "../base/options.js";
export { UnknownToolError, ToolArgumentsError, type ToolArgumentIssue } from "../base/errors.js";
