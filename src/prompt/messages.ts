/**
 * Conversation input: the accepted shapes (OpenAI Chat Completions messages as the `openai` SDK
 * types them, Hugging Face chat messages, and this library's own parsed `AssistantMessage`), their
 * validation, and normalisation into one internal form that both dialects render.
 *
 * Data flows one way: raw input → `NormalizedMessage[]` (a snapshot: plain data, every property of
 * the input read exactly once) → segments. Nothing after `normalizeMessages` looks at the caller's
 * objects again, so what is checked is what is written.
 */
import { describeValue, InvalidMessageError, type ErrorPath } from "../base/errors.js";
import { isPySpace, MAX_JSON_VALUES, plainJson, pyStrip } from "../base/python.js";
import { checkToolName } from "../base/options.js";
import { isRecord, readLength, safeIsArray } from "../base/read.js";
import type { Piece, SegmentBuilder } from "./segments.js";
import { fieldGuard, type SpecialTokenPolicy } from "./special-tokens.js";

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

export type { SpecialTokenPolicy };

// ---------------------------------------------------------------------------------------------
// Validation (one walk over the input; each property read once)
// ---------------------------------------------------------------------------------------------

const ROLES = `"system", "developer", "user", "assistant", "tool", "ipython", "function"`;
const STOP_REASONS: readonly unknown[] = ["eot", "eom", "end_of_text", "length", "none"];

const invalid = (message: string, path: ErrorPath, options?: { cause?: unknown }) => new InvalidMessageError(message, path, options);

/**
 * `obj[key]` of the caller's input, read once; a read that throws is an `InvalidMessageError`. (Its
 * own property read, not base's readProperty: a load site shared with every other reader of caller
 * objects sees too many shapes to stay fast, and this one runs for every field of every message.)
 */
function read(obj: object, key: string | number, path: ErrorPath): unknown {
  try {
    return (obj as Record<string | number, unknown>)[key];
  } catch (cause) {
    throw invalid("could not be read (a getter or Proxy trap threw)", [...path, key], { cause });
  }
}

/** One normalisation: the policy and the value budget shared by every message. */
interface Reader {
  policy: SpecialTokenPolicy;
  budget: { left: number };
  /** The snapshots of JSON values of the previous call and of this one, by what was given (see `json`); undefined: none kept. */
  snapshots: { before: Map<unknown, unknown>; now: Map<unknown, unknown> } | undefined;
  /** The per-field guard of each role (see `fieldGuard`), made once. */
  guards: Record<string, (s: string, path: ErrorPath) => string>;
}

/** The per-field special-token guard of `role`'s strings (none under `"allow"`). */
function guardFor(r: Reader, role: string): ((s: string, path: ErrorPath) => string) | undefined {
  return r.policy === "allow" ? undefined : (r.guards[role] ??= fieldGuard(r.policy, role)!);
}

/**
 * Reads each item of the input array `arr` (at `path`), its length spent from the budget up front
 * (a Proxy can claim any length), and hands it to `each` with its path.
 */
function eachItem(r: Reader, arr: object, path: ErrorPath, each: (item: unknown, at: ErrorPath) => void): void {
  const n = itemCount(r, arr, path);
  for (let i = 0; i < n; i++) each(read(arr, i, path), [...path, i]);
}

function itemCount(r: Reader, arr: object, path: ErrorPath): number {
  const n = readLength(arr, path, invalid);
  if ((r.budget.left -= n) < 0) throw invalid(`more than ${MAX_JSON_VALUES} values in one conversation`, path);
  return n;
}

/** A string written as message text (the field `key` of `at`): the per-field special-token check (or strip) applied. */
function text(r: Reader, s: string, at: ErrorPath, key: string, role: string): string {
  const guard = guardFor(r, role);
  return guard === undefined ? s : guard(s, [...at, key]);
}

/**
 * A JSON value (tool arguments, tool output): snapshot as plain data, each string checked. When the
 * reader keeps snapshots, the one `given` (the value, or the JSON string it was decoded from) had in
 * the previous call is passed as `previous`: unchanged, it is given back (see `plainJson`), and the
 * renderer has its JSON text already.
 */
function json(r: Reader, v: unknown, path: ErrorPath, role: string, given: unknown = v): unknown {
  const kept = r.snapshots;
  const copy = plainJson(v, path, { budget: r.budget, onString: guardFor(r, role), previous: kept?.before.get(given) });
  if (kept !== undefined && copy !== null && typeof copy === "object") kept.now.set(given, copy);
  return copy;
}

/** The snapshots of the renderer's previous call (`reuseSnapshots`), which never leave it. */
let snapshotsBefore = new Map<unknown, unknown>();

/**
 * Validates and normalises a conversation, applying the per-field special-token `policy` to every
 * string read (see `special-tokens.ts`). Throws `InvalidMessageError` naming the message index and
 * field for the first problem found; `SerializationError` for a JSON value that cannot be written;
 * `SpecialTokenError` for a token under `"reject"`. `reuseSnapshots`: JSON values that did not change
 * since the previous such call are the snapshots that call gave (for a renderer that keeps them to
 * itself, as `renderPrompt` does: what it derives from a snapshot, its JSON text, can then be cached
 * by the snapshot's identity).
 */
export function normalizeMessages(messages: unknown, policy: SpecialTokenPolicy = "allow", reuseSnapshots = false): NormalizedMessage[] {
  if (!safeIsArray(messages)) {
    throw invalid(`expected an array of messages, got ${describeValue(messages)}`, ["messages"]);
  }
  let snapshots: Reader["snapshots"];
  if (reuseSnapshots) {
    snapshots = { before: snapshotsBefore, now: new Map() };
    snapshotsBefore = snapshots.now; // (a call that fails half-way leaves fewer to reuse, never a wrong one)
  }
  const r: Reader = { policy, budget: { left: MAX_JSON_VALUES }, guards: {}, snapshots };
  const n = itemCount(r, messages, ["messages"]);
  const out: NormalizedMessage[] = [];
  for (let i = 0; i < n; i++) out.push(normalizeMessage(r, read(messages, i, ["messages"]), ["messages", i], i));
  return out;
}

function normalizeMessage(r: Reader, raw: unknown, at: ErrorPath, index: number): NormalizedMessage {
  if (!isRecord(raw)) {
    throw invalid(`expected a message object, got ${raw === undefined ? "undefined (a hole in a sparse array?)" : describeValue(raw)}`, at);
  }
  const role = read(raw, "role", at);
  switch (role) {
    case "system":
    case "developer":
    case "user": {
      const name = role === "user" ? "user" : "system";
      const content = readContent(r, raw, at, name);
      if (content === undefined) throw invalid(`is required (a string or an array of content parts)`, [...at, "content"]);
      return { kind: "text", index, role: name, content };
    }
    case "assistant":
      return normalizeAssistant(r, raw, at, index);
    case "tool":
    case "ipython":
    case "function": {
      const content = read(raw, "content", at);
      if (content === undefined) throw invalid(`is required (tool output: a string or any JSON value)`, [...at, "content"]);
      const toolCallId = role === "function" ? undefined : optionalString(raw, "tool_call_id", at);
      const name = optionalString(raw, "name", at);
      return { kind: "tool_result", index, role: "ipython", content: json(r, content, [...at, "content"], "ipython"), toolCallId, name };
    }
  }
  throw invalid(
    role === undefined
      ? `"role" is missing; expected one of ${ROLES}`
      : typeof role === "string"
        ? `unknown role ${describeValue(role)}; expected one of ${ROLES}`
        : `expected one of ${ROLES}, got ${describeValue(role)}`,
    [...at, "role"],
  );
}

/** `content`: a string or parts; `undefined` when absent or null (the caller decides). */
function readContent(r: Reader, raw: object, at: ErrorPath, role: string): NormalizedContent | undefined {
  const v = read(raw, "content", at);
  if (typeof v === "string") return text(r, v, at, "content", role);
  if (v === null || v === undefined) return undefined;
  const path = [...at, "content"];
  if (!safeIsArray(v)) throw invalid(`expected a string or an array of content parts ({type: "text", text}), got ${describeValue(v)}`, path);
  const out: NormalizedPart[] = [];
  eachItem(r, v, path, (p, at) => {
    if (!isRecord(p)) throw invalid(`expected a content part object ({type: "text", text}), got ${describeValue(p)}`, at);
    const type = read(p, "type", at);
    switch (type) {
      case "text": {
        const t = read(p, "text", at);
        if (typeof t !== "string") throw invalid(`expected a string, got ${describeValue(t)}`, [...at, "text"]);
        out.push({ type: "text", text: text(r, t, at, "text", role), path: [...at, "text"] });
        return;
      }
      case "image":
      case "image_url":
        out.push({ type: "image", path: at });
        return;
      case "refusal":
        if (role !== "assistant") throw invalid(`a refusal part belongs to an assistant message`, [...at, "type"]);
        return; // accepted and ignored
      case "input_audio":
      case "audio":
        throw invalid(`audio cannot be rendered: Llama 3.x models read text (and, Llama 3.2 Vision, images)`, at);
      case "file":
        throw invalid(`a file part cannot be rendered: Llama 3.x models read text; pass the file's text as a text part`, at);
    }
    throw invalid(`unknown content part type ${describeValue(type)}; expected "text" (or "image" / "image_url" for Llama 3.2 Vision)`, [...at, "type"]);
  });
  return out;
}

function optionalString(raw: object, key: string, at: ErrorPath): string | undefined {
  const v = read(raw, key, at);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalid(`expected a string, got ${describeValue(v)}`, [...at, key]);
  return v;
}

function normalizeAssistant(r: Reader, raw: object, at: ErrorPath, index: number): NormalizedMessage {
  const content = readContent(r, raw, at, "assistant");
  const openai = read(raw, "tool_calls", at);
  const flat = read(raw, "toolCalls", at);
  const legacy = read(raw, "function_call", at);
  const stop = read(raw, "stopReason", at);
  if (stop !== undefined && !STOP_REASONS.includes(stop)) {
    throw invalid(`expected one of "eot", "eom", "end_of_text", "length", "none", got ${describeValue(stop)}`, [...at, "stopReason"]);
  }
  const stopReason = stop as MessageStopReason | undefined;
  const given = [openai, flat, legacy].filter((v) => v !== undefined && v !== null).length;
  if (given > 1) throw invalid(`give one of tool_calls (OpenAI shape), toolCalls or function_call, not several`, at);

  let calls: NormalizedToolCall[] | undefined;
  if (openai !== undefined && openai !== null) {
    // OpenAI-shaped `tool_calls: []` stays a (zero-call) tool-call turn: the template raises on it, and so do we.
    calls = readCalls(r, openai, [...at, "tool_calls"], (c, cp) => {
      const type = read(c, "type", cp);
      if (type === "custom") {
        throw invalid(`a custom tool call (type "custom", free-form input) has no Llama 3.x prompt format; use function tools`, [...cp, "type"]);
      }
      if (type !== undefined && type !== "function") throw invalid(`expected "function", got ${describeValue(type)}`, [...cp, "type"]);
      const id = optionalString(c, "id", cp);
      const fp = [...cp, "function"];
      return toolCall(r, id, read(c, "function", cp), fp);
    });
  } else if (flat !== undefined && flat !== null) {
    // A parsed reply without calls has `toolCalls: []`: that is a plain turn.
    const list = readCalls(r, flat, [...at, "toolCalls"], (c, cp) => toolCall(r, optionalString(c, "id", cp), c, cp));
    if (list.length > 0) calls = list;
  } else if (legacy !== undefined && legacy !== null) {
    calls = [toolCall(r, undefined, legacy, [...at, "function_call"])];
  }
  if (calls === undefined) {
    if (content === undefined) throw invalid(`is required when the assistant message has no tool calls`, [...at, "content"]);
    return { kind: "text", index, role: "assistant", content, ...(stopReason ? { stopReason } : {}) };
  }
  return { kind: "tool_call", index, role: "assistant", content: content ?? "", calls, stopReason };
}

function readCalls(r: Reader, v: unknown, path: ErrorPath, one: (call: object, path: ErrorPath) => NormalizedToolCall): NormalizedToolCall[] {
  if (!safeIsArray(v)) throw invalid(`expected an array of tool calls, got ${describeValue(v)}`, path);
  const out: NormalizedToolCall[] = [];
  eachItem(r, v, path, (c, cp) => {
    if (!isRecord(c)) throw invalid(`expected a tool call object, got ${describeValue(c)}`, cp);
    out.push(one(c, cp));
  });
  return out;
}

/** A call's `{name, arguments}` (OpenAI's `function`, the deprecated `function_call`, or a parsed call) at `path`. */
function toolCall(r: Reader, id: string | undefined, fn: unknown, path: ErrorPath): NormalizedToolCall {
  if (!isRecord(fn)) throw invalid(`expected {name, arguments}, got ${describeValue(fn)}`, path);
  const argumentsPath = [...path, "arguments"];
  return {
    id,
    name: checkToolName(read(fn, "name", path), [...path, "name"], invalid),
    arguments: decodeArguments(r, read(fn, "arguments", path), argumentsPath),
    argumentsPath,
  };
}

/** Arguments: absent → `{}`; an OpenAI JSON string is decoded; an object is snapshot. Either must be an object. */
function decodeArguments(r: Reader, args: unknown, path: ErrorPath): Record<string, unknown> {
  if (args === undefined) return {};
  let value = args;
  if (typeof args === "string") {
    try {
      value = JSON.parse(args);
    } catch (e) {
      throw invalid(`arguments is a string but not valid JSON (${e instanceof SyntaxError ? e.message : "too deeply nested"})`, path, { cause: e });
    }
    if (!isRecord(value)) throw invalid(`arguments must decode to a JSON object, got ${describeValue(value)}`, path);
  } else if (!isRecord(args)) {
    throw invalid(`expected an object or a JSON string, got ${describeValue(args)}`, path);
  }
  const copy = json(r, value, path, "assistant", args);
  if (!isRecord(copy)) throw invalid(`expected an object or a JSON string (its toJSON() gave ${describeValue(copy)})`, path);
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Content as written
// ---------------------------------------------------------------------------------------------

/**
 * Message content as pieces of text to write, each with its source, parts separated by `separator`
 * (`"\n"` in the `hf` dialect, as vLLM joins them; `""` in `meta`, as Meta's ChatFormat encodes them
 * back to back). Image parts are refused: text models read no images.
 */
export function contentPieces(content: NormalizedContent, separator: string, path: ErrorPath, role: string): Piece[] {
  if (typeof content === "string") return [{ text: content, source: { path, role } }];
  const out: Piece[] = [];
  for (const p of content) {
    if (p.type === "image") {
      throw invalid(
        `an image cannot be rendered for a text model: Llama 3.1, 3.2 (1B/3B) and 3.3 read text only; ` +
          `images need Llama 3.2 Vision (dialect "hf", llamaVersion "3.2-vision")`,
        p.path,
      );
    }
    if (out.length > 0 && separator !== "") out.push({ text: separator });
    out.push({ text: p.text, source: { path: p.path, role } });
  }
  return out;
}

/**
 * Writes a message's content (`messages[index].content`) with its source: a string as it is, parts
 * joined by `separator` (see {@link contentPieces}); with `trim`, stripped as Python's `str.strip()`.
 */
export function writeContent(out: SegmentBuilder, content: NormalizedContent, separator: string, index: number, role: string, trim = false): SegmentBuilder {
  const path = ["messages", index, "content"];
  if (typeof content === "string") return out.text(trim ? pyStrip(content) : content, { path, role });
  return out.pieces(contentPieces(content, separator, path, role), trim ? isPySpace : undefined);
}

/** True when `v` (plain data) is a non-empty array of `{type: "text", text}` parts. */
export function isTextParts(v: unknown): v is TextPart[] {
  return (
    Array.isArray(v) &&
    v.length > 0 &&
    v.every((p) => p !== null && typeof p === "object" && (p as TextPart).type === "text" && typeof (p as TextPart).text === "string")
  );
}

/** Tool output written as text (`meta`): a string, or (plain) text parts back to back, as pieces with their sources. */
export function toolTextPieces(content: string | TextPart[], path: ErrorPath): Piece[] {
  if (typeof content === "string") return [{ text: content, source: { path, role: "ipython" } }];
  return content.map((p, j) => ({ text: p.text, source: { path: [...path, j, "text"], role: "ipython" } }));
}
