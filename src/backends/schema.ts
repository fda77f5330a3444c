/**
 * The JSON Schema of a valid tool call, for constrained decoding: exactly the JSON call format the
 * Llama 3.x prompt asks for, `{"name": <tool>, "parameters": <arguments>}`, with `name` fixed to an
 * offered tool and `parameters` that tool's JSON Schema.
 */
import { toolDefinitionName, type ToolDefinition } from "../base/options.js";

/** The parameters JSON Schema of a tool definition; any object when the definition has none we can use. */
function parametersSchema(tool: ToolDefinition): Record<string, unknown> {
  const o = tool as Record<string, unknown>;
  const fn = o.function;
  const p =
    fn !== null && typeof fn === "object" && !Array.isArray(fn) && typeof (fn as Record<string, unknown>).name === "string"
      ? (fn as Record<string, unknown>).parameters
      : typeof o.name === "string"
        ? o.parameters
        : undefined; // Meta's { tool_name, parameters: { x: { param_type, ... } } } is not a JSON Schema
  const type = p !== null && typeof p === "object" ? (p as Record<string, unknown>).type : undefined;
  if (p !== null && typeof p === "object" && !Array.isArray(p) && (type === undefined || type === "object")) {
    return p as Record<string, unknown>;
  }
  return { type: "object" };
}

function callSchema(name: string, tool: ToolDefinition): Record<string, unknown> {
  return {
    type: "object",
    properties: {
      name: { type: "string", enum: [name] },
      parameters: parametersSchema(tool),
    },
    required: ["name", "parameters"],
    additionalProperties: false,
  };
}

/**
 * The schema for a call of one of `tools` (or of the tool `only`). One tool gives its call schema;
 * several give `anyOf` of them, in the order offered.
 *
 * @example
 * toolCallSchema([{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }])
 * // { type: "object", properties: { name: { type: "string", enum: ["get_weather"] }, parameters: {...} }, required: ["name", "parameters"], additionalProperties: false }
 */
export function toolCallSchema(tools: readonly ToolDefinition[], only?: string): Record<string, unknown> {
  const calls: Array<Record<string, unknown>> = [];
  for (const tool of tools) {
    const name = toolDefinitionName(tool);
    if (name === undefined || (only !== undefined && name !== only)) continue;
    calls.push(callSchema(name, tool));
  }
  if (calls.length === 1) return calls[0]!;
  return { anyOf: calls };
}
