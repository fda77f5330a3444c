/**
 * The content filter that keeps special-token text out of parsed content (src/parse/token-text.ts):
 * streamed in any chunking, it removes exactly what removing every token until none is left removes
 * (token occurrences never overlap, so the order of removals does not matter), and what it passes on
 * never holds a token.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { containsSpecialToken, specialTokenRegExp } from "../src/base/tokens.js";
import { TokenTextFilter } from "../src/parse/token-text.js";
import { cutAt } from "./parser-helpers.js";

/** The one-shot reference: remove tokens until none is left. */
function stripAll(s: string): string {
  const re = specialTokenRegExp("g");
  for (;;) {
    const next = s.replace(re, "");
    if (next === s) return s;
    s = next;
  }
}

function filter(pieces: string[]): string {
  let out = "";
  const f = new TokenTextFilter((s) => (out += s));
  for (const p of pieces) f.push(p);
  f.flush();
  return out;
}

const PIECES = ["<", "<|", "|", ">", "|>", "<|eot", "_id|>", "<|eot_id|>", "<|reserved_special_token_", "24", "7|>", "248|>", "<<", "a", " ", "<b>", "x < y", "<|python_tag|>", "é"];
const text = fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 3 })), { maxLength: 25 }).map((a) => a.join(""));

describe("special-token text filter", () => {
  it("equals the one-shot removal, in any chunking", () => {
    fc.assert(
      fc.property(text, fc.array(fc.nat(120), { maxLength: 8 }), (s, cuts) => {
        const expected = stripAll(s);
        expect(filter([s])).toBe(expected);
        expect(filter(cutAt(s, cuts))).toBe(expected);
        expect(filter(s.split(""))).toBe(expected);
        expect(containsSpecialToken(expected)).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });

  it("removes tokens that removals form", () => {
    expect(filter(["<|eot<|eot_id|>_id|>"])).toBe("");
    expect(filter(["a<|eo", "t_id|>b"])).toBe("ab");
    expect(filter(["<<<<|eot_id|>|eot_id|>|eot_id|>"])).toBe("<");
    expect(filter(["<|reserved_special_token_248|>"])).toBe("<|reserved_special_token_248|>"); // not a token
  });

  it("at the end of the content, drops a dangling prefix (whitespace after it included) only if what follows would complete a token", () => {
    const end = (pieces: string[], next: string) => {
      let out = "";
      const f = new TokenTextFilter((s) => (out += s));
      for (const p of pieces) f.push(p);
      f.dropIfJoins(next);
      f.flush();
      return out;
    };
    expect(end(["Hi <|eo"], "t_id|>")).toBe("Hi ");
    expect(end(["Hi <|eo", "  \n"], "t_id|>x")).toBe("Hi ");
    expect(end(["a <", " "], "|eot_id|>")).toBe("a ");
    expect(end(["Hi <|eo"], "print(1)")).toBe("Hi <|eo");
    expect(end(["Hi <|eo", " x"], "t_id|>")).toBe("Hi <|eo x"); // text followed: not at the end
  });

  it("holds bounded memory: runs of '<' are counted; past 16 nested prefixes the oldest is dropped, and no token is ever let through", () => {
    const f = new TokenTextFilter(() => {});
    f.push("<".repeat(1_000_000));
    expect(f.held).toBe(1_000_000);
    const deep = "<|eot".repeat(40) + "_id|>".repeat(40);
    const out = filter(deep.split(""));
    expect(containsSpecialToken(out)).toBe(false);
    let held = 0;
    const g = new TokenTextFilter(() => {});
    for (const c of "<|eot".repeat(1000)) {
      g.push(c);
      held = Math.max(held, g.held);
    }
    expect(held).toBeLessThanOrEqual(16 * 5 + 5);
  });
});
