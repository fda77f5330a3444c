/**
 * npm run demo — render a conversation with custom and built-in tools into the exact Llama 3.1
 * prompt, then parse a recorded model completion back into typed tool calls.
 */
import { parseAssistantOutput, renderPrompt, type ChatMessage, type ToolDefinition } from "llama-prompt-format";

const tools: ToolDefinition[] = [
  {
    type: "function",
    function: {
      name: "get_current_weather",
      description: "Get the current weather in a given location",
      parameters: {
        type: "object",
        properties: {
          location: { type: "string", description: "The city and state, e.g. San Francisco, CA" },
          unit: { type: "string", enum: ["celsius", "fahrenheit"] },
        },
        required: ["location"],
      },
    },
  },
];

const messages: ChatMessage[] = [
  { role: "system", content: "You are a helpful assistant with tool calling capabilities." },
  { role: "user", content: "What is the weather like in Menlo Park?" },
];

const prompt = renderPrompt(messages, { tools, builtinTools: ["brave_search"], dateString: "22 Nov 2026" });
console.log("=== Prompt (special tokens shown as text) ===");
console.log(prompt);

// What Llama 3.1 8B Instruct answers to this prompt (recorded).
const completion = '{"name": "get_current_weather", "parameters": {"location": "Menlo Park, CA", "unit": "fahrenheit"}}<|eom_id|>';
console.log("=== Completion ===");
console.log(completion);
console.log("=== Parsed ===");
console.log(JSON.stringify(parseAssistantOutput(completion, { tools }), null, 2));
