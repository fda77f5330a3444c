/**
 * Rendering entry points: messages → segments → string. Validation and the special-token policy
 * run once here, before either dialect sees the conversation.
 */
import type { RenderOptions } from "../base/options.js";
import { renderHf } from "./hf/dialect.js";
import { renderMeta } from "./meta/dialect.js";
import { normalizeMessages, type ChatMessage } from "./messages.js";
import { guardOptionFields, resolveRenderOptions } from "./options.js";
import type { BuiltPrompt, Segment } from "./segments.js";

/** Options of {@link renderPrompt} and {@link renderSegments}. */
export type PromptOptions = RenderOptions;

/**
 * Renders a conversation into ordered text / special-token segments.
 *
 * @example
 * renderSegments([{ role: "user", content: "Hi" }])
 * // [{type:"special", token:"<|begin_of_text|>", id:128000}, {type:"special", token:"<|start_header_id|>", ...}, ...]
 */
export function renderSegments(messages: readonly ChatMessage[], options?: RenderOptions): Segment[] {
  const [prompt, addBos] = render(messages, options);
  const segments = prompt.segments();
  // addBos: false — for a server that adds <|begin_of_text|> itself when it tokenizes the string.
  return addBos ? segments : segments.slice(1);
}

/**
 * Renders a conversation into the exact prompt string Llama 3.1 Instruct expects.
 * Dialect `"hf"` (default) is byte-identical to the official chat template under transformers.
 *
 * @example
 * renderPrompt([{ role: "user", content: "Hi" }])
 * // "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: ..."
 */
export function renderPrompt(messages: readonly ChatMessage[], options?: RenderOptions): string {
  const [prompt, addBos] = render(messages, options);
  const text = prompt.string();
  // Both dialects start with <|begin_of_text|>, the first segment.
  return addBos ? text : text.slice(BOS.length);
}

const BOS = "<|begin_of_text|>";

/** The prompt of a conversation, checked as written, and whether to keep its <|begin_of_text|>. */
function render(messages: readonly ChatMessage[], options: RenderOptions | undefined): [BuiltPrompt, boolean] {
  let opts = resolveRenderOptions(options, undefined, true);
  // One snapshot of the input (each property read once); the dialects render only from it, and
  // check every text segment as written (SegmentBuilder.finish). Under "strip", each input string is
  // also cleaned on its own first, so that trimming sees the cleaned text.
  const strip = opts.specialTokens === "strip";
  if (strip) opts = guardOptionFields(opts, "strip");
  const normalized = normalizeMessages(messages, strip ? "strip" : "allow", true);
  return [opts.dialect === "meta" ? renderMeta(normalized, opts) : renderHf(normalized, opts), opts.addBos];
}
