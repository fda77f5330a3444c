/**
 * Final decoding of a complete call text into a name and arguments, one function per format.
 * Every function returns undefined when the text is not a call of that format (never throws).
 */
import { callPermit, Permit, type Pos, type ResolvedParseOptions } from "./options.js";
import { parsePyCall } from "./scan/python-literal.js";

export interface DecodedCall {
  name: string;
  arguments: Record<string, unknown>;
  /** What the name rule said: YES, or OWN_LINE (a call only if alone on its line). */
  permit: Permit;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function jsonParse(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

/** An arguments value: an object, or a JSON string holding an object (OpenAI style). */
function decodeArgs(v: unknown): Record<string, unknown> | undefined {
  if (isPlainObject(v)) return v;
  if (typeof v === "string") {
    const p = jsonParse(v);
    if (p && isPlainObject(p.value)) return p.value;
  }
  return undefined;
}

/**
 * A parsed JSON value as a tool call: `{"name", "parameters"}`, `{"name", "arguments"}`,
 * `{"type": "function", "name", "parameters"}`, `{"type": "function", "function": {"name",
 * "parameters" | "arguments"}}` (the streaming scan refuses a call with both, or two of either: its first
 * value is what it streams). Without
 * either, the call is accepted only when `tools` were given and name it (arguments `{}`). The name
 * follows the one rule of {@link callPermit} at `pos`.
 */
export function decodeJsonCall(value: unknown, o: ResolvedParseOptions, pos: Pos): DecodedCall | undefined {
  if (!isPlainObject(value)) return undefined;
  let src: Record<string, unknown> = value;
  if (isPlainObject(value.function) && typeof value.function.name === "string") src = value.function;
  const name = src.name;
  if (typeof name !== "string") return undefined;
  const permit = callPermit(o, name, pos);
  if (permit === Permit.NO) return undefined;
  const hasParams = Object.prototype.hasOwnProperty.call(src, "parameters");
  const hasArgs = Object.prototype.hasOwnProperty.call(src, "arguments");
  if (!hasParams && !hasArgs) {
    if (o.tools !== undefined && o.tools.has(name)) return { name, arguments: {}, permit };
    return undefined;
  }
  const args = decodeArgs(hasParams ? src.parameters : src.arguments);
  return args ? { name, arguments: args, permit } : undefined;
}

/** The text of a JSON object call (complete, strict JSON). */
export function decodeJsonCallText(text: string, o: ResolvedParseOptions, pos: Pos): DecodedCall | undefined {
  const p = jsonParse(text);
  return p ? decodeJsonCall(p.value, o, pos) : undefined;
}

/**
 * The JSON of a `<function=name>{...}</function>` call. Like Meta's parser: when it is not valid
 * JSON, retry with every single quote replaced by a double quote. Must be an object.
 */
export function decodeFunctionTagArgs(text: string): Record<string, unknown> | undefined {
  const p = jsonParse(text) ?? jsonParse(text.replace(/'/g, '"'));
  return p && isPlainObject(p.value) ? p.value : undefined;
}

/**
 * One element of a Llama 3.2 python list: `name(k=v, ...)`, keyword-only, literal values. The name
 * may be any tool name (`add-note`, as MCP servers name tools) and follows the rule of
 * {@link callPermit} for python lists.
 */
export function decodePythonListElement(text: string, o: ResolvedParseOptions, pos: Pos): DecodedCall | undefined {
  const call = parsePyCall(text, true);
  if (!call) return undefined;
  const permit = callPermit(o, call.name, pos, true);
  return permit === Permit.NO ? undefined : { name: call.name, arguments: call.args, permit };
}
