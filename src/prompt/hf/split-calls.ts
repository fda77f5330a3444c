/**
 * `splitToolCalls` (hf dialect): an assistant message with N tool calls, followed by its N tool
 * results, becomes the equivalent conversation the official template accepts — N single-call
 * assistant turns, each followed by its result:
 *
 *   assistant [A, B], tool (B), tool (A)   →   assistant [A], tool (A), assistant [B], tool (B)
 *
 * Results are the tool messages right after the assistant message. A result whose `tool_call_id`
 * names one of the calls answers that call; the others answer the remaining calls in order. A call
 * without a result stays without one (its turn is followed by the next call's); results beyond the
 * calls keep their place after the last pair. A message with one call, and every other message, is
 * left exactly as it is: for any conversation the template accepts, the option changes nothing.
 */
import { InvalidMessageError } from "../../base/errors.js";
import type { NormalizedMessage } from "../message-types.js";

type ToolResult = Extract<NormalizedMessage, { kind: "tool_result" }>;

/** Splits every multi-call assistant message into single-call turns paired with their results. */
export function splitToolCalls(messages: readonly NormalizedMessage[]): NormalizedMessage[] {
  const out: NormalizedMessage[] = [];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    if (m.kind !== "tool_call" || m.calls.length < 2) {
      out.push(m);
      continue;
    }
    const calls = m.calls;
    const answer: Array<ToolResult | undefined> = calls.map(() => undefined);
    const byOrder: ToolResult[] = [];
    const withIds = calls.some((c) => c.id !== undefined);
    // The tool messages right after the assistant message, in order.
    while (messages[i + 1]?.kind === "tool_result") {
      const r = messages[++i] as ToolResult;
      const id = r.toolCallId;
      const k = id === undefined ? -1 : calls.findIndex((c) => c.id === id);
      const earlier = answer[k];
      if (k >= 0 && earlier === undefined) answer[k] = r;
      else if (k < 0 && (id === undefined || !withIds)) byOrder.push(r);
      else {
        throw new InvalidMessageError(
          `tool_call_id ${JSON.stringify(id)} ` +
            (earlier === undefined
              ? `answers none of the ${calls.length} calls of messages[${m.index}] (their ids: ${calls.map((c) => (c.id === undefined ? "none" : JSON.stringify(c.id))).join(", ")})`
              : `answers call ${k} of messages[${m.index}], which messages[${earlier.index}] already answers`),
          ["messages", r.index, "tool_call_id"],
        );
      }
    }
    const extra: ToolResult[] = [];
    for (const r of byOrder) {
      const k = answer.indexOf(undefined);
      if (k < 0) extra.push(r);
      else answer[k] = r;
    }
    calls.forEach((call, k) => {
      out.push({ ...m, calls: [call] });
      const r = answer[k];
      if (r !== undefined) out.push(r);
    });
    out.push(...extra);
  }
  return out;
}
