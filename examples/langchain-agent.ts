/**
 * npm run example:langchain — a LangChain.js tool-calling loop on Llama 3.1 over a raw completion
 * endpoint: `ChatLlama` with a bound zod tool, streamed (tool_call_chunks as the call arrives), the
 * ToolMessages going back in as ipython turns until the model answers.
 *
 *   LLAMA_TGI_URL=http://127.0.0.1:8080 npm run example:langchain   (or LLAMA_VLLM_URL, LLAMA_LLAMACPP_URL)
 *
 * Without a URL it replays TGI's wire format locally (examples/backend-from-env.ts).
 */
import { HumanMessage, type AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { ChatLlama } from "llama-prompt-format/langchain";
import { backendFromEnv } from "./backend-from-env.js";

const { backend, close } = await backendFromEnv([
  ['{"name": "get_weather", "parameters": {"city": "Oslo"}}', "<|eot_id|>"],
  ["It's 12 °C and raining in Oslo: take an umbrella.", "<|eot_id|>"],
]);

const getWeather = tool(async ({ city }) => JSON.stringify({ city, temperature: 12, conditions: "rain" }), {
  name: "get_weather",
  description: "Current weather for a city",
  schema: z.object({ city: z.string() }),
});

try {
  const model = new ChatLlama({ backend, maxTokens: 512 }).bindTools([getWeather]);
  const messages: BaseMessage[] = [new HumanMessage("Do I need an umbrella in Oslo today?")];
  for (let step = 0; step < 5; step++) {
    let reply: AIMessageChunk | undefined;
    for await (const chunk of await model.stream(messages)) {
      if (typeof chunk.content === "string") process.stdout.write(chunk.content);
      for (const c of chunk.tool_call_chunks ?? []) if (c.name) console.log(`[call ${c.index} started: ${c.name}]`);
      reply = reply ? reply.concat(chunk) : chunk;
    }
    messages.push(reply!);
    if (!reply!.tool_calls?.length) break;
    for (const call of reply!.tool_calls) {
      const result = await getWeather.invoke(call);
      console.log(`[${call.name}(${JSON.stringify(call.args)}) → ${result.content}]`);
      messages.push(result);
    }
  }
  console.log(`\n[${messages.length} messages; last stop reason: ${(messages.at(-1)!.response_metadata as { stop_reason?: string }).stop_reason}]`);
} finally {
  await close();
}
