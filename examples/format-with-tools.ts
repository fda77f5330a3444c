/**
 * npm run example:format — declare tools with zod, render the exact Llama 3.1 prompt in both
 * dialects, and show the segments that keep content apart from control tokens.
 */
import { z } from "zod";
import { renderPrompt, renderSegments, type ChatMessage } from "llama-prompt-format";
import { defineTools } from "llama-prompt-format/tools";

const tools = defineTools({
  get_weather: {
    description: "Current weather for a city",
    parameters: z.object({
      city: z.string().describe("City name, e.g. Paris"),
      unit: z.enum(["celsius", "fahrenheit"]).optional(),
    }),
  },
  convert_currency: {
    description: "Convert an amount between currencies",
    parameters: z.object({ amount: z.number(), from: z.string().length(3), to: z.string().length(3) }),
  },
});

const messages: ChatMessage[] = [
  { role: "system", content: "You are a concise travel assistant." },
  { role: "user", content: "I land in Tokyo tomorrow with 200 EUR. Weather, and how many yen is that?" },
];

console.log("=== hf dialect (what TGI / vLLM / transformers send), tools in the first user message ===");
console.log(renderPrompt(messages, { tools: tools.definitions, dateString: "22 Nov 2026" }));

console.log("\n=== hf dialect, tools in the system message ===");
console.log(renderPrompt(messages, { tools: tools.definitions, toolsInUserMessage: false, dateString: "22 Nov 2026" }));

console.log("\n=== meta dialect (Meta's reference code), function-tag tool format ===");
console.log(renderPrompt(messages, { dialect: "meta", tools: tools.definitions, toolPromptFormat: "function_tag", lossyTools: true, dateString: "22 November 2026" }));

console.log("\n=== segments of a short prompt ===");
for (const s of renderSegments([{ role: "user", content: "Hi" }])) {
  console.log(s.type === "special" ? `special ${s.token} (${s.id})` : `text    ${JSON.stringify(s.text)}`);
}
