/**
 * Parser options after validation, and the one rule that says which tool names a call may carry
 * where.
 *
 * The options are defined once in `base/options.ts` (the same `tools` and `builtinTools` rendering
 * takes, with the same defaults: no built-in tool unless given); invalid options are the only thing
 * the parser throws for at construction ({@link InvalidOptionsError}). To parse what a rendered
 * prompt offered, pass `parseOptionsFor(renderOptions)`.
 */
import { InvalidOptionsError, isLlamaPromptError } from "../base/errors.js";
import { PARSE_KEYS, readOptions, toolDefinitionName, toolNamesOrDefinitions } from "../base/options.js";
import { isToolName } from "../base/tokens.js";
import type { ParseOptions } from "./types.js";

export const DEFAULT_MAX_TOOL_CALL_CHARS = 1_000_000;

export interface ResolvedParseOptions {
  /** Names of the custom tools offered, or undefined when `tools` was not given. */
  tools: ReadonlySet<string> | undefined;
  /** Enabled built-in tool names. */
  builtins: ReadonlySet<string>;
  createId: (() => string) | undefined;
  maxToolCallChars: number;
  /** Every prefix of a declared name (tools and built-ins): a name that leaves it is not declared. */
  prefixes: ReadonlySet<string>;
  /** What starts a call of each enabled built-in: `brave_search.call(`, ... */
  builtinCalls: readonly string[];
  /** True when any name is declared (tools or built-ins): a call may then start inside a sentence. */
  declaresAny: boolean;
}

export function resolveParseOptions(options: ParseOptions | undefined | null | unknown): ResolvedParseOptions {
  try {
    const o = readOptions(options, PARSE_KEYS, ["options"], { tools: toolNamesOrDefinitions });
    const given = o.tools as Array<string | object> | null | undefined;
    const tools = given ? new Set(given.map((t) => (typeof t === "string" ? t : toolDefinitionName(t)!))) : undefined;
    const builtins = new Set((o.builtinTools as string[] | null | undefined) ?? []);
    const prefixes = new Set<string>();
    for (const name of [...(tools ?? []), ...builtins]) for (let n = 1; n <= name.length; n++) prefixes.add(name.slice(0, n));
    return {
      tools,
      builtins,
      createId: o.createId as (() => string) | undefined,
      maxToolCallChars: (o.maxToolCallChars as number | undefined) ?? DEFAULT_MAX_TOOL_CALL_CHARS,
      prefixes,
      builtinCalls: [...builtins].map((name) => name + ".call("),
      declaresAny: prefixes.size > 0,
    };
  } catch (cause) {
    if (isLlamaPromptError(cause)) throw cause;
    // A hostile options object (a throwing getter, a revoked Proxy): typed, never a raw TypeError.
    throw new InvalidOptionsError(`the options could not be read`, ["options"], { cause });
  }
}

/**
 * Where a call starts, for the rule on undeclared tool names:
 * - `TURN`: where a call can start a turn — the message start, right after `<|python_tag|>`, right
 *   after a previous call, or after a `;` separator in one of those places (whitespace allowed);
 * - `LINE`: at the start of a line (only whitespace since the last line break), elsewhere;
 * - `MID`: inside a line of text.
 */
export const Pos = { MID: 0, LINE: 1, TURN: 2 } as const;
export type Pos = (typeof Pos)[keyof typeof Pos];

/** What the name rule says about a complete call: not a call, a call, or a call if alone on its line. */
export const Permit = {
  NO: 0,
  YES: 1,
  /** An undeclared name at a line start: a call only if nothing but whitespace follows it on its line. */
  OWN_LINE: 2,
} as const;
export type Permit = (typeof Permit)[keyof typeof Permit];

/** True when `name` was declared: one of `tools`, or an enabled built-in. */
export function isDeclared(o: ResolvedParseOptions, name: string): boolean {
  return o.builtins.has(name) || (o.tools !== undefined && o.tools.has(name));
}

/** True when only declared names may be called at `pos` (inside a sentence, or whenever `tools` is given). */
export function declaredOnly(o: ResolvedParseOptions, pos: Pos): boolean {
  return pos === Pos.MID || o.tools !== undefined;
}

const PY_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The one rule for the name of a JSON, function-tag or python-list call found at `pos`:
 * - the name must satisfy `isToolName` (so it renders back unescaped);
 * - a declared name (in `tools`, or an enabled built-in) is a call anywhere;
 * - when `tools` is given, any other name is not a call;
 * - without `tools`, an undeclared name is a call where a call can start a turn (`TURN`), or at a
 *   line start when the call is alone on its line (`OWN_LINE`); never inside a sentence. In the
 *   python-list form it must also be a Python identifier (`add-note` only when declared).
 */
export function callPermit(o: ResolvedParseOptions, name: string, pos: Pos, pythonList = false): Permit {
  if (isDeclared(o, name)) return Permit.YES; // declared names passed isToolName when the options were read
  if (o.tools !== undefined || pos === Pos.MID || !isToolName(name)) return Permit.NO;
  if (pythonList && !PY_IDENTIFIER.test(name)) return Permit.NO;
  return pos === Pos.TURN ? Permit.YES : Permit.OWN_LINE;
}
