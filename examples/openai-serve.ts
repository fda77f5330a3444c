/**
 * npm run example:serve — `llama-prompt serve` in front of TGI, driven by the official `openai`
 * client: a tool call, its result sent back, the answer.
 *
 *   LLAMA_TGI_URL=http://127.0.0.1:8080 npm run example:serve
 *
 * The same thing by hand:
 *   text-generation-launcher --model-id meta-llama/Llama-3.1-8B-Instruct --port 8080
 *   npx llama-prompt serve --backend tgi --url http://127.0.0.1:8080 --port 8000
 *   # then any OpenAI client with baseURL http://127.0.0.1:8000/v1
 *
 * Without LLAMA_TGI_URL it starts a local server that replays TGI's wire format
 * (test/helpers/llama-servers.ts), so it runs offline and in CI.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import type { ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";
import { startTgi, type ModelServer } from "../test/helpers/llama-servers.js";

const replies = [
  ['{"name": "get_weather", "parameters": {"city": "Oslo"}}', "<|eot_id|>"],
  ["It is 12 °C and cloudy in Oslo.", "<|eot_id|>"],
];
let url = process.env.LLAMA_TGI_URL;
let replay: ModelServer | undefined;
if (!url) {
  replay = await startTgi({
    get output() {
      return replies[Math.min(replay!.requests.length - 1, replies.length - 1)]!;
    },
  });
  url = replay.url;
  console.log(`(no LLAMA_TGI_URL: replaying TGI's wire format from ${url})`);
}

// `llama-prompt serve` (here from the sources; installed: npx llama-prompt serve ...).
const root = fileURLToPath(new URL("..", import.meta.url));
const serve = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve", "--backend", "tgi", "--url", url, "--port", "0"], {
  cwd: root,
  stdio: ["ignore", "inherit", "pipe"],
});
const baseURL = await new Promise<string>((resolve, reject) => {
  let err = "";
  serve.stderr.setEncoding("utf8").on("data", (d: string) => {
    err += d;
    process.stderr.write(d);
    const m = /listening on (http:\/\/\S+)/.exec(err);
    if (m) resolve(m[1]!);
  });
  serve.on("exit", (code) => reject(new Error(`serve exited with ${code}`)));
});

try {
  const client = new OpenAI({ baseURL, apiKey: "unused" });
  const tools: ChatCompletionTool[] = [
    {
      type: "function",
      function: { name: "get_weather", description: "Current weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
    },
  ];
  const messages: ChatCompletionMessageParam[] = [{ role: "user", content: "Should I take an umbrella in Oslo?" }];
  for (let step = 0; step < 4; step++) {
    const stream = client.chat.completions.stream({ model: "llama", messages, tools, stream: true });
    stream.on("content", (delta) => process.stdout.write(delta));
    const completion = await stream.finalChatCompletion();
    const message = completion.choices[0]!.message;
    messages.push(message);
    if (completion.choices[0]!.finish_reason !== "tool_calls") {
      process.stdout.write("\n");
      break;
    }
    for (const call of message.tool_calls ?? []) {
      if (call.type !== "function") continue;
      console.log(`[tool call ${call.id}: ${call.function.name}(${call.function.arguments})]`);
      messages.push({ role: "tool", tool_call_id: call.id, content: JSON.stringify({ temperature: 12, sky: "cloudy" }) });
    }
  }
} finally {
  serve.kill("SIGTERM");
  await new Promise((r) => serve.once("exit", r));
  await replay?.close();
}
