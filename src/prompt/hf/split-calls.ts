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
import type { NormalizedMessage } from "../messages.js";

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
    const results: ToolResult[] = [];
    while (i + 1 < messages.length && messages[i + 1]!.kind === "tool_result") results.push(messages[++i] as ToolResult);

    const answer: Array<ToolResult | undefined> = m.calls.map(() => undefined);
    const byOrder: ToolResult[] = [];
    const withIds = m.calls.some((c) => c.id !== undefined);
    for (const r of results) {
      if (r.toolCallId === undefined) {
        byOrder.push(r);
        continue;
      }
      const k = m.calls.findIndex((c) => c.id === r.toolCallId);
      if (k < 0) {
        if (!withIds) {
          byOrder.push(r);
          continue;
        }
        throw new InvalidMessageError(
          `tool_call_id ${JSON.stringify(r.toolCallId)} answers none of the ${m.calls.length} calls of messages[${m.index}] ` +
            `(their ids: ${m.calls.map((c) => (c.id === undefined ? "none" : JSON.stringify(c.id))).join(", ")})`,
          ["messages", r.index, "tool_call_id"],
        );
      }
      const earlier = answer[k];
      if (earlier !== undefined) {
        throw new InvalidMessageError(
          `tool_call_id ${JSON.stringify(r.toolCallId)} answers call ${k} of messages[${m.index}], which messages[${earlier.index}] already answers`,
          ["messages", r.index, "tool_call_id"],
        );
      }
      answer[k] = r;
    }
    const extra: ToolResult[] = [];
    for (const r of byOrder) {
      const k = answer.indexOf(undefined);
      if (k < 0) extra.push(r);
      else answer[k] = r;
    }
    m.calls.forEach((call, k) => {
      out.push({ ...m, calls: [call] });
      const r = answer[k];
      if (r !== undefined) out.push(r);
    });
    out.push(...extra);
  }
  return out;
}
