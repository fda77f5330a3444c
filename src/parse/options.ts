/**
 * Validation of parser options. Invalid options are the only thing the parser throws for
 * ({@link InvalidOptionsError}, at construction). Unknown keys are ignored, so the same options
 * object can be shared with `renderPrompt` (`tools`, `builtinTools`).
 */
import { InvalidOptionsError } from "../base/errors.js";
import { BUILTIN_TOOLS } from "../base/tokens.js";
import type { ParseOptions } from "./types.js";
import { toolDefinitionName } from "../base/options.js";

export const DEFAULT_MAX_TOOL_CALL_CHARS = 1_000_000;

export interface ResolvedParseOptions {
  /** Names of the custom tools offered, or undefined when `tools` was not given. */
  tools: ReadonlySet<string> | undefined;
  /** Enabled built-in tool names. */
  builtins: ReadonlySet<string>;
  createId: (() => string) | undefined;
  maxToolCallChars: number;
}

/** A tool given as its name or as a definition (see `toolDefinitionName`). */
function toolName(t: unknown): string | undefined {
  if (typeof t === "string") return t !== "" ? t : undefined;
  return Array.isArray(t) ? undefined : toolDefinitionName(t);
}

export function resolveParseOptions(options: unknown): ResolvedParseOptions {
  if (options === undefined || options === null) options = {};
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new InvalidOptionsError(`expected an object, got ${Array.isArray(options) ? "an array" : typeof options}`, []);
  }
  const o = options as ParseOptions & Record<string, unknown>;

  let tools: Set<string> | undefined;
  if (o.tools !== undefined && o.tools !== null) {
    if (!Array.isArray(o.tools)) throw new InvalidOptionsError("expected an array of tool names or definitions", ["tools"]);
    tools = new Set();
    o.tools.forEach((t: unknown, i: number) => {
      const name = toolName(t);
      if (name === undefined) {
        throw new InvalidOptionsError("expected a tool name or a definition with function.name, name or tool_name", ["tools", i]);
      }
      tools!.add(name);
    });
  }

  let builtins: Set<string> = new Set(BUILTIN_TOOLS);
  if (o.builtinTools !== undefined && o.builtinTools !== null) {
    if (!Array.isArray(o.builtinTools)) throw new InvalidOptionsError("expected an array of built-in tool names", ["builtinTools"]);
    builtins = new Set();
    o.builtinTools.forEach((t: unknown, i: number) => {
      if (typeof t !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(t)) {
        throw new InvalidOptionsError("expected a built-in tool name (an identifier such as brave_search)", ["builtinTools", i]);
      }
      builtins.add(t);
    });
  }

  if (o.createId !== undefined && typeof o.createId !== "function") {
    throw new InvalidOptionsError("expected a function returning a string", ["createId"]);
  }

  let maxToolCallChars = DEFAULT_MAX_TOOL_CALL_CHARS;
  if (o.maxToolCallChars !== undefined) {
    const m = o.maxToolCallChars;
    if (typeof m !== "number" || !Number.isInteger(m) || m < 1) {
      throw new InvalidOptionsError("expected a positive integer", ["maxToolCallChars"]);
    }
    maxToolCallChars = m;
  }

  return { tools, builtins, createId: o.createId, maxToolCallChars };
}

/** True when a JSON / function-tag / python-list call may name `name` under these options. */
export function isKnownTool(o: ResolvedParseOptions, name: string): boolean {
  return o.tools === undefined || o.tools.has(name) || o.builtins.has(name);
}
