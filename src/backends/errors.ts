/**
 * Errors of the backend layer: the server answered with an error status or could not be reached
 * (`BackendHttpError`), a response failed after its status was fine (`BackendStreamError`), or the
 * call ran out of time (`BackendTimeoutError`). `path` is `[]`: these are about a server reply, not
 * about an argument.
 */
import { LlamaPromptError } from "../base/errors.js";

/** At most this many characters of an error body are kept (the rest is never read). */
export const MAX_ERROR_BODY_BYTES = 65_536;

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) + "…" : s;
}

/**
 * The server answered with a non-2xx status, or could not be reached (`status` 0). `serverMessage`
 * / `serverErrorType` are the server's own error fields when its body had them (TGI
 * `{"error", "error_type"}`, vLLM and llama.cpp `{"error": {"message", "type"}}`); `body` is the
 * raw body, at most {@link MAX_ERROR_BODY_BYTES} of it.
 */
export class BackendHttpError extends LlamaPromptError {
  static override readonly errorName: string = "BackendHttpError";
  /** Which backend (`"tgi"`, `"vllm"`, `"llamacpp"` or a custom backend's name). */
  readonly backend: string;
  readonly status: number;
  readonly statusText: string;
  readonly url: string;
  readonly body: string;
  /** True when the body was longer than what was kept. */
  readonly bodyTruncated: boolean;
  readonly serverMessage: string | undefined;
  readonly serverErrorType: string | undefined;
  constructor(
    init: {
      backend: string;
      status: number;
      url: string;
      statusText?: string;
      body?: string;
      bodyTruncated?: boolean;
      serverMessage?: string;
      serverErrorType?: string;
    },
    options?: { cause?: unknown },
  ) {
    const cause = options?.cause;
    const detail =
      init.status === 0
        ? `${init.backend}: could not reach ${init.url}${cause instanceof Error ? `: ${clip(cause.message, 300)}` : ""}`
        : `${init.backend} returned HTTP ${init.status}${init.statusText ? ` ${init.statusText}` : ""} for ${init.url}` +
          (init.serverMessage !== undefined
            ? `: ${clip(init.serverMessage, 500)}${init.serverErrorType ? ` (${clip(init.serverErrorType, 100)})` : ""}`
            : init.body
              ? `: ${clip(init.body, 500)}`
              : "");
    super("BACKEND_HTTP_ERROR", detail, options);
    this.backend = init.backend;
    this.status = init.status;
    this.statusText = init.statusText ?? "";
    this.url = init.url;
    this.body = init.body ?? "";
    this.bodyTruncated = init.bodyTruncated ?? false;
    this.serverMessage = init.serverMessage;
    this.serverErrorType = init.serverErrorType;
  }
}

/** Why a response failed after its HTTP status was fine. */
export type BackendStreamErrorReason =
  /** The server sent an error event (`{"error": ...}`) in the stream. */
  | "error_event"
  /** The stream ended before the server's final event: the connection was cut off. */
  | "truncated"
  /** An event (or a non-stream body) is not what the server's wire format says. */
  | "invalid_event"
  /** A 2xx response with a content type other than the one asked for (HTML from a proxy, JSON instead of a stream...). */
  | "content_type"
  /** The response had no body. */
  | "no_body"
  /** Reading the body failed (connection reset...). */
  | "network"
  /** One line or event of the stream is longer than `maxEventSize`. */
  | "event_too_large"
  /** The response is longer than `maxResponseBytes`. */
  | "response_too_large"
  /** `toolChoice` asked for a tool call, the server was asked to constrain the output, and the output is not such a call. */
  | "constraint_not_honoured";

/** A response failed after its HTTP status was fine (see {@link BackendStreamErrorReason}). */
export class BackendStreamError extends LlamaPromptError {
  static override readonly errorName: string = "BackendStreamError";
  readonly backend: string;
  readonly reason: BackendStreamErrorReason;
  /** The server's own error message, for `error_event`. */
  readonly serverMessage: string | undefined;
  readonly serverErrorType: string | undefined;
  /** Tokens received before the failure. */
  readonly tokensReceived: number;
  constructor(
    backend: string,
    reason: BackendStreamErrorReason,
    message: string,
    init: { serverMessage?: string; serverErrorType?: string; tokensReceived?: number } = {},
    options?: { cause?: unknown },
  ) {
    super("BACKEND_STREAM_ERROR", `${backend}: ${message}`, options);
    this.backend = backend;
    this.reason = reason;
    this.serverMessage = init.serverMessage;
    this.serverErrorType = init.serverErrorType;
    this.tokensReceived = init.tokensReceived ?? 0;
  }
}

/** The call took longer than its `timeout` (milliseconds) and was aborted. */
export class BackendTimeoutError extends LlamaPromptError {
  static override readonly errorName: string = "BackendTimeoutError";
  readonly backend: string;
  readonly timeout: number;
  constructor(backend: string, timeout: number, options?: { cause?: unknown }) {
    super("BACKEND_TIMEOUT", `${backend}: no complete answer within the timeout of ${timeout} ms (options.timeout; false turns it off)`, options);
    this.backend = backend;
    this.timeout = timeout;
  }
}
