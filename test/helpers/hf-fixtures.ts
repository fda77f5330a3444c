import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ChatMessage, OpenAIFunctionToolCall, PromptOptions } from "../../src/index.js";
import type { AssistantChatMessage } from "../../src/prompt/messages.js";

/** A message of the fixtures: its tool calls are all function calls (the template knows no other). */
export type FixtureMessage =
  | Exclude<ChatMessage, AssistantChatMessage>
  | (Omit<AssistantChatMessage, "tool_calls"> & { tool_calls?: OpenAIFunctionToolCall[] | null });

/** One golden case: inputs in the template's variable names (as render_reference.py takes them). */
export interface HfCase {
  id: string;
  messages: FixtureMessage[];
  tools?: PromptOptions["tools"];
  builtin_tools?: string[];
  date_string?: string;
  tools_in_user_message?: boolean;
  add_generation_prompt?: boolean;
  expect_error?: string;
}

const dir = join(import.meta.dirname, "..", "..", "fixtures");

export const hfCases: HfCase[] = JSON.parse(readFileSync(join(dir, "hf", "cases.json"), "utf8"));
export const hfExpected: Record<string, string | { error: string }> = JSON.parse(
  readFileSync(join(dir, "hf", "expected.json"), "utf8"),
);
export const officialTemplate = readFileSync(join(dir, "llama-3.1-instruct.chat_template.jinja"), "utf8");

/** The case's template variables as renderPrompt options. */
export function hfOptions(c: HfCase): PromptOptions {
  return {
    tools: c.tools,
    builtinTools: c.builtin_tools as PromptOptions["builtinTools"],
    dateString: c.date_string,
    toolsInUserMessage: c.tools_in_user_message,
    addGenerationPrompt: c.add_generation_prompt,
  };
}
