/**
 * `llama-prompt-format/ai-sdk`: a Vercel AI SDK model (`LanguageModelV3`) over any Llama 3.x
 * completion backend, and Llama's built-in tools as provider tools. Needs the peer dependencies
 * `ai` (6.x) and `@ai-sdk/provider` (3.x).
 */
export { createLlamaModel, type LlamaModelOptions, type LlamaProviderOptions, type LlamaProviderMetadata } from "./model.js";
export { llama, llamaTools, type LlamaBuiltinToolOptions, type LlamaSearchInput, type LlamaCodeInput } from "./tools.js";
