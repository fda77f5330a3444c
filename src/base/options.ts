/**
 * Render options shared by both dialects, and their validation.
 */
import { InvalidOptionsError } from "./errors.js";
import { applySpecialTokenPolicy, type SpecialTokenPolicy } from "../prompt/messages.js";

/**
 * A custom tool definition. Normally OpenAI-style
 * `{ type: "function", function: { name, description, parameters } }` (what `defineTools` returns);
 * any JSON object that carries a name (`function.name`, `name` or Meta's `tool_name`) is accepted and
 * written as given, exactly as the official template does.
 */
export type ToolDefinition =
  | { type: "function"; function: { name: string; description?: string; parameters?: Record<string, unknown>; [k: string]: unknown } }
  | { [key: string]: unknown };

/** Options of `renderPrompt` / `renderSegments`. */
export interface RenderOptions {
  /** `"hf"` (default): the official chat template, byte for byte. `"meta"`: Meta's reference ChatFormat. */
  dialect?: "hf" | "meta";
  /** Custom tools offered to the model (template variable `tools`). */
  tools?: readonly ToolDefinition[] | null;
  /** Built-in tools to enable (`Environment: ipython` + `Tools:` line). Template variable `builtin_tools`. */
  builtinTools?: readonly string[] | null;
  /** `Today Date:` of the system prompt. Default `"26 Jul 2024"`, as in the template. */
  dateString?: string;
  /** Put custom tools in the first user message (default true) rather than the system message. */
  toolsInUserMessage?: boolean;
  /** End with an open assistant header for the model to complete (default true). */
  addGenerationPrompt?: boolean;
  /** Special-token text inside content and tools: `"reject"` (default, throws), `"strip"`, `"allow"`. */
  specialTokens?: SpecialTokenPolicy;
}

/** Options after validation, defaults applied. */
export interface ResolvedRenderOptions {
  dialect: "hf" | "meta";
  tools: ToolDefinition[] | null;
  builtinTools: string[] | null;
  dateString: string | undefined;
  toolsInUserMessage: boolean;
  addGenerationPrompt: boolean;
  specialTokens: SpecialTokenPolicy;
}

const KNOWN_KEYS = new Set([
  "dialect",
  "tools",
  "builtinTools",
  "dateString",
  "toolsInUserMessage",
  "addGenerationPrompt",
  "specialTokens",
]);

/** The name a tool definition carries: `function.name`, `name`, or Meta's `tool_name`. */
export function toolDefinitionName(t: unknown): string | undefined {
  if (t === null || typeof t !== "object") return undefined;
  const o = t as Record<string, unknown>;
  const fn = o.function as Record<string, unknown> | undefined;
  const name = (fn && typeof fn === "object" ? fn.name : undefined) ?? o.name ?? o.tool_name;
  return typeof name === "string" && name !== "" ? name : undefined;
}

/**
 * Validates render options and applies defaults. `extraKeys` are keys a dialect adds (e.g. Meta's
 * `toolPromptFormat`), accepted here and validated by that dialect.
 */
export function resolveRenderOptions(options: unknown, extraKeys: readonly string[] = []): ResolvedRenderOptions {
  if (options === undefined || options === null) options = {};
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new InvalidOptionsError(`expected an object, got ${Array.isArray(options) ? "an array" : typeof options}`, []);
  }
  const o = options as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!KNOWN_KEYS.has(k) && !extraKeys.includes(k) && o[k] !== undefined) {
      throw new InvalidOptionsError(`unknown option (known: ${[...KNOWN_KEYS, ...extraKeys].join(", ")})`, [k]);
    }
  }
  const dialect = o.dialect ?? "hf";
  if (dialect !== "hf" && dialect !== "meta") throw new InvalidOptionsError(`expected "hf" or "meta", got ${JSON.stringify(dialect)}`, ["dialect"]);
  const specialTokens = o.specialTokens ?? "reject";
  if (specialTokens !== "reject" && specialTokens !== "strip" && specialTokens !== "allow") {
    throw new InvalidOptionsError(`expected "reject", "strip" or "allow", got ${JSON.stringify(specialTokens)}`, ["specialTokens"]);
  }
  for (const k of ["toolsInUserMessage", "addGenerationPrompt"] as const) {
    if (o[k] !== undefined && typeof o[k] !== "boolean") throw new InvalidOptionsError(`expected a boolean, got ${typeof o[k]}`, [k]);
  }
  if (o.dateString !== undefined && typeof o.dateString !== "string") {
    throw new InvalidOptionsError(`expected a string, got ${typeof o.dateString}`, ["dateString"]);
  }

  let tools: ToolDefinition[] | null = null;
  if (o.tools !== undefined && o.tools !== null) {
    if (!Array.isArray(o.tools)) throw new InvalidOptionsError(`expected an array of tool definitions`, ["tools"]);
    tools = o.tools.map((t: unknown, i: number) => {
      if (t === null || typeof t !== "object" || Array.isArray(t)) {
        throw new InvalidOptionsError(`expected a tool definition object`, ["tools", i]);
      }
      if (toolDefinitionName(t) === undefined) {
        throw new InvalidOptionsError(`tool definition has no name (expected function.name, name or tool_name)`, ["tools", i]);
      }
      return applySpecialTokenPolicy(t as ToolDefinition, specialTokens, ["options", "tools", i]);
    });
  }

  let builtinTools: string[] | null = null;
  if (o.builtinTools !== undefined && o.builtinTools !== null) {
    if (!Array.isArray(o.builtinTools)) throw new InvalidOptionsError(`expected an array of tool names`, ["builtinTools"]);
    builtinTools = o.builtinTools.map((t: unknown, i: number) => {
      if (typeof t !== "string" || !/^\w+$/.test(t)) {
        throw new InvalidOptionsError(`expected a tool name such as "brave_search", got ${JSON.stringify(t)}`, ["builtinTools", i]);
      }
      return t;
    });
  }

  const dateString =
    o.dateString === undefined ? undefined : applySpecialTokenPolicy(o.dateString as string, specialTokens, ["options", "dateString"]);

  return {
    dialect,
    tools,
    builtinTools,
    dateString,
    toolsInUserMessage: (o.toolsInUserMessage as boolean | undefined) ?? true,
    addGenerationPrompt: (o.addGenerationPrompt as boolean | undefined) ?? true,
    specialTokens,
  };
}
