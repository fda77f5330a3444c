/**
 * `llama-prompt serve` as a process: start, usage errors, clean shutdown on SIGTERM / SIGINT with
 * a request in flight, and `render` / `parse` never loading the server.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startReplayServer, type ReplayServer } from "./helpers/replay-server.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const TIMEOUT = 30_000;

function start(args: string[], env: Record<string, string> = {}, extraImports: string[] = []): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ["--import", "tsx", ...extraImports.flatMap((i) => ["--import", i]), "src/cli/main.ts", ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
}

function collect(child: ChildProcessWithoutNullStreams) {
  const out = { stdout: "", stderr: "", code: undefined as number | null | undefined };
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out.stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (out.stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve((out.code = code))));
  return { out, exited };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) { // up to 50 s: a loaded machine starts tsx slowly; this is a wait, not a timing check
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const children: ChildProcessWithoutNullStreams[] = [];
const servers: ReplayServer[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
  for (const s of servers.splice(0)) await s.close();
});

const TGI_EVENT = (i: number, text: string, id: number, last: boolean) =>
  `data:${JSON.stringify({
    index: i,
    token: { id, text, logprob: 0, special: id >= 128000 },
    generated_text: last ? "Hi" : null,
    details: last ? { finish_reason: "eos_token", generated_tokens: i, seed: null, input_length: 10 } : null,
  })}\n\n`;

describe("llama-prompt serve (process)", { timeout: TIMEOUT }, () => {
  it("usage errors exit 2 with one line; --help exits 0", async () => {
    for (const [args, pattern] of [
      [["serve"], /--backend is required/],
      [["serve", "--backend", "openai", "--url", "http://127.0.0.1:1"], /--backend must be tgi, vllm or llamacpp/],
      [["serve", "--backend", "tgi"], /--url is required/],
      [["serve", "--backend", "vllm", "--url", "http://127.0.0.1:1"], /--model is required/],
      [["serve", "--backend", "tgi", "--url", "http://127.0.0.1:1", "--port", "70000"], /--port must be at most 65535/],
      [["serve", "--backend", "tgi", "--url", "not a url"], /--url/],
      [["serve", "--backend", "tgi", "--url", "http://127.0.0.1:1", "--bogus"], /bogus/],
    ] as const) {
      const c = start([...args]);
      const { out, exited } = collect(c);
      expect(await exited, out.stderr).toBe(2);
      expect(out.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(out.stderr).toMatch(pattern);
    }
    const help = start(["serve", "--help"]);
    const h = collect(help);
    expect(await h.exited).toBe(0);
    expect(h.out.stdout).toMatch(/^Usage: llama-prompt serve/);
  });

  it("SIGTERM: stops accepting, lets the request in flight finish, exits 0", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let arrived = false;
    const tgi = await startReplayServer(async () => {
      arrived = true;
      await held;
      return { chunks: [TGI_EVENT(1, "Hi", 13347, false), TGI_EVENT(2, "", 128009, true)] };
    });
    servers.push(tgi);
    const child = start(["serve", "--backend", "tgi", "--url", tgi.url, "--port", "0", "--shutdown-grace", "20000"]);
    children.push(child);
    const { out, exited } = collect(child);
    await until(() => /listening on (http:\/\/\S+)\/v1/.test(out.stderr), "the server to listen");
    const url = /listening on (http:\/\/\S+)\/v1/.exec(out.stderr)![1]!;
    const reply = fetch(`${url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "Hi" }] }) });
    await until(() => arrived, "the request to reach the backend");
    child.kill("SIGTERM");
    await until(() => /SIGTERM, shutting down/.test(out.stderr), "the shutdown message");
    // New connections are refused while the request in flight goes on.
    await expect(fetch(`${url}/v1/models`)).rejects.toThrow();
    release();
    const r = await reply;
    expect(r.status).toBe(200);
    expect((await r.json()).choices[0].message.content).toBe("Hi");
    expect(await exited).toBe(0);
    expect(out.stderr).toMatch(/stopped\n$/);
    // One log line for the request.
    expect(out.stderr.split("\n").filter((l) => / POST \/v1\/chat\/completions /.test(l))).toHaveLength(1);
  });

  it("SIGINT with nothing in flight exits 0 at once", async () => {
    const child = start(["serve", "--backend", "llamacpp", "--url", "http://127.0.0.1:9", "--port", "0", "--quiet"]);
    children.push(child);
    const { out, exited } = collect(child);
    await until(() => /listening on/.test(out.stderr), "the server to listen");
    child.kill("SIGINT");
    expect(await exited).toBe(0);
  });

  it("render and parse never load the server or the backends; serve does", async () => {
    const dir = mkdtempSync(join(tmpdir(), "llama-prompt-trace-"));
    const loaded = async (args: string[], stdin: string) => {
      const file = join(dir, `${args[0]}-${Math.random()}.txt`);
      const c = start(args, { LOAD_TRACE_FILE: file }, ["./test/helpers/trace-loads.mjs"]);
      const { exited } = collect(c);
      c.stdin.end(stdin);
      expect(await exited).toBe(0);
      return readFileSync(file, "utf8").split("\n").filter((u) => u.includes("/src/"));
    };
    for (const [args, stdin] of [
      [["render"], JSON.stringify({ messages: [{ role: "user", content: "Hi" }] })],
      [["parse"], "Hi<|eot_id|>"],
    ] as const) {
      const urls = await loaded([...args], stdin);
      expect(urls.some((u) => u.endsWith("/src/cli/main.ts"))).toBe(true);
      expect(urls.filter((u) => /\/src\/(cli\/serve|backends\/|adapters\/)/.test(u))).toEqual([]);
    }
    const serveUrls = await loaded(["serve", "--help"], "");
    expect(serveUrls.some((u) => u.endsWith("/src/cli/serve.ts"))).toBe(true);
  });
});
