/**
 * Conversation input: the accepted shapes (OpenAI / Hugging Face chat messages, plus this library's
 * own parsed `AssistantMessage`), their validation, and normalisation into one internal form that
 * both dialects render. Data flows one way: raw input → `NormalizedMessage[]` → segments.
 */
import { z } from "zod";
import { InvalidMessageError, SerializationError, SpecialTokenError, type ErrorPath } from "../base/errors.js";
import { MAX_JSON_DEPTH } from "../base/python.js";
import { findSpecialToken, specialTokenRegExp } from "../base/tokens.js";

// ---------------------------------------------------------------------------------------------
// Input schema (one source of truth: the exported types are inferred from it)
// ---------------------------------------------------------------------------------------------

const TextPartSchema = z.object({ type: z.literal("text"), text: z.string() });

/** Message content: a string, or OpenAI-style text parts (joined with "\n", as vLLM does). */
const ContentSchema = z.union([z.string(), z.array(TextPartSchema)]);

const ArgumentsSchema = z.union([z.record(z.string(), z.unknown()), z.string()]);

/** A tool call in OpenAI shape: `{ id?, type: "function", function: { name, arguments } }`. */
const OpenAIToolCallSchema = z.object({
  id: z.string().optional(),
  type: z.literal("function").optional(),
  function: z.object({
    name: z.string().min(1, "tool name must be a non-empty string"),
    arguments: ArgumentsSchema.optional(),
  }),
});

/** A tool call in this library's parsed shape (`ToolCall`): `{ name, arguments, id?, format?, raw? }`. */
const FlatToolCallSchema = z.object({
  id: z.string().optional(),
  name: z.string().min(1, "tool name must be a non-empty string"),
  arguments: ArgumentsSchema.optional(),
  format: z.string().optional(),
  raw: z.string().optional(),
});

const StopReasonSchema = z.enum(["eot", "eom", "end_of_text", "length", "none"]);

const SystemMessageSchema = z.object({ role: z.literal("system"), content: ContentSchema });
const UserMessageSchema = z.object({ role: z.literal("user"), content: ContentSchema });
const AssistantMessageSchema = z.object({
  role: z.literal("assistant"),
  content: ContentSchema.nullish(),
  tool_calls: z.array(OpenAIToolCallSchema).nullish(),
  toolCalls: z.array(FlatToolCallSchema).nullish(),
  stopReason: StopReasonSchema.optional(),
});
/** Tool output: any JSON value. A string is JSON-quoted by the `hf` dialect (template quirk). */
const ToolMessageSchema = z.object({
  role: z.enum(["tool", "ipython"]),
  content: z.unknown(),
  tool_call_id: z.string().optional(),
  name: z.string().optional(),
});

const MessageSchema = z.discriminatedUnion("role", [
  SystemMessageSchema,
  UserMessageSchema,
  AssistantMessageSchema,
  ToolMessageSchema,
]);

/** A text content part (`{ type: "text", text }`). Images are not supported: Llama 3.1 is text-only. */
export type TextPart = z.infer<typeof TextPartSchema>;
/** Message content as accepted on input. */
export type MessageContent = z.infer<typeof ContentSchema>;
/** An OpenAI-style tool call on an assistant message. */
export type OpenAIToolCall = z.infer<typeof OpenAIToolCallSchema>;
/** A chat message as accepted by `renderPrompt` / `renderSegments`. */
export type ChatMessage = z.input<typeof MessageSchema>;

// ---------------------------------------------------------------------------------------------
// Normalised form
// ---------------------------------------------------------------------------------------------

/** A tool call after normalisation: arguments decoded to an object. */
export interface NormalizedToolCall {
  id: string | undefined;
  name: string;
  arguments: Record<string, unknown>;
}

/** One message after validation and normalisation. `index` is its position in the input array. */
export type NormalizedMessage =
  | {
      kind: "text";
      index: number;
      role: "system" | "user" | "assistant";
      /** As given: a string or text parts (each dialect joins parts its own way: see {@link contentText}). */
      content: string | TextPart[];
      /** Assistant messages only: how the turn ended, when the caller says (e.g. a parsed message). */
      stopReason?: "eot" | "eom" | "end_of_text" | "length" | "none";
    }
  | {
      kind: "tool_call";
      index: number;
      role: "assistant";
      /** Text content of the assistant message alongside its calls ("" when none), as given. */
      content: string | TextPart[];
      calls: NormalizedToolCall[];
      stopReason: "eot" | "eom" | "end_of_text" | "length" | "none" | undefined;
    }
  | { kind: "tool_result"; index: number; role: "ipython"; content: unknown };

/** What to do with special-token text found in content (see SPEC: prompt injection). */
export type SpecialTokenPolicy = "reject" | "strip" | "allow";

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === "invalid_union" && "note" in issue && issue.note === "No matching discriminator") {
    const role = getAt(input, issue.path);
    return role === undefined
      ? `"role" is missing; expected one of "system", "user", "assistant", "tool", "ipython"`
      : `unknown role ${JSON.stringify(role)}; expected one of "system", "user", "assistant", "tool", "ipython"`;
  }
  if (issue.code === "invalid_union") {
    const value = getAt(input, issue.path);
    const last = issue.path[issue.path.length - 1];
    if (last === "content" || typeof last === "number") {
      return `expected a string or an array of {type: "text", text} parts, got ${describeValue(value)}`;
    }
    if (last === "arguments") return `expected an object or a JSON string, got ${describeValue(value)}`;
    return `invalid value ${describeValue(value)}`;
  }
  if (issue.code === "invalid_type") {
    const value = getAt(input, issue.path);
    return value === undefined ? `is required (expected ${issue.expected})` : `expected ${issue.expected}, got ${describeValue(value)}`;
  }
  if (issue.code === "invalid_value") {
    return `expected ${issue.values.map((v) => JSON.stringify(v)).join(" or ")}, got ${describeValue(getAt(input, issue.path))}`;
  }
  return issue.message;
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return v.length > 40 ? `a string` : JSON.stringify(v);
  if (typeof v === "object") return "an object";
  return `${typeof v} ${String(v)}`;
}

function getAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let cur: unknown = root;
  for (const k of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

/** Decodes OpenAI-style JSON-string arguments; an object is taken as is. */
function decodeArguments(args: unknown, path: ErrorPath): Record<string, unknown> {
  if (args === undefined) return {};
  if (typeof args !== "string") return args as Record<string, unknown>;
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch (e) {
    throw new InvalidMessageError(`arguments is a string but not valid JSON (${(e as Error).message})`, path, { cause: e });
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new InvalidMessageError(`arguments must decode to a JSON object, got ${describeValue(parsed)}`, path);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Message content as one string. Text parts are joined with `separator`: `"\n"` in the `hf`
 * dialect (as vLLM does; the template itself would print a Python list), `""` in the `meta`
 * dialect (Meta's ChatFormat encodes the items back to back).
 */
export function contentText(content: string | readonly TextPart[], separator: string): string {
  return typeof content === "string" ? content : content.map((p) => p.text).join(separator);
}

/** True when `v` is a non-empty array of `{type: "text", text}` parts. */
export function isTextParts(v: unknown): v is TextPart[] {
  return (
    Array.isArray(v) &&
    v.length > 0 &&
    v.every((p) => p !== null && typeof p === "object" && (p as TextPart).type === "text" && typeof (p as TextPart).text === "string")
  );
}

/**
 * Validates and normalises a conversation. Throws `InvalidMessageError` naming the message index
 * and field for the first problem found.
 */
export function normalizeMessages(messages: unknown): NormalizedMessage[] {
  if (!Array.isArray(messages)) {
    throw new InvalidMessageError(`expected an array of messages, got ${describeValue(messages)}`, ["messages"]);
  }
  return messages.map((raw, index): NormalizedMessage => {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      throw new InvalidMessageError(`expected a message object, got ${describeValue(raw)}`, ["messages", index]);
    }
    const result = MessageSchema.safeParse(raw);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw new InvalidMessageError(describeIssue(issue, raw), ["messages", index, ...(issue.path as (string | number)[])], {
        cause: result.error,
      });
    }
    const m = result.data;
    switch (m.role) {
      case "system":
      case "user":
        return { kind: "text", index, role: m.role, content: m.content };
      case "tool":
      case "ipython":
        if (!("content" in raw) || m.content === undefined) {
          throw new InvalidMessageError(`is required (tool output: a string or any JSON value)`, ["messages", index, "content"]);
        }
        return { kind: "tool_result", index, role: "ipython", content: m.content };
      case "assistant": {
        if (m.tool_calls && m.toolCalls) {
          throw new InvalidMessageError(`give either tool_calls (OpenAI shape) or toolCalls, not both`, ["messages", index]);
        }
        const openai = m.tool_calls ?? undefined;
        // A parsed reply without calls has `toolCalls: []`: that is a plain turn. (OpenAI-shaped
        // `tool_calls: []` is not: the template raises on it, and so do we.)
        const flat = m.toolCalls && m.toolCalls.length > 0 ? m.toolCalls : undefined;
        if (openai === undefined && flat === undefined) {
          if (m.content === null || m.content === undefined) {
            throw new InvalidMessageError(`is required when the assistant message has no tool calls`, ["messages", index, "content"]);
          }
          return { kind: "text", index, role: "assistant", content: m.content, ...(m.stopReason ? { stopReason: m.stopReason } : {}) };
        }
        const key = openai ? "tool_calls" : "toolCalls";
        const calls: NormalizedToolCall[] = openai
          ? openai.map((c, j) => ({
              id: c.id,
              name: c.function.name,
              arguments: decodeArguments(c.function.arguments, ["messages", index, key, j, "function", "arguments"]),
            }))
          : flat!.map((c, j) => ({ id: c.id, name: c.name, arguments: decodeArguments(c.arguments, ["messages", index, key, j, "arguments"]) }));
        return { kind: "tool_call", index, role: "assistant", content: m.content ?? "", calls, stopReason: m.stopReason };
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Special tokens inside content (prompt injection)
// ---------------------------------------------------------------------------------------------

/**
 * Applies the special-token policy to every string inside `value` (deeply, including object keys),
 * returning the value with tokens stripped (policy "strip"), unchanged ("allow"), or throwing a
 * `SpecialTokenError` naming the path, role and token ("reject").
 */
export function applySpecialTokenPolicy<T>(value: T, policy: SpecialTokenPolicy, path: ErrorPath, role?: string): T {
  if (policy === "allow") return value;
  if (typeof value === "string") {
    if (!value.includes("<|")) return value;
  } else if (value !== null && typeof value === "object" && !mayHoldTokenText(value)) {
    return value;
  }
  const ancestors = new Set<object>();
  // One mutable path, copied only for an error: this walks every tool definition on every render.
  const at: Array<string | number> = [...path];
  const visitString = (v: string): string => {
    if (!v.includes("<|")) return v;
    const m = findSpecialToken(v);
    if (!m) return v;
    if (policy === "reject") throw new SpecialTokenError(m.token, [...at], role);
    return stripSpecialTokens(v);
  };
  const visit = (v: unknown): unknown => {
    if (typeof v === "string") return visitString(v);
    if (v === null || typeof v !== "object") return v;
    if (ancestors.has(v)) throw new SerializationError("circular reference", [...at]);
    if (ancestors.size >= MAX_JSON_DEPTH) throw new SerializationError(`nested deeper than ${MAX_JSON_DEPTH} levels`, at.slice(0, 20));
    ancestors.add(v);
    let result: unknown = v;
    if (Array.isArray(v)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        at.push(i);
        const y = visit(v[i]);
        at.pop();
        if (y !== v[i]) (copy ??= v.slice())[i] = y;
      }
      if (copy) result = copy;
    } else if (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null) {
      let changed = false;
      const entries: Array<[string, unknown]> = [];
      for (const k of Object.keys(v)) {
        const x = (v as Record<string, unknown>)[k];
        at.push(k);
        const k2 = visitString(k);
        const y = visit(x);
        at.pop();
        if (y !== x || k2 !== k) changed = true;
        entries.push([k2, y]);
      }
      if (changed) result = Object.fromEntries(entries);
    }
    ancestors.delete(v);
    return result;
  };
  return visit(value) as T;
}

/**
 * Fast pre-check for the common case: no string anywhere in `value` contains "<|" (one native
 * JSON.stringify instead of a walk). Values JSON.stringify cannot write (cycles, BigInt, deep
 * nesting) answer true, so the walk runs and reports them properly.
 */
function mayHoldTokenText(value: object): boolean {
  try {
    return JSON.stringify(value)?.includes("<|") ?? false;
  } catch {
    return true;
  }
}

const TOKEN_AT_END = new RegExp(`(?:${specialTokenRegExp().source})$`);

/**
 * Removes every special token, including those that removing another one forms
 * ("<|eot<|eot_id|>_id|>" → ""). One pass over the characters: at each `|>` the last 32 output
 * characters (tokens are at most 31 long) are checked, after earlier removals, so nesting is free.
 */
function stripSpecialTokens(v: string): string {
  const out: string[] = [];
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    out.push(c);
    if (c !== ">" || out[out.length - 2] !== "|") continue;
    const m = TOKEN_AT_END.exec(out.slice(-32).join(""));
    if (m) out.length -= m[0].length;
  }
  return out.join("");
}

/** Applies the special-token policy to every field of every normalised message. */
export function checkMessagesForSpecialTokens(messages: NormalizedMessage[], policy: SpecialTokenPolicy): NormalizedMessage[] {
  if (policy === "allow") return messages;
  return messages.map((m) => {
    const at: ErrorPath = ["messages", m.index];
    switch (m.kind) {
      case "text":
        return { ...m, content: applySpecialTokenPolicy(m.content, policy, [...at, "content"], m.role) };
      case "tool_result":
        return { ...m, content: applySpecialTokenPolicy(m.content, policy, [...at, "content"], "ipython") };
      case "tool_call":
        return {
          ...m,
          content: applySpecialTokenPolicy(m.content, policy, [...at, "content"], "assistant"),
          calls: m.calls.map((c, j) => ({
            ...c,
            name: applySpecialTokenPolicy(c.name, policy, [...at, "tool_calls", j, "function", "name"], "assistant"),
            arguments: applySpecialTokenPolicy(c.arguments, policy, [...at, "tool_calls", j, "function", "arguments"], "assistant"),
          })),
        };
    }
  });
}
