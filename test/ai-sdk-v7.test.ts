/**
 * The same model run by `ai` 7 (installed as the devDependency alias `ai-v7`), which accepts
 * LanguageModelV3 models. `ai` 7 declares Node >= 22 but runs on Node 20, where these tests pass;
 * the peer range of `ai` covers 6 and 7.
 */
import { generateText, stepCountIs, streamText, tool } from "ai-v7";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { renderPrompt, type ChatMessage } from "llama-prompt-format";
import type { CompletionBackend } from "llama-prompt-format/backends";
import { createLlamaModel } from "llama-prompt-format/ai-sdk";
import { jsonCall, promptOf, serverPerTest } from "./helpers/framework-servers.js";

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const serve = serverPerTest();

const weatherParameters = { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false };
const weatherDef = { type: "function" as const, function: { name: "get_weather", description: "Weather in a city", parameters: weatherParameters } };
const tools = (log: string[]) => ({
  get_weather: tool({
    description: "Weather in a city",
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => (log.push(city), { city, temperature: city === "Oslo" ? 12 : 19 }),
  }),
});

describe("ai 7", () => {
  it("generateText: a three-step loop with two calls in one turn; the prompts are the rendered conversation", async () => {
    const { server, backend } = await serve(
      "vllm",
      {
        output: [],
        turns: [
          [`${jsonCall("get_weather", { city: "Oslo" })}; ${jsonCall("get_weather", { city: "Rome" })}`, "<|eot_id|>"],
          [jsonCall("get_weather", { city: "Lima" }), "<|eot_id|>"],
          ["Oslo 12, Rome 19, Lima 19.", "<|eot_id|>"],
        ],
      },
    );
    const log: string[] = [];
    const result = await generateText({ model: createLlamaModel(backend), tools: tools(log), stopWhen: stepCountIs(5), prompt: "Three cities?" });
    expect(result.text).toBe("Oslo 12, Rome 19, Lima 19.");
    expect(log).toEqual(["Oslo", "Rome", "Lima"]);
    const ids = result.steps.flatMap((s) => s.toolCalls.map((c) => c.toolCallId));
    const conversation: ChatMessage[] = [{ role: "user", content: "Three cities?" }];
    ["Oslo", "Rome", "Lima"].forEach((city, i) => {
      conversation.push(
        { role: "assistant", tool_calls: [{ type: "function", function: { name: "get_weather", arguments: { city } } }] },
        { role: "tool", tool_call_id: ids[i]!, content: { city, temperature: city === "Oslo" ? 12 : 19 } },
      );
    });
    expect(promptOf(server, 2)).toBe(renderPrompt(conversation, { tools: [weatherDef] }));
  });

  it("streamText: tool input deltas concatenate to the input; abort ends the stream and cancels the request", async () => {
    const { backend } = await serve("tgi", { output: [], turns: [[jsonCall("get_weather", { city: "Zürich" }), "<|eot_id|>"], ["Wet.", "<|eot_id|>"]] });
    const deltas: Record<string, string> = {};
    let input: unknown;
    for await (const p of streamText({ model: createLlamaModel(backend), tools: tools([]), stopWhen: stepCountIs(2), prompt: "?" }).fullStream) {
      if (p.type === "tool-input-delta") deltas[p.id] = (deltas[p.id] ?? "") + p.delta;
      if (p.type === "tool-call") input = p.input;
    }
    expect(Object.values(deltas)).toEqual(['{"city": "Zürich"}']);
    expect(input).toEqual({ city: "Zürich" });

    const long = await serve("tgi", { output: [Array.from({ length: 200 }, (_, i) => `w${i}`).join(" "), "<|eot_id|>"] });
    const signals: AbortSignal[] = [];
    const watched: CompletionBackend = { name: "tgi", stream: (r) => (signals.push(r.signal!), long.backend.stream(r)) };
    const controller = new AbortController();
    let n = 0;
    const types: string[] = [];
    for await (const p of streamText({ model: createLlamaModel(watched), prompt: "Talk.", abortSignal: controller.signal }).fullStream) {
      types.push(p.type);
      if (p.type === "text-delta" && ++n === 3) controller.abort();
    }
    expect(types.at(-1)).toBe("abort");
    expect(signals[0]!.aborted).toBe(true);
  });
});
