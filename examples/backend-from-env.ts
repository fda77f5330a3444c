/**
 * The backend the framework examples use: a real server when LLAMA_TGI_URL, LLAMA_VLLM_URL (+
 * LLAMA_VLLM_MODEL) or LLAMA_LLAMACPP_URL is set, else a local server on 127.0.0.1 that replays
 * TGI's wire format (test/helpers/llama-servers.ts) with the scripted model turns given, so the
 * examples run offline and in CI.
 */
import { llamaCppBackend, tgiBackend, vllmBackend, type CompletionBackend } from "llama-prompt-format/backends";
import { startTgi } from "../test/helpers/llama-servers.js";

export async function backendFromEnv(replayTurns: string[][]): Promise<{ backend: CompletionBackend; close: () => Promise<void> }> {
  const env = process.env;
  if (env.LLAMA_TGI_URL) return { backend: tgiBackend({ baseURL: env.LLAMA_TGI_URL }), close: async () => {} };
  if (env.LLAMA_VLLM_URL) {
    return { backend: vllmBackend({ baseURL: env.LLAMA_VLLM_URL, model: env.LLAMA_VLLM_MODEL ?? "meta-llama/Llama-3.1-8B-Instruct" }), close: async () => {} };
  }
  if (env.LLAMA_LLAMACPP_URL) return { backend: llamaCppBackend({ baseURL: env.LLAMA_LLAMACPP_URL }), close: async () => {} };
  const replay = await startTgi({ output: [], turns: replayTurns });
  console.log(`(no LLAMA_TGI_URL / LLAMA_VLLM_URL / LLAMA_LLAMACPP_URL: replaying TGI's wire format from ${replay.url})`);
  return { backend: tgiBackend({ baseURL: replay.url }), close: () => replay.close() };
}
