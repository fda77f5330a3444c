/**
 * One options model. Every option of every entry point is defined once here — its type, its
 * default and its validation — and an entry point lists the keys it reads. So an option means the
 * same thing, and is checked by the same rule, wherever it is accepted, and a key an entry point
 * does not read is an error there (never silently ignored).
 *
 * Defaults that matter for agreement between rendering and parsing: `builtinTools` defaults to none
 * everywhere (the default prompt offers no built-in tool, so the default parser accepts none).
 */
import { describeValue, InvalidOptionsError, type ErrorPath } from "./errors.js";
import { BUILTIN_TOOL_NAMES, TOOL_NAME_RULE, isToolName, type AnyBuiltinToolName } from "./tokens.js";
import { plainJson } from "./python.js";
import { isRecord, readLength, readProperty, safeIsArray } from "./read.js";

/**
 * A custom tool definition. Normally OpenAI-style
 * `{ type: "function", function: { name, description, parameters } }` (what `defineTools` returns);
 * any JSON object that carries a name (`function.name`, `name` or Meta's `tool_name`) is accepted and
 * written as given, exactly as the official template does.
 */
export type ToolDefinition = FunctionToolDefinition | MetaToolDefinition | { readonly [key: string]: unknown };

/**
 * An OpenAI-style function tool: what `defineTools` returns, what OpenAI clients send, and the shape
 * the official template documents (`parameters` is a JSON Schema object).
 */
export interface FunctionToolDefinition<Name extends string = string> {
  type: "function";
  function: { name: Name; description?: string; parameters?: Record<string, unknown>; [key: string]: unknown };
}

/** A custom tool in Meta's shape (llama-models `ToolDefinition`). */
export interface MetaToolDefinition {
  tool_name: string;
  description?: string | null;
  parameters?: Record<string, MetaToolParamDefinition> | null;
}

/** One parameter of a Meta tool. As in pydantic's `ToolParamDefinition`, `required` defaults to true. */
export interface MetaToolParamDefinition {
  /** Free text shown to the model, e.g. `"str"`, `"int"`, `"string"`. */
  param_type: string;
  description?: string | null;
  /** Default true (pydantic default). `null` counts as not required, as in the reference templates. */
  required?: boolean | null;
  /** Any JSON value; `null`/absent means no default (pydantic `None`). */
  default?: unknown;
}

/** What to do with special-token text in anything written into the prompt. */
export type SpecialTokenPolicy = "reject" | "strip" | "allow";
/**
 * Llama 3.x release whose official chat template `hf` renders: `"3.2"` is the text models' (1B/3B),
 * `"3.2-vision"` the Vision models' (11B/90B; image parts render `<|image|>`).
 */
export type LlamaVersion = "3.1" | "3.2" | "3.3" | "3.2-vision";
/** How custom tool calls are written in the `meta` dialect. */
export type ToolPromptFormat = "json" | "function_tag" | "python_list";
/** Which tool the model must call: any or none (`auto`), none, at least one, or this one. */
export type ToolChoice = "auto" | "none" | "required" | { name: string };

/** Options of `renderPrompt` / `renderSegments` (and of everything that renders). */
export interface RenderOptions {
  /** `"hf"` (default): the official chat template, byte for byte. `"meta"`: Meta's reference ChatFormat. */
  dialect?: "hf" | "meta";
  /** Llama release whose template is rendered (default `"3.1"`; `"3.3"` renders the same bytes). */
  llamaVersion?: LlamaVersion;
  /** Custom tools offered to the model (template variable `tools`). */
  tools?: readonly ToolDefinition[] | null;
  /** Built-in tools offered (`Environment: ipython` + `Tools:` line). Default none. */
  builtinTools?: readonly AnyBuiltinToolName[] | null;
  /**
   * `Today Date:` of the system prompt: a string written as given, a `Date` formatted the way the
   * selected template formats it (`hf`: `%d %b %Y`, `05 Mar 2025`; `meta`: `%d %B %Y`), or `"today"`
   * (the current local date, formatted so). Default as in the template: `"26 Jul 2024"` for 3.1/3.3,
   * today for 3.2.
   */
  dateString?: string | Date;
  /** Put custom tools in the first user message (default true) rather than the system message. `hf` only. */
  toolsInUserMessage?: boolean;
  /** End with an open assistant header for the model to complete (default true). */
  addGenerationPrompt?: boolean;
  /**
   * Start with `<|begin_of_text|>` (default true, as the template does). `false` for a client whose
   * server adds BOS itself when it tokenizes a prompt string (TGI, vLLM completions, llama.cpp).
   */
  addBos?: boolean;
  /** Special-token text in anything written into the prompt: `"reject"` (default, throws), `"strip"`, `"allow"`. */
  specialTokens?: SpecialTokenPolicy;
  /** `meta` dialect only: how custom tool calls are written (default `"json"`). */
  toolPromptFormat?: ToolPromptFormat;
  /**
   * `meta` dialect only: OpenAI-style tools whose JSON Schema uses keywords Meta's tool shape cannot
   * express (`enum`, `items`, ...) throw by default; `true` drops those keywords instead.
   */
  lossyTools?: boolean;
  /**
   * `hf` dialect: render an assistant message that carries several tool calls (Llama 3.1 can emit
   * several `;`-separated calls in one turn) as consecutive single-call assistant turns, each
   * followed by its result (the tool messages after it, matched by `tool_call_id`, else in order):
   * exactly what the official template renders for that equivalent conversation. Default `false`:
   * such a message is a `TemplateError` (`multiple_tool_calls`), as the template raises. No effect in
   * the `meta` dialect, which writes several calls in one turn.
   */
  splitToolCalls?: boolean;
}

/** Validates one option value; `path` is where it sits (from the `options` root). */
/** Validates one option value; `path` is where it sits (from the `options` root). Returns the value to use. */
export type OptionCheck = (value: unknown, path: ErrorPath) => unknown;
type Check = OptionCheck;

const invalid = (message: string, path: ErrorPath, options?: { cause?: unknown }) => new InvalidOptionsError(message, path, options);

/** The check that accepts a value for which `test` holds, as it is: "expected `expected`, got ..." otherwise. */
function is(test: (v: unknown) => boolean, expected: string): Check {
  return (v, path) => {
    if (!test(v)) throw invalid(`expected ${expected}, got ${describeValue(v)}`, path);
    return v;
  };
}

const oneOf = (values: readonly unknown[]): Check => is((v) => values.includes(v), `one of ${values.map((x) => JSON.stringify(x)).join(", ")}`);

const boolean = is((v) => typeof v === "boolean", "a boolean");

/** Most items an option's array may hold (a bound: a Proxy can claim any length). */
const MAX_OPTION_ITEMS = 100_000;

/**
 * A plain array (not a typed array, not array-like) of `what`, each item read once (so getters
 * cannot change it later) and checked by `each` at its path.
 */
function arrayOf(v: unknown, path: ErrorPath, what: string, each: Check): unknown[] {
  if (!safeIsArray(v)) throw invalid(`expected an array of ${what}, got ${describeValue(v)}`, path);
  const n = readLength(v, path, invalid);
  if (n > MAX_OPTION_ITEMS) throw invalid(`expected at most ${MAX_OPTION_ITEMS} ${what}, got ${n}`, path);
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const item = readProperty(v, i, path, invalid);
    if (item === undefined) throw invalid(`expected an array of ${what}, got a sparse array (no item ${i})`, [...path, i]);
    out.push(each(item, [...path, i]));
  }
  return out;
}

/** Where a tool definition carries its name — `function.name`, `name` or Meta's `tool_name`, the first given — and that value. */
function nameField(t: unknown): [unknown, string[]] | undefined {
  if (!isRecord(t)) return undefined;
  const fn = t.function;
  const inFn = fn !== null && typeof fn === "object" ? (fn as Record<string, unknown>).name : undefined;
  if (inFn !== undefined && inFn !== null) return [inFn, ["function", "name"]];
  return t.name !== undefined && t.name !== null ? [t.name, ["name"]] : [t.tool_name, ["tool_name"]];
}

/** The name a tool definition carries: `function.name`, `name`, or Meta's `tool_name`. */
export function toolDefinitionName(t: unknown): string | undefined {
  const name = nameField(t)?.[0];
  return typeof name === "string" && name !== "" ? name : undefined;
}

/** Checks a tool name against the one rule for tool names ({@link TOOL_NAME_RULE}). */
export function checkToolName(name: unknown, path: ErrorPath, make: (message: string, path: ErrorPath) => Error = invalid): string {
  if (!isToolName(name)) {
    throw make(`expected a tool name (${TOOL_NAME_RULE}), got ${describeValue(name)}`, path);
  }
  return name;
}

/**
 * One tool definition: an object that carries a valid name. Returns a plain-data snapshot of it
 * (`plainJson`: every property read once), so that what was checked is what is written.
 */
function checkDefinition(given: unknown, path: ErrorPath, snapshots?: Snapshots): object {
  if (!isRecord(given)) throw invalid(`expected a tool definition object, got ${describeValue(given)}`, path);
  const previous = snapshots === undefined ? undefined : (snapshots.before.get(given) ?? snapshots.list[path[path.length - 1] as number]);
  const t = plainJson(given, path, { previous });
  // The previous call's snapshot, given back unchanged, passed the checks below then.
  if (previous !== undefined && t === previous) {
    snapshots!.now.set(given, t);
    return t;
  }
  if (!isRecord(t)) throw invalid(`expected a tool definition object, got ${describeValue(t)} (from its toJSON())`, path);
  const [name, at] = nameField(t)!;
  if (typeof name !== "string" || name === "") throw invalid(`tool definition has no name (expected function.name, name or tool_name)`, path);
  checkToolName(name, [...path, ...at]);
  snapshots?.now.set(given, t);
  return t;
}

/** Custom tools: tool definitions (rendering), or also just their names (`names`: parsing needs nothing else). */
const toolList =
  (what: string, names?: boolean): Check =>
  (v, path) =>
    v === null ? null : arrayOf(v, path, what, (t, at) => (names && typeof t === "string" ? checkToolName(t, at) : checkDefinition(t, at)));

/**
 * The `tools` check for a renderer that keeps its snapshots to itself: a definition object that did
 * not change since the previous call gives back the snapshot it gave then (the same object; see
 * `plainJson`'s `previous`), so what the renderer derives from a snapshot (its JSON text) can be
 * cached by the snapshot's identity; so does a new definition object equal to the previous call's
 * at the same index. Every property is still read on every call: a definition the
 * caller mutated gives a new snapshot. It remembers the definitions of its previous call only (a
 * Map, not a WeakMap: V8 sweeps a WeakMap of short-lived keys slowly, which made fresh definitions
 * on every call slower than no cache).
 */
export function toolDefinitionsReusing(): Check & { forget(): void } {
  let before = new Map<object, object>();
  let list: object[] = [];
  /** A call without tools: nothing of the previous call's definitions is kept alive. */
  const forget = () => {
    before = new Map();
    list = [];
  };
  const check: Check = (v, path) => {
    if (v === null) {
      forget();
      return null;
    }
    const snapshots: Snapshots = { before, now: new Map(), list };
    const out = arrayOf(v, path, "tool definitions", (t, at) => checkDefinition(t, at, snapshots));
    before = snapshots.now;
    list = out as object[];
    return out;
  };
  return Object.assign(check, { forget });
}

/**
 * The previous call's snapshots, by definition object, and in order: a definition not seen then
 * (a fresh copy, rebuilt every call) is compared with the one at its index, so that equal content
 * still gives back the previous snapshot.
 */
interface Snapshots {
  before: Map<object, object>;
  now: Map<object, object>;
  list: object[];
}

/**
 * Custom tools offered (parsing): the same definitions rendering takes, or just their names — the
 * parser needs nothing but the name.
 */
export const toolNamesOrDefinitions: Check = toolList("tool names or definitions", true);

const builtinName = is((t) => (BUILTIN_TOOL_NAMES as readonly unknown[]).includes(t), `one of ${BUILTIN_TOOL_NAMES.join(", ")}`);

/** Built-in tool names, each listed once (where first given). */
const builtinTools: Check = (v, path) => (v === null ? null : [...new Set(arrayOf(v, path, "built-in tool names", builtinName))]);

const dateString: Check = (v, path) => {
  if (typeof v === "string") return v;
  let t: number | undefined;
  try {
    t = Date.prototype.getTime.call(v); // throws for anything but a real Date
  } catch {
    throw invalid(`expected a string or a Date, got ${describeValue(v)}`, path);
  }
  if (Number.isNaN(t)) throw invalid(`expected a string or a valid Date, got an invalid Date`, path);
  return new Date(t); // a fresh Date: a subclass cannot format itself differently later
};

/**
 * `toolChoice`, which only `generateChat` / `streamChat` read: they pass this check to
 * {@link readOptions} with their own (kept out of {@link OPTION_CHECKS}, so bundles that only
 * render and parse do not carry it).
 */
export const TOOL_CHOICE_CHECK: Check = (v, path) => {
  if (v === "auto" || v === "none" || v === "required") return v;
  if (isRecord(v)) {
    let keys: string[];
    let name: unknown;
    try {
      keys = Object.keys(v);
      name = v.name;
    } catch (cause) {
      throw invalid(`could not be read (a getter or Proxy trap threw)`, path, { cause });
    }
    if (keys.length === 1 && keys[0] === "name") return { name: checkToolName(name, [...path, "name"]) };
  }
  throw invalid(`expected "auto", "none", "required" or { name }, got ${describeValue(v)}`, path);
};

/**
 * Every option of rendering and parsing, defined once: its check. Entry points list which of these
 * keys they read ({@link RENDER_KEYS}, {@link PARSE_KEYS}, ...); entry points with options of their
 * own (a backend's generation parameters, `toolChoice`: {@link TOOL_CHOICE_CHECK}) pass extra checks
 * to {@link readOptions}.
 */
export const OPTION_CHECKS = {
  dialect: oneOf(["hf", "meta"]),
  llamaVersion: oneOf(["3.1", "3.2", "3.3", "3.2-vision"]),
  tools: toolList("tool definitions"),
  builtinTools,
  dateString,
  toolsInUserMessage: boolean,
  addGenerationPrompt: boolean,
  addBos: boolean,
  specialTokens: oneOf(["reject", "strip", "allow"]),
  toolPromptFormat: oneOf(["json", "function_tag", "python_list"]),
  lossyTools: boolean,
  splitToolCalls: boolean,
  createId: is((v) => typeof v === "function", "a function returning a string"),
  maxToolCallChars: is((v) => Number.isSafeInteger(v) && (v as number) >= 1, "a positive integer"),
} satisfies Record<string, Check>;

/** Any option key of the shared model. */
export type OptionKey = keyof typeof OPTION_CHECKS;

/** Keys `renderPrompt` / `renderSegments` read. */
export const RENDER_KEYS = [
  "dialect",
  "llamaVersion",
  "tools",
  "builtinTools",
  "dateString",
  "toolsInUserMessage",
  "addGenerationPrompt",
  "addBos",
  "specialTokens",
  "toolPromptFormat",
  "lossyTools",
  "splitToolCalls",
] as const satisfies readonly OptionKey[];

/** Keys the parser reads. */
export const PARSE_KEYS = ["tools", "builtinTools", "createId", "maxToolCallChars"] as const satisfies readonly OptionKey[];

/** Which entry points read a key, for the message of an unknown-key error. */
const READ_BY: Partial<Record<string, string>> = {
  createId: "the parser",
  maxToolCallChars: "the parser",
  toolChoice: "generateChat / streamChat and the adapters",
};

/**
 * Reads and validates an options object: only `keys` (and the keys of `extra`) are accepted; every
 * present value (not `undefined`) is checked by its one rule. Returns the checked values. `null` /
 * `undefined` options mean no options.
 *
 * @param root the name of the argument, the first element of error paths (default `"options"`)
 */
export function readOptions<K extends OptionKey>(
  options: unknown,
  keys: readonly K[],
  root: ErrorPath = ["options"],
  extra: Readonly<Record<string, Check>> = {},
): { [P in K]?: unknown } & Record<string, unknown> {
  if (options === undefined || options === null) return {};
  if (!isRecord(options)) throw invalid(`expected an options object, got ${describeValue(options)}`, root);
  const out: Record<string, unknown> = {};
  let entries: Array<[string, unknown]>;
  try {
    entries = Object.keys(options).map((k) => [k, (options as Record<string, unknown>)[k]]);
  } catch (cause) {
    throw new InvalidOptionsError(`the options object could not be read`, root, { cause });
  }
  const known: readonly string[] = keys;
  for (const [k, v] of entries) {
    if (v === undefined) continue;
    const path = [...root, k];
    // Own keys only: an option named like an Object.prototype member ("constructor", "__proto__") is unknown.
    const check = (Object.hasOwn(extra, k) ? extra[k] : undefined) ?? (known.includes(k) ? OPTION_CHECKS[k as OptionKey] : undefined);
    if (check === undefined) {
      const who = Object.hasOwn(READ_BY, k) ? READ_BY[k] : Object.hasOwn(OPTION_CHECKS, k) ? "rendering" : undefined;
      throw new InvalidOptionsError(
        (who !== undefined ? `not read here (it is an option of ${who})` : `unknown option`) +
          `; options read here: ${[...new Set([...known, ...Object.keys(extra)])].join(", ")}`,
        path,
      );
    }
    out[k] = check(v, path);
  }
  return out as { [P in K]?: unknown } & Record<string, unknown>;
}

/**
 * Rules between options that depend on the Llama version, shared by rendering and by
 * `parseOptionsFor` (so a prompt that cannot be rendered cannot be parsed for either): Llama 3.2's
 * official template (the `hf` dialect) has no built-in tools, so `builtinTools` with it is an
 * error — never dropped. (Meta's reference, the `meta` dialect, offers built-ins to 3.2.)
 */
export function checkVersionOptions(o: { dialect?: unknown; llamaVersion?: unknown; builtinTools?: unknown }, root: ErrorPath = ["options"]): void {
  const hf = o.dialect === undefined || o.dialect === "hf";
  if (hf && (o.llamaVersion === "3.2" || o.llamaVersion === "3.2-vision") && o.builtinTools !== undefined && o.builtinTools !== null) {
    throw new InvalidOptionsError(
      `Llama ${o.llamaVersion}'s chat template has no built-in tools (no Tools: line, no built-in call syntax); ` +
        `remove builtinTools, offer them as custom tools, or render with llamaVersion "3.1"/"3.3" or dialect "meta"`,
      [...root, "builtinTools"],
    );
  }
}

/** Options of the parser as `parseOptionsFor` derives them. */
export interface DerivedParseOptions {
  /** The custom tools the prompt offered; `[]` when it offered none (then no JSON call is a call). */
  tools: readonly ToolDefinition[];
  builtinTools: AnyBuiltinToolName[];
}

/** Meta's built-in tools: a custom tool of that name is listed as a built-in by the meta prompt. */
const META_BUILTINS: readonly string[] = ["brave_search", "wolfram_alpha", "photogen", "code_interpreter"];

/**
 * The parser options that match a prompt rendered with `renderOptions`: exactly the custom tools
 * and the built-ins that prompt offered (no built-in unless rendered; with `dialect: "meta"`, a tool
 * named like a Meta built-in counts as that built-in, as the meta prompt lists it so). The parser
 * reads every call format of every version (JSON with or without `<|python_tag|>`, Llama 3.2/3.3
 * python lists, `<function=...>`), so nothing else depends on `llamaVersion`; options that cannot
 * render (built-in tools with Llama 3.2's template) throw here as they do in `renderPrompt`.
 *
 * @example
 * const options = { tools, builtinTools: ["brave_search"] };
 * const prompt = renderPrompt(messages, options);
 * const reply = parseAssistantOutput(completion, parseOptionsFor(options));
 */
export function parseOptionsFor(renderOptions?: RenderOptions | null): DerivedParseOptions {
  const o = readOptions(renderOptions, RENDER_KEYS);
  checkVersionOptions(o);
  const tools = (o.tools as ToolDefinition[] | null | undefined) ?? undefined;
  const builtins = [...((o.builtinTools as AnyBuiltinToolName[] | null | undefined) ?? [])];
  if (o.dialect === "meta" && tools) {
    for (const t of tools) {
      const name = toolDefinitionName(t);
      if (name !== undefined && META_BUILTINS.includes(name) && !builtins.includes(name as AnyBuiltinToolName)) {
        builtins.push(name as AnyBuiltinToolName);
      }
    }
  }
  return { tools: tools ?? [], builtinTools: builtins };
}
