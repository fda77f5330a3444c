/**
 * The AI SDK's prompt and tools → this library's messages and render options.
 */
import type {
  LanguageModelV3CallOptions,
  LanguageModelV3FunctionTool,
  LanguageModelV3Prompt,
  LanguageModelV3ProviderTool,
  LanguageModelV3ToolResultOutput,
  SharedV3Warning,
} from "@ai-sdk/provider";
import { describeValue, InvalidMessageError, InvalidOptionsError } from "../../base/errors.js";
import type { ToolChoice, ToolDefinition } from "../../base/options.js";
import type { BuiltinToolName } from "../../base/tokens.js";
import type { ChatMessage } from "../../prompt/messages.js";

/** Provider-tool ids of the Llama built-in tools (`llama.tools.*`). */
export const BUILTIN_TOOL_IDS = {
  "llama.brave_search": "brave_search",
  "llama.wolfram_alpha": "wolfram_alpha",
  "llama.code_interpreter": "code_interpreter",
} as const satisfies Record<string, BuiltinToolName>;

/** The tools of one call, as the prompt offers them, and the name mapping both ways. */
export interface ToolsForCall {
  /** Custom (function) tools as OpenAI-style definitions. */
  tools: ToolDefinition[] | undefined;
  /** Built-in tools offered (from `llama.tools.*`). */
  builtinTools: BuiltinToolName[] | undefined;
  /** The application's tool name → the name the model uses (a built-in's Llama name). */
  toModel: Map<string, string>;
  /** The model's tool name → the application's. */
  fromModel: Map<string, string>;
}

/** The call's tools: function tools as definitions, `llama.*` provider tools as built-ins. */
export function convertTools(tools: LanguageModelV3CallOptions["tools"], warnings: SharedV3Warning[]): ToolsForCall {
  const defs: ToolDefinition[] = [];
  const builtins: BuiltinToolName[] = [];
  const toModel = new Map<string, string>();
  const fromModel = new Map<string, string>();
  for (const t of tools ?? []) {
    if (t.type === "function") {
      defs.push(functionDefinition(t, warnings));
      toModel.set(t.name, t.name);
      fromModel.set(t.name, t.name);
      continue;
    }
    const builtin = (BUILTIN_TOOL_IDS as Record<string, BuiltinToolName>)[(t as LanguageModelV3ProviderTool).id];
    if (builtin === undefined) {
      warnings.push({ type: "unsupported", feature: `provider tool ${t.id}`, details: `only llama.tools.* (Llama's built-in tools) are provider tools of this model; ${t.name} is not offered` });
      continue;
    }
    if (!builtins.includes(builtin)) builtins.push(builtin);
    toModel.set(t.name, builtin);
    fromModel.set(builtin, t.name);
  }
  return {
    tools: defs.length ? defs : undefined,
    builtinTools: builtins.length ? builtins : undefined,
    toModel,
    fromModel,
  };
}

function functionDefinition(t: LanguageModelV3FunctionTool, warnings: SharedV3Warning[]): ToolDefinition {
  // The JSON Schema the AI SDK made from the tool's schema; its "$schema" line is not for the model.
  const { $schema: _, ...parameters } = (t.inputSchema ?? { type: "object", properties: {} }) as Record<string, unknown>;
  if (t.inputExamples !== undefined && t.inputExamples.length > 0) {
    warnings.push({ type: "unsupported", feature: "inputExamples", details: `tool ${t.name}: the Llama prompt has no place for input examples; put them in the description` });
  }
  if (t.strict === true) {
    warnings.push({ type: "unsupported", feature: "strict", details: `tool ${t.name}: only toolChoice "required" or a named tool constrains the output` });
  }
  return {
    type: "function",
    function: { name: t.name, ...(t.description !== undefined ? { description: t.description } : {}), parameters },
  };
}

/**
 * The AI SDK's `toolChoice` as this library's, given the tools offered. A choice the backend cannot
 * honour becomes `"auto"` with a warning.
 */
export function convertToolChoice(
  choice: LanguageModelV3CallOptions["toolChoice"],
  tools: ToolsForCall,
  canConstrain: boolean,
  warnings: SharedV3Warning[],
): ToolChoice | undefined {
  if (choice === undefined || choice.type === "auto") return undefined;
  if (choice.type === "none") return "none";
  const unsupported = (details: string): undefined => {
    warnings.push({ type: "unsupported", feature: `toolChoice ${choice.type === "tool" ? `{ tool: ${choice.toolName} }` : choice.type}`, details });
    return undefined;
  };
  if (!canConstrain) return unsupported("this backend cannot constrain its output (supportsResponseSchema is not true); the call runs with toolChoice auto");
  if (choice.type === "required") {
    if (tools.builtinTools) return unsupported("a constrained call is a JSON call of a function tool, so the built-in tools offered could not be called; the call runs with toolChoice auto");
    return "required";
  }
  const name = tools.toModel.get(choice.toolName);
  if (name === undefined) {
    throw new InvalidOptionsError(`names no tool of this call (${[...tools.toModel.keys()].join(", ") || "none offered"})`, ["toolChoice", "toolName"]);
  }
  if (tools.builtinTools?.includes(name as BuiltinToolName)) {
    return unsupported(`a built-in tool's call (<|python_tag|>${name}.call(...)) cannot be constrained; the call runs with toolChoice auto`);
  }
  return { name };
}

/** A tool result as the content of an ipython turn. */
function resultContent(output: LanguageModelV3ToolResultOutput, path: (string | number)[]): unknown {
  if (output === null || typeof output !== "object") throw new InvalidMessageError(`expected a tool output, got ${describeValue(output)}`, path);
  switch (output.type) {
    case "text":
    case "error-text":
    case "json":
    case "error-json":
      return output.value;
    case "execution-denied":
      return output.reason ?? "Tool execution denied.";
    case "content": {
      const texts: string[] = [];
      if (!Array.isArray(output.value)) throw new InvalidMessageError(`expected an array of parts, got ${describeValue(output.value)}`, [...path, "value"]);
      output.value.forEach((part, k) => {
        if (part === null || typeof part !== "object" || part.type !== "text") {
          throw new InvalidMessageError(`a ${describeValue((part as { type?: unknown } | null)?.type)} part: Llama 3.x tool results are text (give the tool's result as text or JSON)`, [...path, "value", k]);
        }
        texts.push(part.text);
      });
      return texts.join("\n");
    }
    default:
      throw new InvalidMessageError(`unknown tool output type ${describeValue((output as { type?: unknown }).type)}`, [...path, "type"]);
  }
}

/**
 * The AI SDK prompt as this library's messages (OpenAI-shaped: `tool_calls`, `tool` results with
 * `tool_call_id`), with tool names mapped to the model's (`toModel`). Errors name the AI SDK prompt:
 * `["prompt", i, "content", j]`.
 */
export function convertPrompt(prompt: LanguageModelV3Prompt, toModel: ReadonlyMap<string, string>, warnings: SharedV3Warning[]): ChatMessage[] {
  if (!Array.isArray(prompt)) throw new InvalidMessageError(`expected the AI SDK prompt (an array of messages), got ${describeValue(prompt)}`, ["prompt"]);
  const out: ChatMessage[] = [];
  let droppedReasoning = false;
  prompt.forEach((m, i) => {
    const at = ["prompt", i];
    if (m === null || typeof m !== "object") throw new InvalidMessageError(`expected a message, got ${describeValue(m)}`, at);
    if (m.role !== "system" && !Array.isArray(m.content)) throw new InvalidMessageError(`expected an array of parts, got ${describeValue(m.content)}`, [...at, "content"]);
    switch (m.role) {
      case "system":
        out.push({ role: "system", content: m.content });
        return;
      case "user": {
        const parts = m.content.map((p, j) => {
          if (p === null || typeof p !== "object" || p.type !== "text") throw new InvalidMessageError(`a ${describeValue((p as { type?: unknown } | null)?.type)} part: Llama 3.x takes text only`, [...at, "content", j]);
          return { type: "text" as const, text: p.text };
        });
        out.push({ role: "user", content: parts.length === 1 ? parts[0]!.text : parts });
        return;
      }
      case "assistant": {
        const texts: { type: "text"; text: string }[] = [];
        const calls: { id: string; type: "function"; function: { name: string; arguments: Record<string, unknown> } }[] = [];
        const results: ChatMessage[] = [];
        m.content.forEach((p, j) => {
          if (p === null || typeof p !== "object") throw new InvalidMessageError(`expected a part, got ${describeValue(p)}`, [...at, "content", j]);
          switch (p.type) {
            case "text":
              texts.push({ type: "text", text: p.text });
              return;
            case "reasoning":
              droppedReasoning = true;
              return;
            case "tool-call": {
              const input = p.input;
              if (input === null || typeof input !== "object" || Array.isArray(input)) {
                throw new InvalidMessageError(`a Llama tool call's input is a JSON object, got ${describeValue(input)}`, [...at, "content", j, "input"]);
              }
              calls.push({ id: p.toolCallId, type: "function", function: { name: toModel.get(p.toolName) ?? p.toolName, arguments: input as Record<string, unknown> } });
              return;
            }
            case "tool-result":
              results.push({ role: "tool", tool_call_id: p.toolCallId, content: resultContent(p.output, [...at, "content", j, "output"]) });
              return;
            default:
              throw new InvalidMessageError(`a ${describeValue((p as { type?: unknown } | null)?.type)} part: Llama 3.x takes text only`, [...at, "content", j]);
          }
        });
        const content = texts.length === 1 ? texts[0]!.text : texts.length ? texts : "";
        out.push(calls.length ? { role: "assistant", content, tool_calls: calls } : { role: "assistant", content });
        out.push(...results);
        return;
      }
      case "tool":
        m.content.forEach((p, j) => {
          if (p !== null && typeof p === "object" && p.type === "tool-result") out.push({ role: "tool", tool_call_id: p.toolCallId, content: resultContent(p.output, [...at, "content", j, "output"]) });
          // tool-approval-response parts are for provider-executed tools: nothing for the model to read.
        });
        return;
      default:
        throw new InvalidMessageError(`unknown role ${describeValue((m as { role?: unknown }).role)}`, [...at, "role"]);
    }
  });
  if (droppedReasoning) warnings.push({ type: "other", message: "reasoning parts of assistant messages are not written into the Llama prompt" });
  return out;
}
