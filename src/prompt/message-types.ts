/**
 * Conversation input as types: the accepted shapes (OpenAI Chat Completions messages as the `openai`
 * SDK types them, Hugging Face chat messages, and this library's own parsed `AssistantMessage`), and
 * the normalised form `normalizeMessages` (messages.ts) makes of them, which both dialects render.
 */
import type { ErrorPath } from "../base/errors.js";

// ---------------------------------------------------------------------------------------------
// Accepted input (hand-written types; `openai`'s ChatCompletionMessageParam is assignable to ChatMessage)
// ---------------------------------------------------------------------------------------------

/** A text content part (`{ type: "text", text }`). */
export interface TextPart {
  type: "text";
  text: string;
}

/** A Hugging Face image part (`{ type: "image" }`); only Llama 3.2 Vision reads images. */
export interface ImagePart {
  type: "image";
  [key: string]: unknown;
}

/** An OpenAI image part (`{ type: "image_url", image_url: { url } }`); only Llama 3.2 Vision reads images. */
export interface ImageUrlPart {
  type: "image_url";
  image_url: { url: string; detail?: string };
}

/** An OpenAI audio part. Accepted by the types, refused when rendered: Llama 3.x reads no audio. */
export interface InputAudioPart {
  type: "input_audio";
  input_audio: unknown;
}

/** An OpenAI file part. Accepted by the types, refused when rendered: pass the file's text instead. */
export interface FilePart {
  type: "file";
  file: unknown;
}

/** An OpenAI refusal part of an assistant message: accepted and ignored. */
export interface RefusalPart {
  type: "refusal";
  refusal: string;
}

/** Any content part a message may carry. */
export type ContentPart = TextPart | ImagePart | ImageUrlPart | InputAudioPart | FilePart | RefusalPart;

/** Message content as accepted on input: a string, or content parts. */
export type MessageContent = string | readonly ContentPart[];

/** A tool call in OpenAI shape: `{ id?, type: "function", function: { name, arguments } }`. */
export interface OpenAIFunctionToolCall {
  id?: string;
  type?: "function";
  function: {
    name: string;
    /** A JSON string (OpenAI) or an object (Hugging Face). */
    arguments?: string | Readonly<Record<string, unknown>>;
  };
}

/** An OpenAI custom-tool call (free-form input): accepted by the types, refused when rendered. */
export interface OpenAICustomToolCall {
  id?: string;
  type: "custom";
  custom: { name: string; input: string };
}

/** A tool call on an OpenAI-shaped assistant message. */
export type OpenAIToolCall = OpenAIFunctionToolCall | OpenAICustomToolCall;

/** A tool call in this library's parsed shape (`ToolCall`): `{ name, arguments, id?, format?, raw? }`. */
export interface FlatToolCall {
  id?: string;
  name: string;
  arguments?: string | Readonly<Record<string, unknown>>;
  /** Ignored when rendering. */
  format?: string;
  /** Ignored when rendering. */
  raw?: string;
}

/** How an assistant turn ended. */
export type MessageStopReason = "eot" | "eom" | "end_of_text" | "length" | "none";

/** A system message; OpenAI's `developer` role is rendered as `system`. */
export interface SystemChatMessage {
  role: "system" | "developer";
  content: MessageContent;
  /** Accepted and ignored (never read). */
  name?: string;
}

/** A user message. */
export interface UserChatMessage {
  role: "user";
  content: MessageContent;
  /** Accepted and ignored (never read). */
  name?: string;
}

/**
 * An assistant message: OpenAI shape (`tool_calls`, or the deprecated `function_call`), or a
 * parsed `AssistantMessage` (`toolCalls`, `stopReason`).
 */
export interface AssistantChatMessage {
  role: "assistant";
  content?: MessageContent | null;
  tool_calls?: readonly OpenAIToolCall[] | null;
  toolCalls?: readonly FlatToolCall[] | null;
  /** OpenAI's deprecated single call. */
  function_call?: { name: string; arguments?: string | Readonly<Record<string, unknown>> } | null;
  stopReason?: MessageStopReason;
  /** Accepted and ignored (never read). */
  name?: string;
  /** Accepted and ignored (never read). */
  refusal?: string | null;
  /** Accepted and ignored (never read). */
  audio?: unknown;
  /** Accepted and ignored (never read). */
  annotations?: unknown;
}

/** Tool output (`tool`, Llama's `ipython`): a string, text parts, or any JSON value. */
export interface ToolChatMessage {
  role: "tool" | "ipython";
  content: unknown;
  /** Kept on the normalised message (no Llama 3.1 format writes it). */
  tool_call_id?: string | null;
  /** Accepted and ignored (never read). */
  name?: string;
}

/** OpenAI's deprecated function result: rendered like a tool result. */
export interface FunctionChatMessage {
  role: "function";
  content: string | null;
  /** Accepted and ignored (never read). */
  name: string;
}

/** A chat message as accepted by `renderPrompt` / `renderSegments`. */
export type ChatMessage = SystemChatMessage | UserChatMessage | AssistantChatMessage | ToolChatMessage | FunctionChatMessage;

// ---------------------------------------------------------------------------------------------
// Normalised form
// ---------------------------------------------------------------------------------------------

/** A content part after normalisation. Paths point at the part in the caller's input. */
export type NormalizedPart = { type: "text"; text: string; path: ErrorPath } | { type: "image"; path: ErrorPath };

/** Content after normalisation: a string (at `path`), or parts. */
export type NormalizedContent = string | NormalizedPart[];

/** A tool call after normalisation: arguments decoded to a plain object. */
export interface NormalizedToolCall {
  id: string | undefined;
  name: string;
  arguments: Record<string, unknown>;
  /** Where the call's arguments are in the input (`["messages", 1, "tool_calls", 0, "function", "arguments"]`). */
  argumentsPath: ErrorPath;
}

/** One message after validation and normalisation. `index` is its position in the input array. */
export type NormalizedMessage =
  | {
      kind: "text";
      index: number;
      role: "system" | "user" | "assistant";
      content: NormalizedContent;
      /** Assistant messages only: how the turn ended, when the caller says (e.g. a parsed message). */
      stopReason?: MessageStopReason;
    }
  | {
      kind: "tool_call";
      index: number;
      role: "assistant";
      /** Text content of the assistant message alongside its calls ("" when none). */
      content: NormalizedContent;
      calls: NormalizedToolCall[];
      stopReason: MessageStopReason | undefined;
    }
  | {
      kind: "tool_result";
      index: number;
      role: "ipython";
      /** Plain JSON data (a snapshot of the input). */
      content: unknown;
      /** The `tool_call_id` of an OpenAI tool message. */
      toolCallId: string | undefined;
      /** The tool's `name`, when the message gives one (read by some templates, not by the dialects). */
      name: string | undefined;
    };
