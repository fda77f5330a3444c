/**
 * `llama-prompt-format/template`: render any Jinja chat template (a fine-tune's own) with
 * @huggingface/jinja, from the same validated messages as `renderPrompt`. The only importer of
 * @huggingface/jinja.
 */
export { renderWithTemplate, type TemplateRenderOptions } from "./render-template.js";
export { TemplateRenderError } from "../base/errors.js";
