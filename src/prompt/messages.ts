/**
 * Conversation input → the normalised form: validation and normalisation in one walk over the
 * input (message-types.ts has the accepted shapes and the normalised form; content.ts writes
 * normalised content; special-tokens.ts has the special-token policy).
 *
 * Data flows one way: raw input → `NormalizedMessage[]` (a snapshot: plain data, every property of
 * the input read exactly once) → segments. Nothing after `normalizeMessages` looks at the caller's
 * objects again, so what is checked is what is written.
 */
import { describeValue, InvalidMessageError, type ErrorPath } from "../base/errors.js";
import { MAX_JSON_VALUES, plainJson } from "../base/python.js";
import { checkToolName } from "../base/options.js";
import { isRecord, readLength, safeIsArray } from "../base/read.js";
import { fieldGuard, type SpecialTokenPolicy } from "./special-tokens.js";
import type { MessageStopReason, NormalizedPart, NormalizedContent, NormalizedToolCall, NormalizedMessage } from "./message-types.js";

export type * from "./message-types.js";
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
