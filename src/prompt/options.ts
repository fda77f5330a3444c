/**
 * Render options after validation, defaults applied. The options themselves (types, rules) are
 * defined once in `base/options.ts`; this is what the renderers read.
 */
import {
  checkVersionOptions,
  readOptions,
  RENDER_KEYS,
  toolDefinitionsReusing,
  type LlamaVersion,
  type RenderOptions,
  type SpecialTokenPolicy,
  type ToolDefinition,
  type ToolPromptFormat,
} from "../base/options.js";
import { InvalidOptionsError } from "../base/errors.js";
import { plainJson } from "../base/python.js";
import { fieldGuard } from "./special-tokens.js";

/** Render options after validation, defaults applied. */
export interface ResolvedRenderOptions {
  dialect: "hf" | "meta";
  llamaVersion: LlamaVersion;
  tools: ToolDefinition[] | null;
  builtinTools: string[] | null;
  /** The date as given (a string, or a Date each dialect formats its own way; "today" is a Date); undefined: the default. */
  dateString: string | Date | undefined;
  toolsInUserMessage: boolean;
  /** Whether `toolsInUserMessage` was given (the `meta` dialect refuses it). */
  toolsInUserMessageGiven: boolean;
  addGenerationPrompt: boolean;
  addBos: boolean;
  specialTokens: SpecialTokenPolicy;
  toolPromptFormat: ToolPromptFormat;
  lossyTools: boolean;
  /** `hf`: render N calls of one message as N single-call turns, each with its result. */
  splitToolCalls: boolean;
}

const META_ONLY = ["toolPromptFormat", "lossyTools"] as const;

/**
 * What `llamaVersion` means for the `meta` dialect: the tool-call format Meta's stack uses for that
 * release by default (llama-stack `get_default_tool_prompt_format`: JSON for 3.1, python lists for
 * 3.2 text and 3.3). `toolPromptFormat`, when given, wins.
 */
const META_TOOL_PROMPT_FORMAT: Readonly<Record<LlamaVersion, ToolPromptFormat>> = {
  "3.1": "json",
  "3.2": "python_list",
  "3.3": "python_list",
  "3.2-vision": "json", // llama-stack: "llama3.1 and llama3.2 multimodal models follow the same tool prompt format"
};

/**
 * The tool-call format a `meta` prompt asks for: `toolPromptFormat` when given, else the version's
 * default ({@link META_TOOL_PROMPT_FORMAT}). For callers that constrain or check the output format.
 */
export function metaToolPromptFormat(o: { toolPromptFormat?: unknown; llamaVersion?: unknown }): ToolPromptFormat {
  const given = o.toolPromptFormat as ToolPromptFormat | undefined;
  return given ?? META_TOOL_PROMPT_FORMAT[(o.llamaVersion as LlamaVersion | undefined) ?? "3.1"] ?? "json";
}

/**
 * renderPrompt / renderSegments read tool definitions with `toolDefinitionsReusing`: an unchanged
 * definition gives back its previous snapshot, whose JSON text the dialect then has cached. These
 * snapshots never leave the renderer, so they never change.
 */
const REUSING = { tools: toolDefinitionsReusing() };

/**
 * Validates render options (every key by its one rule in `base/options.ts`; unknown keys rejected)
 * and applies the defaults. `reuseSnapshots`: the tool definitions' snapshots may be the ones an
 * earlier call gave (for a renderer that keeps them to itself: see {@link REUSING}).
 */
export function resolveRenderOptions(
  options: unknown,
  keys: readonly (typeof RENDER_KEYS)[number][] = RENDER_KEYS,
  reuseSnapshots = false,
): ResolvedRenderOptions {
  const o = readOptions(options, keys, ["options"], reuseSnapshots ? REUSING : {});
  // No tools in this call (the check did not run): keep nothing of the previous call's.
  if (reuseSnapshots && o.tools === undefined) REUSING.tools.forget();
  if (o.dialect !== "meta") {
    for (const k of META_ONLY) {
      if (o[k] !== undefined) throw new InvalidOptionsError(`only the meta dialect reads this option; pass dialect: "meta"`, ["options", k]);
    }
  }
  checkVersionOptions(o);
  // A literal of one shape (the renderers read it on every render); the option checks made each
  // tool definition a plain-data snapshot.
  return {
    dialect: (o.dialect as "hf" | "meta" | undefined) ?? "hf",
    llamaVersion: (o.llamaVersion as LlamaVersion | undefined) ?? "3.1",
    tools: (o.tools as ToolDefinition[] | null | undefined) ?? null,
    builtinTools: (o.builtinTools as string[] | null | undefined) ?? null,
    // "today": the current date, read once here; each dialect formats it as it formats any Date.
    dateString: o.dateString === "today" ? new Date() : (o.dateString as string | Date | undefined),
    toolsInUserMessage: (o.toolsInUserMessage as boolean | undefined) ?? true,
    toolsInUserMessageGiven: o.toolsInUserMessage !== undefined,
    addGenerationPrompt: (o.addGenerationPrompt as boolean | undefined) ?? true,
    addBos: (o.addBos as boolean | undefined) ?? true,
    specialTokens: (o.specialTokens as SpecialTokenPolicy | undefined) ?? "reject",
    toolPromptFormat: metaToolPromptFormat(o),
    lossyTools: (o.lossyTools as boolean | undefined) ?? false,
    splitToolCalls: (o.splitToolCalls as boolean | undefined) ?? false,
  };
}

export type { RenderOptions };

/**
 * The options with the special-token `policy` applied to each string of the tools and the date
 * string, field by field (`"strip"` cleans them before they are written; `"reject"` names the exact
 * field). The check of what is finally written happens when the segments are built.
 */
export function guardOptionFields(opts: ResolvedRenderOptions, policy: SpecialTokenPolicy): ResolvedRenderOptions {
  const guard = fieldGuard(policy);
  if (guard === undefined) return opts;
  const tools = opts.tools?.map((t, i) => (mayHoldTokenText(t) ? (plainJson(t, ["options", "tools", i], { onString: guard }) as ToolDefinition) : t)) ?? null;
  const date = typeof opts.dateString === "string" ? guard(opts.dateString, ["options", "dateString"]) : opts.dateString;
  return { ...opts, tools, dateString: date };
}

/** False when no string of `value` (plain data, as the option check made it) contains "<|". */
function mayHoldTokenText(value: unknown): boolean {
  try {
    return JSON.stringify(value)?.includes("<|") ?? false;
  } catch {
    return true; // a BigInt: let the walk decide
  }
}
