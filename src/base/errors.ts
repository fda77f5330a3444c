/**
 * Every error this library throws (or reports in a stream event) is a `LlamaPromptError` with a
 * stable `code`. Match on `code` (or `instanceof`), never on the message text.
 */

/** Stable machine-readable error codes. */
export type ErrorCode =
  | "INVALID_MESSAGE"
  | "INVALID_OPTIONS"
  | "TEMPLATE_ERROR"
  | "SPECIAL_TOKEN_IN_CONTENT"
  | "NOT_SERIALIZABLE"
  | "TOOL_CALL_TOO_LARGE"
  | "TOOL_CALL_INCOMPLETE"
  | "UNKNOWN_TOOL"
  | "INVALID_TOOL_ARGUMENTS"
  | "TEMPLATE_RENDER_FAILED"
  | "TGI_HTTP_ERROR"
  | "TGI_STREAM_ERROR"
  | "INVALID_TOOL_DEFINITION"
  | "TOKENIZER_ERROR";

/** A path into the input, e.g. `["messages", 2, "tool_calls", 0, "function", "arguments"]`. */
export type ErrorPath = ReadonlyArray<string | number>;

/** Formats a path the way JavaScript would address it: `messages[2].tool_calls[0].function`. */
export function formatPath(path: ErrorPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += out === "" ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** Base class of every error of this library. */
export class LlamaPromptError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A message (or the messages array) does not have the shape the renderer accepts. */
export class InvalidMessageError extends LlamaPromptError {
  /** Index of the offending message, when the problem is inside one message. */
  readonly index: number | undefined;
  /** Path from the messages array to the offending field. */
  readonly path: ErrorPath;
  constructor(message: string, path: ErrorPath, options?: { cause?: unknown }) {
    const index = typeof path[0] === "number" ? path[0] : undefined;
    const where = path.length > 0 ? `messages${formatPath(path).replace(/^(?!\[)/, ".")}` : "messages";
    super("INVALID_MESSAGE", `${where}: ${message}`, options);
    this.index = index;
    this.path = path;
  }
}

/** A render or parse option is invalid (wrong type, unknown dialect, ...). */
export class InvalidOptionsError extends LlamaPromptError {
  readonly path: ErrorPath;
  constructor(message: string, path: ErrorPath) {
    super("INVALID_OPTIONS", `options${path.length ? "." + formatPath(path) : ""}: ${message}`);
    this.path = path;
  }
}

/** Why the official template refuses a conversation; the same conditions under which it raises. */
export type TemplateErrorReason =
  | "empty_conversation"
  | "no_first_user_message"
  | "multiple_tool_calls"
  | "builtin_argument_not_string";

/**
 * The conversation is one the official chat template refuses (it calls `raise_exception` or fails).
 * `templateMessage` is the text the template raises with, where it has one.
 */
export class TemplateError extends LlamaPromptError {
  readonly reason: TemplateErrorReason;
  readonly index: number | undefined;
  readonly templateMessage: string | undefined;
  constructor(reason: TemplateErrorReason, message: string, index?: number, templateMessage?: string) {
    super("TEMPLATE_ERROR", index === undefined ? message : `messages[${index}]: ${message}`);
    this.reason = reason;
    this.index = index;
    this.templateMessage = templateMessage;
  }
}

/**
 * A special token (e.g. `<|eot_id|>`) appears as text in user-controlled input. With
 * `specialTokens: "reject"` (the default) this is an error: it would let content forge turns.
 */
export class SpecialTokenError extends LlamaPromptError {
  readonly index: number | undefined;
  readonly role: string | undefined;
  readonly token: string;
  readonly path: ErrorPath;
  constructor(token: string, path: ErrorPath, role?: string) {
    const index = path[0] === "messages" && typeof path[1] === "number" ? path[1] : undefined;
    const where = formatPath(path);
    super(
      "SPECIAL_TOKEN_IN_CONTENT",
      `${where}${role ? ` (role ${role})` : ""} contains the special token ${token}; ` +
        `pass specialTokens: "strip" to remove such tokens or "allow" to keep them`,
    );
    this.index = index;
    this.role = role;
    this.token = token;
    this.path = path;
  }
}

/** A value cannot be written as JSON the way Python's `json.dumps` would (BigInt, function, cycle, NaN...). */
export class SerializationError extends LlamaPromptError {
  readonly path: ErrorPath;
  constructor(message: string, path: ErrorPath) {
    super("NOT_SERIALIZABLE", `${path.length ? formatPath(path) + ": " : ""}${message}`);
    this.path = path;
  }
}

/** The parser gave up on a tool call longer than `maxToolCallChars`; its text is kept as content. */
export class ToolCallTooLargeError extends LlamaPromptError {
  readonly limit: number;
  constructor(limit: number) {
    super(
      "TOOL_CALL_TOO_LARGE",
      `tool call exceeded maxToolCallChars (${limit}); its text is kept as content`,
    );
    this.limit = limit;
  }
}

/** A tool call had started but the output ended (or turned invalid) before it was complete. */
export class IncompleteToolCallError extends LlamaPromptError {
  readonly raw: string;
  constructor(message: string, raw: string) {
    super("TOOL_CALL_INCOMPLETE", message);
    this.raw = raw;
  }
}

/** A tool call names a tool that is not among the defined ones. */
export class UnknownToolError extends LlamaPromptError {
  readonly toolName: string;
  readonly knownTools: readonly string[];
  constructor(toolName: string, knownTools: readonly string[]) {
    super(
      "UNKNOWN_TOOL",
      `unknown tool "${toolName}"; known tools: ${knownTools.length ? knownTools.join(", ") : "(none)"}`,
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

/** A tool call's arguments do not match the tool's schema. */
export class ToolArgumentsError extends LlamaPromptError {
  readonly toolName: string;
  readonly issues: readonly ToolArgumentIssue[];
  constructor(toolName: string, issues: readonly ToolArgumentIssue[]) {
    const lines = issues.map((i) => {
      const at = i.path.length ? formatPath(i.path) : "(arguments)";
      const got = i.received === undefined ? "nothing" : safeJson(i.received);
      return `${at}: ${i.message} (received ${got})`;
    });
    super("INVALID_TOOL_ARGUMENTS", `invalid arguments for tool "${toolName}": ${lines.join("; ")}`);
    this.toolName = toolName;
    this.issues = issues;
  }
}

/** A user-supplied chat template failed to parse or render. */
export class TemplateRenderError extends LlamaPromptError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("TEMPLATE_RENDER_FAILED", message, options);
  }
}

function safeJson(value: unknown): string {
  try {
    const s = JSON.stringify(value);
    if (s === undefined) return String(value);
    return s.length > 200 ? s.slice(0, 200) + "…" : s;
  } catch {
    return String(value);
  }
}
