/**
 * The OpenAI Chat Completions shapes this adapter writes. They are declared here, structurally, so
 * that the package needs no `openai` at run time or for its types; `test/openai-types.test-d.ts`
 * checks that each is assignable to the real type of the `openai` package (v6), so a value can be
 * passed wherever the SDK's type is expected.
 */

/** A function tool call (`ChatCompletionMessageFunctionToolCall`): `arguments` is a JSON string. */
export interface OpenAIToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** An assistant message (`ChatCompletionMessage`). `content` is null when the turn is only tool calls. */
export interface OpenAIAssistantMessage {
  role: "assistant";
  content: string | null;
  refusal: null;
  tool_calls?: OpenAIToolCall[];
}

/** Why a choice ended: `tool_calls` (the client should run them), `stop`, or `length` (the budget ran out). */
export type OpenAIFinishReason = "stop" | "length" | "tool_calls";

/** Token counts (`CompletionUsage`). */
export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** A non-streamed answer (`ChatCompletion`). */
export interface OpenAIChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: Array<{ index: number; message: OpenAIAssistantMessage; finish_reason: OpenAIFinishReason; logprobs: null }>;
  usage?: OpenAIUsage;
}

/** One tool-call piece of a streamed delta (`ChatCompletionChunk.Choice.Delta.ToolCall`). */
export interface OpenAIToolCallDelta {
  /** The call's position in the message's `tool_calls`: pieces with the same index belong together. */
  index: number;
  /** First piece only. */
  id?: string;
  /** First piece only. */
  type?: "function";
  /** `name` on the first piece only; `arguments` pieces concatenate to the JSON string of the arguments. */
  function?: { name?: string; arguments?: string };
}

/** One choice of a streamed chunk. */
export interface OpenAIChunkChoice {
  index: number;
  delta: { role?: "assistant"; content?: string; tool_calls?: OpenAIToolCallDelta[] };
  finish_reason: OpenAIFinishReason | null;
  logprobs?: null;
}

/** A streamed chunk (`ChatCompletionChunk`). The usage chunk has `choices: []`. */
export interface OpenAIChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: OpenAIChunkChoice[];
  /** With `includeUsage`: `null` on every chunk but the last, which has the counts (or `null` when the server did not report them). */
  usage?: OpenAIUsage | null;
}
