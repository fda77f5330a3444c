/** Shared helpers of the parser tests (not a test file itself). */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { createStreamParser, type AssistantMessage, type ParseOptions, type StreamEvent, type TokenChunk } from "../src/parse/index.js";

export interface CorpusCase {
  id: string;
  description: string;
  input: string | TokenChunk[];
  options?: ParseOptions;
  expected: {
    content: string;
    toolCalls: Array<{ name: string; arguments: Record<string, unknown>; format: string; raw: string }>;
    stopReason: string;
  };
}

export function loadCorpus(): CorpusCase[] {
  const dir = join(import.meta.dirname, "..", "fixtures", "outputs");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as CorpusCase);
}

/** The message without ids (they are generated). */
export function withoutIds(m: AssistantMessage): unknown {
  return { ...m, toolCalls: m.toolCalls.map(({ id: _id, ...rest }) => rest) };
}

/** Feeds chunks, returns all events (push results then end()). */
export function run(chunks: Array<string | TokenChunk>, options?: ParseOptions): StreamEvent[] {
  const p = createStreamParser(options);
  const events: StreamEvent[] = [];
  for (const c of chunks) events.push(...p.push(c));
  events.push(...p.end());
  return events;
}

/** Checks the event-stream invariants and returns the end message. */
export function checkEvents(events: StreamEvent[]): AssistantMessage {
  const ends = events.filter((e) => e.type === "end");
  expect(ends).toHaveLength(1);
  expect(events[events.length - 1]!.type).toBe("end");
  const message = (ends[0] as Extract<StreamEvent, { type: "end" }>).message;

  let text = "";
  const calls: AssistantMessage["toolCalls"] = [];
  // per index: "open" after start, closed after end/error
  const open = new Map<number, { id: string }>();
  const ids = new Set<string>();
  for (const e of events) {
    switch (e.type) {
      case "text-delta":
        expect(e.text).not.toBe("");
        text += e.text;
        break;
      case "tool-call-start":
        expect(open.has(e.index)).toBe(false);
        expect(e.index).toBe(calls.length); // the index is the position in the final array
        open.set(e.index, { id: e.id });
        break;
      case "tool-call-delta":
        expect(open.has(e.index)).toBe(true);
        expect(e.argumentsDelta).not.toBe("");
        break;
      case "tool-call-end":
        expect(open.get(e.index)?.id).toBe(e.toolCall.id);
        open.delete(e.index);
        calls.push(e.toolCall);
        break;
      case "error":
        if (e.index !== undefined) {
          expect(open.has(e.index)).toBe(true);
          open.delete(e.index);
        }
        break;
      case "end":
        expect(open.size).toBe(0);
        break;
    }
  }
  for (const c of calls) {
    expect(ids.has(c.id)).toBe(false);
    ids.add(c.id);
  }
  expect(text).toBe(message.content);
  expect(calls).toEqual(message.toolCalls);
  return message;
}

/** Splits a string into pieces of `n` UTF-16 units (may split surrogate pairs, like a byte-level stream could not, but a string one can). */
export function chunkString(s: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += n) out.push(s.slice(i, i + n));
  return out;
}

/** Splits a string at the given cut points. */
export function cutAt(s: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => Math.max(0, Math.min(s.length, c))))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(s.slice(prev, p));
    prev = p;
  }
  out.push(s.slice(prev));
  return out;
}

/**
 * Re-chunks a TokenChunk array: the text of ordinary chunks is split into `n`-unit pieces keeping
 * each piece's kind (scanned / literal); special chunks stay whole.
 */
export function chunkTokens(tokens: TokenChunk[], n: number): TokenChunk[] {
  const out: TokenChunk[] = [];
  for (const t of tokens) {
    const special = t.special === true || (t.id !== undefined && t.id >= 128000 && t.id <= 128255);
    if (special || t.text.length <= n) {
      out.push(t);
      continue;
    }
    for (const piece of chunkString(t.text, n)) out.push({ ...t, text: piece });
  }
  return out;
}
