/**
 * The shapes llama-prompt-format/openai writes are the openai package's (v6) own types: each is
 * assignable to the SDK's, and the list of request fields is exactly the SDK's.
 */
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParamsBase, ChatCompletionMessage, ChatCompletionTool } from "openai/resources/chat/completions";
import { expectTypeOf, test } from "vitest";
import type {
  OpenAIAssistantMessage,
  OpenAIChatCompletion,
  OpenAIChatCompletionChunk,
  OPENAI_REQUEST_FIELDS,
  fromOpenAITools,
  toOpenAIMessage,
} from "llama-prompt-format/openai";
import type { ToolDefinition } from "llama-prompt-format";

test("outputs are assignable to openai@6's types", () => {
  expectTypeOf<OpenAIAssistantMessage>().toExtend<ChatCompletionMessage>();
  expectTypeOf<OpenAIChatCompletion>().toExtend<ChatCompletion>();
  expectTypeOf<OpenAIChatCompletionChunk>().toExtend<ChatCompletionChunk>();
  expectTypeOf<ReturnType<typeof toOpenAIMessage>>().toExtend<ChatCompletionMessage>();
});

test("OPENAI_REQUEST_FIELDS is exactly the keys of ChatCompletionCreateParams", () => {
  expectTypeOf<(typeof OPENAI_REQUEST_FIELDS)[number]>().toEqualTypeOf<keyof ChatCompletionCreateParamsBase>();
});

test("OpenAI tools go in as they are; tool definitions come out", () => {
  expectTypeOf<ChatCompletionTool[]>().toExtend<Parameters<typeof fromOpenAITools>[0]>();
  expectTypeOf<ReturnType<typeof fromOpenAITools>>().toEqualTypeOf<ToolDefinition[]>();
});
