/**
 * Typed tools: declare custom tools once with zod object schemas, get the OpenAI-style definitions
 * to render into the prompt, and validate the tool calls the model makes into a discriminated union
 * typed by tool name. Built-in tools (brave_search, wolfram_alpha, code_interpreter) can join the
 * same union.
 */
// zod/v4 is zod 4 in every zod ≥ 3.25.76 (in zod 4 it is the same module as "zod"), so one import
// serves the whole supported peer range.
import { z } from "zod/v4";
import {
  causeOf,
  describeValue,
  InvalidArgumentError,
  InvalidOptionsError,
  isLlamaPromptError,
  LlamaPromptError,
  ToolArgumentsError,
  UnknownToolError,
  type ErrorPath,
  type ToolArgumentIssue,
} from "../base/errors.js";
import type { ToolCall } from "../parse/types.js";
import { readOptions, type FunctionToolDefinition } from "../base/options.js";
import { BUILTIN_TOOLS, isToolName, TOOL_NAME_RULE, type BuiltinToolName } from "../base/tokens.js";

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/**
 * A zod object schema (`z.object`, `z.strictObject`, `z.looseObject`, or zod/mini's `object`).
 * Anything else is refused at definition time.
 */
export type ToolParametersSchema = z.core.$ZodObject;

/** One custom tool: what the model reads (`description`, the JSON Schema of `parameters`). */
export interface ToolSpec<S extends ToolParametersSchema = ToolParametersSchema> {
  description?: string;
  parameters: S;
}

/** Custom tools by name. Names follow the one tool-name rule (`isToolName`: 1 to 128 of `A-Za-z0-9_-.:/`). */
export type ToolSpecs = Record<string, ToolSpec>;

/** Options of {@link defineTools}. */
export interface DefineToolsOptions<B extends BuiltinToolName = BuiltinToolName> {
  /** Built-in tools whose calls `parse` accepts. Enable the same list in `renderPrompt({ builtinTools })`. */
  builtinTools?: readonly B[];
}

/** Arguments of the built-in tools as the parser reports them. */
export interface BuiltinToolArguments {
  /**
   * `brave_search.call(query="...")`; other keyword arguments are kept as the parser decoded them
   * (strings, numbers, booleans, ... e.g. `n=3` → `3`), hence `unknown`.
   */
  brave_search: { query: string; [kwarg: string]: unknown };
  /** `wolfram_alpha.call(query="...")`; other keyword arguments are kept as decoded (`unknown`). */
  wolfram_alpha: { query: string; [kwarg: string]: unknown };
  /** Code written after `<|python_tag|>`. */
  code_interpreter: { code: string };
}

/** The union of validated calls of a tool set: narrow it with `call.name === "..."`. */
export type ParsedToolCall<T extends ToolSpecs, B extends BuiltinToolName = never> =
  | { [K in keyof T & string]: ToolCall<K, z.output<T[K]["parameters"]>> }[keyof T & string]
  | { [K in B]: ToolCall<K, BuiltinToolArguments[K]> }[B];


/** Result of `safeParse`. */
export type SafeParseToolCallResult<T> =
  | { success: true; data: T; error?: undefined }
  | { success: false; data?: undefined; error: UnknownToolError | ToolArgumentsError };

/** The JSON object fed back to the model in a tool-error message (see {@link toolErrorMessage}). */
export type ToolErrorContent =
  | { error: "unknown_tool"; message: string; tool: string; available_tools: string[] }
  | {
      error: "invalid_arguments";
      message: string;
      tool: string;
      issues: Array<{ argument: string; problem: string; received?: unknown }>;
    }
  | { error: string; message: string; tool?: string };

/** An `ipython` (tool output) message telling the model what was wrong with its call. */
export interface ToolErrorMessage {
  role: "ipython";
  content: ToolErrorContent;
  tool_call_id?: string;
}

/** What {@link defineTools} returns. */
export interface DefinedTools<T extends ToolSpecs, B extends BuiltinToolName = never> {
  /** Custom tools, OpenAI-style, in declaration order: pass as `renderPrompt(messages, { tools: definitions })`. */
  readonly definitions: FunctionToolDefinition<keyof T & string>[];
  /** Every name `parse` accepts: custom tools, then enabled built-ins. */
  readonly names: (keyof T & string | B)[];
  /** The enabled built-ins: pass as `renderPrompt(messages, { builtinTools })`. */
  readonly builtinTools: B[];
  /**
   * Validates a parsed call; throws `UnknownToolError` or `ToolArgumentsError` (also for a call that
   * is not an object, e.g. `null`).
   */
  parse(toolCall: ToolCall): ParsedToolCall<T, B>;
  /** Like `parse`, but returns `{ success, data | error }` instead of throwing; it never throws. */
  safeParse(toolCall: ToolCall): SafeParseToolCallResult<ParsedToolCall<T, B>>;
  /** The `ipython` message that reports `error` back to the model (see {@link toolErrorMessage}). */
  formatError(error: unknown, toolCall?: Pick<ToolCall, "id">): ToolErrorMessage;
}

/** A tool definition is invalid: bad name, non-object schema, schema not representable as JSON Schema. */
export class ToolDefinitionError extends LlamaPromptError {
  static override readonly errorName: string = "ToolDefinitionError";
  readonly toolName: string;
  /** @param path inside the tool's spec (`["parameters"]`); the error's `path` starts at the `tools` argument */
  constructor(toolName: string, path: ErrorPath, message: string, options?: { cause?: unknown }) {
    const text = (v: unknown) => (typeof v === "string" ? v : describeValue(v));
    let inner: Array<string | number> = [];
    try {
      inner = path.filter((p): p is string | number => typeof p === "string" || typeof p === "number");
    } catch {
      // not an array of path parts
    }
    super("INVALID_TOOL_DEFINITION", `tool "${text(toolName)}"${inner.length ? ` (${inner.join(".")})` : ""}: ${text(message)}`, {
      ...causeOf(options),
      path: ["tools", text(toolName), ...inner],
    });
    this.toolName = toolName;
  }
}

// ---------------------------------------------------------------------------------------------
// defineTools
// ---------------------------------------------------------------------------------------------


const BUILTIN_SCHEMAS: Record<BuiltinToolName, z.ZodType> = {
  // Extra keyword arguments keep whatever type the parser decoded (`n=3` → 3, `safe=True` → true).
  brave_search: z.object({ query: z.string() }).catchall(z.unknown()),
  wolfram_alpha: z.object({ query: z.string() }).catchall(z.unknown()),
  code_interpreter: z.object({ code: z.string() }),
};

/**
 * Declares typed tools.
 *
 * JSON Schema: `z.toJSONSchema(parameters, { io: "input" })` without `$schema`, i.e. the shape the
 * model must send. Consequences (zod 4): `.optional()` and `.default()` fields are left out of
 * `required`; `z.object` (which strips unknown keys) emits no `additionalProperties`, `z.strictObject`
 * emits `additionalProperties: false`, `z.looseObject` emits `additionalProperties: {}`;
 * `.describe()` becomes `description`. Key order is zod's (type, properties, required, ...), and
 * properties follow the shape's declaration order, so the rendered prompt is stable.
 *
 * @example
 * const tools = defineTools({
 *   get_weather: { description: "Current weather", parameters: z.object({ city: z.string() }) },
 * }, { builtinTools: ["brave_search"] });
 * const call = tools.parse(message.toolCalls[0]);
 * if (call.name === "get_weather") call.arguments.city; // string
 */
export function defineTools<const T extends ToolSpecs, const B extends BuiltinToolName = never>(
  tools: T,
  options?: DefineToolsOptions<B>,
): DefinedTools<T, B> {
  try {
    return define(tools, options);
  } catch (e) {
    if (isLlamaPromptError(e)) throw e;
    // A getter or a Proxy of the caller's threw while the tools were read.
    throw new InvalidArgumentError(`the tools could not be read (a getter or Proxy trap threw)`, ["tools"], { cause: e });
  }
}

function define<const T extends ToolSpecs, const B extends BuiltinToolName = never>(tools: T, options?: DefineToolsOptions<B>): DefinedTools<T, B> {
  if (tools === null || typeof tools !== "object" || Array.isArray(tools)) {
    throw new InvalidArgumentError(`expected an object mapping tool names to { description, parameters }`, ["tools"]);
  }
  const builtinTools = resolveBuiltins(options);

  const schemas = new Map<string, z.core.$ZodType>();
  const definitions: FunctionToolDefinition[] = [];
  for (const [name, spec] of Object.entries(tools as ToolSpecs)) {
    if (!isToolName(name)) {
      throw new ToolDefinitionError(name, [], `expected a tool name (${TOOL_NAME_RULE})`);
    }
    if ((builtinTools as readonly string[]).includes(name)) {
      throw new ToolDefinitionError(name, [], `is also enabled as a built-in tool; give the custom tool another name`);
    }
    if (spec === null || typeof spec !== "object") {
      throw new ToolDefinitionError(name, [], `expected { description?, parameters }, got ${spec === null ? "null" : typeof spec}`);
    }
    if (spec.description !== undefined && typeof spec.description !== "string") {
      throw new ToolDefinitionError(name, ["description"], `expected a string, got ${typeof spec.description}`);
    }
    const schema = spec.parameters as unknown;
    if (!isZodObject(schema)) {
      throw new ToolDefinitionError(
        name,
        ["parameters"],
        `expected a zod object schema (z.object({...})), got ${describeSchema(schema)}; ` +
          `tool arguments are always a JSON object`,
      );
    }
    let jsonSchema: Record<string, unknown>;
    try {
      jsonSchema = z.toJSONSchema(schema, { io: "input" }) as Record<string, unknown>;
    } catch (cause) {
      throw new ToolDefinitionError(
        name,
        ["parameters"],
        `cannot be written as JSON Schema: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause },
      );
    }
    const { $schema: _dropped, ...parameters } = jsonSchema;
    schemas.set(name, schema);
    definitions.push({
      type: "function",
      function: spec.description === undefined ? { name, parameters } : { name, description: spec.description, parameters },
    });
  }
  for (const b of builtinTools) schemas.set(b, BUILTIN_SCHEMAS[b]);
  const names = [...schemas.keys()];

  const safeParse = (toolCall: ToolCall): SafeParseToolCallResult<ParsedToolCall<T, B>> => {
    const result = validateCall(toolCall, schemas, names);
    return result as SafeParseToolCallResult<ParsedToolCall<T, B>>;
  };

  return {
    definitions: definitions as FunctionToolDefinition<keyof T & string>[],
    names: names as (keyof T & string | B)[],
    builtinTools: builtinTools.slice() as B[],
    parse(toolCall) {
      const r = safeParse(toolCall);
      if (!r.success) throw r.error;
      return r.data;
    },
    safeParse,
    formatError: (error, toolCall) => toolErrorMessage(error, toolCall),
  };
}

function resolveBuiltins(options: DefineToolsOptions | undefined): BuiltinToolName[] {
  const o = readOptions(options, ["builtinTools"]);
  const list = (o.builtinTools as string[] | null | undefined) ?? [];
  list.forEach((b, i) => {
    // The shared rule accepts Meta's photogen too; typed validation exists for Llama 3.1's three.
    if (!(BUILTIN_TOOLS as readonly string[]).includes(b)) {
      throw new InvalidOptionsError(`defineTools validates ${BUILTIN_TOOLS.join(", ")}; got ${JSON.stringify(b)}`, ["options", "builtinTools", i]);
    }
  });
  return list as BuiltinToolName[];
}

function isZodObject(s: unknown): s is z.core.$ZodObject {
  if (s === null || typeof s !== "object") return false;
  const def = (s as { _zod?: { def?: { type?: unknown } } })._zod?.def;
  return def !== undefined && def.type === "object";
}

function describeSchema(s: unknown): string {
  if (s === undefined) return "nothing";
  if (s === null || typeof s !== "object") return typeof s;
  const type = (s as { _zod?: { def?: { type?: unknown } } })._zod?.def?.type;
  if (typeof type === "string") return `a zod ${type} schema`;
  // A zod 3 schema has `_def` and no `_zod`: name the fix rather than call it "not a zod schema".
  if ("_def" in s && typeof (s as { safeParse?: unknown }).safeParse === "function") {
    return `a zod 3 schema (defineTools takes zod 4 schemas: import { z } from "zod/v4" with zod ≥ 3.25.76, or from "zod" with zod 4)`;
  }
  return "an object that is not a zod schema";
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

function validateCall(
  toolCall: ToolCall,
  schemas: ReadonlyMap<string, z.core.$ZodType>,
  names: readonly string[],
): SafeParseToolCallResult<ToolCall> {
  if (toolCall === null || typeof toolCall !== "object") {
    return { success: false, error: notACallError(toolCall) };
  }
  let name: unknown;
  try {
    name = toolCall.name;
  } catch (cause) {
    return { success: false, error: notACallError(toolCall, `its name could not be read: ${errorText(cause)}`) };
  }
  const schema = typeof name === "string" ? schemas.get(name) : undefined;
  if (schema === undefined) {
    return { success: false, error: new UnknownToolError(typeof name === "string" ? name : safeString(name), names) };
  }
  const toolName = name as string;
  const argumentsError = (message: string, received: unknown): SafeParseToolCallResult<ToolCall> => ({
    success: false,
    error: new ToolArgumentsError(toolName, [{ path: [], message, received }]),
  });
  try {
    const original: unknown = toolCall.arguments;
    let args: unknown = original;
    if (typeof original === "string") {
      // OpenAI-style `arguments` given as a JSON string: it must decode to an object ("null", "[]", "1" do not).
      let decoded: unknown;
      try {
        decoded = JSON.parse(original);
      } catch {
        return argumentsError("expected a JSON object", original);
      }
      if (decoded === null || typeof decoded !== "object" || Array.isArray(decoded)) {
        return argumentsError("expected a JSON object", original);
      }
      args = decoded;
    } else if (original === undefined || original === null) {
      // Only a call without arguments defaults to no arguments.
      args = {};
    }
    const result = z.safeParse(schema, args);
    if (!result.success) {
      return { success: false, error: new ToolArgumentsError(toolName, toIssues(result.error.issues, args)) };
    }
    const data: ToolCall = { ...toolCall, name: toolName, arguments: result.data as Record<string, unknown> };
    return { success: true, data };
  } catch (cause) {
    // A throwing getter on the call or its arguments, or a schema refinement/transform that threw.
    return argumentsError(`could not be validated: ${errorText(cause)}`, undefined);
  }
}

/** The error for a tool call that is not an object (or whose name cannot be read). */
function notACallError(toolCall: unknown, why?: string): ToolArgumentsError {
  const got = toolCall === null ? "null" : typeof toolCall;
  return new ToolArgumentsError("", [
    {
      path: [],
      message: why ?? `expected a tool call object { name, arguments }, got ${got}`,
      received: toolCall === null || typeof toolCall !== "object" ? toolCall : undefined,
    },
  ]);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : safeString(e);
}

/** `String(v)` that cannot throw (objects without a usable `toString`, throwing `toString`). */
function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    try {
      return Object.prototype.toString.call(v);
    } catch {
      return typeof v;
    }
  }
}

function toIssues(issues: readonly z.core.$ZodIssue[], args: unknown): ToolArgumentIssue[] {
  const out: ToolArgumentIssue[] = [];
  for (const issue of issues) {
    const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        out.push({ path: [...path, key], message: "unexpected argument (not in the tool's parameters)", received: valueAt(args, [...path, key]) });
      }
      continue;
    }
    out.push({ path, message: issue.message, received: valueAt(args, path) });
  }
  return out;
}

function valueAt(value: unknown, path: ErrorPath): unknown {
  let v = value;
  for (const p of path) {
    if (v === null || typeof v !== "object" || !Object.prototype.hasOwnProperty.call(v, p)) return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Errors fed back to the model
// ---------------------------------------------------------------------------------------------

/**
 * The `ipython` (tool output) message that tells the model why its call failed, so it can retry:
 * `{ role: "ipython", content: { error, message, ... }, tool_call_id? }`.
 *
 * The content is a JSON object, not a string: the official template writes tool output with
 * `tojson` either way (a string would arrive JSON-quoted, with `\"` and `\n` escapes), and a flat
 * object with an `error` code, a one-sentence `message`, and per-argument `issues`
 * (`{ argument: "location.city", problem, received }`) is what the model reads most reliably.
 * Unknown tools list `available_tools`. Any other error becomes `{ error: "tool_error", message }`
 * (a `LlamaPromptError` uses its lower-cased code), so tool execution failures can use it too.
 */
export function toolErrorMessage(error: unknown, toolCall?: Pick<ToolCall, "id"> | null): ToolErrorMessage {
  let content: ToolErrorContent;
  try {
    content = toolErrorContent(error);
  } catch {
    content = { error: "tool_error", message: describeValue(error) }; // an error that cannot be read
  }
  const msg: ToolErrorMessage = { role: "ipython", content };
  let id: unknown;
  try {
    id = toolCall?.id;
  } catch {
    // a call that cannot be read: no id
  }
  if (typeof id === "string" && id !== "") msg.tool_call_id = id;
  return msg;
}

function toolErrorContent(error: unknown): ToolErrorContent {
  if (error instanceof UnknownToolError) {
    const known = [...error.knownTools];
    return {
      error: "unknown_tool",
      message:
        `There is no tool named "${error.toolName}". ` +
        (known.length ? `Call one of: ${known.join(", ")}.` : "No tools are available."),
      tool: error.toolName,
      available_tools: known,
    };
  }
  if (error instanceof ToolArgumentsError) {
    return {
      error: "invalid_arguments",
      message: `The arguments for "${error.toolName}" are invalid. Fix them and call the tool again.`,
      tool: error.toolName,
      issues: error.issues.map((i) => {
        const issue: { argument: string; problem: string; received?: unknown } = {
          argument: i.path.length ? i.path.map(String).join(".") : "(arguments)",
          problem: i.message,
        };
        if (i.received !== undefined) issue.received = jsonSafe(i.received);
        return issue;
      }),
    };
  }
  if (error instanceof LlamaPromptError) return { error: error.code.toLowerCase(), message: error.message };
  if (error instanceof Error) return { error: "tool_error", message: error.message };
  return { error: "tool_error", message: String(error) };
}

/** A JSON-serialisable copy (non-JSON values become their string form). */
function jsonSafe(v: unknown): unknown {
  try {
    const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x));
    return s === undefined ? String(v) : (JSON.parse(s) as unknown);
  } catch {
    return String(v);
  }
}
