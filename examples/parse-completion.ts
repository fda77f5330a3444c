/**
 * npm run example:parse — parse recorded Llama 3.1 / 3.2 completions (every tool-call shape the
 * models emit) into typed, validated tool calls.
 */
import { z } from "zod";
import { parseAssistantOutput, parseOptionsFor } from "llama-prompt-format";
import { defineTools } from "llama-prompt-format/tools";

const tools = defineTools(
  {
    get_weather: { description: "Weather", parameters: z.object({ city: z.string(), metric: z.enum(["celsius", "fahrenheit"]).optional() }) },
    trending_songs: { description: "Top songs", parameters: z.object({ n: z.number().int(), genre: z.string().optional() }) },
  },
  { builtinTools: ["brave_search", "wolfram_alpha", "code_interpreter"] },
);

const recorded: Record<string, string> = {
  "built-in call": '<|python_tag|>brave_search.call(query="latest price of 1oz gold")<|eom_id|>',
  "built-in call as TGI returns it (special tokens hidden)": 'wolfram_alpha.call(query="100th decimal of pi")',
  "code interpreter": "<|python_tag|>def is_prime(n):\n    return n > 1 and all(n % d for d in range(2, int(n**0.5) + 1))\n\nprint(is_prime(7))<|eom_id|>",
  "JSON call after text": 'Sure, let me look that up.\n\n{"name": "get_weather", "parameters": {"city": "Menlo Park", "metric": "fahrenheit"}}<|eot_id|>',
  "two JSON calls": '{"name": "get_weather", "parameters": {"city": "Paris"}}; {"name": "get_weather", "parameters": {"city": "Tokyo"}}<|eot_id|>',
  "function tag": '<function=trending_songs>{"n": 10}</function><|eot_id|>',
  "Llama 3.2 python list": "[get_weather(city='San Francisco', metric='celsius'), trending_songs(n=5)]<|eot_id|>",
  "invalid arguments": '{"name": "trending_songs", "parameters": {"n": "ten"}}<|eot_id|>',
  "plain answer": "The 100th decimal of pi is 7.<|eot_id|>",
};

// Parse with exactly what the prompt offered: the same tools and built-ins it was rendered with.
const offered = parseOptionsFor({ tools: tools.definitions, builtinTools: tools.builtinTools });

for (const [label, completion] of Object.entries(recorded)) {
  const message = parseAssistantOutput(completion, offered);
  console.log(`\n## ${label}\n${JSON.stringify(completion)}`);
  console.log(`content: ${JSON.stringify(message.content)}  stopReason: ${message.stopReason}`);
  for (const raw of message.toolCalls) {
    const result = tools.safeParse(raw);
    if (!result.success) {
      console.log(`  ✗ ${raw.name} (${raw.format}): ${result.error.message}`);
      console.log(`    feed back to the model: ${JSON.stringify(tools.formatError(result.error, raw))}`);
      continue;
    }
    const call = result.data;
    switch (call.name) {
      case "get_weather":
        console.log(`  ✓ get_weather city=${call.arguments.city} metric=${call.arguments.metric ?? "(default)"}`);
        break;
      case "trending_songs":
        console.log(`  ✓ trending_songs n=${call.arguments.n}`);
        break;
      case "code_interpreter":
        console.log(`  ✓ code_interpreter, ${call.arguments.code.split("\n").length} lines of Python`);
        break;
      default:
        console.log(`  ✓ ${call.name} query=${JSON.stringify(call.arguments.query)}`);
    }
  }
}
