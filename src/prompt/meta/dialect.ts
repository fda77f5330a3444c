/**
 * The `meta` dialect: Meta's reference encoder (llama-models `ChatFormat.encode_dialog_prompt` with
 * `ToolUtils.encode_tool_call`), plus the system prompt its generators build when the tool/date
 * options are given. Unlike `hf`, nothing is trimmed and content is written exactly as given.
 *
 * Decisions where the reference leaves room (docs/meta-dialect.md):
 * - eom/eot: an assistant tool-call message ends with `<|eom_id|>` when its `stopReason` is "eom";
 *   any other given `stopReason` gives `<|eot_id|>`; without one, `<|eom_id|>` when the message calls a
 *   built-in tool (brave_search, wolfram_alpha, photogen, code_interpreter), `<|eot_id|>` for custom-only
 *   calls (the model ends custom calls with eot unless in ipython mode). Plain assistant text: eot.
 * - Tool results: a string is written as is; any other JSON value as Python `json.dumps` (ASCII-only).
 * - `tools` / `builtinTools` / `dateString` given → a system message is generated (see `systemPreamble`).
 */
import { InvalidMessageError, InvalidOptionsError, type ErrorPath } from "../../base/errors.js";
import { contentPieces, isTextParts, toolTextPieces, writeContent } from "../content.js";
import type { NormalizedMessage, NormalizedToolCall } from "../message-types.js";
import { metaToolOf, type MetaToolDefinition } from "./tools.js";
import { toolDefinitionName, type ToolPromptFormat } from "../../base/options.js";
import type { ResolvedRenderOptions } from "../options.js";
import { pyJsonDumps, pyStr } from "../../base/python.js";
import { walkJson, type JsonStyle } from "../../base/walk.js";
import { SegmentBuilder, type BuiltPrompt, type Piece } from "../segments.js";
import { dayMonthYear } from "../date.js";
import { VISION_TOKENS } from "../special-tokens.js";
import { builtinToolsText, functionTagToolsText, jsonToolsText, META_BUILTIN_TOOLS, pythonListToolsText } from "./system-prompts.js";

export type { ToolPromptFormat };

const BUILTIN = new Set<string>(META_BUILTIN_TOOLS);

/** Renders normalised messages the way Meta's reference ChatFormat encodes them. */
export function renderMeta(messages: NormalizedMessage[], opts: ResolvedRenderOptions): BuiltPrompt {
  const format = opts.toolPromptFormat;
  if (opts.toolsInUserMessageGiven) {
    throw new InvalidOptionsError(
      `not used by the meta dialect: tool instructions go where the reference puts them ` +
        `(a user message for "json"/"function_tag", the system message for "python_list")`,
      ["options", "toolsInUserMessage"],
    );
  }

  const out = new SegmentBuilder();
  out.special("<|begin_of_text|>");
  const rest = opts.tools !== null || opts.builtinTools !== null || opts.dateString !== undefined ? writeSystem(out, messages, opts) : messages;

  for (const m of rest) {
    switch (m.kind) {
      case "text":
        // A parsed assistant turn that stopped with <|eom_id|> keeps it: the model expects to continue.
        writeContent(out.header(m.role), m.content, "", m.index, m.role).special(m.stopReason === "eom" ? "<|eom_id|>" : "<|eot_id|>");
        break;
      case "tool_result": {
        out.header("ipython");
        const c = m.content;
        const at = ["messages", m.index, "content"];
        // A string, or text parts (encoded back to back as ChatFormat does), is written as is.
        if (typeof c === "string" || isTextParts(c)) out.pieces(toolTextPieces(c, at));
        else out.text(pyJsonDumps(c, { ensureAscii: true }, at), { path: at, role: "ipython", value: c });
        out.special("<|eot_id|>");
        break;
      }
      case "tool_call": {
        out.header("assistant");
        if (m.calls[0]?.name === "code_interpreter") out.special("<|python_tag|>");
        writeContent(out, m.content, "", m.index, "assistant");
        for (const call of m.calls) {
          // code_interpreter writes its code raw: the source is that string.
          const code = call.name === "code_interpreter";
          const path = code ? [...call.argumentsPath, "code"] : call.argumentsPath;
          out.text(encodeToolCall(call, format), { path, role: "assistant", value: code ? undefined : call.arguments });
        }
        out.special(endsWithEom(m) ? "<|eom_id|>" : "<|eot_id|>");
        break;
      }
    }
  }

  if (opts.addGenerationPrompt) out.header("assistant");
  // Llama 3.2 Vision's tokenizer also reads `<|image|>` as a special token: guarded like the others.
  return out.finish(opts.specialTokens, opts.llamaVersion === "3.2-vision" ? VISION_TOKENS : undefined);
}

const TOOLS_SOURCE = { path: ["options", "tools"] };
const DATE_SOURCE = { path: ["options", "dateString"] };

function endsWithEom(m: Extract<NormalizedMessage, { kind: "tool_call" }>): boolean {
  if (m.stopReason !== undefined) return m.stopReason === "eom";
  return m.calls.some((c) => BUILTIN.has(c.name));
}

/**
 * `ToolUtils.encode_tool_call`. Built-ins write only their `query` (other arguments are dropped, as in
 * the reference); code_interpreter writes its `code` raw. Error paths start at `call.argumentsPath`.
 */
export function encodeToolCall(call: NormalizedToolCall, format: ToolPromptFormat): string {
  const args = call.arguments;
  const argPath = call.argumentsPath;
  switch (call.name) {
    case "brave_search":
    case "wolfram_alpha":
    case "photogen":
      return `${call.name}.call(query="${scalarArgument(args, "query", call.name, argPath)}")`;
    case "code_interpreter": {
      const code = args.code;
      if (typeof code !== "string") {
        throw new InvalidMessageError(`code_interpreter call needs a string "code" argument`, [...argPath, "code"]);
      }
      return code;
    }
  }
  switch (format) {
    case "json":
      return pyJsonDumps({ type: "function", name: call.name, parameters: args }, { ensureAscii: true }, argPath);
    case "function_tag":
      return `<function=${call.name}>${pyJsonDumps(args, { ensureAscii: true }, argPath)}</function>`;
    case "python_list":
      return `[${call.name}(${Object.entries(args)
        .map(([k, v]) => `${k}=${formatPythonListValue(v, [...argPath, k])}`)
        .join(", ")})]`;
  }
}

function scalarArgument(args: Record<string, unknown>, key: string, tool: string, path: ErrorPath): string {
  const v = args[key];
  if (v === undefined) throw new InvalidMessageError(`${tool} call needs a "${key}" argument`, [...path, key]);
  if (typeof v === "string") return v;
  if (v === null || typeof v === "number" || typeof v === "boolean") return pyStr(v);
  throw new InvalidMessageError(`${tool} call: "${key}" must be a string, number, boolean or null`, [...path, key]);
}

/**
 * `format_value` of the reference's python_list encoding: strings in double quotes with nothing
 * escaped, `True`/`False`/`None`, numbers as Python prints them, lists `[a, b]`, dicts `{k=v}`.
 */
export function formatPythonListValue(value: unknown, path: (string | number)[] = []): string {
  return walkJson(value, PYTHON_LIST, path);
}

const PYTHON_LIST: JsonStyle = {
  leaf(value, path) {
    if (typeof value === "string") return `"${value}"`;
    if (value === null || typeof value === "number" || typeof value === "boolean") return pyStr(value);
    if (typeof value === "bigint") return value.toString();
    throw new InvalidMessageError(`unsupported value of type ${typeof value} in a python_list tool call`, [...path]);
  },
  key: (k) => `${k}=`,
};

/**
 * The system prompt the reference builds from tools and date (Llama3Interface.system_messages for
 * "json"/"function_tag", the Llama 3.2 tool augmentation for "python_list"), given options
 * `tools` / `builtinTools` / `dateString`, and for "json"/"function_tag" the user message with the
 * custom tools. A leading system message of the conversation is merged in as the instruction. Tools
 * whose name is a built-in's count as that built-in. Every piece is written with its source, for the
 * final special-token check. Returns the messages left to write.
 */
function writeSystem(out: SegmentBuilder, messages: NormalizedMessage[], opts: ResolvedRenderOptions): NormalizedMessage[] {
  const builtin: string[] = [...(opts.builtinTools ?? [])];
  const custom: MetaToolDefinition[] = [];
  (opts.tools ?? []).forEach((t, i) => {
    const name = toolDefinitionName(t);
    // A built-in named twice (an option and a tool definition) is listed once, where first seen.
    if (name !== undefined && BUILTIN.has(name)) {
      if (!builtin.includes(name)) builtin.push(name);
    } else custom.push(metaToolOf(t, opts.lossyTools, ["options", "tools", i])); // MetaToolError naming the tool and property (t is a snapshot)
  });

  let instruction: Piece[] = [];
  let rest = messages;
  const first = messages[0];
  if (first !== undefined && first.kind === "text" && first.role === "system") {
    instruction = contentPieces(first.content, "", ["messages", first.index, "content"], "system");
    rest = messages.slice(1);
  }
  // SystemDefaultGenerator: "Cutting Knowledge Date: December 2023\nToday Date: {date}".
  const d = opts.dateString;
  const date: Piece[] = [
    { text: "Cutting Knowledge Date: December 2023\nToday Date: " },
    // A Date here is valid (the option check made it): `%d %B %Y`, as formatMetaDate writes it.
    { text: typeof d === "string" ? d : dayMonthYear(d ?? new Date(), true), source: DATE_SOURCE },
  ];
  const tools = { ...TOOLS_SOURCE, value: opts.tools };
  const format = opts.toolPromptFormat;
  out.header("system");

  if (format === "python_list" && custom.length > 0) {
    const sys: Piece[] = [];
    if (builtin.length > 0) sys.push({ text: builtinToolsText(builtin, false) + "\n" });
    if (d !== undefined) sys.push(...date, { text: "\n" });
    sys.push({ text: pythonListToolsText(custom), source: tools }, { text: "\n" }, ...instruction);
    out.pieces(sys, (c) => c === "\n").special("<|eot_id|>");
    return rest;
  }

  if (builtin.length > 0 || custom.length > 0) out.text(builtinToolsText(builtin, custom.length > 0) + "\n");
  out.pieces(date);
  if (instruction.some((p) => p.text !== "")) out.text("\n\n").pieces(instruction);
  out.text("\n").special("<|eot_id|>");
  if (custom.length > 0) out.header("user").text(format === "function_tag" ? functionTagToolsText(custom) : jsonToolsText(custom), tools).special("<|eot_id|>");
  return rest;
}
