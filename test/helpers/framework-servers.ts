/**
 * For the framework adapter tests: a replay server of one wire format with its backend, and the
 * prompt each request carried (whatever the wire format).
 */
import { llamaCppBackend, tgiBackend, vllmBackend, type CompletionBackend } from "../../src/backends/index.js";
import { startLlamaCpp, startTgi, startVllm, type ModelServer, type Script } from "./llama-servers.js";

export type ServerKind = "tgi" | "vllm" | "llamacpp";

/** Starts a replay server; `opened` collects it for closing after the test. */
export async function serve(kind: ServerKind, script: Script, opened: ModelServer[]): Promise<{ server: ModelServer; backend: CompletionBackend }> {
  const server = await { tgi: startTgi, vllm: startVllm, llamacpp: startLlamaCpp }[kind](script);
  opened.push(server);
  const backend =
    kind === "tgi" ? tgiBackend({ baseURL: server.url }) : kind === "vllm" ? vllmBackend({ baseURL: server.url, model: "llama" }) : llamaCppBackend({ baseURL: server.url });
  return { server, backend };
}

const SPECIAL: Record<number, string> = {
  128000: "<|begin_of_text|>",
  128006: "<|start_header_id|>",
  128007: "<|end_header_id|>",
  128008: "<|eom_id|>",
  128009: "<|eot_id|>",
  128010: "<|python_tag|>",
};

/** The prompt request `i` carried: TGI's inputs with the BOS TGI adds, vLLM's prompt, llama.cpp's mixed ids and text. */
export function promptOf(server: ModelServer, i: number): string {
  const j = server.requests[i]!.json;
  if (typeof j.inputs === "string") return "<|begin_of_text|>" + j.inputs;
  if (typeof j.prompt === "string") return j.prompt;
  return (j.prompt as Array<number | string>).map((p) => (typeof p === "string" ? p : SPECIAL[p] ?? `<${p}>`)).join("");
}

/** A JSON call as Llama 3.1 writes it (Python json.dumps spacing). */
export const jsonCall = (name: string, args: object) =>
  `{"name": "${name}", "parameters": ${JSON.stringify(args).replace(/":/g, '": ').replace(/,"/g, ', "')}}`;
