/**
 * Llama's built-in tools as AI SDK provider tools: `llama.tools.braveSearch()`,
 * `wolframAlpha()`, `codeInterpreter()`. Offered to a model made by `createLlamaModel`, they are
 * rendered as Llama built-ins (`Environment: ipython`, `Tools: brave_search, ...`), and the model's
 * `<|python_tag|>brave_search.call(query="...")` comes back as a call of that tool, which the
 * application executes (give `execute`, or run it yourself from the result's tool calls).
 */
import { jsonSchema, type Tool } from "ai";

/** `execute` and the other callbacks an application may give a built-in tool. */
export interface LlamaBuiltinToolOptions<INPUT, OUTPUT> {
  /** Runs the tool (client-side). Without it, the call is returned to the application. */
  execute?: Tool<INPUT, OUTPUT>["execute"];
  needsApproval?: Tool<INPUT, OUTPUT>["needsApproval"];
  toModelOutput?: Tool<INPUT, OUTPUT>["toModelOutput"];
  onInputStart?: Tool<INPUT, OUTPUT>["onInputStart"];
  onInputDelta?: Tool<INPUT, OUTPUT>["onInputDelta"];
  onInputAvailable?: Tool<INPUT, OUTPUT>["onInputAvailable"];
}

/** Input of `brave_search` and `wolfram_alpha` calls: the query (plus any other keyword the model wrote). */
export interface LlamaSearchInput {
  query: string;
  [keyword: string]: unknown;
}

/** Input of `code_interpreter` calls: the Python code the model wrote. */
export interface LlamaCodeInput {
  code: string;
}

function builtin<INPUT, OUTPUT>(id: `llama.${string}`, required: string, options: LlamaBuiltinToolOptions<INPUT, OUTPUT>): Tool<INPUT, OUTPUT> {
  const { execute, needsApproval, toModelOutput, onInputStart, onInputDelta, onInputAvailable } = options;
  const t: Record<string, unknown> = {
    type: "provider",
    id,
    args: {},
    inputSchema: jsonSchema<INPUT>({ type: "object", properties: { [required]: { type: "string" } }, required: [required] }),
  };
  const callbacks = { execute, needsApproval, toModelOutput, onInputStart, onInputDelta, onInputAvailable };
  for (const [k, v] of Object.entries(callbacks)) if (v !== undefined) t[k] = v;
  return t as unknown as Tool<INPUT, OUTPUT>;
}

/** Llama 3.1's built-in web search (`brave_search`). */
function braveSearch<OUTPUT = unknown>(options: LlamaBuiltinToolOptions<LlamaSearchInput, OUTPUT> = {}): Tool<LlamaSearchInput, OUTPUT> {
  return builtin("llama.brave_search", "query", options);
}

/** Llama 3.1's built-in Wolfram Alpha tool (`wolfram_alpha`). */
function wolframAlpha<OUTPUT = unknown>(options: LlamaBuiltinToolOptions<LlamaSearchInput, OUTPUT> = {}): Tool<LlamaSearchInput, OUTPUT> {
  return builtin("llama.wolfram_alpha", "query", options);
}

/** Llama 3.1's code interpreter (`code_interpreter`): the model writes Python after `<|python_tag|>`. */
function codeInterpreter<OUTPUT = unknown>(options: LlamaBuiltinToolOptions<LlamaCodeInput, OUTPUT> = {}): Tool<LlamaCodeInput, OUTPUT> {
  return builtin("llama.code_interpreter", "code", options);
}

/** Llama's built-in tools as AI SDK provider tools. */
export const llamaTools = { braveSearch, wolframAlpha, codeInterpreter };

/**
 * The provider namespace: `llama.tools.braveSearch({ execute })`.
 *
 * @example
 * const result = await generateText({
 *   model: createLlamaModel(tgiBackend({ baseURL })),
 *   tools: { web: llama.tools.braveSearch({ execute: async ({ query }) => search(query) }) },
 *   prompt: "What is the gold price today?",
 *   stopWhen: stepCountIs(3),
 * });
 */
export const llama = { tools: llamaTools };
