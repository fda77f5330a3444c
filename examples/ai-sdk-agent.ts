/**
 * npm run example:ai-sdk — a Vercel AI SDK agent on Llama 3.1 over a raw completion endpoint:
 * `streamText` with a zod tool and Llama's built-in web search, run as a loop (call → result →
 * answer) by `stopWhen`. The model's calls — two in one turn here — are parsed from its own output.
 *
 *   LLAMA_TGI_URL=http://127.0.0.1:8080 npm run example:ai-sdk      (or LLAMA_VLLM_URL, LLAMA_LLAMACPP_URL)
 *
 * Without a URL it replays TGI's wire format locally (examples/backend-from-env.ts).
 */
import { stepCountIs, streamText, tool } from "ai";
import { z } from "zod";
import { createLlamaModel, llama } from "llama-prompt-format/ai-sdk";
import { backendFromEnv } from "./backend-from-env.js";

const { backend, close } = await backendFromEnv([
  // Turn 1: two calls in one turn.
  ['{"name": "get_weather", "parameters": {"city": "Oslo"}}; {"name": "get_weather", "parameters": {"city": "Rome"}}', "<|eot_id|>"],
  // Turn 2: a built-in call (Llama's own format), ending with <|eom_id|>: run the tool and come back.
  ["<|python_tag|>", 'brave_search.call(query="Oslo Rome flight time")', "<|eom_id|>"],
  // Turn 3: the answer.
  ["Oslo is 12 °C with rain, Rome 19 °C and sunny; the direct flight takes about 3 hours.", "<|eot_id|>"],
]);

try {
  const result = streamText({
    model: createLlamaModel(backend, { dateString: new Date() }),
    tools: {
      get_weather: tool({
        description: "Current weather for a city",
        inputSchema: z.object({ city: z.string() }),
        execute: async ({ city }) => (city === "Oslo" ? { city, temperature: 12, conditions: "rain" } : { city, temperature: 19, conditions: "sunny" }),
      }),
      web_search: llama.tools.braveSearch({ execute: async ({ query }) => [`${query}: about 3 hours direct`] }),
    },
    stopWhen: stepCountIs(5),
    prompt: "Compare the weather in Oslo and Rome, and how long is the flight?",
  });
  for await (const part of result.fullStream) {
    if (part.type === "text-delta") process.stdout.write(part.text);
    if (part.type === "tool-call") console.log(`[call ${part.toolName}(${JSON.stringify(part.input)})]`);
    if (part.type === "tool-result") console.log(`[result ${JSON.stringify(part.output)}]`);
    if (part.type === "finish-step") console.log(`[step done: ${part.finishReason}]`);
  }
  console.log(`\n[${(await result.steps).length} steps, ${(await result.totalUsage).outputTokens ?? "?"} output tokens]`);
} finally {
  await close();
}
