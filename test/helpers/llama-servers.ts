/**
 * Replay servers for TGI, vLLM and llama.cpp that behave, on the wire, the way each server's source
 * says it does — and that tokenize the prompt they receive the way the real server does, with the
 * real Llama 3 tokenizer, so tests can count the BOS tokens that reach the "model".
 *
 * The "model" replays a scripted output: text pieces (tokenized with the real tokenizer, per-token
 * text as an incremental detokenizer gives it: a token that ends inside a UTF-8 character has "")
 * and special-token names (one token each).
 *
 * Sources, per server:
 * - TGI (huggingface/text-generation-inference): router/src/server.rs (generate_stream_internal:
 *   `data:` + StreamResponse per token, the last with generated_text and details; errors as
 *   `{"error","error_type"}` events; keep-alive comments), router/src/lib.rs (GenerateRequest with
 *   `add_special_tokens` `#[serde(skip)]` = true, Token {id,text,logprob,special}, FinishReason
 *   "length" | "eos_token" | "stop_sequence", StreamDetails {finish_reason, generated_tokens, seed,
 *   input_length}); /generate: GenerateResponse {generated_text, details {finish_reason,
 *   generated_tokens, seed, prefill, tokens}}.
 * - vLLM: vllm/entrypoints/openai/completion/protocol.py (request fields and their defaults:
 *   add_special_tokens true, skip_special_tokens true; CompletionStreamResponse), completion/serving.py
 *   (`data: ` + chunk `model_dump_json(exclude_unset=True)`, usage chunk with choices [], error
 *   chunk, `data: [DONE]`), vllm/v1/engine/detokenizer.py (stop token id kept in token_ids, its
 *   text left out), sampling_params.py (stop_reason: the stop token id, None for the tokenizer's
 *   EOS, or the stop string).
 * - llama.cpp (ggml-org/llama.cpp tools/server): utils.hpp tokenize_mixed (BOS only when the first
 *   element is a string), server.cpp process_token / send_partial_response (one partial per complete
 *   token: content, tokens [id], stop false; special tokens print "" unless --special; no partial
 *   for a token that ends inside a UTF-8 character) and the final result (stop true, stop_type,
 *   stopping_word, tokens_predicted, tokens_evaluated; content "" in stream mode), server_sent_event
 *   (`data: <json>\n\n`, no [DONE] on /completion), format_error_response ({code, message, type}).
 */
import { specialTokenId } from "../../src/base/tokens.js";
import { lenmlTokenizer } from "./tokenizer.js";
import { splitBytes, startReplayServer, type RecordedRequest, type ReplayServer, type ScriptedReply } from "./replay-server.js";

export interface ModelToken {
  id: number;
  text: string;
  special: boolean;
}

/** The tokens a Llama 3.1 model emits for these pieces (special-token names are one token each). */
export function modelTokens(pieces: readonly string[]): ModelToken[] {
  const tok = lenmlTokenizer();
  const out: ModelToken[] = [];
  for (const p of pieces) {
    const sid = specialTokenId(p);
    if (sid !== undefined) {
      out.push({ id: sid, text: p, special: true });
      continue;
    }
    // Byte-level BPE: a token's text is the decode of the tokens since the last complete character.
    let pending: number[] = [];
    for (const id of tok.encodeText(p)) {
      pending.push(id);
      const full = tok.decode(pending);
      let text = "";
      if (!full.endsWith("\ufffd")) {
        text = full;
        pending = [];
      }
      out.push({ id, text, special: false });
    }
  }
  return out;
}

const STOP_IDS = [128001, 128008, 128009];

/** What the scripted model does, and how the wire misbehaves. */
export interface Script {
  /** What the model generates. */
  output: readonly string[];
  /**
   * What the model generates for the 1st, 2nd, ... request (an agent loop's turns); past the last,
   * the last again. When given, `output` is not used.
   */
  turns?: ReadonlyArray<readonly string[]>;
  /**
   * What the model generates for this prompt (the prompt as the server received it, decoded with
   * special tokens written out). When given, `turns` and `output` are not used.
   */
  respond?: (prompt: string) => readonly string[];
  /** Line ending of the SSE stream (default "\n"). */
  eol?: "\n" | "\r\n";
  /** Write the body in pieces of these byte sizes (cycled) instead of one piece per event. */
  split?: number[];
  /** Cut the connection after this many events. */
  cutAfter?: number;
  /** End the response cleanly after this many events (the server's final event never comes). */
  endAfter?: number;
  /** Send the server's error event after this many tokens instead of going on. */
  errorAfter?: { tokens: number; message: string };
  /** Answer with this HTTP error instead. */
  httpError?: { status: number; body: string; contentType?: string };
  /** Tokens generated per vLLM chunk (stream_interval; default 1). */
  perChunk?: number;
  /** vLLM only: behave like a server without return_token_ids (no token_ids in chunks). */
  noTokenIds?: boolean;
  /** llama.cpp only: a server before per-token ids (no `tokens` in partials). */
  noTokens?: boolean;
  /** llama.cpp only: started with --special (special tokens printed by name). */
  printSpecial?: boolean;
  /** llama.cpp only: send a stream error as a non-standard `error:` line (some builds). */
  errorLine?: boolean;
  /** TGI only: how a `<|eom_id|>` stop is reported (old TGI: by the stop sequence). */
  eomAs?: "eos_token" | "stop_sequence";
}

export interface ModelServer extends ReplayServer {
  /** Token ids of each prompt received, tokenized as the real server does. */
  promptIds: number[][];
}

/** How many BOS (128000) a token list holds. */
export const countBos = (ids: readonly number[]) => ids.filter((id) => id === 128000).length;

interface Generated {
  tokens: ModelToken[];
  /** Why it stopped: a stop token (the last token), the budget, or a stop string. */
  end: { kind: "stop"; id: number } | { kind: "length" } | { kind: "word"; word: string; textBefore: string } | { kind: "none" };
}

/** Runs the script under the request's budget and stop strings (`promptIds`: every prompt received so far, this one last). */
function generate(script: Script, maxTokens: number, stops: readonly string[], promptIds: readonly (readonly number[])[]): Generated {
  const turn = promptIds.length - 1;
  const output = script.respond
    ? script.respond(lenmlTokenizer().decode(promptIds[turn] ?? []))
    : script.turns
      ? script.turns[Math.min(turn, script.turns.length - 1)]!
      : script.output;
  const all = modelTokens(output);
  const tokens: ModelToken[] = [];
  let text = "";
  for (const t of all) {
    if (tokens.length >= maxTokens) return { tokens, end: { kind: "length" } };
    tokens.push(t);
    if (t.special && STOP_IDS.includes(t.id)) return { tokens, end: { kind: "stop", id: t.id } };
    if (!t.special) {
      text += t.text;
      for (const w of stops) {
        const at = text.indexOf(w);
        if (at >= 0) return { tokens, end: { kind: "word", word: w, textBefore: text.slice(0, at) } };
      }
    }
  }
  return { tokens, end: { kind: "none" } };
}

function body(events: string[], script: Script): ScriptedReply {
  const n = script.cutAfter ?? script.endAfter;
  const cut = n !== undefined ? events.slice(0, n) : events;
  const chunks = script.split ? splitBytes(cut.join(""), script.split) : cut;
  return { chunks, ...(script.cutAfter !== undefined ? { finish: "destroy" as const } : {}) };
}

function httpError(script: Script): ScriptedReply | undefined {
  if (!script.httpError) return undefined;
  return {
    status: script.httpError.status,
    headers: { "content-type": script.httpError.contentType ?? "application/json" },
    chunks: [script.httpError.body],
  };
}

// ---------------------------------------------------------------------------------------------
// TGI
// ---------------------------------------------------------------------------------------------

/** A TGI server: /generate_stream and /generate. */
export async function startTgi(script: Script): Promise<ModelServer> {
  const tok = lenmlTokenizer();
  const promptIds: number[][] = [];
  const server = await startReplayServer((req: RecordedRequest) => {
    const j = req.json;
    // add_special_tokens is #[serde(skip)] = true: the Llama 3 post-processor prepends BOS.
    promptIds.push([128000, ...tok.encodeWithSpecials(j.inputs)]);
    const err = httpError(script);
    if (err) return err;
    const p = j.parameters ?? {};
    const userStops = (p.stop ?? []).filter((s: string) => specialTokenId(s) === undefined);
    const g = generate(script, p.max_new_tokens ?? 100, userStops, promptIds);
    const eomStop = (p.stop ?? []).includes("<|eom_id|>");
    const finishReason =
      g.end.kind === "length"
        ? "length"
        : g.end.kind === "word"
          ? "stop_sequence"
          : g.end.kind === "stop"
            ? g.end.id === 128008 && eomStop && script.eomAs === "stop_sequence"
              ? "stop_sequence"
              : "eos_token"
            : "length";
    const generated = g.tokens.filter((t) => !t.special).map((t) => t.text).join("");
    const details = { finish_reason: finishReason, generated_tokens: g.tokens.length, seed: null, input_length: promptIds.at(-1)!.length };
    const token = (t: ModelToken) => ({ id: t.id, text: t.text, logprob: -0.25, special: t.special });
    if (req.path === "/generate") {
      return {
        headers: { "content-type": "application/json" },
        chunks: [JSON.stringify({ generated_text: generated, details: { ...details, input_length: undefined, prefill: [], tokens: g.tokens.map(token) } })],
      };
    }
    const eol = script.eol ?? "\n";
    const events: string[] = [];
    g.tokens.forEach((t, i) => {
      if (script.errorAfter && i === script.errorAfter.tokens) {
        events.push(`data:${JSON.stringify({ error: script.errorAfter.message, error_type: "generation" })}${eol}${eol}`);
        return;
      }
      if (script.errorAfter && i > script.errorAfter.tokens) return;
      const last = i === g.tokens.length - 1;
      if (i % 5 === 2) events.push(`:${eol}${eol}`); // keep-alive comment
      events.push(
        `data:${JSON.stringify({ index: i + 1, token: token(t), top_tokens: [], generated_text: last ? generated : null, details: last ? details : null })}${eol}${eol}`,
      );
    });
    return body(events, script);
  });
  return Object.assign(server, { promptIds });
}

// ---------------------------------------------------------------------------------------------
// vLLM
// ---------------------------------------------------------------------------------------------

/** A vLLM server: /v1/completions with stream true. */
export async function startVllm(script: Script): Promise<ModelServer> {
  const tok = lenmlTokenizer();
  const promptIds: number[][] = [];
  const server = await startReplayServer((req: RecordedRequest) => {
    const j = req.json;
    const addSpecial = j.add_special_tokens ?? true; // CompletionRequest default
    promptIds.push(Array.isArray(j.prompt) ? j.prompt : [...(addSpecial ? [128000] : []), ...tok.encodeWithSpecials(j.prompt)]);
    const err = httpError(script);
    if (err) return err;
    const skipSpecial = j.skip_special_tokens ?? true;
    const stops: string[] = typeof j.stop === "string" ? [j.stop] : (j.stop ?? []);
    const g = generate(script, j.max_tokens ?? 16, stops, promptIds);
    const withIds = j.return_token_ids === true && !script.noTokenIds;
    const eol = script.eol ?? "\n";
    const head = { id: "cmpl-1", object: "text_completion", created: 1, model: j.model };
    const events: string[] = [];
    const per = script.perChunk ?? 1;
    let text = ""; // text sent so far (for stop-string truncation)
    for (let i = 0; i < g.tokens.length; i += per) {
      if (script.errorAfter && i >= script.errorAfter.tokens) {
        events.push(`data: ${JSON.stringify({ error: { message: script.errorAfter.message, type: "InternalServerError", param: null, code: 500 } })}${eol}${eol}`);
        events.push(`data: [DONE]${eol}${eol}`);
        return body(events, script);
      }
      const group = g.tokens.slice(i, i + per);
      const last = i + per >= g.tokens.length;
      let delta = "";
      group.forEach((t, k) => {
        const isStop = last && k === group.length - 1 && g.end.kind === "stop";
        if (isStop) return; // the stop token's text is left out (detokenizer.py)
        delta += t.special ? (skipSpecial ? "" : t.text) : t.text;
      });
      if (last && g.end.kind === "word") delta = g.end.textBefore.slice(text.length);
      text += delta;
      const choice: Record<string, unknown> = { index: 0, text: delta, logprobs: null, finish_reason: null, stop_reason: null };
      if (withIds) choice.token_ids = group.map((t) => t.id);
      if (last) {
        choice.finish_reason = g.end.kind === "length" || g.end.kind === "none" ? "length" : "stop";
        // The tokenizer's EOS (<|eot_id|>) stops with stop_reason None; generation-config ids report the id.
        choice.stop_reason = g.end.kind === "stop" ? (g.end.id === 128009 ? null : g.end.id) : g.end.kind === "word" ? g.end.word : null;
      }
      events.push(`data: ${JSON.stringify({ ...head, choices: [choice] })}${eol}${eol}`);
    }
    if (j.stream_options?.include_usage) {
      const n = promptIds.at(-1)!.length;
      events.push(`data: ${JSON.stringify({ ...head, choices: [], usage: { prompt_tokens: n, total_tokens: n + g.tokens.length, completion_tokens: g.tokens.length } })}${eol}${eol}`);
    }
    events.push(`data: [DONE]${eol}${eol}`);
    return { headers: { "content-type": "text/event-stream; charset=utf-8" }, ...body(events, script) };
  });
  return Object.assign(server, { promptIds });
}

// ---------------------------------------------------------------------------------------------
// llama.cpp
// ---------------------------------------------------------------------------------------------

/** tokenize_mixed: ids as given; strings tokenized with special-token text parsed; BOS only before a leading string. */
function tokenizeMixed(prompt: unknown): number[] {
  const tok = lenmlTokenizer();
  if (typeof prompt === "string") return [128000, ...tok.encodeWithSpecials(prompt)];
  const out: number[] = [];
  (prompt as Array<number | string>).forEach((p, i) => {
    if (typeof p === "number") out.push(p);
    else out.push(...(i === 0 ? [128000] : []), ...tok.encodeWithSpecials(p));
  });
  return out;
}

/** A llama.cpp server: /completion with stream true. */
export async function startLlamaCpp(script: Script): Promise<ModelServer> {
  const promptIds: number[][] = [];
  const server = await startReplayServer((req: RecordedRequest) => {
    const j = req.json;
    const ids = tokenizeMixed(j.prompt);
    promptIds.push(ids);
    const err = httpError(script);
    if (err) return err;
    const stops: string[] = j.stop ?? [];
    const g = generate(script, typeof j.n_predict === "number" && j.n_predict >= 0 ? j.n_predict : 1_000_000, stops, promptIds);
    const eol = script.eol ?? "\n";
    const events: string[] = [];
    let sent = "";
    let decoded = 0;
    for (let i = 0; i < g.tokens.length; i++) {
      const t = g.tokens[i]!;
      if (script.errorAfter && i === script.errorAfter.tokens) {
        const e = { code: 500, message: script.errorAfter.message, type: "server_error" };
        events.push(script.errorLine ? `error: ${JSON.stringify(e)}${eol}${eol}` : `data: ${JSON.stringify({ error: e })}${eol}${eol}`);
        return body(events, script);
      }
      decoded++;
      if (!t.special && t.text === "") continue; // incomplete UTF-8: no partial (process_token)
      let content = t.special ? (script.printSpecial ? t.text : "") : t.text;
      const last = i === g.tokens.length - 1;
      if (last && g.end.kind === "word") content = g.end.textBefore.slice(sent.length);
      sent += t.special ? "" : content;
      const partial: Record<string, unknown> = { index: 0, content, tokens: [t.id], stop: false, id_slot: 0, tokens_predicted: decoded, tokens_evaluated: ids.length };
      if (script.noTokens) delete partial.tokens;
      events.push(`data: ${JSON.stringify(partial)}${eol}${eol}`);
    }
    const stopType = g.end.kind === "stop" ? "eos" : g.end.kind === "word" ? "word" : "limit";
    events.push(
      `data: ${JSON.stringify({
        index: 0,
        content: "",
        tokens: [],
        id_slot: 0,
        stop: true,
        model: "llama-3.1-8b-instruct.gguf",
        tokens_predicted: g.tokens.length,
        tokens_evaluated: ids.length,
        generation_settings: { n_predict: j.n_predict },
        prompt: "(the prompt, detokenized)",
        has_new_line: false,
        truncated: false,
        stop_type: stopType,
        stopping_word: g.end.kind === "word" ? g.end.word : "",
        tokens_cached: ids.length + g.tokens.length,
        timings: { prompt_n: ids.length, predicted_n: g.tokens.length },
      })}${eol}${eol}`,
    );
    return body(events, script);
  });
  return Object.assign(server, { promptIds });
}
