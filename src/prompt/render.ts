/**
 * Rendering entry points: messages → segments → string. Validation and the special-token policy
 * run once here, before either dialect sees the conversation.
 */
import { renderHf } from "./hf/dialect.js";
import { InvalidOptionsError } from "../base/errors.js";
import { renderMeta, META_OPTION_KEYS, type MetaRenderOptions } from "./meta/dialect.js";
import { checkMessagesForSpecialTokens, normalizeMessages, type ChatMessage } from "./messages.js";
import { resolveRenderOptions, type RenderOptions } from "../base/options.js";
import { segmentsToString, type Segment } from "./segments.js";

/** Options of {@link renderPrompt} and {@link renderSegments}: the shared ones plus the `meta` dialect's. */
export type PromptOptions = RenderOptions & MetaRenderOptions;

/**
 * Renders a conversation into ordered text / special-token segments.
 *
 * @example
 * renderSegments([{ role: "user", content: "Hi" }])
 * // [{type:"special", token:"<|begin_of_text|>", id:128000}, {type:"special", token:"<|start_header_id|>", ...}, ...]
 */
export function renderSegments(messages: readonly ChatMessage[], options: PromptOptions = {}): Segment[] {
  const opts = resolveRenderOptions(options, META_OPTION_KEYS);
  if (opts.dialect !== "meta") {
    for (const k of META_OPTION_KEYS) {
      if ((options as Record<string, unknown>)[k] !== undefined) {
        throw new InvalidOptionsError(`only the meta dialect reads this option; pass dialect: "meta"`, [k]);
      }
    }
  }
  const normalized = checkMessagesForSpecialTokens(normalizeMessages(messages), opts.specialTokens);
  return opts.dialect === "meta" ? renderMeta(normalized, opts, options) : renderHf(normalized, opts);
}

/**
 * Renders a conversation into the exact prompt string Llama 3.1 Instruct expects.
 * Dialect `"hf"` (default) is byte-identical to the official chat template under transformers.
 *
 * @example
 * renderPrompt([{ role: "user", content: "Hi" }])
 * // "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: ..."
 */
export function renderPrompt(messages: readonly ChatMessage[], options: PromptOptions = {}): string {
  return segmentsToString(renderSegments(messages, options));
}
