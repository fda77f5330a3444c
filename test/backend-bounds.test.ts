/**
 * Bounds of the HTTP client, found by attack testing: a never-ending SSE line, a huge error body, an
 * endless non-stream body, a 200 answer that is not the content type asked for. The endless-line
 * memory bound is measured in a child process (its peak RSS and heap), not timed.
 */
import { spawn } from "node:child_process";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { BackendHttpError, BackendStreamError, generateChat, llamaCppBackend, streamChat, tgiBackend, vllmBackend, MAX_ERROR_BODY_BYTES } from "../src/backends/index.js";
import { startReplayServer, type ReplayServer, type ScriptedReply } from "./helpers/replay-server.js";
import { errorOf } from "./helpers/thrown.js";

const messages = [{ role: "user" as const, content: "hi" }];
let servers: ReplayServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
async function serve(reply: ScriptedReply) {
  const s = await startReplayServer(() => reply);
  servers.push(s);
  return s;
}
const tgiToken = (i: number) => `data:${JSON.stringify({ index: i, token: { id: 1000 + (i % 50), text: " word", logprob: 0, special: false }, generated_text: null, details: null })}\n\n`;

/** A server that writes `chunk` forever (respecting backpressure) until the client goes away; counts bytes. */
async function endless(head: string, chunk: string, status = 200, contentType = "text/event-stream") {
  let sent = 0;
  const sockets = new Set<Socket>();
  const server = createServer((_req, res: ServerResponse) => {
    res.writeHead(status, { "content-type": contentType });
    const buf = Buffer.from(chunk);
    res.write(head);
    const pump = () => {
      while (!res.destroyed) {
        sent += buf.length;
        if (!res.write(buf)) return void res.once("drain", pump);
      }
    };
    res.on("close", () => undefined);
    pump();
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push({
    url,
    requests: [],
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  });
  return { url, sent: () => sent };
}

describe("SSE line and event size", () => {
  it("a never-ending line stops at maxEventSize (~1 MB) with bounded memory, measured in a child process", async () => {
    const server = await endless("data: ", "x".repeat(64 * 1024));
    const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./helpers/endless-line-client.ts", import.meta.url)), server.url], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const code = await new Promise<number | null>((r) => child.on("close", r));
    expect(code, err).toBe(0);
    const result = JSON.parse(out.trim().split("\n").at(-1)!);
    expect(result).toMatchObject({ error: "BackendStreamError", code: "BACKEND_STREAM_ERROR", reason: "event_too_large" });
    // The client read about 1 MB of the line and let go: its memory grew by a few MB, not by what a
    // server can send (the unbounded client of the attack test passed 1 GB).
    expect(result.peakRssMb - result.baselineRssMb).toBeLessThan(64);
    expect(result.peakHeapMb).toBeLessThan(96);
    console.log(`endless line: client RSS ${result.baselineRssMb} → ${result.peakRssMb} MB, peak heap ${result.peakHeapMb} MB; server sent ${Math.round(server.sent() / 1024 / 1024)} MB`);
  });

  it("bounds one event's data across many lines too, and the size is configurable", async () => {
    const lines = Array.from({ length: 40 }, () => "data: " + "y".repeat(100)).join("\n");
    const server = await serve({ chunks: [lines + "\n\n"] });
    const e = await errorOf(streamChat(tgiBackend({ baseURL: server.url, maxEventSize: 1000 }), messages));
    expect(e).toBeInstanceOf(BackendStreamError);
    expect(e).toMatchObject({ reason: "event_too_large", backend: "tgi" });
    expect((e as Error).message).toContain("maxEventSize (1000 characters)");
  });
});

describe("response size", () => {
  it("an endless non-stream body stops at maxResponseBytes", async () => {
    const server = await endless('{"generated_text": "', "z".repeat(64 * 1024), 200, "application/json");
    const e = await errorOf(generateChat(tgiBackend({ baseURL: server.url, maxResponseBytes: 2 * 1024 * 1024 }), messages));
    expect(e).toBeInstanceOf(BackendStreamError);
    expect(e).toMatchObject({ reason: "response_too_large" });
  });

  it("a stream longer than maxResponseBytes stops there", async () => {
    const server = await serve({ chunks: Array.from({ length: 2000 }, (_, i) => tgiToken(i + 1)) });
    const e = await errorOf(streamChat(tgiBackend({ baseURL: server.url, maxResponseBytes: 50_000 }), messages));
    expect(e).toMatchObject({ reason: "response_too_large" });
  });
});

describe("error bodies", () => {
  it("keeps at most 64 KB of an endless error body", async () => {
    const server = await endless('{"error": "', "e".repeat(64 * 1024), 500, "application/json");
    const e = await errorOf(generateChat(llamaCppBackend({ baseURL: server.url }), messages));
    expect(e).toBeInstanceOf(BackendHttpError);
    const h = e as BackendHttpError;
    expect(h.status).toBe(500);
    expect(h.bodyTruncated).toBe(true);
    expect(h.body.length).toBeLessThanOrEqual(MAX_ERROR_BODY_BYTES);
    expect(h.body.startsWith('{"error": "eee')).toBe(true);
    expect(h.message.length).toBeLessThan(1000);
  });
});

describe("content type", () => {
  it.each([
    ["JSON to a stream request", "application/json", '{"generated_text": "hi"}'],
    ["an HTML page from a proxy", "text/html; charset=utf-8", "<html><body>Please log in</body></html>"],
    ["no content type", "", "data: x\n\n"],
  ])("a 200 answer with %s is BackendStreamError content_type, not a cut-off stream", async (_label, type, body) => {
    const server = await serve({ headers: { "content-type": type }, chunks: [body] });
    for (const backend of [tgiBackend({ baseURL: server.url }), vllmBackend({ baseURL: server.url, model: "m" }), llamaCppBackend({ baseURL: server.url })]) {
      const e = await errorOf(streamChat(backend, messages));
      expect(e).toBeInstanceOf(BackendStreamError);
      expect(e).toMatchObject({ reason: "content_type" });
      expect((e as Error).message).toContain(JSON.stringify(type || "(none)"));
      if (body.startsWith("<html>")) expect((e as Error).message).toContain("Please log in");
    }
  });

  it("a stream answer to TGI's /generate is content_type too", async () => {
    const server = await serve({ headers: { "content-type": "text/event-stream" }, chunks: [tgiToken(1)] });
    expect(await errorOf(generateChat(tgiBackend({ baseURL: server.url }), messages))).toMatchObject({ reason: "content_type" });
  });

  it("an event that is not JSON is invalid_event", async () => {
    const server = await serve({ chunks: ["data: {not json\n\n"] });
    expect(await errorOf(streamChat(tgiBackend({ baseURL: server.url }), messages))).toMatchObject({ reason: "invalid_event" });
  });
});
