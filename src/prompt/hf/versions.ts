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
 */
import type { LlamaVersion } from "../../base/options.js";

/** How one official template differs from Llama 3.1's. */
export interface HfTemplateData {
  /**
   * `Today Date:` when no `dateString` is given: `"fixed"` is the template's `"26 Jul 2024"`,
   * `"today"` is `strftime_now("%d %b %Y")` (the renderer's local date, as transformers does).
   */
  defaultDate: "fixed" | "today";
}

const LLAMA_3_1: HfTemplateData = { defaultDate: "fixed" };
const LLAMA_3_2: HfTemplateData = { defaultDate: "today" };

/** The official template of each Llama release, as data. */
export const HF_TEMPLATES: Readonly<Record<LlamaVersion, HfTemplateData>> = {
  "3.1": LLAMA_3_1,
  "3.2": LLAMA_3_2,
  "3.3": LLAMA_3_1,
};
