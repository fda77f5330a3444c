/**
 * `llama-prompt-format/backends`: talk to the servers users run — Text Generation Inference, vLLM,
 * llama.cpp — with one BOS, true stop reasons and constrained tool calls. `generateChat` /
 * `streamChat` render, send and parse on any {@link CompletionBackend}.
 */
export { generateChat, streamChat, DEFAULT_MAX_TOKENS, DEFAULT_TIMEOUT, type ChatOptions, type ChatFinish } from "./chat.js";
export { tgiBackend, type TgiBackendConfig } from "./tgi.js";
export { vllmBackend, type VllmBackendConfig } from "./vllm.js";
export { llamaCppBackend, type LlamaCppBackendConfig } from "./llamacpp.js";
export {
  promptWithoutBos,
  STOP_TOKEN_IDS,
  type CompletionBackend,
  type CompletionRequest,
  type CompletionResult,
  type CompletionFinish,
  type CompletionFinishReason,
  type CompletionUsage,
  type BackendEvent,
} from "./types.js";
export { toolCallSchema } from "./schema.js";
export { DEFAULT_MAX_RESPONSE_BYTES, type BackendConfig } from "./http.js";
export {
  BackendHttpError,
  BackendStreamError,
  BackendTimeoutError,
  MAX_ERROR_BODY_BYTES,
  type BackendStreamErrorReason,
} from "./errors.js";
export { parseSseStream, SseDecoder, DEFAULT_MAX_EVENT_SIZE, type SseEvent, type SseOptions, type ByteSource } from "./sse.js";
