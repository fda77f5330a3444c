/**
 * Meta's system-prompt generators (llama-models `prompt_templates/system_prompts.py`), byte for byte.
 * Each function reproduces one generator's `gen(...).render()`: a plain Jinja2 `Template` render
 * (no trim_blocks/lstrip_blocks, one trailing newline of the template dropped, no autoescape), so
 * descriptions and names are inserted raw — quotes inside them are NOT escaped, exactly as Meta's
 * templates do — and Jinja's own `tojson` (sorted keys, ASCII-only, `<>&'` as `\u003c`...) is used
 * where the templates use it.
 */
import { describeValue, InvalidArgumentError, InvalidOptionsError, SerializationError, type ErrorPath } from "../../base/errors.js";
import { lossyOption, metaToolOf, type MetaToolDefinition, type OpenAIToMetaOptions } from "./tools.js";
import { readOptions, toolDefinitionName, type OptionCheck, type ToolDefinition } from "../../base/options.js";
import { plainJson, pyJsonString, pyNumber, pyStr, pyStrip } from "../../base/python.js";
import { walkJson, type JsonStyle } from "../../base/walk.js";
import { isRecord, readLength, readProperty, safeIsArray } from "../../base/read.js";
import { dayMonthYear } from "../date.js";


/** Names the reference treats as built-in tools (`BuiltinTool`). */
export const META_BUILTIN_TOOLS = ["brave_search", "wolfram_alpha", "photogen", "code_interpreter"] as const;

/**
 * `date.strftime("%d %B %Y")` in the C/English locale, local time: `"05 March 2025"`.
 * Throws `InvalidOptionsError` for anything but a valid `Date` (an invalid Date, a number, `null`...).
 */
export function formatMetaDate(date: Date = new Date()): string {
  if (!isValidDate(date)) {
    throw new InvalidArgumentError(`expected a valid Date, got ${describeDate(date)}`, ["date"]);
  }
  return dayMonthYear(date, true);
}

/**
 * `SystemDefaultGenerator`: `"Cutting Knowledge Date: December 2023\nToday Date: {date}"`.
 * `date` is a ready string (used as is) or a valid `Date`; default today (local time), as `%d %B %Y`.
 * Anything else (an invalid Date, a number, `null` options...) throws `InvalidOptionsError`.
 *
 * @example systemDefaultPrompt({ date: "21 September 2024" })
 * // "Cutting Knowledge Date: December 2023\nToday Date: 21 September 2024"
 */
export function systemDefaultPrompt(options: { date?: string | Date } = {}): string {
  const d = readOptions(options, [], ["options"], { date: checkDate }).date;
  const today = typeof d === "string" ? d : formatMetaDate((d as Date | undefined) ?? new Date());
  return `Cutting Knowledge Date: December 2023\nToday Date: ${today}`;
}

/** The `date` option of {@link systemDefaultPrompt}: a string used as is, or a valid Date. */
function checkDate(d: unknown, path: ErrorPath): unknown {
  if (typeof d === "string" || isValidDate(d)) return d;
  throw new InvalidOptionsError(`expected a date string or a valid Date, got ${describeDate(d)}`, path);
}

function describeDate(v: unknown): string {
  try {
    if (v instanceof Date) return "an invalid Date";
  } catch {
    // a revoked Proxy
  }
  return describeValue(v);
}

/** A real, valid Date (Date's own methods are used: a subclass cannot answer for it). Never throws. */
function isValidDate(d: unknown): d is Date {
  try {
    return !Number.isNaN(Date.prototype.getTime.call(d));
  } catch {
    return false; // not a Date (or a revoked Proxy)
  }
}


/** The tool list must be an array; returns a plain-data snapshot of it (every property read once). */
function toolList(tools: unknown): unknown[] {
  const arg = (m: string, p: ErrorPath, o?: { cause: unknown }) => new InvalidArgumentError(m, p, o);
  if (!safeIsArray(tools)) throw arg(`expected an array of tools, got ${describeValue(tools)}`, ["tools"]);
  const n = readLength(tools, ["tools"], arg);
  const out: unknown[] = [];
  for (let i = 0; i < n && i < 100_000; i++) {
    const t = readProperty(tools, i, ["tools"], arg);
    if (typeof t === "string") out.push(t);
    else if (isRecord(t)) out.push(plainJson(t, ["tools", i]));
    else throw arg(`expected a built-in tool name or a tool definition, got ${describeValue(t)}`, ["tools", i]);
  }
  return out;
}

/**
 * Checks the tool list and the options of a custom-tool generator (`lossyTools`, and `extra` ones);
 * the tools as Meta tools.
 */
function customTools(tools: unknown, options: unknown, extra: Readonly<Record<string, OptionCheck>> = {}): MetaToolDefinition[] {
  const list = toolList(tools);
  const lossyTools = lossyOption(options, extra);
  return list.map((t, i) => metaToolOf(t, lossyTools, ["tools", i])); // the list is a snapshot
}

function isBuiltinName(name: unknown): boolean {
  return typeof name === "string" && (META_BUILTIN_TOOLS as readonly string[]).includes(name);
}

/**
 * `BuiltinToolGenerator`: `"Environment: ipython"` when any tool is given, then a `Tools:` line with the
 * built-ins other than `code_interpreter`. As in the reference, the argument is the whole tool list: a
 * string is a built-in tool name; a definition whose name is a built-in's (`brave_search`,
 * `wolfram_alpha`, `photogen`, `code_interpreter`) is that built-in; any other definition is a custom
 * tool, which only turns the `Environment` line on. Empty list → `""`.
 *
 * @example builtinToolsPrompt(["code_interpreter", "brave_search", "wolfram_alpha"])
 * // "Environment: ipython\nTools: brave_search, wolfram_alpha"
 */
export function builtinToolsPrompt(tools: ReadonlyArray<string | ToolDefinition>): string {
  const list = toolList(tools);
  const builtin: string[] = [];
  let custom = 0;
  list.forEach((t: unknown, i) => {
    let name: string | undefined;
    if (typeof t === "string") name = t;
    else if (t !== null && typeof t === "object" && !Array.isArray(t)) {
      const n = toolDefinitionName(t);
      if (isBuiltinName(n)) name = n;
      else custom++;
    } else {
      throw new InvalidOptionsError(`expected a built-in tool name or a tool definition, got ${describeValue(t)}`, ["tools", i]);
    }
    // A built-in named twice (e.g. as a string and as a definition) is listed once, where first seen.
    if (name !== undefined && !builtin.includes(name)) builtin.push(name);
  });
  return builtinToolsText(builtin, custom > 0);
}

/** {@link builtinToolsPrompt} of checked input: built-in names (each once), and whether custom tools are given. */
export function builtinToolsText(builtin: readonly string[], custom: boolean): string {
  let out = "";
  if (builtin.length > 0 || custom) out += "Environment: ipython\n";
  const listed = builtin.filter((b) => b !== "code_interpreter");
  if (listed.length > 0) out += "Tools: " + pyStrip(listed.join(", "));
  return out;
}

/**
 * `JsonCustomToolGenerator`: the Llama 3.1 JSON tool instructions (the reference puts them in a user
 * message). Quirks kept: every property is listed with `"type": "object"` inside an array; names and
 * descriptions are inserted unescaped; a missing description prints `None`.
 */
export function jsonCustomToolsPrompt(tools: readonly ToolDefinition[], options: OpenAIToMetaOptions = {}): string {
  return jsonToolsText(customTools(tools, options));
}

/** {@link jsonCustomToolsPrompt} of checked Meta tools. */
export function jsonToolsText(custom: readonly MetaToolDefinition[]): string {
  let out =
    "Answer the user's question by making use of the following functions if needed.\n" +
    "If none of the function can be used, please say so.\n" +
    "Here is a list of functions in JSON format:\n";
  for (const t of custom) {
    const params = Object.entries(t.parameters ?? {});
    out +=
      "{\n" +
      '    "type": "function",\n' +
      '    "function": {\n' +
      `        "name": "${str(t.tool_name)}",\n` +
      `        "description": "${str(t.description)}",\n` +
      '        "parameters": {\n' +
      '            "type": "object",\n' +
      '            "properties": [';
    params.forEach(([name, p], i) => {
      out +=
        "\n                {\n" +
        `                    "${name}": {\n` +
        '                        "type": "object",\n' +
        `                        "description": "${str(p.description)}"\n` +
        "                    }\n" +
        "                }" +
        (i < params.length - 1 ? "," : "");
    });
    out +=
      "\n            ],\n" +
      `            "required": ${jinjaToJson(requiredNames(t))}\n` +
      "        }\n" +
      "    }\n" +
      "}\n";
  }
  return out + "\nReturn function calls in JSON format.";
}

/**
 * `FunctionTagCustomToolGenerator`: `<function=name>{...}</function>` instructions. Each tool's
 * parameters are written with Jinja's `tojson`: keys sorted, `default` removed, non-ASCII as `\uXXXX`.
 */
export function functionTagCustomToolsPrompt(tools: readonly ToolDefinition[], options: OpenAIToMetaOptions = {}): string {
  return functionTagToolsText(customTools(tools, options));
}

/** {@link functionTagCustomToolsPrompt} of checked Meta tools. */
export function functionTagToolsText(custom: readonly MetaToolDefinition[]): string {
  let out = "You have access to the following functions:\n\n";
  for (const t of custom) {
    // model_dump() of each ToolParamDefinition, `default` popped.
    const params: Record<string, unknown> = {};
    for (const [name, p] of Object.entries(t.parameters ?? {})) {
      params[name] = { param_type: p.param_type, description: p.description ?? null, required: p.required === undefined ? true : p.required };
    }
    const name = str(t.tool_name);
    const desc = str(t.description);
    out += `Use the function '${name}' to '${desc}':\n`;
    out += `{"name": "${name}", "description": "${desc}", "parameters": ${jinjaToJson(params)}}\n\n`;
  }
  return (
    out +
    "Think very carefully before calling functions.\n" +
    "If you choose to call a function ONLY reply in the following format with no prefix or suffix:\n" +
    "\n" +
    '<function=example_function_name>{"example_name": "example_value"}</function>\n' +
    "\n" +
    "Reminder:\n" +
    "- If looking for real time information use relevant functions before falling back to brave_search\n" +
    "- Function calls MUST follow the specified format, start with <function= and end with </function>\n" +
    "- Required parameters MUST be specified\n" +
    "- Only call one function at a time\n" +
    "- Put the entire function call reply on one line"
  );
}

/** `PythonListCustomToolGenerator.DEFAULT_PROMPT` (Llama 3.2), before rendering. */
export const PYTHON_LIST_DEFAULT_PROMPT =
  "You are an expert in composing functions. You are given a question and a set of possible functions.\n" +
  "Based on the question, you will need to make one or more function/tool calls to achieve the purpose.\n" +
  "If none of the function can be used, point it out. If the given question lacks the parameters required by the function,\n" +
  "also point it out. You should only return the function call in tools call sections.\n" +
  "\n" +
  "{{ function_description }}\n";

/** Options of {@link pythonListToolsPrompt}. */
export interface PythonListToolsPromptOptions extends OpenAIToMetaOptions {
  /**
   * Replaces the instruction text (the reference's `system_prompt`): `{{ function_description }}` in it
   * becomes the function list. Rendered like a Jinja template: one trailing newline is dropped and line
   * endings become `\n`; other Jinja syntax is not interpreted.
   */
  systemPrompt?: string;
}

/**
 * `PythonListCustomToolGenerator` (Llama 3.2 zero-shot tools, `[func(a=1), ...]` calls; the reference
 * puts this in the system message).
 *
 * @example pythonListToolsPrompt(tools, { systemPrompt: "Be brief.\n\n{{ function_description }}" })
 */
export function pythonListToolsPrompt(tools: readonly ToolDefinition[], options: PythonListToolsPromptOptions = {}): string {
  const custom = customTools(tools, options, { systemPrompt: checkSystemPrompt });
  const sp = readOptions(options, ["lossyTools"], ["options"], { systemPrompt: checkSystemPrompt }).systemPrompt;
  return pythonListToolsText(custom, sp as string | null | undefined);
}

function checkSystemPrompt(sp: unknown, path: ErrorPath): unknown {
  if (sp !== null && typeof sp !== "string") throw new InvalidOptionsError(`expected a string, got ${describeValue(sp)}`, path);
  return sp;
}

/** {@link pythonListToolsPrompt} of checked Meta tools. */
export function pythonListToolsText(custom: readonly MetaToolDefinition[], systemPrompt?: string | null): string {
  const template = systemPrompt || PYTHON_LIST_DEFAULT_PROMPT; // `system_prompt or DEFAULT_PROMPT`
  const description = pythonListFunctionDescription(custom);
  return jinjaSource(template).replace(/\{\{-?\s*function_description\s*-?\}\}/g, () => description);
}

function pythonListFunctionDescription(tools: readonly MetaToolDefinition[]): string {
  let out =
    "If you decide to invoke any of the function(s), you MUST put it in the format of [func_name1(params_name1=params_value1, params_name2=params_value2...), func_name2(params)]\n" +
    "You SHOULD NOT include any other text in the response.\n" +
    "\n" +
    "Here is a list of functions in JSON format that you can invoke.\n" +
    "\n" +
    "[\n" +
    "    ";
  tools.forEach((t, i) => {
    const params = Object.entries(t.parameters ?? {});
    out +=
      "{\n" +
      `        "name": "${str(t.tool_name)}",\n` +
      `        "description": "${str(t.description)}",\n` +
      '        "parameters": {\n' +
      '            "type": "dict",\n' +
      `            "required": ${jinjaToJson(requiredNames(t))},\n` +
      '            "properties": {';
    params.forEach(([name, p], j) => {
      out +=
        "\n" +
        `                "${name}": {\n` +
        `                    "type": "${str(p.param_type)}",\n` +
        `                    "description": "${str(p.description)}"` +
        (pyTruthy(p.default) ? `,\n                    "default": "${str(p.default)}"` : "") +
        "\n                }" +
        (j < params.length - 1 ? "," : "");
    });
    out += "\n            }\n        }\n    }" + (i < tools.length - 1 ? ",\n    " : "");
  });
  return out + "\n]";
}

// ---------------------------------------------------------------------------------------------
// Jinja / Python helpers
// ---------------------------------------------------------------------------------------------

/** Parameter names whose `required` is true (pydantic default true; `{% if param.required == true %}`). */
function requiredNames(t: MetaToolDefinition): string[] {
  return Object.entries(t.parameters ?? {})
    .filter(([, p]) => p.required === undefined || p.required === true)
    .map(([n]) => n);
}

/** A template source as Jinja reads it: line endings normalised to `\n`, one trailing newline dropped. */
function jinjaSource(s: string): string {
  return s.replace(/\r\n|\r/g, "\n").replace(/\n$/, "");
}

/** `{{ value }}` in a plain Jinja2 template: Python `str(value)`. */
function str(value: unknown): string {
  if (value === undefined || value === null) return "None";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return pyStr(value);
  return pyRepr(value);
}

/** Python truthiness of a JSON value. */
function pyTruthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "" || v === 0n) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v as object).length > 0;
  return true;
}

/** Python `repr()` of a JSON value (lists and dicts print their items with `repr`). */
export function pyRepr(v: unknown): string {
  return walkJson(v, REPR);
}

const REPR: JsonStyle = {
  leaf(v) {
    if (v === undefined || v === null) return "None";
    if (typeof v === "string") return pyReprString(v);
    if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return pyStr(v);
    throw new SerializationError(`a ${typeof v} has no Python repr`, []);
  },
  key: (k) => `${pyReprString(k)}: `,
  pathless: true,
};

function pyReprString(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = "";
  for (const c of s) {
    const cp = c.codePointAt(0)!;
    if (c === "\\") out += "\\\\";
    else if (c === q) out += "\\" + q;
    else if (c === "\n") out += "\\n";
    else if (c === "\r") out += "\\r";
    else if (c === "\t") out += "\\t";
    else if (cp < 0x20 || cp === 0x7f) out += "\\x" + cp.toString(16).padStart(2, "0");
    else out += c;
  }
  return q + out + q;
}

/**
 * Jinja2's built-in `tojson` filter: `json.dumps(value, sort_keys=True)` (ASCII-only, `", "`/`": "`
 * separators), then `<`, `>`, `&`, `'` written as `\u003c`, `\u003e`, `\u0026`, `\u0027`.
 */
export function jinjaToJson(value: unknown): string {
  return dumpSorted(value).replace(/[<>&']/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}

function comparePy(a: string, b: string): number {
  // Python sorts str by code point; JavaScript's default compares UTF-16 units.
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

function dumpSorted(v: unknown): string {
  return walkJson(v, SORTED_JSON);
}

/** `json.dumps(sort_keys=True)` (ASCII-only). */
const SORTED_JSON: JsonStyle = {
  leaf(v) {
    if (v === null || v === undefined) return "null";
    if (typeof v === "string") return pyJsonString(v, true);
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "number") return pyNumber(v);
    if (typeof v === "bigint") return v.toString();
    throw new SerializationError(`a ${typeof v} cannot be written as JSON`, []);
  },
  key: (k) => `${pyJsonString(k, true)}: `,
  keys: (obj) =>
    Object.keys(obj)
      .filter((k) => (obj as Record<string, unknown>)[k] !== undefined)
      .sort(comparePy),
  pathless: true,
};
