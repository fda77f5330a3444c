/**
 * `llama-prompt-format/backends`: talk to the servers users run (TGI today; vLLM and llama.cpp
 * with the backend layer).
 */
export * from "./tgi.js";
