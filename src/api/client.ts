/**
 * The only code that speaks HTTP to Cronicorn. It adds the credential, bounds every request in
 * time, retries only where a retry is safe, and turns every failure into an error a user can act on.
 * Which credential to send, and what to do after a 401, is the Authorizer's business (src/auth).
 */
import type * as z from "zod";
import { ApiError, AuthRequiredError, NetworkError } from "./errors.js";
import { exchange } from "./http.js";
import type { HttpResponse } from "./http.js";
import type { Logger } from "../log.js";

export type Credential = { kind: "api-key"; value: string } | { kind: "bearer"; value: string };

/** The seam to sign-in and refresh: "give me a valid credential" and "this one got a 401". */
export interface Authorizer {
  credential(): Promise<Credential>;
  /** The API rejected `rejected` with 401: return a different credential to retry once with, or null to give up. */
  unauthorized(rejected: Credential): Promise<Credential | null>;
}

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RequestSpec<T> {
  method: HttpMethod;
  /** Path relative to the API base, starting with "/". */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Schema of a JSON success body; omit for 204 / ignored bodies. */
  response?: z.ZodType<T>;
  /** Names the resource in a 404 message, e.g. "job abc123". */
  what?: string;
  /** Whether repeating the request is harmless (defaults: GET, PUT, DELETE). */
  idempotent?: boolean;
}

export interface ClientOptions {
  apiUrl: string;
  timeoutMs: number;
  authorizer: Authorizer;
  logger: Logger;
}

/** The longest Retry-After the client waits out before answering; longer waits are reported instead. */
const MAX_RETRY_AFTER_MS = 10_000;

const RETRYABLE_GET_STATUS = new Set([502, 503, 504]);
const RESET_CODES = new Set(["ECONNRESET", "EPIPE"]);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class CronicornClient {
  constructor(private readonly options: ClientOptions) {}

  async request<T = void>(spec: RequestSpec<T>): Promise<T> {
    const idempotent = spec.idempotent ?? (spec.method === "GET" || spec.method === "PUT" || spec.method === "DELETE");
    let credential = await this.options.authorizer.credential();
    let retriedAuth = false;
    let retriedRateLimit = false;
    let retriedTransient = false;

    for (;;) {
      let response: HttpResponse;
      try {
        response = await this.send(spec, credential);
      } catch (error) {
        if (spec.method === "GET" && !retriedTransient && isConnectionReset(error)) {
          retriedTransient = true;
          this.options.logger.debug(`${spec.method} ${spec.path}: connection reset, retrying once`);
          continue;
        }
        throw this.networkError(spec, error);
      }

      if (response.status === 401) {
        const next = retriedAuth ? null : await this.options.authorizer.unauthorized(credential);
        if (next) {
          retriedAuth = true;
          credential = next;
          continue;
        }
        throw credential.kind === "api-key"
          ? new AuthRequiredError("Cronicorn rejected CRONICORN_API_KEY (401). Check the key in the Cronicorn dashboard (Settings → API keys) and update your MCP client's config.", false)
          : new AuthRequiredError();
      }

      if (response.status === 429 && idempotent && !retriedRateLimit) {
        const waitMs = retryAfterMs(response);
        if (waitMs !== null && waitMs <= MAX_RETRY_AFTER_MS) {
          retriedRateLimit = true;
          this.options.logger.debug(`${spec.method} ${spec.path}: rate limited, retrying in ${waitMs} ms`);
          await sleep(waitMs);
          continue;
        }
      }

      if (spec.method === "GET" && RETRYABLE_GET_STATUS.has(response.status) && !retriedTransient) {
        retriedTransient = true;
        this.options.logger.debug(`${spec.method} ${spec.path}: ${response.status}, retrying once`);
        continue;
      }

      return this.readBody(spec, response);
    }
  }

  private async send(spec: RequestSpec<unknown>, credential: Credential): Promise<HttpResponse> {
    const url = new URL(this.options.apiUrl + spec.path);
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: "application/json" };
    if (credential.kind === "api-key") headers["x-api-key"] = credential.value;
    else headers.authorization = `Bearer ${credential.value}`;
    if (spec.body !== undefined) headers["content-type"] = "application/json";

    const started = Date.now();
    const response = await exchange(url, {
      method: spec.method,
      headers,
      ...(spec.body === undefined ? {} : { body: JSON.stringify(spec.body) }),
      timeoutMs: this.options.timeoutMs,
    });
    this.options.logger.debug(`${spec.method} ${spec.path} → ${response.status} in ${Date.now() - started} ms`);
    return response;
  }

  private readBody<T>(spec: RequestSpec<T>, response: HttpResponse): T {
    const text = response.text;
    const json = parseJson(text);

    if (response.status < 200 || response.status >= 300) throw errorFor(spec, response, json);
    if (!spec.response) return undefined as T;
    if (json === undefined && text.trim() !== "") {
      throw new NetworkError(`Cronicorn returned a response that is not valid JSON for ${spec.method} ${spec.path} (status ${response.status}). This is usually temporary; try again.`);
    }
    // An empty body (204) is parsed as `undefined`: schemas that allow it (optional) accept it.
    const parsed = spec.response.safeParse(json);
    if (!parsed.success) {
      const detail = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
      throw new NetworkError(`Cronicorn returned an unexpected response for ${spec.method} ${spec.path} (${detail}). Is CRONICORN_API_URL pointing at a Cronicorn API?`);
    }
    return parsed.data;
  }

  private networkError(spec: RequestSpec<unknown>, error: unknown): NetworkError {
    if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
      return new NetworkError(`Cronicorn did not answer ${spec.method} ${spec.path} within ${Math.round(this.options.timeoutMs / 1000)} s. It may be slow or unreachable; try again, or raise CRONICORN_TIMEOUT_MS.`);
    }
    const code = errorCode(error);
    return new NetworkError(`Cannot reach Cronicorn at ${this.options.apiUrl}${code ? ` (${code})` : ""}. Check your network connection and CRONICORN_API_URL, then try again.`);
  }
}

function errorFor(spec: RequestSpec<unknown>, response: HttpResponse, body: unknown): ApiError {
  const status = response.status;
  const serverMessage = messageOf(body);
  if (status === 400) {
    const fields = issuesOf(body);
    const detail = fields.length > 0 ? fields.join("; ") : (serverMessage ?? "invalid request");
    return new ApiError(`Cronicorn rejected the request: ${detail}. Fix the named field(s) and try again.`, status, body);
  }
  if (status === 404) {
    return new ApiError(`Not found: ${spec.what ?? spec.path}. Check the id (list_jobs and list_endpoints show valid ids).`, status, body);
  }
  if (status === 409) {
    return new ApiError(`Conflict: ${serverMessage ?? "the resource already exists or is in a conflicting state"}.`, status, body);
  }
  if (status === 429) {
    const wait = retryAfterMs(response);
    const when = wait === null ? "in a little while" : `in ${Math.ceil(wait / 1000)} s`;
    return new ApiError(`Cronicorn is rate-limiting requests (429). Try again ${when}.`, status, body);
  }
  if (status >= 500) {
    return new ApiError(`Cronicorn had a server error (${status}) on ${spec.method} ${spec.path}. This is usually temporary; try again shortly.`, status, body);
  }
  return new ApiError(`Cronicorn answered ${status} to ${spec.method} ${spec.path}${serverMessage ? `: ${serverMessage}` : ""}.`, status, body);
}

function parseJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function messageOf(body: unknown): string | undefined {
  if (body && typeof body === "object" && "error" in body && typeof body.error === "string") return body.error;
  if (body && typeof body === "object" && "message" in body && typeof body.message === "string") return body.message;
  return undefined;
}

function issuesOf(body: unknown): string[] {
  if (!body || typeof body !== "object" || !("issues" in body) || !Array.isArray(body.issues)) return [];
  return body.issues.map((issue: unknown) => {
    if (!issue || typeof issue !== "object") return String(issue);
    const path = "path" in issue && Array.isArray(issue.path) ? issue.path.join(".") : "";
    const message = "message" in issue && typeof issue.message === "string" ? issue.message : "invalid";
    return path ? `${path}: ${message}` : message;
  });
}

function retryAfterMs(response: HttpResponse): number | null {
  const header = response.header("retry-after");
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    if (typeof current === "object" && "code" in current && typeof current.code === "string") return current.code;
    current = typeof current === "object" && "cause" in current ? current.cause : undefined;
  }
  return undefined;
}

function isConnectionReset(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && RESET_CODES.has(code);
}
