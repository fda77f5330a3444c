/**
 * npm run example:tgi | example:vllm | example:llamacpp — one chat turn streamed from a real
 * server, then one constrained tool call:
 *
 *   LLAMA_TGI_URL=http://127.0.0.1:8080 npm run example:tgi
 *   LLAMA_VLLM_URL=http://127.0.0.1:8000 LLAMA_VLLM_MODEL=meta-llama/Llama-3.1-8B-Instruct npm run example:vllm
 *   LLAMA_LLAMACPP_URL=http://127.0.0.1:8080 npm run example:llamacpp
 *
 * Without the variable the example starts a local server on 127.0.0.1 that replays that server's
 * wire format (test/helpers/llama-servers.ts) with Llama 3.1 token ids, so it runs offline and in CI.
 */
import type { ChatMessage } from "llama-prompt-format";
import {
  generateChat,
  llamaCppBackend,
  streamChat,
  tgiBackend,
  vllmBackend,
  type CompletionBackend,
} from "llama-prompt-format/backends";
import { startLlamaCpp, startTgi, startVllm, type ModelServer } from "../test/helpers/llama-servers.js";

const kind = process.argv[2] ?? "tgi";
const env = { tgi: "LLAMA_TGI_URL", vllm: "LLAMA_VLLM_URL", llamacpp: "LLAMA_LLAMACPP_URL" }[kind];
if (!env) throw new Error(`usage: tsx examples/server-chat.ts tgi|vllm|llamacpp (got ${kind})`);

const weather = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

// The replayed "model": a built-in call for the first turn, a JSON call for the constrained one.
const replies = [
  ["<|python_tag|>", 'brave_search.call(query="gold price per ounce today")', "<|eom_id|>"],
  ['{"name": "get_weather", "parameters": {"city": "Oslo"}}', "<|eot_id|>"],
];

const replays: ModelServer[] = [];
async function backendFor(turn: number): Promise<CompletionBackend> {
  let url = process.env[env!];
  if (!url) {
    const start = { tgi: startTgi, vllm: startVllm, llamacpp: startLlamaCpp }[kind as "tgi"];
    const replay = await start({ output: replies[turn]! });
    replays.push(replay);
    url = replay.url;
    if (turn === 0) console.log(`(no ${env}: replaying ${kind}'s wire format from ${url})`);
  }
  if (kind === "vllm") return vllmBackend({ baseURL: url, model: process.env.LLAMA_VLLM_MODEL ?? "meta-llama/Llama-3.1-8B-Instruct" });
  if (kind === "llamacpp") return llamaCppBackend({ baseURL: url });
  return tgiBackend({ baseURL: url });
}

try {
  const messages: ChatMessage[] = [{ role: "user", content: "Search the web for the latest price of 1oz gold." }];
  const stream = streamChat(await backendFor(0), messages, {
    builtinTools: ["brave_search", "wolfram_alpha"],
    maxTokens: 256,
    onFinish: ({ finish }) => console.log(`[server: ${finish.serverReason}, ${finish.usage.completionTokens ?? "?"} tokens]`),
  });
  for await (const ev of stream) {
    switch (ev.type) {
      case "text-delta":
        process.stdout.write(ev.text);
        break;
      case "tool-call-start":
        console.log(`[tool call ${ev.index} started: ${ev.name ?? "?"} (${ev.format})]`);
        break;
      case "tool-call-end":
        console.log(`[tool call ${ev.index} done: ${ev.toolCall.name} ${JSON.stringify(ev.toolCall.arguments)}]`);
        break;
      case "error":
        console.log(`[${ev.error.code}: ${ev.error.message}]`);
        break;
      case "end":
        console.log(`[end: stopReason=${ev.message.stopReason}]`);
        break;
    }
  }

  // A tool call the server is asked to constrain to the JSON call format and the tool's schema.
  const call = await generateChat(await backendFor(1), [{ role: "user", content: "Do I need an umbrella in Oslo?" }], {
    tools: [weather],
    toolChoice: { name: "get_weather" },
    temperature: 0,
  });
  console.log(`constrained: ${call.toolCalls.map((c) => `${c.name}(${JSON.stringify(c.arguments)})`).join(", ")} stopReason=${call.stopReason}`);
} finally {
  await Promise.all(replays.map((r) => r.close()));
}
