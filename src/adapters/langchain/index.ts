/**
 * `llama-prompt-format/langchain`: `ChatLlama`, a LangChain.js chat model over any Llama 3.x
 * completion backend. Needs the peer dependency `@langchain/core` (1.x).
 */
export {
  ChatLlama,
  fromLangChainMessages,
  type ChatLlamaInput,
  type ChatLlamaCallOptions,
  type ChatLlamaGenerationParams,
} from "./chat-model.js";
