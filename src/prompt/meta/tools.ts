/**
 * Meta's tool definition shape (llama-models `ToolDefinition` / `ToolParamDefinition`):
 * `{ tool_name, description, parameters: { name: { param_type, description, required, default } } }`,
 * its validation, and conversion from/to OpenAI-style JSON Schema tools.
 */
import { describeValue, formatPath, InvalidOptionsError, LlamaPromptError, type ErrorPath } from "../../base/errors.js";
import { safeIsArray } from "../../base/read.js";
import { plainJson } from "../../base/python.js";

// ---------------------------------------------------------------------------------------------
// Types and validation
// ---------------------------------------------------------------------------------------------

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

/** A custom tool in Meta's shape. */
export interface MetaToolDefinition {
  tool_name: string;
  description?: string | null;
  parameters?: Record<string, MetaToolParamDefinition> | null;
}

/** An OpenAI-style function tool (`parameters` is a JSON Schema object). */
export interface OpenAIFunctionTool {
  type: "function";
  function: {
    name: string;
    description?: string;
    parameters?: {
      type: "object";
      properties: Record<string, Record<string, unknown>>;
      required?: string[];
      [k: string]: unknown;
    };
  };
}

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
    const text = (v: unknown) => (typeof v === "string" ? v : describeValue(v));
    // Constructors never throw, whatever they are given (hostile-argument tests check it).
    const rel: ErrorPath = safeIsArray(path) ? path : [];
    let full: ErrorPath;
    try {
      full = [...(safeIsArray(root) ? root : ["tool"]), ...rel];
    } catch {
      full = ["tool"];
    }
    super("INVALID_TOOL_DEFINITION", `${formatPath(full)}: tool${toolName ? ` "${text(toolName)}"` : ""}: ${text(message)}`, { path: full });
    this.toolName = toolName;
    this.property = property;
    this.toolPath = rel;
    this.detail = text(message);
  }
}

/**
 * Runs `fn` (a conversion of the tool at `root`) and re-roots the paths of the errors it throws, so
 * that they count from the caller's argument.
 */
export function atToolRoot<T>(root: ErrorPath, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof MetaToolError) throw new MetaToolError(e.detail, e.toolName, e.toolPath, e.property, root);
    throw e;
  }
}

/**
 * True when `tool` is in Meta's shape: an object with a `tool_name` key. Only the shape is looked
 * at, nothing is validated (see {@link parseMetaTool}); never throws (a revoked Proxy is `false`).
 */
export function isMetaTool(tool: unknown): tool is MetaToolDefinition {
  try {
    return tool !== null && typeof tool === "object" && !Array.isArray(tool) && "tool_name" in tool;
  } catch {
    return false; // a revoked Proxy
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
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
const FORBIDDEN_PARAMETER_NAME = "__proto__";

function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

function forbiddenParameterError(toolName: string | undefined, path: ErrorPath): MetaToolError {
  return new MetaToolError(
    `a parameter cannot be named "${FORBIDDEN_PARAMETER_NAME}" (it would be dropped from the JavaScript object); rename it`,
    toolName,
    path,
    FORBIDDEN_PARAMETER_NAME,
  );
}

/**
 * Validates a Meta tool definition (throws {@link MetaToolError} naming the field) and returns a
 * plain copy with the known keys only (unknown keys are dropped, as pydantic ignores them).
 */
export function parseMetaTool(tool: unknown): MetaToolDefinition {
  return checkMetaTool(snapshot(tool));
}

function checkMetaTool(t: unknown): MetaToolDefinition {
  if (!isRecord(t)) throw new MetaToolError(`expected a Meta tool definition object, got ${describeValue(t)}`, undefined, []);
  const name = typeof t.tool_name === "string" && t.tool_name !== "" ? t.tool_name : undefined;
  if (name === undefined) throw new MetaToolError(`tool_name must be a non-empty string, got ${describeValue(t.tool_name)}`, undefined, ["tool_name"]);
  const out: MetaToolDefinition = { tool_name: name };
  if ("description" in t) out.description = nullableString(t.description, name, ["description"]);
  if ("parameters" in t) {
    const params = t.parameters;
    if (params === null) out.parameters = null;
    else if (!isRecord(params)) throw new MetaToolError(`parameters must be an object (parameter name → definition), got ${describeValue(params)}`, name, ["parameters"]);
    else {
      if (hasOwn(params, FORBIDDEN_PARAMETER_NAME)) throw forbiddenParameterError(name, ["parameters", FORBIDDEN_PARAMETER_NAME]);
      const checked: Record<string, MetaToolParamDefinition> = {};
      for (const [pname, p] of Object.entries(params)) checked[pname] = checkParam(p, name, pname);
      out.parameters = checked;
    }
  }
  return out;
}

function checkParam(p: unknown, tool: string, pname: string): MetaToolParamDefinition {
  const at = ["parameters", pname];
  if (!isRecord(p)) throw new MetaToolError(`expected a parameter definition object, got ${describeValue(p)}`, tool, at, pname);
  if (typeof p.param_type !== "string") {
    throw new MetaToolError(`param_type must be a string, got ${describeValue(p.param_type)}`, tool, [...at, "param_type"], pname);
  }
  const out: MetaToolParamDefinition = { param_type: p.param_type };
  if ("description" in p) out.description = nullableString(p.description, tool, [...at, "description"], pname);
  if ("required" in p && p.required !== undefined) {
    if (p.required !== null && typeof p.required !== "boolean") {
      throw new MetaToolError(`required must be a boolean or null, got ${describeValue(p.required)}`, tool, [...at, "required"], pname);
    }
    out.required = p.required;
  }
  if ("default" in p) out.default = p.default;
  return out;
}

function nullableString(v: unknown, tool: string, path: ErrorPath, property?: string): string | null | undefined {
  if (v === undefined || v === null || typeof v === "string") return v;
  throw new MetaToolError(`expected a string or null, got ${describeValue(v)}`, tool, path, property);
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

const JSON_SCHEMA_TYPES = new Set(["string", "integer", "number", "boolean", "array", "object"]);

/** Keywords of a property schema that carry no meaning for the model and are dropped silently. */
const IGNORED_PROPERTY_KEYWORDS = new Set(["title"]);
/** Keywords of the `parameters` schema besides type/properties/required that are dropped silently. */
const IGNORED_PARAMETERS_KEYWORDS = new Set(["title", "$schema", "additionalProperties", "description"]);

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
export function metaToolToOpenAI(tool: MetaToolDefinition): OpenAIFunctionTool {
  const t = parseMetaTool(tool);
  const properties: Record<string, Record<string, unknown>> = {};
  const required: string[] = [];
  for (const [name, p] of Object.entries(t.parameters ?? {})) {
    const key = p.param_type.trim().toLowerCase();
    // own keys only: "constructor", "__proto__", "tostring" are not types
    const type = hasOwn(TO_JSON_SCHEMA, key) ? TO_JSON_SCHEMA[key] : undefined;
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
  const fn: OpenAIFunctionTool["function"] = { name: t.tool_name };
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
  return convertOpenAITool(snapshot(tool), lossyOption(options));
}

/** `lossyTools` of an options argument, checked (absent options: false). */
export function lossyOption(options: unknown): boolean {
  if (options === undefined || options === null) return false;
  if (typeof options !== "object") throw new InvalidOptionsError(`expected an options object, got ${describeValue(options)}`, ["options"]);
  let lossy: unknown;
  try {
    lossy = (options as OpenAIToMetaOptions).lossyTools;
  } catch (cause) {
    throw new InvalidOptionsError(`could not be read (a getter or Proxy trap threw)`, ["options", "lossyTools"], { cause });
  }
  if (lossy !== undefined && typeof lossy !== "boolean") throw new InvalidOptionsError(`expected a boolean, got ${describeValue(lossy)}`, ["options", "lossyTools"]);
  return lossy === true;
}

function convertOpenAITool(tool: unknown, lossyTools: boolean): MetaToolDefinition {
  const options = { lossyTools };
  if (tool === null || typeof tool !== "object" || Array.isArray(tool)) {
    throw new MetaToolError("expected an OpenAI tool object", undefined, []);
  }
  const o = tool as Record<string, unknown>;
  const wrapped = o.type === "function" && o.function !== null && typeof o.function === "object";
  const fn = (wrapped ? o.function : o) as Record<string, unknown>;
  const base: (string | number)[] = wrapped ? ["function"] : [];
  const name = fn.name;
  if (typeof name !== "string" || name === "") throw new MetaToolError("name must be a non-empty string", undefined, [...base, "name"]);
  const fail = (msg: string, path: (string | number)[], property?: string): never => {
    throw new MetaToolError(msg, name, [...base, ...path], property);
  };
  if (fn.description !== undefined && fn.description !== null && typeof fn.description !== "string") {
    fail("description must be a string", ["description"]);
  }
  const out: MetaToolDefinition = { tool_name: name };
  if (typeof fn.description === "string") out.description = fn.description;
  const params = fn.parameters;
  out.parameters = {};
  if (params === undefined || params === null) return out;
  if (typeof params !== "object" || Array.isArray(params)) return fail("parameters must be a JSON Schema object", ["parameters"]);
  const ps = params as Record<string, unknown>;
  if (ps.type !== undefined && ps.type !== "object") fail(`parameters.type must be "object", got ${JSON.stringify(ps.type)}`, ["parameters", "type"]);
  for (const k of Object.keys(ps)) {
    if (k !== "type" && k !== "properties" && k !== "required" && !IGNORED_PARAMETERS_KEYWORDS.has(k) && !options.lossyTools) {
      fail(`the JSON Schema keyword "${k}" cannot be expressed in Meta's tool shape (pass lossyTools: true to drop it)`, ["parameters", k]);
    }
  }
  const props = ps.properties ?? {};
  if (props === null || typeof props !== "object" || Array.isArray(props)) return fail("properties must be an object", ["parameters", "properties"]);
  if (hasOwn(props, FORBIDDEN_PARAMETER_NAME)) throw forbiddenParameterError(name, [...base, "parameters", "properties", FORBIDDEN_PARAMETER_NAME]);
  const required = ps.required ?? [];
  if (!Array.isArray(required) || !required.every((r) => typeof r === "string")) {
    return fail("required must be an array of property names", ["parameters", "required"]);
  }
  for (const r of required as string[]) {
    if (!Object.prototype.hasOwnProperty.call(props, r)) fail(`required names "${r}", which is not a property`, ["parameters", "required"], r);
  }
  for (const [pname, schema] of Object.entries(props as Record<string, unknown>)) {
    const at = ["parameters", "properties", pname];
    if (schema === null || typeof schema !== "object" || Array.isArray(schema)) fail("must be a JSON Schema object", at, pname);
    const s = schema as Record<string, unknown>;
    if (typeof s.type !== "string" || !JSON_SCHEMA_TYPES.has(s.type)) {
      fail(
        `property "${pname}" needs a single JSON Schema type (string, integer, number, boolean, array or object), got ${s.type === undefined ? "none" : JSON.stringify(s.type)}`,
        [...at, "type"],
        pname,
      );
    }
    for (const k of Object.keys(s)) {
      if (k === "type" || k === "description" || k === "default" || IGNORED_PROPERTY_KEYWORDS.has(k)) continue;
      if (!options.lossyTools) {
        fail(`property "${pname}": the JSON Schema keyword "${k}" cannot be expressed in Meta's tool shape (pass lossyTools: true to drop it)`, [...at, k], pname);
      }
    }
    if (s.description !== undefined && s.description !== null && typeof s.description !== "string") {
      fail(`property "${pname}": description must be a string`, [...at, "description"], pname);
    }
    const p: MetaToolParamDefinition = { param_type: s.type as string };
    if (typeof s.description === "string") p.description = s.description;
    p.required = (required as string[]).includes(pname);
    if (s.default !== undefined) p.default = s.default;
    out.parameters[pname] = p;
  }
  return out;
}

/** A Meta tool as given (validated), or an OpenAI tool converted with {@link openAIToolToMeta}. */
export function toMetaTool(tool: unknown, options: OpenAIToMetaOptions | null = {}): MetaToolDefinition {
  const lossy = lossyOption(options);
  const t = snapshot(tool);
  return isMetaTool(t) ? checkMetaTool(t) : convertOpenAITool(t, lossy);
}
