/**
 * npm run example:tgi — stream a Llama 3.1 answer from Text Generation Inference and print the
 * typed events as tokens arrive.
 *
 *   LLAMA_TGI_URL=http://127.0.0.1:8080 npm run example:tgi
 *
 * Without LLAMA_TGI_URL the example starts a local server on 127.0.0.1 that replays a recorded TGI
 * `/generate_stream` response (real Llama 3.1 token ids), so it runs offline and in CI.
 */
import type { ChatMessage } from "llama-prompt-format";
import { streamTgi } from "llama-prompt-format/backends";
import { loadFixture, sseBody, startTgiServer } from "../test/helpers/tgi-server.js";

const messages: ChatMessage[] = [
  { role: "system", content: "You are a helpful assistant." },
  { role: "user", content: "Search the web for the latest price of 1oz gold?" },
];

let url = process.env.LLAMA_TGI_URL;
let replay: Awaited<ReturnType<typeof startTgiServer>> | undefined;
if (!url) {
  const recorded = loadFixture("builtin-call");
  replay = await startTgiServer(() => ({ chunks: [sseBody(recorded)] }));
  url = replay.url;
  console.log(`(no LLAMA_TGI_URL: replaying a recorded TGI stream from ${url})`);
}

try {
  for await (const ev of streamTgi(url, messages, { builtinTools: ["brave_search", "wolfram_alpha"], parameters: { max_new_tokens: 256 } })) {
    switch (ev.type) {
      case "text-delta":
        process.stdout.write(ev.text);
        break;
      case "tool-call-start":
        console.log(`\n[tool call ${ev.index} started: ${ev.name ?? "?"} (${ev.format})]`);
        break;
      case "tool-call-delta":
        process.stdout.write(ev.argumentsDelta);
        break;
      case "tool-call-end":
        console.log(`\n[tool call ${ev.index} done: ${ev.toolCall.name} ${JSON.stringify(ev.toolCall.arguments)}]`);
        break;
      case "error":
        console.log(`\n[${ev.error.code}: ${ev.error.message}]`);
        break;
      case "end":
        console.log(`\n[end: stopReason=${ev.message.stopReason}, ${ev.message.toolCalls.length} tool call(s)]`);
        break;
    }
  }
} finally {
  await replay?.close();
}
