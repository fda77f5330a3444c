/**
 * Types of the output parser: what goes in (chunks), what comes out (events, the final message).
 */
import type { LlamaPromptError } from "../base/errors.js";
import type { ToolDefinition } from "../base/options.js";
import type { AnyBuiltinToolName } from "../base/tokens.js";

/** How a tool call was written by the model. */
export type ToolCallFormat = "builtin" | "code" | "json" | "function_tag" | "python_list";

/**
 * A tool call parsed from model output. The parameters narrow it: `defineTools`' `parse` returns
 * `ToolCall<"get_weather", { city: string }>` (a literal name, arguments checked by the schema).
 */
export interface ToolCall<Name extends string = string, Args = Record<string, unknown>> {
  /** Unique within the message; from `createId` when given. */
  id: string;
  /** Tool name; code-interpreter code is named `code_interpreter`. */
  name: Name;
  /** Decoded arguments: built-ins `{ query, ... }`, code `{ code }`, JSON calls their parameters. */
  arguments: Args;
  format: ToolCallFormat;
  /** The exact text of the call as the model wrote it (without `<|python_tag|>` and stop tokens). */
  raw: string;
}

/**
 * Why the model stopped: the stop token seen (`eot` turn over, `eom` run the tool and come back,
 * `end_of_text`), `"length"` when a backend reports that the token budget ran out (the parser itself
 * never sets it), or `"none"` when the output ended without any of these.
 */
export type StopReason = "eot" | "eom" | "end_of_text" | "length" | "none";

/** A parsed assistant turn. */
export interface AssistantMessage {
  role: "assistant";
  /** Everything the model wrote that is not a tool call or control token, trimmed at both ends. */
  content: string;
  toolCalls: ToolCall[];
  stopReason: StopReason;
}

/** One token as a streaming server reports it (TGI `/generate_stream`: `token: {id, text, special}`). */
export interface TokenChunk {
  text: string;
  id?: number;
  special?: boolean;
}

/** A streamed event. Concatenating every `text-delta` gives the final `content`. */
export type StreamEvent =
  | { type: "text-delta"; text: string }
  | { type: "tool-call-start"; index: number; id: string; name?: string; format: ToolCallFormat }
  | { type: "tool-call-delta"; index: number; argumentsDelta: string }
  | { type: "tool-call-end"; index: number; toolCall: ToolCall }
  | { type: "error"; index?: number; error: LlamaPromptError }
  | { type: "end"; message: AssistantMessage };

/** Options of the parser. */
export interface ParseOptions {
  /**
   * The custom tools offered: names, or the definitions `renderPrompt` takes (OpenAI-style, `{name}`
   * or Meta's `{tool_name}`). When given, a JSON / function-tag / python-list call naming none of
   * them nor an enabled built-in stays text.
   */
  tools?: readonly (string | ToolDefinition)[] | null;
  /**
   * Built-in tools enabled (`brave_search`, `wolfram_alpha`, `code_interpreter`, and the others a
   * `meta` prompt may offer). Default: none, as in `renderPrompt`; `parseOptionsFor(renderOptions)`
   * gives exactly the ones a prompt offered.
   */
  builtinTools?: readonly AnyBuiltinToolName[] | null;
  /** Tool-call id generator. Default: `call_` + a per-parser counter and random suffix. */
  createId?: () => string;
  /** Longest tool call kept, in characters (default 1 000 000). Past it: an error event, text kept as content. */
  maxToolCallChars?: number;
}
