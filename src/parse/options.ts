/**
 * Parser options after validation. The options are defined once in `base/options.ts` (the same
 * `tools` and `builtinTools` rendering takes, with the same defaults: no built-in tool unless
 * given); invalid options are the only thing the parser throws for ({@link InvalidOptionsError}, at
 * construction). To parse what a rendered prompt offered, pass `parseOptionsFor(renderOptions)`.
 */
import { PARSE_KEYS, readOptions, toolDefinitionName, toolNamesOrDefinitions } from "../base/options.js";
import type { ParseOptions } from "./types.js";

export const DEFAULT_MAX_TOOL_CALL_CHARS = 1_000_000;

export interface ResolvedParseOptions {
  /** Names of the custom tools offered, or undefined when `tools` was not given. */
  tools: ReadonlySet<string> | undefined;
  /** Enabled built-in tool names. */
  builtins: ReadonlySet<string>;
  createId: (() => string) | undefined;
  maxToolCallChars: number;
}

export function resolveParseOptions(options: ParseOptions | undefined | null | unknown): ResolvedParseOptions {
  const o = readOptions(options, PARSE_KEYS, ["options"], { tools: toolNamesOrDefinitions });
  const given = o.tools as Array<string | object> | null | undefined;
  const tools = given ? new Set(given.map((t) => (typeof t === "string" ? t : toolDefinitionName(t)!))) : undefined;
  return {
    tools,
    builtins: new Set((o.builtinTools as string[] | null | undefined) ?? []),
    createId: o.createId as (() => string) | undefined,
    maxToolCallChars: (o.maxToolCallChars as number | undefined) ?? DEFAULT_MAX_TOOL_CALL_CHARS,
  };
}

/** True when a JSON / function-tag / python-list call may name `name` under these options. */
export function isKnownTool(o: ResolvedParseOptions, name: string): boolean {
  return o.tools === undefined || o.tools.has(name) || o.builtins.has(name);
}
