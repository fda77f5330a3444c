/**
 * The parser's internal contract (src/parse/formats/candidate.ts): every call format's candidate,
 * run as the fast path's probe, gives up exactly where the same candidate fed by the slow path gives
 * up — and the fast path that uses the probes parses any text the way the slow path alone does.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CALL_FORMATS } from "../src/parse/formats/index.js";
import { FAIL, MORE, probe, type CallSink, type Started } from "../src/parse/formats/candidate.js";
import { Pos, resolveParseOptions, type ResolvedParseOptions } from "../src/parse/options.js";
import { createStreamParser, parseAssistantOutput, type ParseOptions } from "../src/parse/index.js";
import type { StreamEvent } from "../src/parse/types.js";
import { unrenderableCall } from "../src/parse/renderable.js";
import { Machine } from "../src/parse/machine.js";
import { Lexer } from "../src/parse/lexer.js";
import { checkEvents, cutAt, run, withoutIds } from "./parser-helpers.js";
import { anyOptions, callText, fragmentText } from "./parser-arbitraries.js";

/** A machine stand-in: records what a candidate asks for. */
function sink(options: ResolvedParseOptions): CallSink & { writes: number } {
  let index = 0;
  return {
    options,
    lastCode: undefined,
    writes: 0,
    problem: (name, args) => unrenderableCall(name, args),
    startCall(): Started {
      this.writes++;
      return { index: index++, id: "x" };
    },
    delta() {
      this.writes++;
    },
    endCall() {
      this.writes++;
    },
  };
}

/** Text dense in built-in names, separators and call openers (where the fast path has most to decide). */
const builtinText = fc
  .array(
    fc.constantFrom("brave_search", "brave_search.", "brave_search.call(", 'brave_search.call(query="x")', 'wolfram_alpha.call(query="y")', "brave", "_search", "wolfram_alpha", "code_interpreter", ".call(", ".", "call(", "(", ")", 'query="x"', "q", "x", " ", "\n", "_", "b", "{", "[", "<", "<function=", "f>", "{}", ";", "`"),
    { maxLength: 14 },
  )
  .map((a) => a.join(""));

const OPTIONS: ParseOptions[] = [
  { builtinTools: ["brave_search", "wolfram_alpha", "code_interpreter"] },
  { builtinTools: ["brave_search"], tools: ["f"] },
  {},
  { tools: ["f", "get_weather"], maxToolCallChars: 9 },
];

describe("probes give up where the slow path gives up", () => {
  it("for every format, position and place in a sentence", () => {
    fc.assert(
      fc.property(fc.oneof(builtinText, callText, fragmentText), fc.constantFrom(...OPTIONS), fc.constantFrom(Pos.MID, Pos.LINE, Pos.TURN), (s, options, pos) => {
        const resolved = resolveParseOptions(options);
        for (const format of CALL_FORMATS) {
          const starts = format.starts(resolved);
          for (let j = 0; j < s.length; j++) {
            if (!starts.includes(s[j]!)) continue;
            const opening = { pos, regionStart: false, turnStart: false };
            const probing = sink(resolved);
            const k = probe(format.open(probing, s[j]!, opening, true), s, j);
            expect(probing.writes).toBe(0); // a probe never writes
            if (k < 0) continue;
            const slow = format.open(sink(resolved), s[j]!, opening, false);
            if (slow === undefined) {
              expect(k).toBe(j + 1);
              continue;
            }
            // fed one character at a time, the candidate keeps going up to s[k] and gives up there
            for (let i = j; i < k; i++) expect(slow.push(s[i]!)).toBe(MORE);
            expect(slow.push(s[k]!)).toBe(FAIL);
            expect(slow.report).toBe(false);
            expect(slow.started).toBeUndefined();
            expect(slow.text).toBe(s.slice(j, k));
          }
        }
      }),
      { numRuns: 1500 },
    );
  });
});

describe("the fast path parses as the slow path does", () => {
  it("a word that ends in a built-in prefix does not hide the call after it (regression)", () => {
    const options = { builtinTools: ["brave_search"] as const };
    const text = 'see brave_search.brave_search.call(query="a") ok';
    const whole = parseAssistantOutput(text, { builtinTools: [...options.builtinTools] });
    expect(whole.toolCalls).toMatchObject([{ name: "brave_search", arguments: { query: "a" }, raw: 'brave_search.call(query="a")' }]);
    expect(whole.content).toBe("see brave_search. ok");
    const p = createStreamParser({ builtinTools: [...options.builtinTools] });
    const events = [...text].flatMap((c) => p.push(c)).concat(p.end());
    expect(withoutIds(checkEvents(events))).toEqual(withoutIds(whole));
  });

  it("whole text, one character at a time and any cut agree on text dense in built-in names", () => {
    fc.assert(
      fc.property(builtinText, fc.array(fc.nat(60), { maxLength: 6 }), fc.oneof(fc.constantFrom(...OPTIONS), anyOptions), (text, cuts, options) => {
        const whole = parseAssistantOutput(text, options);
        expect(withoutIds(checkEvents(run(text.split(""), options)))).toEqual(withoutIds(whole));
        expect(withoutIds(checkEvents(run(cutAt(text, cuts), options)))).toEqual(withoutIds(whole));
      }),
      { numRuns: 3000 },
    );
  });
});

describe("the fast lane for plain chunks gives the events the general path gives", () => {
  /** Prose as tokens: words, blanks, line breaks, Python-only whitespace, non-ASCII, now and then a call or a token. */
  const prose = fc.array(
    fc.constantFrom("the", "brave", "b", "code", "wolfram", "word_", "x1", " ", "  ", "\n", "\r", "\r\n", "\t", "\u00a0", "\u2028", "\u3000", "東京", "🤖", ".", ",", "é", '{"name": "f", "parameters": {}}', "[f()]", "<function=f>{}</function>", 'brave_search.call(query="x")', "<|eot_id|>", "<|python_tag|>", "<", "|", ";", "`"),
    { maxLength: 24 },
  );
  const counter = () => {
    let n = 0;
    return () => `call_${n++}`;
  };
  /** Events per push: the general path alone (the lexer feeding the machine, as Parser.push does without the lane). */
  function general(chunks: string[], options: ParseOptions): StreamEvent[][] {
    const machine = new Machine(resolveParseOptions({ ...options, createId: counter() }));
    const lexer = new Lexer(machine);
    const out = chunks.map((c) => (lexer.push(c), machine.take()));
    lexer.flush();
    machine.end();
    out.push(machine.take());
    return out;
  }
  function streamed(chunks: string[], options: ParseOptions): StreamEvent[][] {
    const p = createStreamParser({ ...options, createId: counter() });
    const out = chunks.map((c) => p.push(c));
    out.push(p.end());
    return out;
  }

  it("push by push: chunks as tokens, one character at a time, and any cut", () => {
    fc.assert(
      fc.property(prose, fc.array(fc.nat(80), { maxLength: 10 }), fc.constantFrom(...OPTIONS), (pieces, cuts, options) => {
        const text = pieces.join("");
        for (const chunks of [pieces, text.split(""), cutAt(text, cuts)]) expect(streamed(chunks, options)).toEqual(general(chunks, options));
      }),
      { numRuns: 2000 },
    );
  });
});
