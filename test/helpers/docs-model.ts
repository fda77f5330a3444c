/**
 * A stand-in Llama for the documentation snippets and examples: one 127.0.0.1 address that answers
 * on TGI's, vLLM's and llama.cpp's routes (each through its replay server, so the wire format and the
 * BOS handling are the real servers'), and a "model" that reads the prompt it receives and answers as
 * a Llama 3.1 Instruct model plausibly would:
 * - after a tool result (an `ipython` turn): a short text answer that quotes it;
 * - when the prompt offers `get_weather`: a JSON call to it (two cities asked → two calls);
 * - when it offers the built-in `brave_search`: a built-in call;
 * - otherwise: a greeting.
 */
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startLlamaCpp, startTgi, startVllm, type ModelServer } from "./llama-servers.js";

/** What the stand-in model writes for a prompt (special tokens written out). */
export function docsModelReply(prompt: string): string[] {
  const turns = prompt.split("<|start_header_id|>");
  const last = turns[turns.length - 2] ?? ""; // the turn before the open assistant header
  if (last.startsWith("ipython<|end_header_id|>")) {
    const result = last.slice("ipython<|end_header_id|>\n\n".length).replace("<|eot_id|>", "").trim();
    return [`Here is what the tool says: ${result.slice(0, 200)}`, "<|eot_id|>"];
  }
  const asked = turns.filter((t) => t.startsWith("user<|end_header_id|>")).pop() ?? "";
  if (prompt.includes('"name": "get_weather"')) {
    const cities = ["Paris", "Oslo", "Rome", "Tokyo", "Zürich"].filter((c) => asked.includes(c));
    const calls = (cities.length ? cities : ["Paris"]).map((city) => `{"name": "get_weather", "parameters": {"city": "${city}"}}`);
    return [calls.join("; "), "<|eot_id|>"];
  }
  if (/Tools: [^\n]*brave_search/.test(prompt)) {
    return ["<|python_tag|>", 'brave_search.call(query="latest news")', "<|eom_id|>"];
  }
  return ["Hello! How can I help you today?", "<|eot_id|>"];
}

export interface DocsModel {
  /** Base URL answering TGI's, vLLM's and llama.cpp's routes. */
  url: string;
  close(): Promise<void>;
}

/** Starts the stand-in model. */
export async function startDocsModel(): Promise<DocsModel> {
  const script = { output: [], respond: docsModelReply };
  const servers: ModelServer[] = await Promise.all([startTgi(script), startVllm(script), startLlamaCpp(script)]);
  const [tgi, vllm, llamacpp] = servers as [ModelServer, ModelServer, ModelServer];
  const route = (path: string): string => (path.startsWith("/v1/") ? vllm.url : path.startsWith("/completion") ? llamacpp.url : tgi.url);
  const proxy: Server = createServer((req, res) => {
    const target = new URL(req.url ?? "/", route(req.url ?? "/"));
    const up = httpRequest(target, { method: req.method, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
