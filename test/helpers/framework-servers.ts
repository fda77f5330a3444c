/**
 * For the framework adapter tests: a replay server of one wire format with its backend, and the
 * prompt each request carried (whatever the wire format).
 */
import { afterEach } from "vitest";
import { specialTokenName } from "../../src/base/tokens.js";
import { llamaCppBackend, tgiBackend, vllmBackend, type CompletionBackend } from "../../src/backends/index.js";
import { startLlamaCpp, startTgi, startVllm, type ModelServer, type Script } from "./llama-servers.js";

export type ServerKind = "tgi" | "vllm" | "llamacpp";

/**
 * The `serve` of one test file: starts a replay server of `kind` with its backend; every server it
 * started is closed after each test.
 */
export function serverPerTest(): (kind: ServerKind, script: Script) => Promise<{ server: ModelServer; backend: CompletionBackend }> {
  let opened: ModelServer[] = [];
  afterEach(async () => {
    await Promise.all(opened.map((s) => s.close()));
    opened = [];
  });
  return async (kind, script) => {
    const server = await { tgi: startTgi, vllm: startVllm, llamacpp: startLlamaCpp }[kind](script);
    opened.push(server);
    const backend =
      kind === "tgi" ? tgiBackend({ baseURL: server.url }) : kind === "vllm" ? vllmBackend({ baseURL: server.url, model: "llama" }) : llamaCppBackend({ baseURL: server.url });
    return { server, backend };
  };
}

/** The prompt request `i` carried: TGI's inputs with the BOS TGI adds, vLLM's prompt, llama.cpp's mixed ids and text. */
export function promptOf(server: ModelServer, i: number): string {
  const j = server.requests[i]!.json;
  if (typeof j.inputs === "string") return "<|begin_of_text|>" + j.inputs;
  if (typeof j.prompt === "string") return j.prompt;
  return (j.prompt as Array<number | string>).map((p) => (typeof p === "string" ? p : specialTokenName(p) ?? `<${p}>`)).join("");
}

/** A JSON call as Llama 3.1 writes it (Python json.dumps spacing). */
export const jsonCall = (name: string, args: object) =>
  `{"name": "${name}", "parameters": ${JSON.stringify(args).replace(/":/g, '": ').replace(/,"/g, ', "')}}`;
