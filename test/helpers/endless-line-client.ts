/**
 * Child process of test/backend-bounds.test.ts: streams from the server at argv[2], which sends one
 * `data:` line that never ends, with the default bounds; prints what happened and the peak memory.
 * Run as `node --import tsx test/helpers/endless-line-client.ts URL`.
 */
import { streamChat, tgiBackend } from "../../src/backends/index.js";

const url = process.argv[2]!;
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
// Warm up (load and JIT the code path) so the baseline includes what the run itself needs.
await Promise.resolve();
global.gc?.();
const baselineRss = process.resourceUsage().maxRSS * 1024;
let peakHeap = process.memoryUsage().heapUsed;
const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 5);
let outcome: Record<string, unknown> = { error: null };
try {
  for await (const ev of streamChat(tgiBackend({ baseURL: url }), [{ role: "user", content: "hi" }], { timeout: 120_000 })) void ev;
} catch (e) {
  const x = e as { name?: string; code?: string; reason?: string; message?: string };
  outcome = { error: x.name, code: x.code, reason: x.reason, message: x.message };
}
clearInterval(sampler);
peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
const peakRss = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify({ ...outcome, baselineRssMb: mb(baselineRss), peakRssMb: mb(peakRss), peakHeapMb: mb(peakHeap) }));
