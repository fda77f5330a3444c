/**
 * npm run example:agent — the agent loop on a raw completion endpoint:
 * render → completion → parse → run the tool → append the ipython result → render again, until the
 * model answers without a tool call.
 *
 * The "model" here replays recorded Llama 3.1 8B Instruct completions, so the example runs offline.
 * Set LLAMA_TGI_URL (e.g. http://127.0.0.1:8080) to use a real Text Generation Inference server
 * (any backend works the same way: vllmBackend, llamaCppBackend).
 */
import { z } from "zod";
import { parseAssistantOutput, renderPrompt, type ChatMessage } from "llama-prompt-format";
import { generateChat, tgiBackend } from "llama-prompt-format/backends";
import { defineTools } from "llama-prompt-format/tools";

const tools = defineTools({
  get_weather: {
    description: "Current weather for a city",
    parameters: z.object({ city: z.string(), unit: z.enum(["celsius", "fahrenheit"]).default("celsius") }),
  },
});

async function runTool(name: string, args: Record<string, unknown>): Promise<unknown> {
  if (name === "get_weather") return { city: args.city, temperature: 18, unit: args.unit, conditions: "light rain" };
  throw new Error(`no such tool ${name}`);
}

// Recorded completions, keyed by what the last message of the prompt is.
const recorded = [
  '{"name": "get_weather", "parameters": {"city": "Oslo"}}<|eot_id|>',
  "It's 18 °C with light rain in Oslo right now — take an umbrella.<|eot_id|>",
];
let turn = 0;

async function complete(messages: ChatMessage[]) {
  const url = process.env.LLAMA_TGI_URL;
  if (url) return generateChat(tgiBackend({ baseURL: url }), messages, { tools: tools.definitions });
  const prompt = renderPrompt(messages, { tools: tools.definitions });
  console.log(`--- prompt #${turn + 1}: ${prompt.length} chars, ends with ${JSON.stringify(prompt.slice(-80))}`);
  return parseAssistantOutput(recorded[turn++]!, { tools: tools.definitions });
}

const messages: ChatMessage[] = [{ role: "user", content: "Do I need an umbrella in Oslo today?" }];
for (let step = 0; step < 5; step++) {
  const reply = await complete(messages);
  if (reply.toolCalls.length === 0) {
    messages.push(reply);
    console.log(`assistant: ${reply.content}`);
    break;
  }
  // Llama 3.1's template takes one call per assistant message: record each call with its result.
  for (const raw of reply.toolCalls) {
    messages.push({ ...reply, toolCalls: [raw] });
    const parsed = tools.safeParse(raw);
    if (!parsed.success) {
      messages.push(tools.formatError(parsed.error, raw));
      continue;
    }
    const result = await runTool(parsed.data.name, parsed.data.arguments);
    console.log(`tool ${raw.name}(${JSON.stringify(parsed.data.arguments)}) → ${JSON.stringify(result)}`);
    messages.push({ role: "ipython", content: result });
  }
}
