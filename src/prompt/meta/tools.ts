/**
 * Meta's tool definition shape (llama-models `ToolDefinition` / `ToolParamDefinition`):
 * `{ tool_name, description, parameters: { name: { param_type, description, required, default } } }`,
 * its validation, and conversion from/to OpenAI-style JSON Schema tools.
 */
import { describeValue, formatPath, LlamaPromptError, textOf, type ErrorPath } from "../../base/errors.js";
import { isRecord, safeIsArray } from "../../base/read.js";
import { plainJson } from "../../base/python.js";
import { readOptions, type FunctionToolDefinition, type MetaToolDefinition, type MetaToolParamDefinition, type OptionCheck } from "../../base/options.js";

// ---------------------------------------------------------------------------------------------
// Types and validation
// ---------------------------------------------------------------------------------------------

export type { MetaToolDefinition, MetaToolParamDefinition };

/**
 * A tool definition is invalid, or cannot be converted between Meta's and OpenAI's shape.
 * `property` names the offending parameter when there is one; `toolPath` is the path inside the tool
 * and `path` the same from the argument root (`["tool", ...]` for the conversion functions,
 * `["options", "tools", i, ...]` from `renderPrompt`, `["tools", i, ...]` from the prompt generators).
 */
export class MetaToolError extends LlamaPromptError {
  static override readonly errorName: string = "MetaToolError";
  readonly toolName: string | undefined;
  readonly property: string | undefined;
  /** The path inside the tool definition. */
  readonly toolPath: ErrorPath;
  /** What is wrong, without the path prefix. */
  readonly detail: string;
  constructor(message: string, toolName: string | undefined, path: ErrorPath, property?: string, root: ErrorPath = ["tool"]) {
    // Constructors never throw, whatever they are given (hostile-argument tests check it).
    const rel: ErrorPath = safeIsArray(path) ? path : [];
    let full: ErrorPath;
    try {
      full = [...(safeIsArray(root) ? root : ["tool"]), ...rel];
    } catch {
      full = ["tool"];
    }
    super("INVALID_TOOL_DEFINITION", `${formatPath(full)}: tool${toolName ? ` "${textOf(toolName)}"` : ""}: ${textOf(message)}`, { path: full });
    this.toolName = toolName;
    this.property = property;
    this.toolPath = rel;
    this.detail = textOf(message);
  }
}

/**
 * True when `tool` is in Meta's shape: an object with a `tool_name` key. Only the shape is looked
 * at, nothing is validated (see {@link parseMetaTool}); never throws (a revoked Proxy is `false`).
 */
export function isMetaTool(tool: unknown): tool is MetaToolDefinition {
  try {
    return isRecord(tool) && "tool_name" in tool;
  } catch {
    return false; // a revoked Proxy
  }
}

/**
 * A plain-data snapshot of a caller's tool (every property read once; see `plainJson`). Values that
 * are not JSON data throw a SerializationError whose path starts inside the tool.
 */
function snapshot(tool: unknown): unknown {
  return plainJson(tool, ["tool"]);
}

/**
 * A parameter (property) named `__proto__` cannot be carried through plain objects: zod's record
 * parsing and ordinary assignment drop it silently. It is refused, naming the property, rather than lost.
 */
const PROTO = "__proto__";

/** Refuses a parameter named `__proto__` among the own keys of `params` (at `path`, inside the tool). */
function refuseProto(params: object, tool: string, path: ErrorPath, root: ErrorPath): void {
  if (Object.hasOwn(params, PROTO)) {
    throw new MetaToolError(`a parameter cannot be named "${PROTO}" (it would be dropped from the JavaScript object); rename it`, tool, [...path, PROTO], PROTO, root);
  }
}

/**
 * Validates a Meta tool definition (throws {@link MetaToolError} naming the field) and returns a
 * plain copy with the known keys only (unknown keys are dropped, as pydantic ignores them).
 */
export function parseMetaTool(tool: unknown): MetaToolDefinition {
  return checkMetaTool(snapshot(tool), ["tool"]);
}

/** {@link parseMetaTool} of a plain-data snapshot; error paths start at `root` (the tool in the caller's argument). */
function checkMetaTool(t: unknown, root: ErrorPath): MetaToolDefinition {
  if (!isRecord(t)) throw new MetaToolError(`expected a Meta tool definition object, got ${describeValue(t)}`, undefined, [], undefined, root);
  const name = t.tool_name;
  if (typeof name !== "string" || name === "") {
    throw new MetaToolError(`tool_name must be a non-empty string, got ${describeValue(name)}`, undefined, ["tool_name"], undefined, root);
  }
  /** Unless `ok`: the MetaToolError "`what`, got `value`" at `path`, naming the tool (and `property`). */
  function need(ok: boolean, what: string, value: unknown, path: ErrorPath, property?: string): asserts ok {
    if (!ok) throw new MetaToolError(`${what}, got ${describeValue(value)}`, name as string, path, property, root);
  }
  const nullableString = (v: unknown, path: ErrorPath, property?: string): string | null | undefined => {
    need(v === undefined || v === null || typeof v === "string", "expected a string or null", v, path, property);
    return v;
  };
  const out: MetaToolDefinition = { tool_name: name };
  if ("description" in t) out.description = nullableString(t.description, ["description"]);
  if ("parameters" in t) {
    const params = t.parameters;
    if (params === null) out.parameters = null;
    else {
      need(isRecord(params), "parameters must be an object (parameter name → definition)", params, ["parameters"]);
      refuseProto(params, name, ["parameters"], root);
      const checked: Record<string, MetaToolParamDefinition> = {};
      for (const [pname, p] of Object.entries(params)) {
        const at = ["parameters", pname];
        need(isRecord(p), "expected a parameter definition object", p, at, pname);
        need(typeof p.param_type === "string", "param_type must be a string", p.param_type, [...at, "param_type"], pname);
        const param: MetaToolParamDefinition = { param_type: p.param_type };
        if ("description" in p) param.description = nullableString(p.description, [...at, "description"], pname);
        const required = p.required;
        if (required !== undefined) {
          need(required === null || typeof required === "boolean", "required must be a boolean or null", required, [...at, "required"], pname);
          param.required = required;
        }
        if ("default" in p) param.default = p.default;
        checked[pname] = param;
      }
      out.parameters = checked;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Conversion
// ---------------------------------------------------------------------------------------------

/** Meta `param_type` (Python or JSON Schema spelling, any case) → JSON Schema `type`. */
const TO_JSON_SCHEMA: Record<string, string> = {
  str: "string",
  string: "string",
  int: "integer",
  integer: "integer",
  float: "number",
  number: "number",
  bool: "boolean",
  boolean: "boolean",
  list: "array",
  array: "array",
  dict: "object",
  object: "object",
};

/** JSON Schema types a Meta parameter can carry (its `param_type`, as written). */
const JSON_SCHEMA_TYPES = ["string", "integer", "number", "boolean", "array", "object"];

/** Keywords a property schema may carry: what Meta's shape keeps, and `title` (no meaning for the model, dropped silently). */
const PROPERTY_KEYWORDS = ["type", "description", "default", "title"];
/** Keywords the `parameters` schema may carry: type/properties/required, and those dropped silently. */
const PARAMETERS_KEYWORDS = ["type", "properties", "required", "title", "$schema", "additionalProperties", "description"];

/** Options of {@link openAIToolToMeta}. */
export interface OpenAIToMetaOptions {
  /**
   * Drop JSON Schema keywords Meta's shape cannot express (`items`, `enum`, `format`, `minimum`, ...)
   * instead of throwing. Default false: a schema that cannot be expressed throws.
   */
  lossyTools?: boolean;
}

/**
 * Meta tool → OpenAI function tool. `param_type` maps to the JSON Schema type (str/string → string,
 * int/integer → integer, float/number → number, bool/boolean → boolean, list/array → array,
 * dict/object → object); any other `param_type` throws {@link MetaToolError} naming the parameter.
 * `required` (default true) → the `required` list; a non-null `default` → `default`; null descriptions are left out.
 *
 * @example
 * metaToolToOpenAI({ tool_name: "get_weather", description: "Weather", parameters: { city: { param_type: "str" } } })
 * // { type: "function", function: { name: "get_weather", description: "Weather",
 * //   parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }
 */
export function metaToolToOpenAI(tool: MetaToolDefinition): FunctionToolDefinition {
  const t = parseMetaTool(tool);
  const properties: Record<string, Record<string, unknown>> = {};
  const required: string[] = [];
  for (const [name, p] of Object.entries(t.parameters ?? {})) {
    const key = p.param_type.trim().toLowerCase();
    // own keys only: "constructor", "__proto__", "tostring" are not types
    const type = Object.hasOwn(TO_JSON_SCHEMA, key) ? TO_JSON_SCHEMA[key] : undefined;
    if (type === undefined) {
      throw new MetaToolError(
        `param_type ${JSON.stringify(p.param_type)} has no JSON Schema equivalent (known: ${Object.keys(TO_JSON_SCHEMA).join(", ")})`,
        t.tool_name,
        ["parameters", name, "param_type"],
        name,
      );
    }
    const schema: Record<string, unknown> = { type };
    if (p.description !== undefined && p.description !== null) schema.description = p.description;
    if (p.default !== undefined && p.default !== null) schema.default = p.default;
    properties[name] = schema;
    if (p.required === undefined || p.required === true) required.push(name);
  }
  const fn: FunctionToolDefinition["function"] = { name: t.tool_name };
  if (t.description !== undefined && t.description !== null) fn.description = t.description;
  fn.parameters = { type: "object", properties, required };
  return { type: "function", function: fn };
}

/**
 * OpenAI function tool (`{type: "function", function: {...}}`, or the bare `{name, description, parameters}`)
 * → Meta tool. Each property must have a single JSON Schema `type` (string, integer, number, boolean,
 * array, object), which becomes `param_type` as written; `description` and `default` carry over;
 * `title` is dropped. Anything else (unions, `$ref`, `anyOf`, `enum`, `items`, ...) throws
 * {@link MetaToolError} naming the property, unless `lossyTools: true` (then only a missing or
 * non-simple `type` throws).
 */
export function openAIToolToMeta(tool: unknown, options: OpenAIToMetaOptions | null = {}): MetaToolDefinition {
  return convertOpenAITool(snapshot(tool), lossyOption(options), ["tool"]);
}

/** `lossyTools` of an options argument, checked (absent options: false). */
export function lossyOption(options: unknown, extra: Readonly<Record<string, OptionCheck>> = {}): boolean {
  // The shared options model: unknown keys (`lossy`) are errors, lossyTools is checked by its one rule.
  return readOptions(options, ["lossyTools"], ["options"], extra).lossyTools === true;
}

/** {@link openAIToolToMeta} of a plain-data snapshot; error paths start at `root`. */
function convertOpenAITool(tool: unknown, lossyTools: boolean, root: ErrorPath): MetaToolDefinition {
  if (!isRecord(tool)) throw new MetaToolError("expected an OpenAI tool object", undefined, [], undefined, root);
  const wrapped = tool.type === "function" && tool.function !== null && typeof tool.function === "object";
  const fn = (wrapped ? tool.function : tool) as Record<string, unknown>;
  const base: (string | number)[] = wrapped ? ["function"] : [];
  const name = fn.name;
  if (typeof name !== "string" || name === "") throw new MetaToolError("name must be a non-empty string", undefined, [...base, "name"], undefined, root);
  const fail = (msg: string, path: (string | number)[], property?: string): never => {
    throw new MetaToolError(msg, name, [...base, ...path], property, root);
  };
  const cannot = (k: string, path: (string | number)[], pname?: string) =>
    fail(`${pname === undefined ? "" : `property "${pname}": `}the JSON Schema keyword "${k}" cannot be expressed in Meta's tool shape (pass lossyTools: true to drop it)`, [...path, k], pname);
  const description = fn.description;
  if (description !== undefined && description !== null && typeof description !== "string") fail("description must be a string", ["description"]);
  const parameters: Record<string, MetaToolParamDefinition> = {};
  const out: MetaToolDefinition = typeof description === "string" ? { tool_name: name, description, parameters } : { tool_name: name, parameters };
  const ps = fn.parameters;
  if (ps === undefined || ps === null) return out;
  if (!isRecord(ps)) return fail("parameters must be a JSON Schema object", ["parameters"]);
  if (ps.type !== undefined && ps.type !== "object") fail(`parameters.type must be "object", got ${JSON.stringify(ps.type)}`, ["parameters", "type"]);
  for (const k of Object.keys(ps)) if (!lossyTools && !PARAMETERS_KEYWORDS.includes(k)) cannot(k, ["parameters"]);
  const props = ps.properties ?? {};
  if (!isRecord(props)) return fail("properties must be an object", ["parameters", "properties"]);
  refuseProto(props, name, [...base, "parameters", "properties"], root);
  const required = ps.required ?? [];
  if (!Array.isArray(required) || !required.every((r) => typeof r === "string")) {
    return fail("required must be an array of property names", ["parameters", "required"]);
  }
  for (const r of required as string[]) {
    if (!Object.hasOwn(props, r)) fail(`required names "${r}", which is not a property`, ["parameters", "required"], r);
  }
  for (const [pname, s] of Object.entries(props)) {
    const at = ["parameters", "properties", pname];
    if (!isRecord(s)) return fail("must be a JSON Schema object", at, pname);
    const type = s.type;
    if (typeof type !== "string" || !JSON_SCHEMA_TYPES.includes(type)) {
      fail(
        `property "${pname}" needs a single JSON Schema type (string, integer, number, boolean, array or object), got ${type === undefined ? "none" : JSON.stringify(type)}`,
        [...at, "type"],
        pname,
      );
    }
    for (const k of Object.keys(s)) if (!lossyTools && !PROPERTY_KEYWORDS.includes(k)) cannot(k, at, pname);
    const d = s.description;
    if (d !== undefined && d !== null && typeof d !== "string") fail(`property "${pname}": description must be a string`, [...at, "description"], pname);
    const p: MetaToolParamDefinition = { param_type: type as string };
    if (typeof d === "string") p.description = d;
    p.required = (required as string[]).includes(pname);
    if (s.default !== undefined) p.default = s.default;
    parameters[pname] = p;
  }
  return out;
}

/** A Meta tool as given (validated), or an OpenAI tool converted with {@link openAIToolToMeta}. */
export function toMetaTool(tool: unknown, options: OpenAIToMetaOptions | null = {}): MetaToolDefinition {
  const lossy = lossyOption(options);
  return metaToolOf(snapshot(tool), lossy);
}

/**
 * {@link toMetaTool} of a plain-data snapshot (a tool definition as the options check returns it);
 * the paths of its errors start at `root`, where the tool is in the caller's argument.
 */
export function metaToolOf(t: unknown, lossyTools: boolean, root: ErrorPath = ["tool"]): MetaToolDefinition {
  // Plain data: `in` cannot throw here (isMetaTool guards against revoked Proxies for its callers).
  return isRecord(t) && "tool_name" in t ? checkMetaTool(t, root) : convertOpenAITool(t, lossyTools, root);
}
