/**
 * OpenAI Chat Completions messages as the `openai` SDK types them (issue 13 item 1): what each field
 * means when rendered. The type-level half is openai-messages.test-d.ts.
 */
import type { ChatCompletionMessage, ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { describe, expect, it } from "vitest";
import { InvalidMessageError, renderPrompt, type ChatMessage } from "../src/index.js";
import { normalizeMessages } from "../src/prompt/messages.js";
import { renderWithTemplate } from "../src/template/index.js";
import { thrown } from "./helpers/thrown.js";

const DIALECTS = ["hf", "meta"] as const;
const user: ChatCompletionMessageParam = { role: "user", content: "Weather in Paris?" };

describe("OpenAI message fields", () => {
  it("the developer role is rendered as system", () => {
    for (const dialect of DIALECTS) {
      expect(renderPrompt([{ role: "developer", content: "Be brief." }, user], { dialect })).toBe(
        renderPrompt([{ role: "system", content: "Be brief." }, user], { dialect }),
      );
    }
  });

  it("name fields are accepted and not written (Llama 3.x has no participant names)", () => {
    const named: ChatCompletionMessageParam[] = [
      { role: "system", content: "s", name: "policy" },
      { role: "user", content: "u", name: "ann" },
      { role: "assistant", content: "a", name: "bot" },
    ];
    const plain: ChatMessage[] = [{ role: "system", content: "s" }, { role: "user", content: "u" }, { role: "assistant", content: "a" }];
    for (const dialect of DIALECTS) expect(renderPrompt(named, { dialect })).toBe(renderPrompt(plain, { dialect }));
  });

  it("a response message goes back into the history: content null next to tool calls; refusal, audio, annotations ignored", () => {
    const reply: ChatCompletionMessage = {
      role: "assistant",
      content: null,
      refusal: null,
      annotations: [],
      audio: null,
      tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city": "Paris"}' } }],
    };
    const plain: ChatMessage = { role: "assistant", tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: { city: "Paris" } } }] };
    for (const dialect of DIALECTS) {
      expect(renderPrompt([user, reply], { dialect })).toBe(renderPrompt([user, plain], { dialect }));
      expect(renderPrompt([user, { ...reply, refusal: "I won't", audio: { id: "a1" } }], { dialect })).toBe(renderPrompt([user, plain], { dialect }));
    }
  });

  it("refusal parts of assistant content are ignored", () => {
    for (const dialect of DIALECTS) {
      expect(
        renderPrompt([user, { role: "assistant", content: [{ type: "text", text: "Sunny." }, { type: "refusal", refusal: "no" }] }], { dialect }),
      ).toBe(renderPrompt([user, { role: "assistant", content: "Sunny." }], { dialect }));
    }
  });

  it("tool_call_id is kept on the normalised tool message (and reaches custom templates)", () => {
    const messages: ChatCompletionMessageParam[] = [user, { role: "tool", content: "18C", tool_call_id: "call_1" }];
    expect(normalizeMessages(messages)[1]).toMatchObject({ kind: "tool_result", content: "18C", toolCallId: "call_1" });
    const t = "{% for m in messages %}{{ m.role }}:{{ m.tool_call_id }};{% endfor %}";
    expect(renderWithTemplate(t, messages)).toBe("user:;tool:call_1;");
  });

  it("the deprecated function_call and function role render like tool_calls and tool", () => {
    for (const dialect of DIALECTS) {
      expect(
        renderPrompt([user, { role: "assistant", content: null, function_call: { name: "get_weather", arguments: '{"city":"Paris"}' } }, { role: "function", name: "get_weather", content: "18C" }], { dialect }),
      ).toBe(
        renderPrompt([user, { role: "assistant", tool_calls: [{ type: "function", function: { name: "get_weather", arguments: { city: "Paris" } } }] }, { role: "tool", content: "18C" }], { dialect }),
      );
    }
  });

  it("image parts (OpenAI image_url, Hugging Face image) are refused for text models, naming the message and part", () => {
    const parts = [
      { type: "text", text: "What is this?" },
      { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
    ] as const;
    for (const dialect of DIALECTS) {
      for (const image of [parts[1], { type: "image" as const }]) {
        const e = thrown(() => renderPrompt([{ role: "user", content: [parts[0], image] }], { dialect }));
        expect(e).toBeInstanceOf(InvalidMessageError);
        expect((e as InvalidMessageError).path).toEqual(["messages", 0, "content", 1]);
        expect((e as Error).message).toMatch(/image cannot be rendered for a text model/);
      }
    }
    // renderWithTemplate passes image parts to the template, as transformers does (as {type: "image"}).
    expect(renderWithTemplate("{% for p in messages[0].content %}{{ p.type }};{% endfor %}", [{ role: "user", content: [parts[1], parts[0]] }])).toBe("image;text;");
    // Normalised into an image part, so that a vision renderer can write <|image|> for it.
    expect(normalizeMessages([{ role: "user", content: [parts[0], parts[1]] }])[0]).toMatchObject({
      content: [{ type: "text", text: "What is this?" }, { type: "image", path: ["messages", 0, "content", 1] }],
    });
  });

  it("audio and file parts, and custom tool calls, are refused with a typed error naming them", () => {
    const cases: Array<[ChatCompletionMessageParam[], Array<string | number>, RegExp]> = [
      [[{ role: "user", content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }] }], ["messages", 0, "content", 0], /audio cannot be rendered/],
      [[{ role: "user", content: [{ type: "file", file: { file_id: "f1" } }] }], ["messages", 0, "content", 0], /file part cannot be rendered/],
      [
        [user, { role: "assistant", tool_calls: [{ id: "c", type: "custom", custom: { name: "grep", input: "x" } }] }],
        ["messages", 1, "tool_calls", 0, "type"],
        /custom tool call/,
      ],
    ];
    for (const [messages, path, message] of cases) {
      for (const dialect of DIALECTS) {
        const e = thrown(() => renderPrompt(messages, { dialect }));
        expect(e).toBeInstanceOf(InvalidMessageError);
        expect((e as InvalidMessageError).path).toEqual(path);
        expect((e as Error).message).toMatch(message);
      }
    }
  });

  it("unknown fields of a message are never read", () => {
    const m = { role: "user", content: "hi" } as Record<string, unknown>;
    Object.defineProperty(m, "metadata", { get: () => { throw new Error("read"); }, enumerable: true });
    expect(renderPrompt([m as unknown as ChatMessage])).toBe(renderPrompt([{ role: "user", content: "hi" }]));
  });
});
