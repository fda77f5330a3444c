/**
 * Rendering a user-supplied chat template (a fine-tune's own `chat_template`) with
 * @huggingface/jinja, from the same message input as `renderPrompt`.
 */
import { Template } from "@huggingface/jinja";
import { InvalidOptionsError, TemplateRenderError } from "../base/errors.js";
import { checkMessagesForSpecialTokens, contentText, normalizeMessages, type ChatMessage, type NormalizedMessage } from "../prompt/messages.js";
import type { RenderOptions } from "../base/options.js";
import { resolveRenderOptions } from "../prompt/options.js";

/** Options of {@link renderWithTemplate}. */
export interface TemplateRenderOptions extends Omit<RenderOptions, "dialect"> {
  /** `bos_token` (default `"<|begin_of_text|>"`). */
  bosToken?: string;
  /** `eos_token` (default `"<|eot_id|>"`). */
  eosToken?: string;
  /** Further template variables, passed as given (they override nothing above). */
  variables?: Record<string, unknown>;
}

const compiled = new Map<string, Template>();

/** Messages as Hugging Face templates expect them: string content, tool_calls with object arguments. */
function toHfMessages(messages: NormalizedMessage[]): Record<string, unknown>[] {
  return messages.map((m) => {
    switch (m.kind) {
      case "text":
        return { role: m.role, content: contentText(m.content, "\n") };
      case "tool_result":
        return { role: "tool", content: m.content };
      case "tool_call":
        return {
          role: "assistant",
          content: contentText(m.content, "\n"),
          tool_calls: m.calls.map((c) => ({
            ...(c.id !== undefined ? { id: c.id } : {}),
            type: "function",
            function: { name: c.name, arguments: c.arguments },
          })),
        };
    }
  });
}

/**
 * Renders any Jinja chat template (e.g. a fine-tune's `tokenizer_config.json` `chat_template`)
 * with @huggingface/jinja. Messages are validated and normalised as for `renderPrompt`
 * (text parts joined, `arguments` JSON strings decoded, `tool` results passed with role `tool`),
 * and the same special-token policy applies. Template variables: `messages`, `tools`,
 * `builtin_tools`, `date_string`, `tools_in_user_message`, `add_generation_prompt`,
 * `bos_token`, `eos_token`, plus `variables`. Unset options are left undefined, so the template's
 * own defaults apply.
 *
 * Note: @huggingface/jinja 0.5.x differs from Python Jinja2 in places (no `reject` filter, JavaScript
 * `trim` and float formatting); for the official Llama 3.1 template use `renderPrompt`, which is exact.
 *
 * @throws TemplateRenderError when the template does not parse or raises while rendering.
 * @example
 * renderWithTemplate(myTemplate, [{ role: "user", content: "Hi" }], { addGenerationPrompt: true })
 */
export function renderWithTemplate(template: string, messages: readonly ChatMessage[], options: TemplateRenderOptions = {}): string {
  const { bosToken, eosToken, variables, ...renderOptions } = options;
  if ("dialect" in renderOptions && renderOptions.dialect !== undefined) {
    throw new InvalidOptionsError("renderWithTemplate renders the given template; dialect does not apply", ["dialect"]);
  }
  const opts = resolveRenderOptions(renderOptions);
  const normalized = checkMessagesForSpecialTokens(normalizeMessages(messages), opts.specialTokens);
  let tmpl = compiled.get(template);
  if (!tmpl) {
    try {
      tmpl = new Template(template);
    } catch (e) {
      throw new TemplateRenderError(`the chat template does not parse: ${(e as Error).message}`, { cause: e });
    }
    if (compiled.size > 32) compiled.clear();
    compiled.set(template, tmpl);
  }
  const vars: Record<string, unknown> = {
    ...variables,
    messages: toHfMessages(normalized),
    bos_token: bosToken ?? "<|begin_of_text|>",
    eos_token: eosToken ?? "<|eot_id|>",
    add_generation_prompt: opts.addGenerationPrompt,
    tools: opts.tools,
  };
  if (opts.builtinTools !== null) vars.builtin_tools = opts.builtinTools;
  if (opts.dateString !== undefined) vars.date_string = opts.dateString;
  if (options.toolsInUserMessage !== undefined) vars.tools_in_user_message = opts.toolsInUserMessage;
  try {
    return tmpl.render(vars);
  } catch (e) {
    throw new TemplateRenderError(`the chat template failed to render: ${(e as Error).message}`, { cause: e });
  }
}
