/**
 * A real HTTP server on 127.0.0.1 (random port) that replays TGI's wire format, for tests of the
 * TGI helpers. Each request is recorded; the reply is scripted per test.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  json: any;
}

/** What the server answers: a status, headers, and body pieces written one by one. */
export interface ScriptedReply {
  status?: number;
  headers?: Record<string, string>;
  chunks: Array<string | Uint8Array>;
  /** After the chunks: "end" (default) closes cleanly, "destroy" cuts the connection. */
  finish?: "end" | "destroy";
}

export interface TgiTestServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const pause = () => new Promise<void>((r) => setImmediate(r));

export async function startTgiServer(reply: (req: RecordedRequest) => ScriptedReply): Promise<TgiTestServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<import("node:net").Socket>();
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    for await (const c of req) body += c;
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    const rec: RecordedRequest = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body, json };
    requests.push(rec);
    const r = reply(rec);
    res.writeHead(r.status ?? 200, { "content-type": "text/event-stream", ...(r.headers ?? {}) });
    res.flushHeaders();
    for (const c of r.chunks) {
      res.write(c);
      await pause(); // let each piece leave as its own TCP segment, so the client sees the splits
    }
    if (r.finish === "destroy") res.socket?.destroy();
    else res.end();
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface TokenFixture {
  tokens: Array<{ id: number; text: string; logprob: number; special: boolean }>;
  generated_text: string;
  finish_reason: string;
}

export function loadFixture(name: string): TokenFixture {
  return JSON.parse(readFileSync(new URL(`../../fixtures/tgi/${name}.json`, import.meta.url), "utf8")) as TokenFixture;
}

/**
 * The `/generate_stream` body TGI sends for these tokens: one `data:` event per token, the last
 * with `generated_text` (special tokens skipped) and `details`. `specialText: "empty"` blanks the
 * text of special tokens (as some servers do); `eol` picks the line ending.
 */
export function sseBody(
  fx: TokenFixture,
  opts: { specialText?: "token" | "empty"; eol?: "\n" | "\r\n" | "\r"; keepAlive?: boolean; final?: boolean } = {},
): string {
  const eol = opts.eol ?? "\n";
  let out = "";
  fx.tokens.forEach((t, i) => {
    const last = i === fx.tokens.length - 1 && opts.final !== false;
    const token = { ...t, text: t.special && opts.specialText === "empty" ? "" : t.text };
    const ev = {
      index: i + 1,
      token,
      top_tokens: null,
      generated_text: last ? fx.generated_text : null,
      details: last ? { finish_reason: fx.finish_reason, generated_tokens: fx.tokens.length, seed: null, input_length: 42 } : null,
    };
    if (opts.keepAlive && i % 3 === 0) out += `:${eol}${eol}`;
    out += `data:${JSON.stringify(ev)}${eol}${eol}`;
  });
  return out;
}

/** Splits a string's UTF-8 bytes into pieces of the given sizes (cycled), to cut anywhere. */
export function splitBytes(s: string, sizes: number[]): Uint8Array[] {
  const bytes = new TextEncoder().encode(s);
  const out: Uint8Array[] = [];
  let i = 0;
  let k = 0;
  while (i < bytes.length) {
    const n = Math.max(1, sizes[k++ % sizes.length]!);
    out.push(bytes.slice(i, i + n));
    i += n;
  }
  return out;
}
