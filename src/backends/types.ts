/**
 * The backend interface: what `generateChat` / `streamChat` ask of a server, and what it answers.
 * Implement {@link CompletionBackend} to use another server (docs/backends.md has an example).
 */
import type { TokenChunk } from "../parse/types.js";
import type { Segment } from "../prompt/segments.js";

/** One completion to generate. Built by `generateChat` / `streamChat`; every field is checked already. */
export interface CompletionRequest {
  /**
   * The rendered prompt in order: text and special tokens (with their ids). It starts with
   * `<|begin_of_text|>` unless the caller rendered with `addBos: false`. A backend sends it so that
   * the model sees exactly these tokens: a server that adds BOS itself must get the prompt without
   * its leading BOS segment (see {@link promptWithoutBos}).
   */
  readonly segments: readonly Segment[];
  /** The same prompt as one string (`renderPrompt`'s output). */
  readonly prompt: string;
  /** Most tokens to generate. */
  readonly maxTokens: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly topK?: number;
  readonly seed?: number;
  /** Extra stop strings, matched on the generated text (Llama 3.1's stop tokens always stop). */
  readonly stop: readonly string[];
  /**
   * A JSON Schema the whole output must match (constrained decoding), set when `toolChoice` is
   * `"required"` or `{ name }`. A backend that cannot honour it must say so with
   * `supportsResponseSchema: false` (the call is then refused before anything is sent).
   */
  readonly responseSchema?: Readonly<Record<string, unknown>>;
  /** Server-specific parameters, passed through (checked against the backend's own keys). */
  readonly extraParameters: Readonly<Record<string, unknown>>;
  /** Aborts the request; it fires on the caller's signal and on the timeout. */
  readonly signal?: AbortSignal;
}

/** Why the server stopped, in the backend layer's words. */
export type CompletionFinishReason =
  /** The model produced a stop token (`stopTokenId` says which, when the server told). */
  | "stop_token"
  /** The token budget (`maxTokens`) or the context ran out. */
  | "length"
  /** One of the caller's `stop` strings matched. */
  | "stop_sequence"
  /** Anything else the server reported. */
  | "other";

/** Token counts as the server reported them (absent when it did not). */
export interface CompletionUsage {
  promptTokens?: number;
  completionTokens?: number;
}

/** The server's final information about one completion. */
export interface CompletionFinish {
  reason: CompletionFinishReason;
  /** The stop token that ended generation (128001, 128008 or 128009), when known. */
  stopTokenId?: number;
  /** The stop string that matched, when the server said. */
  stopSequence?: string;
  /** The server's own words: TGI `finish_reason`, vLLM `finish_reason`/`stop_reason`, llama.cpp `stop_type`. */
  serverReason: string;
  usage: CompletionUsage;
}

/** What a backend's stream yields: tokens as they arrive, then exactly one `finish`, last. */
export type BackendEvent = { type: "token"; token: TokenChunk } | { type: "finish"; finish: CompletionFinish };

/** A complete non-streamed answer: every token, then the final information. */
export interface CompletionResult {
  tokens: TokenChunk[];
  finish: CompletionFinish;
}

/**
 * A server that completes a prompt. `stream` is required; `generate` (one non-streamed request) is
 * optional and used by `generateChat` when present.
 *
 * Tokens should carry the token `id` (or `special: true`) of special tokens when the server reports
 * them: that is how `<|python_tag|>` is seen and `eom` is told from `eot`. A token with only `text`
 * is scanned for special-token text.
 */
export interface CompletionBackend {
  /** Short name used in errors (`"tgi"`, `"vllm"`, `"llamacpp"`, ...). */
  readonly name: string;
  /** True when the backend can constrain the output to `request.responseSchema`. */
  readonly supportsResponseSchema?: boolean;
  /** Streams one completion: `token` events, then one `finish`. Throws the backend errors on failure. */
  stream(request: CompletionRequest): AsyncIterable<BackendEvent>;
  /** One non-streamed completion (optional). */
  generate?(request: CompletionRequest): Promise<CompletionResult>;
}

/**
 * The prompt of a request without its leading `<|begin_of_text|>`, for a server that adds BOS itself
 * when it tokenizes a string. Returns `undefined` when the prompt does not start with BOS (the
 * caller rendered with `addBos: false`): such a server cannot be given a prompt without BOS.
 */
export function promptWithoutBos(request: Pick<CompletionRequest, "segments">): string | undefined {
  const [first, ...rest] = request.segments;
  if (first === undefined || first.type !== "special" || first.id !== 128000) return undefined;
  let s = "";
  for (const seg of rest) s += seg.text;
  return s;
}

/** Llama 3.1's stop token ids: `<|end_of_text|>`, `<|eom_id|>`, `<|eot_id|>`. */
export const STOP_TOKEN_IDS: readonly number[] = [128001, 128008, 128009];
