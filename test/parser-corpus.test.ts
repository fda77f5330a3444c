import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAssistantOutput } from "../src/parse/index.js";
import { checkEvents, chunkString, chunkTokens, cutAt, loadCorpus, run, withoutIds } from "./parser-helpers.js";

const corpus = loadCorpus();

describe("output corpus (fixtures/outputs)", () => {
  it("has at least 40 cases", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
  });

  for (const c of corpus) {
    describe(c.id, () => {
      const whole = (): unknown => {
        if (typeof c.input === "string") return withoutIds(parseAssistantOutput(c.input, c.options));
        return withoutIds(checkEvents(run(c.input, c.options)));
      };

      it("parses to the expected message", () => {
        expect(whole()).toEqual({ role: "assistant", ...c.expected });
      });

      it("gives the same message, and consistent events, in 1-, 2- and 3-character chunks", () => {
        for (const n of [1, 2, 3]) {
          const chunks = typeof c.input === "string" ? chunkString(c.input, n) : chunkTokens(c.input, n);
          const message = checkEvents(run(chunks, c.options));
          expect(withoutIds(message)).toEqual({ role: "assistant", ...c.expected });
        }
      });

      it("gives the same message for random chunkings", () => {
        const input = c.input;
        if (typeof input === "string") {
          fc.assert(
            fc.property(fc.array(fc.nat(input.length), { maxLength: 12 }), (cuts) => {
              const message = checkEvents(run(cutAt(input, cuts), c.options));
              expect(withoutIds(message)).toEqual({ role: "assistant", ...c.expected });
            }),
            { numRuns: 60 },
          );
        } else {
          fc.assert(
            fc.property(fc.integer({ min: 1, max: 8 }), (n) => {
              const message = checkEvents(run(chunkTokens(input, n), c.options));
              expect(withoutIds(message)).toEqual({ role: "assistant", ...c.expected });
            }),
            { numRuns: 8 },
          );
        }
      });
    });
  }
});
