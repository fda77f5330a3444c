/**
 * `renderPrompt` takes the `openai` package's message types as they are, without casts (issue 13
 * item 1): the request shape `ChatCompletionMessageParam[]` and a response's
 * `ChatCompletionMessage` pushed back into the history.
 */
import type {
  ChatCompletion,
  ChatCompletionAssistantMessageParam,
  ChatCompletionMessage,
  ChatCompletionMessageParam,
  ChatCompletionToolMessageParam,
} from "openai/resources/chat/completions";
import { describe, expectTypeOf, it } from "vitest";
import { renderPrompt, renderSegments, type ChatMessage } from "../src/index.js";
import { renderWithTemplate } from "../src/template/index.js";

describe("openai SDK message types", () => {
  it("ChatCompletionMessageParam[] is accepted by renderPrompt, renderSegments and renderWithTemplate", () => {
    const messages: ChatCompletionMessageParam[] = [
      { role: "developer", content: "Be brief.", name: "policy" },
      { role: "system", content: [{ type: "text", text: "You are helpful." }] },
      { role: "user", content: [{ type: "text", text: "Weather?" }, { type: "image_url", image_url: { url: "https://x/y.png", detail: "low" } }], name: "ann" },
      { role: "assistant", content: null, refusal: null, audio: { id: "a1" }, tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
      { role: "tool", content: "18C", tool_call_id: "c1" },
      { role: "assistant", content: [{ type: "text", text: "18C." }, { type: "refusal", refusal: "no" }], function_call: null },
      { role: "function", name: "legacy", content: null },
    ];
    expectTypeOf(renderPrompt).toBeCallableWith(messages);
    expectTypeOf(renderSegments).toBeCallableWith(messages, { dialect: "meta" });
    expectTypeOf(renderWithTemplate).toBeCallableWith("{{ messages }}", messages);
    expectTypeOf<ChatCompletionMessageParam>().toExtend<ChatMessage>();
  });

  it("each message param type, and a response message, is a ChatMessage", () => {
    expectTypeOf<ChatCompletionAssistantMessageParam>().toExtend<ChatMessage>();
    expectTypeOf<ChatCompletionToolMessageParam>().toExtend<ChatMessage>();
    expectTypeOf<ChatCompletionMessage>().toExtend<ChatMessage>();
    const reply = {} as ChatCompletion;
    const history: ChatCompletionMessageParam[] = [{ role: "user", content: "hi" }];
    expectTypeOf(renderPrompt).toBeCallableWith([...history, reply.choices[0]!.message]);
  });

  it("still refuses what is no message", () => {
    // @ts-expect-error: no such role
    renderPrompt([{ role: "robot", content: "x" }]);
    // @ts-expect-error: content must be a string or parts
    renderPrompt([{ role: "user", content: 3 }]);
  });
});
