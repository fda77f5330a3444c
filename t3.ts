import OpenAI from "openai";
import { startTgi } from "./test/helpers/llama-servers.js";
import { startServer } from "./src/cli/serve.js";
import { tgiBackend } from "./src/backends/index.js";
const tgi = await startTgi({ output: ['{"name": "get_weather", "parameters": {"city": "Oslo"}}; {"name": "get_weather", "parameters": {"city": "Paris"}}', "<|eot_id|>"] });
const srv = await startServer({ backend: tgiBackend({ baseURL: tgi.url }), model: "llama", port: 0, log: (l) => console.error(l) });
const client = new OpenAI({ baseURL: srv.url + "/v1", apiKey: "x" });
const tools = [{ type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }];
const r = await client.chat.completions.create({ model: "llama", messages: [{ role: "user", content: "weather?" }], tools });
console.log(JSON.stringify(r, null, 1));
const s = await client.chat.completions.create({ model: "llama", messages: [{ role: "user", content: "weather?" }], tools, stream: true, stream_options: { include_usage: true } });
for await (const c of s) console.log(JSON.stringify(c.choices[0]?.delta ?? c.usage), c.choices[0]?.finish_reason);
try { await client.chat.completions.create({ model: "llama", messages: [{ role: "user", content: "weather?" }], temperature: 5 }); } catch (e: any) { console.log(e.status, e.error) }
await srv.close(); await tgi.close();
