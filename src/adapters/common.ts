/**
 * What the framework adapters (AI SDK, LangChain) share: the options they accept (one rule per key,
 * from the shared options model), and the turn of the parser's call events into JSON argument
 * deltas that concatenate to the call's final input.
 */
import { readOptions, type RENDER_KEYS, type RenderOptions } from "../base/options.js";
import { GENERATION_CHECKS, type ChatOptions } from "../backends/chat.js";
import type { StopReason, StreamEvent, ToolCall, ToolCallFormat } from "../parse/types.js";

/**
 * Render options an adapter takes from its settings (model-wide) or per call. `tools` and
 * `builtinTools` come from the framework's own tool definitions; `addGenerationPrompt` is always
 * true (the model answers); `splitToolCalls` is always on (a turn with several calls must render on
 * the next step).
 */
export const ADAPTER_RENDER_KEYS = [
  "dialect",
  "llamaVersion",
  "dateString",
  "toolsInUserMessage",
  "addBos",
  "specialTokens",
  "toolPromptFormat",
  "lossyTools",
] as const satisfies readonly (typeof RENDER_KEYS)[number][];

/** Keys of the shared options model an adapter reads (render options and the parser's). */
export const ADAPTER_KEYS = [...ADAPTER_RENDER_KEYS, "maxToolCallChars", "createId"] as const;

/** The backend call options an adapter takes as they are (checked by the backend layer's rules). */
export const ADAPTER_EXTRA_KEYS = ["timeout", "extraParameters"] as const;

/** Options an adapter reads: render options, parser options, `timeout`, `extraParameters`. */
export interface LlamaCallSettings
  extends Pick<RenderOptions, (typeof ADAPTER_RENDER_KEYS)[number]>,
    Pick<ChatOptions, "maxToolCallChars" | "createId" | "timeout" | "extraParameters"> {}

/**
 * Reads adapter settings with the shared rules (unknown keys are errors). `extra` adds checks of
 * keys only this entry point has (e.g. `modelId`).
 */
export function readAdapterSettings(
  value: unknown,
  root: readonly (string | number)[],
  extra: Readonly<Record<string, (v: unknown, path: readonly (string | number)[]) => unknown>> = {},
): Record<string, unknown> {
  const checks: Record<string, (v: unknown, path: readonly (string | number)[]) => unknown> = { ...extra };
  for (const k of ADAPTER_EXTRA_KEYS) checks[k] = GENERATION_CHECKS[k]!;
  const o = readOptions(value, ADAPTER_KEYS, root, checks);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

/** How a turn ended, in the frameworks' words. */
export type FinishKind = "tool-calls" | "length" | "stop" | "other";

/** Tool calls when the model stopped to run a tool (`eom`) or made calls; `length`; `stop`. */
export function finishKind(stopReason: StopReason, toolCalls: readonly ToolCall[], serverReason?: "other" | string): FinishKind {
  if (stopReason === "length") return "length";
  if (toolCalls.length > 0 || stopReason === "eom") return "tool-calls";
  if (serverReason === "other") return "other";
  return "stop";
}

/** A call's input as the frameworks want it: a JSON string, streamed in pieces that concatenate to it. */
interface CallInput {
  format: ToolCallFormat;
  /** JSON text sent so far. */
  sent: string;
}

/** JSON-escapes a piece of a string (without the quotes). Pieces escape to pieces of the whole's escape. */
function escapePiece(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

function sameJson(text: string, value: unknown): boolean {
  try {
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(value);
  } catch {
    return false;
  }
}

/**
 * Turns the parser's `tool-call-*` events into JSON argument deltas whose concatenation is exactly
 * the final input:
 * - JSON and function-tag calls: the model's own argument text, as it arrives;
 * - code-interpreter code: `{"code": "` + the code, JSON-escaped as it arrives, + `"}`;
 * - built-in and python-list calls (short, and not JSON as written): one delta at the end, the
 *   arguments as JSON.
 * The final input is the concatenation whenever it is JSON of the parsed arguments (always for
 * calls the parser completed); only if it were not would the input be the arguments as JSON and the
 * deltas not add up to it.
 */
export class ToolInputStream {
  private readonly calls = new Map<number, CallInput>();

  /** A call started (`tool-call-start`). */
  start(ev: Extract<StreamEvent, { type: "tool-call-start" }>): void {
    this.calls.set(ev.index, { format: ev.format, sent: "" });
  }

  /** The JSON delta for a `tool-call-delta`, or "" when this format streams nothing yet. */
  delta(ev: Extract<StreamEvent, { type: "tool-call-delta" }>): string {
    const c = this.calls.get(ev.index);
    if (c === undefined || ev.argumentsDelta === "") return "";
    let d = "";
    if (c.format === "json" || c.format === "function_tag") d = ev.argumentsDelta;
    else if (c.format === "code") d = (c.sent === "" ? '{"code": "' : "") + escapePiece(ev.argumentsDelta);
    c.sent += d;
    return d;
  }

  /** The call completed (`tool-call-end`): the last delta ("" when none) and the final input. */
  end(ev: Extract<StreamEvent, { type: "tool-call-end" }>): { delta: string; input: string } {
    const c = this.calls.get(ev.index);
    this.calls.delete(ev.index);
    const args = ev.toolCall.arguments;
    if (c === undefined || c.sent === "") {
      const input = JSON.stringify(args);
      return { delta: input, input };
    }
    const closing = c.format === "code" ? '"}' : "";
    if (sameJson(c.sent + closing, args)) return { delta: closing, input: c.sent + closing };
    return { delta: "", input: JSON.stringify(args) };
  }

  /** A started call failed (`error` with an index): forget it. True when it had been started. */
  fail(index: number | undefined): boolean {
    if (index === undefined) return false;
    return this.calls.delete(index);
  }
}
