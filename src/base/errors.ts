/**
 * One error model. Every error this library throws (or reports in a stream event) is a
 * `LlamaPromptError` with
 * - a stable `code` (match on it, never on the message text),
 * - a `path` from the root of the public argument it is about: its first element names the argument
 *   (`["messages", 2, "tool_calls", 0, "function", "arguments"]`, `["options", "tools", 1]`,
 *   `["chunk"]`), or `[]` when the error is not about an argument (a server reply, a stream),
 * - a message that starts with that path written the JavaScript way (`messages[2].content: ...`).
 *
 * Errors are recognised across copies of the package (an ESM and a CJS copy in one process, two
 * versions in one bundle) by a `Symbol.for` marker: use {@link isLlamaPromptError}, or `instanceof`,
 * which checks the marker and the class name when the class comes from another copy.
 */

/** Stable machine-readable error codes. */
export type ErrorCode =
  | "INVALID_MESSAGE"
  | "INVALID_OPTIONS"
  | "INVALID_ARGUMENT"
  | "TEMPLATE_ERROR"
  | "SPECIAL_TOKEN_IN_CONTENT"
  | "NOT_SERIALIZABLE"
  | "TOOL_CALL_TOO_LARGE"
  | "TOOL_CALL_INCOMPLETE"
  | "UNKNOWN_TOOL"
  | "INVALID_TOOL_ARGUMENTS"
  | "TEMPLATE_RENDER_FAILED"
  | "INVALID_TOOL_DEFINITION"
  | "TOKENIZER_ERROR"
  | "BACKEND_HTTP_ERROR"
  | "BACKEND_STREAM_ERROR"
  | "BACKEND_TIMEOUT";

/** A path into the input, from the root of the public argument: `["messages", 2, "content"]`. */
export type ErrorPath = ReadonlyArray<string | number>;

/** The marker every error of this library carries, shared by every copy of the package. */
const MARKER: unique symbol = Symbol.for("llama-prompt-format.error") as never;

/**
 * Formats a path the way JavaScript would address it: `messages[2].tool_calls[0].function`.
 * Never throws, whatever it is given.
 */
export function formatPath(path: ErrorPath): string {
  let out = "";
  try {
    if (!Array.isArray(path)) return "";
    const n = Math.min(path.length, 64);
    for (let i = 0; i < n; i++) {
      const part: unknown = path[i];
      if (typeof part === "number") out += `[${part}]`;
      else if (typeof part === "string" && /^[A-Za-z_$][\w$]*$/.test(part)) out += out === "" ? part : `.${part}`;
      else out += `[${JSON.stringify(typeof part === "string" ? clip(part, 60) : describeValue(part))}]`;
    }
    if (path.length > n) out += "…";
  } catch {
    // a path we cannot read: write what we have
  }
  return out;
}

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) + "…" : s;
}

/**
 * A short description of any value for an error message (`null`, `an array`, `"abc"`, `number 3`,
 * `an object`, `a function`). Never throws, never reads more than the value's type and, for short
 * strings and numbers, the value itself.
 */
export function describeValue(v: unknown): string {
  try {
    if (v === null || v === undefined) return String(v);
    if (Array.isArray(v)) return "an array";
    const type = typeof v;
    if (type === "string") return (v as string).length > 40 ? `a string of ${(v as string).length} characters` : JSON.stringify(v);
    if (type === "number" || type === "boolean") return `${type} ${String(v)}`;
    if (type === "bigint") return `bigint ${(v as bigint) > 10n ** 30n || (v as bigint) < -(10n ** 30n) ? "(large)" : String(v)}n`;
    if (type === "object") return v instanceof Uint8Array ? "a Uint8Array" : "an object";
    return `a ${type}`; // a symbol, a function
  } catch {
    return "a value that cannot be inspected";
  }
}

/** `v` as message text: a string as it is, anything else described. Never throws. */
export function textOf(v: unknown): string {
  return typeof v === "string" ? v : describeValue(v);
}

/** `{ cause }` of an options argument, read without throwing (a revoked Proxy gives none). */
export function causeOf(options: unknown): { cause?: unknown } {
  try {
    const cause = (options as { cause?: unknown } | null | undefined)?.cause;
    return cause === undefined ? {} : { cause };
  } catch {
    return {};
  }
}

/** Options every error constructor accepts. */
export interface LlamaPromptErrorOptions {
  cause?: unknown;
  /** Path from the root of the public argument (see {@link ErrorPath}). */
  path?: ErrorPath;
}

/** Base class of every error of this library. */
export class LlamaPromptError extends Error {
  /**
   * The class's name, as a static literal: `error.name` and cross-copy `instanceof` use it, so both
   * survive minifiers that rename classes. Every subclass declares its own.
   */
  static readonly errorName: string = "LlamaPromptError";
  declare readonly [MARKER]: true;
  readonly code: ErrorCode;
  /** Where in the caller's input the problem is; `[]` when it is not about an argument. */
  readonly path: ErrorPath;
  constructor(code: ErrorCode, message: string, options?: LlamaPromptErrorOptions) {
    // `{}` (no cause) gives the Error no `cause` property.
    super(textOf(message), causeOf(options));
    // The class's static `errorName` (survives minifiers that rename classes), else its own name.
    this.name = errorNameOf(new.target) ?? new.target.name;
    this.code = code;
    this.path = Object.freeze(pathOf(options));
    Object.defineProperty(this, MARKER, { value: true, enumerable: false });
  }

  /** `instanceof` also recognises errors of this class made by another copy of the package. */
  static override [Symbol.hasInstance](x: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, x)) return true;
    if (!isLlamaPromptError(x)) return false;
    if (this === LlamaPromptError) return true;
    // Another copy of the package: match by errorName along the class chain of x.
    const name = errorNameOf(this);
    for (let p = Object.getPrototypeOf(x) as { constructor?: unknown } | null; p; p = Object.getPrototypeOf(p)) {
      if (name !== undefined && errorNameOf(p.constructor) === name) return true;
    }
    return false;
  }

  /** `{ name, code, path, message }`: what `JSON.stringify` writes for the error. */
  toJSON(): { name: string; code: ErrorCode; path: ErrorPath; message: string } {
    return { name: this.name, code: this.code, path: this.path, message: this.message };
  }
}

/** The `path` of an options argument as a plain path (at most 64 elements); `[]` when there is none or it cannot be read. */
function pathOf(options: LlamaPromptErrorOptions | undefined): Array<string | number> {
  try {
    const path: unknown = options?.path;
    if (!Array.isArray(path)) return [];
    return path.slice(0, 64).map((p: unknown) => (typeof p === "number" || typeof p === "string" ? p : describeValue(p)));
  } catch {
    return []; // an options object or a path that cannot be read
  }
}

/**
 * True when `e` is an error of this library, from this copy of the package or any other (the check
 * is a `Symbol.for` marker, not the class identity). Optionally also checks its `code`.
 *
 * @example
 * try { renderPrompt(messages) } catch (e) { if (isLlamaPromptError(e, "SPECIAL_TOKEN_IN_CONTENT")) ... }
 */
export function isLlamaPromptError(e: unknown, code?: ErrorCode): e is LlamaPromptError {
  try {
    if (e === null || typeof e !== "object" || (e as Record<symbol, unknown>)[MARKER] !== true) return false;
    return code === undefined || (e as { code?: unknown }).code === code;
  } catch {
    return false;
  }
}

/** The own static `errorName` of an error class (not an inherited one), if it has one. */
function errorNameOf(cls: unknown): string | undefined {
  if (typeof cls !== "function" || !Object.hasOwn(cls, "errorName")) return undefined;
  const name = (cls as { errorName?: unknown }).errorName;
  return typeof name === "string" ? name : undefined;
}

/** "messages[2].content: " — the prefix every message with a path starts with. */
function at(path: ErrorPath): string {
  const p = formatPath(path);
  return p === "" ? "" : `${p}: `;
}

/** A message (or the messages array) does not have a shape the renderer accepts. */
export class InvalidMessageError extends LlamaPromptError {
  static override readonly errorName: string = "InvalidMessageError";
  /** Index of the offending message, when the problem is inside one message. */
  readonly index: number | undefined;
  /** @param path from the root, starting with `"messages"` */
  constructor(message: string, path: ErrorPath, options?: { cause?: unknown }) {
    super("INVALID_MESSAGE", `${at(path)}${textOf(message)}`, { ...causeOf(options), path });
    this.index = typeof this.path[1] === "number" ? this.path[1] : undefined;
  }
}

/** An option is invalid: unknown key, wrong type, a value out of range. */
export class InvalidOptionsError extends LlamaPromptError {
  static override readonly errorName: string = "InvalidOptionsError";
  /** @param path from the root, starting with `"options"` (or the name of the argument it is about) */
  constructor(message: string, path: ErrorPath, options?: { cause?: unknown }) {
    super("INVALID_OPTIONS", `${at(path)}${textOf(message)}`, { ...causeOf(options), path });
  }
}

/** A positional argument other than messages and options is invalid (a chunk, a text, a URL, a backend). */
export class InvalidArgumentError extends LlamaPromptError {
  static override readonly errorName: string = "InvalidArgumentError";
  /** @param path from the root, starting with the argument's name */
  constructor(message: string, path: ErrorPath, options?: { cause?: unknown }) {
    super("INVALID_ARGUMENT", `${at(path)}${textOf(message)}`, { ...causeOf(options), path });
  }
}

/** Why the official template refuses a conversation; the same conditions under which it raises. */
export type TemplateErrorReason =
  | "empty_conversation"
  | "no_first_user_message"
  | "multiple_tool_calls"
  | "builtin_argument_not_string"
  | "unsupported_feature";

/**
 * The conversation is one the official chat template refuses (it calls `raise_exception` or fails).
 * `templateMessage` is the text the template raises with, where it has one.
 */
export class TemplateError extends LlamaPromptError {
  static override readonly errorName: string = "TemplateError";
  readonly reason: TemplateErrorReason;
  readonly index: number | undefined;
  readonly templateMessage: string | undefined;
  constructor(reason: TemplateErrorReason, message: string, index?: number, templateMessage?: string, path?: ErrorPath) {
    const p: ErrorPath = path ?? (index === undefined ? ["messages"] : ["messages", index]);
    super("TEMPLATE_ERROR", `${at(p)}${textOf(message)}`, { path: p });
    this.reason = reason;
    this.index = index;
    this.templateMessage = templateMessage;
  }
}

/**
 * A special token (e.g. `<|eot_id|>`) would appear as text in the prompt. With
 * `specialTokens: "reject"` (the default) this is an error: it would let content forge turns.
 */
export class SpecialTokenError extends LlamaPromptError {
  static override readonly errorName: string = "SpecialTokenError";
  readonly index: number | undefined;
  readonly role: string | undefined;
  readonly token: string;
  constructor(token: string, path: ErrorPath, role?: string, detail?: string) {
    super(
      "SPECIAL_TOKEN_IN_CONTENT",
      `${formatPath(path)}${role ? ` (role ${textOf(role)})` : ""} ${detail === undefined ? "contains" : textOf(detail)} the special token ${textOf(token)}; ` +
        `pass specialTokens: "strip" to remove such tokens or "allow" to keep them`,
      { path },
    );
    this.index = this.path[0] === "messages" && typeof this.path[1] === "number" ? this.path[1] : undefined;
    this.role = role;
    this.token = token;
  }
}

/** A value cannot be written as JSON the way Python's `json.dumps` would (BigInt, function, cycle, NaN...). */
export class SerializationError extends LlamaPromptError {
  static override readonly errorName: string = "SerializationError";
  constructor(message: string, path: ErrorPath, options?: { cause?: unknown }) {
    super("NOT_SERIALIZABLE", `${at(path)}${textOf(message)}`, { ...causeOf(options), path });
  }
}

/** The parser gave up on a tool call longer than `maxToolCallChars`; its text is kept as content. */
export class ToolCallTooLargeError extends LlamaPromptError {
  static override readonly errorName: string = "ToolCallTooLargeError";
  readonly limit: number;
  constructor(limit: number) {
    super("TOOL_CALL_TOO_LARGE", `tool call exceeded maxToolCallChars (${textOf(limit)}); its text is kept as content`);
    this.limit = limit;
  }
}

/** A tool call had started but the output ended (or turned invalid) before it was complete. */
export class IncompleteToolCallError extends LlamaPromptError {
  static override readonly errorName: string = "IncompleteToolCallError";
  readonly raw: string;
  constructor(message: string, raw: string) {
    super("TOOL_CALL_INCOMPLETE", message);
    this.raw = raw;
  }
}

/** A tool call names a tool that is not among the defined ones. */
export class UnknownToolError extends LlamaPromptError {
  static override readonly errorName: string = "UnknownToolError";
  readonly toolName: string;
  readonly knownTools: readonly string[];
  constructor(toolName: string, knownTools: readonly string[], path: ErrorPath = ["toolCall", "name"]) {
    super(
      "UNKNOWN_TOOL",
      `${at(path)}unknown tool "${clip(textOf(toolName), 200)}"; known tools: ${listText(knownTools)}`,
      { path },
    );
    this.toolName = toolName;
    this.knownTools = knownTools;
  }
}

/** One problem with a tool call's arguments. */
export interface ToolArgumentIssue {
  /** Path inside the arguments object, e.g. `["location", "city"]`. */
  path: ErrorPath;
  /** What was expected, in words. */
  message: string;
  /** What the model sent at that path (undefined when missing). */
  received: unknown;
}

/** A tool call's arguments do not match the tool's schema. `path` is `["toolCall", "arguments"]`. */
export class ToolArgumentsError extends LlamaPromptError {
  static override readonly errorName: string = "ToolArgumentsError";
  readonly toolName: string;
  readonly issues: readonly ToolArgumentIssue[];
  constructor(toolName: string, issues: readonly ToolArgumentIssue[], path: ErrorPath = ["toolCall", "arguments"]) {
    let lines: string[];
    try {
      lines = issues.slice(0, 50).map((i) => {
        const where = Array.isArray(i.path) && i.path.length ? formatPath(i.path) : "(arguments)";
        const got = i.received === undefined ? "nothing" : safeJson(i.received);
        return `${where}: ${textOf(i.message)} (received ${got})`;
      });
    } catch {
      lines = ["(issues that cannot be read)"];
    }
    super("INVALID_TOOL_ARGUMENTS", `invalid arguments for tool "${clip(textOf(toolName), 200)}": ${lines.join("; ")}`, { path });
    this.toolName = toolName;
    this.issues = issues;
  }
}

/** A user-supplied chat template failed to parse or render. */
export class TemplateRenderError extends LlamaPromptError {
  static override readonly errorName: string = "TemplateRenderError";
  constructor(message: string, options?: { cause?: unknown; path?: ErrorPath }) {
    let path: unknown;
    try {
      path = options?.path;
    } catch {
      // unreadable options: the default path
    }
    super("TEMPLATE_RENDER_FAILED", message, { ...causeOf(options), path: path === undefined ? ["template"] : (path as ErrorPath) });
  }
}

/** A list of names for a message ("(none)" when empty). Never throws. */
function listText(names: unknown): string {
  try {
    if (!Array.isArray(names)) return describeValue(names);
    return names.length ? names.slice(0, 50).map(textOf).join(", ") : "(none)";
  } catch {
    return "(a list that cannot be read)";
  }
}

function safeJson(value: unknown): string {
  try {
    const s = JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
    if (s === undefined) return describeValue(value);
    return s.length > 200 ? s.slice(0, 200) + "…" : s;
  } catch {
    return describeValue(value);
  }
}
