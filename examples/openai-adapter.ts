/**
 * npm run example:openai — llama-prompt-format/openai without a server of its own: an OpenAI
 * request body in, Llama 3.1 through a backend, OpenAI's answer out (whole, then as stream chunks).
 *
 *   LLAMA_TGI_URL=http://127.0.0.1:8080 npm run example:openai
 *
 * Without LLAMA_TGI_URL it starts a local server that replays TGI's wire format
 * (test/helpers/llama-servers.ts), so it runs offline and in CI.
 */
import { generateChat, streamChat, tgiBackend, type CompletionUsage } from "llama-prompt-format/backends";
import { fromOpenAIRequest, toOpenAIChatCompletion, toOpenAIChunks } from "llama-prompt-format/openai";
import { startTgi } from "../test/helpers/llama-servers.js";

// What an OpenAI client sends (e.g. the body your own HTTP handler received).
const body = {
  model: "llama-3.1-8b",
  messages: [
    { role: "system", content: "You are a weather assistant." },
    { role: "user", content: "Weather in Oslo and in Paris?" },
  ],
  tools: [
    {
      type: "function",
      function: {
        name: "get_weather",
        description: "Current weather for a city",
        parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        strict: true,
      },
    },
  ],
  max_completion_tokens: 256,
};

let url = process.env.LLAMA_TGI_URL;
const replay = url
  ? undefined
  : await startTgi({ output: ['{"name": "get_weather", "parameters": {"city": "Oslo"}}; {"name": "get_weather", "parameters": {"city": "Paris"}}', "<|eot_id|>"] });
url ??= replay!.url;
if (replay) console.log(`(no LLAMA_TGI_URL: replaying TGI's wire format from ${url})`);

try {
  const backend = tgiBackend({ baseURL: url });
  const { messages, options, model } = fromOpenAIRequest(body);

  // Whole: a ChatCompletion.
  let usage: CompletionUsage | undefined;
  const reply = await generateChat(backend, messages, { ...options, onFinish: ({ finish }) => (usage = finish.usage) });
  const completion = toOpenAIChatCompletion(reply, { model, usage });
  console.log("finish_reason:", completion.choices[0]!.finish_reason);
  for (const call of completion.choices[0]!.message.tool_calls ?? []) console.log(`  ${call.id} ${call.function.name}(${call.function.arguments})`);

  // Streamed: ChatCompletionChunks, as an SSE body would carry them.
  let streamUsage: CompletionUsage | undefined;
  const events = streamChat(backend, messages, { ...options, onFinish: ({ finish }) => (streamUsage = finish.usage) });
  for await (const chunk of toOpenAIChunks(events, { model, includeUsage: true, usage: () => streamUsage })) {
    console.log(`data: ${JSON.stringify(chunk.choices[0]?.delta ?? { usage: chunk.usage })}${chunk.choices[0]?.finish_reason ? `  finish_reason=${chunk.choices[0].finish_reason}` : ""}`);
  }
  console.log("data: [DONE]");
} finally {
  await replay?.close();
}
