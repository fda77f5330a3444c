/**
 * A real HTTP server on 127.0.0.1 (random port) for tests and offline examples: each request is
 * recorded, and the reply is scripted — a status, headers, and body pieces written one by one (so
 * the client sees them split), ending cleanly or by cutting the connection.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

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
  /** After the chunks: "end" (default) closes cleanly, "destroy" cuts the connection, "hang" keeps it open. */
  finish?: "end" | "destroy" | "hang";
}

export interface ReplayServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const pause = () => new Promise<void>((r) => setImmediate(r));

export async function startReplayServer(reply: (req: RecordedRequest) => ScriptedReply | Promise<ScriptedReply>): Promise<ReplayServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
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
    let r: ScriptedReply;
    try {
      r = await reply(rec);
    } catch (e) {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(`replay server: ${e instanceof Error ? e.stack : String(e)}`);
      return;
    }
    res.writeHead(r.status ?? 200, { "content-type": "text/event-stream", ...(r.headers ?? {}) });
    res.flushHeaders();
    for (const c of r.chunks) {
      if (res.destroyed) return;
      res.write(c);
      await pause(); // let each piece leave as its own TCP segment, so the client sees the splits
    }
    if (r.finish === "destroy") res.socket?.destroy();
    else if (r.finish !== "hang") res.end();
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
