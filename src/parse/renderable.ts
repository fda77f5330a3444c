/**
 * What the parser returns must render back: `renderPrompt([...history, parsedMessage])` writes tool
 * names unescaped, arguments with Python's `json.dumps` (no NaN/Infinity, at most `MAX_JSON_DEPTH`
 * levels, and the arguments object sits one level down in Meta's JSON encoding), and refuses
 * special-token text anywhere. A call whose arguments break one of these is not a call: the parser
 * keeps its text as content and reports why, as vLLM does for non-finite numbers.
 */
import { formatPath } from "../base/errors.js";
import { BUILTIN_TOOL_NAMES, findSpecialToken } from "../base/tokens.js";
import { MAX_JSON_DEPTH, walkJson, type JsonPath, type JsonStyle } from "../base/walk.js";

/**
 * Deepest nesting accepted in parsed arguments, the arguments object counting as level 1: Meta's
 * JSON encoding writes it inside `{"type", "name", "parameters"}`, one level below the root.
 */
export const MAX_ARGUMENT_DEPTH = MAX_JSON_DEPTH - 1;

function clipText(s: string): string {
  return s.length > 40 ? s.slice(0, 40) + "…" : s;
}

/** Why arguments would not render back: thrown inside the walk, caught by {@link unrenderableArguments}. */
class Unrenderable extends Error {}

function argumentPath(path: JsonPath): string {
  return formatPath(path.slice(0, 24)) || "(arguments)";
}

/** The check as a walk: writes nothing, throws {@link Unrenderable} at the first problem. */
const CHECK: JsonStyle = {
  leaf(v, path) {
    if (typeof v === "number" && !Number.isFinite(v)) {
      throw new Unrenderable(`argument ${argumentPath(path)} is not a finite number (${String(v)}); JSON has no such value`);
    }
    const token = typeof v === "string" ? findSpecialToken(v) : undefined;
    if (token) throw new Unrenderable(`argument ${argumentPath(path)} contains the special token ${token.token}`);
    return "";
  },
  key: () => "",
  keys(obj) {
    // Every key of an object is checked before its values are (last key first).
    const keys = Object.keys(obj);
    for (let i = keys.length - 1; i >= 0; i--) {
      const token = findSpecialToken(keys[i]!);
      if (token) throw new Unrenderable(`argument name ${JSON.stringify(clipText(keys[i]!))} contains the special token ${token.token}`);
    }
    return keys;
  },
  maxDepth: MAX_ARGUMENT_DEPTH,
  tooDeep: () => new Unrenderable(`arguments are nested deeper than ${MAX_ARGUMENT_DEPTH} levels`),
};

/** Why `args` would not render back, or undefined when it would. */
export function unrenderableArguments(args: Record<string, unknown>): string | undefined {
  try {
    walkJson(args, CHECK);
    return undefined;
  } catch (e) {
    if (e instanceof Unrenderable) return e.message;
    throw e;
  }
}

const BUILTINS: readonly string[] = BUILTIN_TOOL_NAMES;

/** True for an object that is not an array (what JSON objects parse to). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Why the call `name(args)` would not render back, or undefined. Besides {@link unrenderableArguments}:
 * a call named like a built-in (in any format: Meta's encoder writes it as the built-in) carries the
 * argument that tool runs on as a string — `query` (brave_search, wolfram_alpha, photogen), `code`
 * (code_interpreter). Meta's reference parser recognises a built-in call only with it, too.
 */
export function unrenderableCall(name: string, args: Record<string, unknown>): string | undefined {
  if (BUILTINS.includes(name)) {
    const main = name === "code_interpreter" ? "code" : "query";
    if (typeof args[main] !== "string") return `a ${name} call needs a string ${main} argument`;
  }
  return unrenderableArguments(args);
}

/**
 * The code Meta's encoder writes raw for a call (`code_interpreter`, in any format), or undefined.
 * Everything else it writes starts with `{`, `[`, `<function=` or `name.call(` and ends with `}`,
 * `]`, `>` or `)`, so it can neither finish nor continue a special token across a boundary.
 */
export function rawCode(name: string, args: Record<string, unknown>): string | undefined {
  return name === "code_interpreter" && typeof args.code === "string" ? args.code : undefined;
}

/**
 * Why the call would form a special token with the code written right before it (Meta writes
 * consecutive code calls back to back), or undefined.
 */
export function joinsPrevious(prev: string | undefined, name: string, args: Record<string, unknown>): string | undefined {
  const code = rawCode(name, args);
  if (prev === undefined || code === undefined) return undefined;
  const t = findSpecialToken(prev.slice(-32) + code.slice(0, 32));
  return t ? `its code and the previous call's, written back to back, would form the special token ${t.token}` : undefined;
}
