/**
 * Llama releases as data of the one `hf` renderer: what each official chat template does
 * differently from Llama 3.1's. The renderer (`dialect.ts`) reads these fields; there is no
 * second copy of it per version.
 *
 * - 3.1: `llama-3.1-instruct.chat_template.jinja`.
 * - 3.3: its template is byte-identical to 3.1's (test/hf-versions.test.ts proves it with a
 *   checksum), so it is the same data.
 * - 3.2 (text, 1B/3B): no `builtin_tools` variable (so: no `Tools:` line, every tool call is JSON
 *   ending in `<|eot_id|>`, `Environment: ipython` only with custom tools), and the date defaults
 *   to `strftime_now("%d %b %Y")`, today. Built-in tools with 3.2 are refused by the options layer
 *   (`checkVersionOptions` in base/options.ts), so the renderer never sees them.
 * - 3.2 Vision (11B/90B): 3.2's template plus images — image parts write `<|image|>`, message
 *   contents are written untrimmed, text parts back to back, and the system message is left out
 *   when the conversation has an image and none was given.
 */
import type { LlamaVersion } from "../../base/options.js";

/** How one official template differs from Llama 3.1's. */
export interface HfTemplateData {
  /**
   * `Today Date:` when no `dateString` is given: `"fixed"` is the template's `"26 Jul 2024"`,
   * `"today"` is `strftime_now("%d %b %Y")` (the renderer's local date, as transformers does).
   */
  defaultDate: "fixed" | "today";
  /**
   * Llama 3.2 Vision. Image parts write `<|image|>` (elsewhere they are an error: a text model reads
   * no images); `<|image|>` written as text is guarded like the other special tokens. Messages after
   * the system message are written as given: a string untrimmed, parts back to back (text as is,
   * images as `<|image|>`). The system block is written only when a system message is given or no
   * message has an image. Every message's content must be something the template can loop over
   * (its image scan does): a tool result that is a number, boolean or null is a `TemplateError`.
   */
  vision: boolean;
}

const LLAMA_3_1: HfTemplateData = { defaultDate: "fixed", vision: false };
const LLAMA_3_2: HfTemplateData = { defaultDate: "today", vision: false };
const LLAMA_3_2_VISION: HfTemplateData = { defaultDate: "today", vision: true };

/** The official template of each Llama release, as data. */
export const HF_TEMPLATES: Readonly<Record<LlamaVersion, HfTemplateData>> = {
  "3.1": LLAMA_3_1,
  "3.2": LLAMA_3_2,
  "3.3": LLAMA_3_1,
  "3.2-vision": LLAMA_3_2_VISION,
};
