import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ChatMessage, LlamaVersion, PromptOptions } from "../../src/index.js";
import type { AssistantChatMessage, OpenAIFunctionToolCall } from "../../src/prompt/messages.js";

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

/** A set of golden cases rendered by one official template (scripts/gen-hf-fixtures.mjs). */
export interface HfSet {
  cases: HfCase[];
  expected: Record<string, string | { error: string }>;
  /** The local time the reference's `strftime_now` was pinned to (sets rendered with a clock). */
  now: string | undefined;
}

export const fixturesDir = join(import.meta.dirname, "..", "..", "fixtures");
const dir = fixturesDir;
const readJson = (...p: string[]): unknown => JSON.parse(readFileSync(join(dir, ...p), "utf8"));

/** Loads fixtures/<name>/{cases,expected,clock}.json. */
export function loadHfSet(name: string): HfSet {
  let now: string | undefined;
  try {
    now = (readJson(name, "clock.json") as { now: string }).now;
  } catch {
    now = undefined;
  }
  return {
    cases: readJson(name, "cases.json") as HfCase[],
    expected: readJson(name, "expected.json") as HfSet["expected"],
    now,
  };
}

const v31 = loadHfSet("hf");
export const hfCases: HfCase[] = v31.cases;
export const hfExpected: Record<string, string | { error: string }> = v31.expected;
export const officialTemplate = readFileSync(join(dir, "llama-3.1-instruct.chat_template.jinja"), "utf8");

/** A template copy of fixtures/templates/ (from ../shared/reference/templates). */
export function templateFile(name: string): string {
  return readFileSync(join(dir, "templates", name), "utf8");
}

/** The case's template variables as renderPrompt options. */
export function hfOptions(c: HfCase, llamaVersion?: LlamaVersion): PromptOptions {
  return {
    tools: c.tools,
    builtinTools: c.builtin_tools as PromptOptions["builtinTools"],
    dateString: c.date_string,
    toolsInUserMessage: c.tools_in_user_message,
    addGenerationPrompt: c.add_generation_prompt,
    ...(llamaVersion !== undefined ? { llamaVersion } : {}),
  };
}
