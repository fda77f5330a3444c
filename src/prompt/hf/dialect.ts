/**
 * The `hf` dialect: what the official Llama 3.x Instruct chat template
 * (fixtures/llama-3.1-instruct.chat_template.jinja, and the other releases' in fixtures/templates/)
 * renders under transformers' Jinja setup. Each block below mirrors one block of the template, in
 * the template's order, so the two can be read side by side. Quirks are reproduced on purpose;
 * docs/hf-dialect.md lists them. What differs between releases is data (`versions.ts`), read here.
 */
import { InvalidMessageError, InvalidOptionsError, TemplateError } from "../../base/errors.js";
import { writeContent } from "../content.js";
import type { NormalizedContent, NormalizedMessage } from "../message-types.js";
import type { ResolvedRenderOptions } from "../options.js";
import { pyStr, snapshotJsonDumps } from "../../base/python.js";
import { isRecord } from "../../base/read.js";
import { SegmentBuilder, type BuiltPrompt } from "../segments.js";
import { VISION_TOKENS } from "../special-tokens.js";
import { DEFAULT_DATE_STRING, IMAGE_TOKEN } from "../../base/tokens.js";
import { dayMonthYear } from "../date.js";
import { splitToolCalls } from "./split-calls.js";
import { HF_TEMPLATES, type HfTemplateData } from "./versions.js";

const JSON_CALL_INSTRUCTIONS =
  'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' +
  "Do not use variables.\n\n";

/**
 * The JSON text of snapshots (`json.dumps` with `indent`) written in this render and in the previous
 * one, by snapshot: snapshots are never changed, and an unchanged value gives the renderer back the
 * same snapshot (tool definitions: `resolveRenderOptions`; call arguments and tool results:
 * `normalizeMessages`), so an agent loop that passes the same tools and messages every turn
 * serialises them once. (Maps, not WeakMaps: V8 sweeps a WeakMap of short-lived keys slowly.)
 */
class JsonTexts {
  #before = new Map<object, string>();
  #now = new Map<object, string>();
  constructor(readonly indent?: number) {}

  /**
   * A new render: the texts of the previous one are kept, older ones dropped — also after a render
   * that wrote none (a conversation without tools keeps nothing of one with them alive).
   */
  next(): void {
    const older = this.#before;
    older.clear();
    this.#before = this.#now;
    this.#now = older;
  }

  of(snapshot: object): string {
    // (Built as a rope: the SegmentBuilder's look for "<|" flattens it in place, once.)
    const json = this.#now.get(snapshot) ?? this.#before.get(snapshot) ?? snapshotJsonDumps(snapshot, this.indent);
    this.#now.set(snapshot, json);
    return json;
  }
}

const TOOL_JSON = new JsonTexts(4);
const VALUE_JSON = new JsonTexts();

/** Renders normalised messages as the official template does. */
export function renderHf(input: NormalizedMessage[], opts: ResolvedRenderOptions): BuiltPrompt {
  TOOL_JSON.next();
  VALUE_JSON.next();
  const out = new SegmentBuilder();
  const tools = opts.tools;
  const builtin = opts.builtinTools;
  const version = HF_TEMPLATES[opts.llamaVersion];
  // splitToolCalls: N calls of one message as N single-call turns with their results (split-calls.ts).
  let messages = opts.splitToolCalls ? splitToolCalls(input) : input;

  out.special("<|begin_of_text|>");

  // {%- if messages[0]['role'] == 'system' %} — with no messages at all, the template fails here.
  if (messages.length === 0) {
    throw new TemplateError("empty_conversation", "the conversation has no messages; the template needs at least one");
  }
  // The system message's text, trimmed as the template's `| trim` does (written further down).
  const first = messages[0]!;
  const system = first.kind === "text" && first.role === "system" ? first : undefined;
  if (system !== undefined) messages = messages.slice(1);

  // 3.2 Vision: {#- Find out if there are any images #} — its loop over every message's content.
  const images = version.vision && scanForImages(messages);

  // System message + builtin tools (Vision: only if the user supplied one, or there are no images)
  if (!version.vision || system !== undefined || !images) {
    if (version.vision && system !== undefined) refuseImages(system.content, "the system message");
    writeSystem(out, opts, version, system);
  }

  // Custom tools are passed in the first user message with some extra guidance.
  if (opts.toolsInUserMessage && tools !== null) {
    const carrier = messages[0];
    if (carrier === undefined) {
      throw new TemplateError(
        "no_first_user_message",
        "tools go in the first user message (toolsInUserMessage: true) but the conversation has no message after the system message",
        undefined,
        "Cannot put tools in the first user message when there's no first user message!",
      );
    }
    if (carrier.kind !== "text" || carrier.role !== "user") {
      // The template would silently take this message's content as the user's; no one wants that.
      throw new TemplateError(
        "no_first_user_message",
        `tools go in the first user message (toolsInUserMessage: true) but this message has role ${carrier.role}; ` +
          `start the conversation with a user message or pass toolsInUserMessage: false`,
        carrier.index,
      );
    }
    if (version.vision) refuseImages(carrier.content, "the first user message, which carries the tools (toolsInUserMessage)");
    messages = messages.slice(1);
    writeTools(out.header("user"), tools, "Given the following functions, please respond with a JSON for a function call with its proper arguments that best answers the given prompt.\n\n");
    writeContent(out, carrier.content, "\n", carrier.index, "user", true);
    out.special("<|eot_id|>");
  }

  for (const message of messages) {
    switch (message.kind) {
      case "text":
        out.header(message.role);
        if (version.vision) writeVisionContent(out, message.content, message.index, message.role);
        else writeContent(out, message.content, "\n", message.index, message.role, true);
        out.special("<|eot_id|>");
        break;
      case "tool_call":
        writeToolCall(out, message, builtin);
        break;
      case "tool_result": {
        out.header("ipython");
        const c = message.content;
        // Strings are "iterable" in Jinja, so a string result is JSON-quoted like a mapping or list.
        const iterable = typeof c === "string" || (c !== null && typeof c === "object");
        const at = ["messages", message.index, "content"];
        if (version.vision && !iterable) {
          // The Vision template's image scan loops over every message's content and fails on these.
          throw new TemplateError(
            "unsupported_feature",
            `Llama 3.2 Vision's template cannot render a tool result that is ${c === null ? "null" : `a ${typeof c}`} ` +
              `(its image scan loops over every message's content: "'${c === null ? "NoneType" : typeof c === "number" ? (Number.isInteger(c) ? "int" : "float") : "bool"}' object is not iterable"); pass it as a string or a JSON object`,
            message.index,
            undefined,
            at,
          );
        }
        const json = typeof c === "string" ? snapshotJsonDumps(c) : iterable ? VALUE_JSON.of(c as object) : pyStr(c as number | boolean | null);
        out.text(json, { path: at, role: "ipython", value: c });
        out.special("<|eot_id|>");
        break;
      }
    }
  }

  if (opts.addGenerationPrompt) {
    out.header("assistant");
  }
  // Vision prompts also guard <|image|> written as text: the Vision tokenizer reads it as an image slot.
  return out.finish(opts.specialTokens, version.vision ? VISION_TOKENS : undefined);
}

/** True when a message's content holds an image part (the Vision template's `content['type'] == 'image'`). */
function scanForImages(messages: readonly NormalizedMessage[]): boolean {
  // Content parts, or a tool result that is a list of objects with type "image".
  return messages.some((m) => Array.isArray(m.content) && (m.content as unknown[]).some((p) => isRecord(p) && p.type === "image"));
}

/**
 * The Vision template writes the system message and the tool-carrying first user message with
 * `| trim`, which turns a list of parts into its Python repr: an image there cannot be rendered.
 */
function refuseImages(content: NormalizedContent, where: string): void {
  if (typeof content === "string") return;
  for (const p of content) {
    if (p.type === "image") {
      throw new InvalidMessageError(
        `an image cannot go in ${where}: Llama 3.2 Vision's template writes it as text (a list of parts would print as a Python list); put images in a later user message`,
        p.path,
      );
    }
  }
}

/** A message's content as the Vision template writes it: a string as is, parts back to back, images as `<|image|>`. */
function writeVisionContent(out: SegmentBuilder, content: NormalizedContent, index: number, role: string): void {
  if (typeof content === "string") {
    out.text(content, { path: ["messages", index, "content"], role });
    return;
  }
  for (const p of content) {
    if (p.type === "image") out.special(IMAGE_TOKEN);
    else out.text(p.text, { path: p.path, role });
  }
}

/** The system block: environment, built-in tools, dates, tools in the system message, the system message. */
function writeSystem(out: SegmentBuilder, opts: ResolvedRenderOptions, version: HfTemplateData, system: Extract<NormalizedMessage, { kind: "text" }> | undefined): void {
  const tools = opts.tools;
  const builtin = opts.builtinTools;
  out.header("system");
  if (builtin !== null || tools !== null) out.text("Environment: ipython\n");
  if (builtin !== null) {
    out.text("Tools: " + builtin.filter((t) => t !== "code_interpreter").join(", ") + "\n\n");
  }
  // `Today Date:` a string as given; a Date as `strftime("%d %b %Y")` in local time (what
  // transformers' `strftime_now` does); no date: the template's default (3.1/3.3 the fixed
  // "26 Jul 2024", 3.2 today).
  const d = opts.dateString;
  const date = typeof d === "string" ? d : d === undefined && version.defaultDate === "fixed" ? DEFAULT_DATE_STRING : strftimeDayMonthYear(d ?? new Date());
  out.text("Cutting Knowledge Date: December 2023\nToday Date: ").text(date, DATE_SOURCE).text("\n\n");
  if (tools !== null && !opts.toolsInUserMessage) {
    writeTools(out, tools, "You have access to the following functions. To call a function, please respond with JSON for a function call.");
  }
  if (system !== undefined) writeContent(out, system.content, "\n", system.index, "system", true);
  out.special("<|eot_id|>");
}

/** The custom tools' instructions (`intro`, then how to call), and each tool as `tojson(indent=4)`. */
function writeTools(out: SegmentBuilder, tools: readonly object[], intro: string): void {
  out.text(intro + JSON_CALL_INSTRUCTIONS);
  tools.forEach((t, i) => {
    const path = ["options", "tools", i];
    out.text(TOOL_JSON.of(t), { path, value: t }).text("\n\n");
  });
}

/** An assistant tool call: built-in syntax for an enabled built-in, else JSON; one call per message. */
function writeToolCall(out: SegmentBuilder, message: Extract<NormalizedMessage, { kind: "tool_call" }>, builtin: string[] | null): void {
  if (message.calls.length !== 1) {
    throw new TemplateError(
      "multiple_tool_calls",
      `an assistant message must carry exactly one tool call (the official template takes one call per message), got ${message.calls.length}; ` +
        `pass splitToolCalls: true to render them as consecutive single-call turns with their results`,
      message.index,
      "This model only supports single tool-calls at once!",
    );
  }
  const call = message.calls[0]!;
  const source = { path: call.argumentsPath, role: "assistant", value: call.arguments };
  out.header("assistant");
  if (builtin !== null && builtin.includes(call.name)) {
    const args = Object.entries(call.arguments).map(([k, v]) => {
      if (typeof v !== "string") {
        throw new TemplateError(
          "builtin_argument_not_string",
          `built-in tool call ${call.name}: argument "${k}" must be a string (the template concatenates it into ${k}="..."), got ${v === null ? "null" : typeof v}`,
          message.index,
        );
      }
      return `${k}="${v}"`;
    });
    out.special("<|python_tag|>").text(`${call.name}.call(`).text(args.join(", "), source).text(")");
  } else {
    // The name satisfies isToolName (checked when the message was read): nothing to escape.
    out.text(`{"name": "${call.name}", "parameters": `).text(VALUE_JSON.of(call.arguments), source).text("}");
  }
  // builtin_tools defined means ipython mode: every call ends with <|eom_id|>.
  out.special(builtin !== null ? "<|eom_id|>" : "<|eot_id|>");
}

const DATE_SOURCE = { path: ["options", "dateString"] };

/**
 * Python's `strftime("%d %b %Y")` of a local date (C locale): zero-padded day, English month
 * abbreviation, the year without padding (`05 Mar 2025`). Python's `datetime` holds years 1 to
 * 9999 only, so a Date outside them is refused rather than written in a way Python never would.
 */
export function strftimeDayMonthYear(date: Date): string {
  const year = date.getFullYear();
  if (year < 1 || year > 9999) {
    throw new InvalidOptionsError(`a Date in year ${year}: the template's strftime writes years 1 to 9999 only`, ["options", "dateString"]);
  }
  return dayMonthYear(date, false);
}
