/**
 * The only code that speaks HTTP to Cronicorn's API. It adds the credential, bounds every request in
 * time and size (src/net), never follows a redirect, sends again only what is safe to repeat, and
 * turns every failure into an error a user can act on.
 * Which credential to send, and what to do after a 401, is the Authorizer's business (src/auth).
 */
import type * as z from "zod";
import { ApiError, InvalidRequestError } from "./errors.js";
import { listToolHint, refusalAdvice } from "./hints.js";
import type { Logger } from "../core/log.js";
import { credentialHeaders, type Authorizer, type Credential } from "../auth/credential.js";
import { errorCode, failureKind, tlsAdvice } from "../net/errors.js";
import { MAX_RESPONSE_BYTES, send } from "../net/fetch.js";
import type { NetResponse } from "../net/fetch.js";
import { AuthRequiredError } from "../auth/errors.js";
import { NetworkError } from "../net/errors.js";

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
  /** Where Cronicorn answers an id it does not know with this status instead of 404 (test-now: a bare 500). */
  unknownIdStatus?: number;
}

export interface ClientOptions {
  apiUrl: string;
  timeoutMs: number;
  authorizer: Authorizer;
  logger: Logger;
}

/** The longest Retry-After the client waits out before answering; longer waits are reported instead. */
const MAX_RETRY_AFTER_MS = 10_000;

/** better-auth limits each API key to about 100 requests a minute and answers 401 (not 429) past it.
 *  A 401 after this many requests with the key in the last minute is most likely that limit; half the
 *  limit, because other processes may share the key. Would become CRONICORN_KEY_BURST if it needs tuning. */
const KEY_BURST_THRESHOLD = 50;
const KEY_BURST_WINDOW_MS = 60_000;

const RETRYABLE_GET_STATUS = new Set([502, 503, 504]);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class CronicornClient {
  /** When requests were sent with an API key in the last minute (for the 401-after-a-burst hint). */
  private readonly keyRequests: number[] = [];

  constructor(private readonly options: ClientOptions) {}

  async request<T = void>(spec: RequestSpec<T>): Promise<T> {
    const idempotent = spec.idempotent ?? (spec.method === "GET" || spec.method === "PUT" || spec.method === "DELETE");
    const body = serialise(spec);
    let credential = await this.options.authorizer.credential();
    let retriedAuth = false;
    let retriedRateLimit = false;
    let retriedTransient = false;

    for (;;) {
      let response: NetResponse;
      try {
        response = await this.send(spec, credential, body);
      } catch (error) {
        // A request whose connection broke may have reached the server: only a harmless one is sent again.
        if (idempotent && !retriedTransient && failureKind(error) === "connection-lost") {
          retriedTransient = true;
          this.options.logger.debug(`${spec.method} ${spec.path}: connection lost, sending once more`);
          continue;
        }
        throw this.networkError(spec, error, idempotent);
      }

      if (response.status >= 300 && response.status < 400) throw this.redirectError(spec, response);

      if (response.status === 401) {
        const next = retriedAuth ? null : await this.options.authorizer.unauthorized(credential);
        if (next) {
          retriedAuth = true;
          credential = next;
          continue;
        }
        throw credential.kind === "api-key" ? this.apiKeyRejected() : new AuthRequiredError();
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

  private async send(spec: RequestSpec<unknown>, credential: Credential, body: string | undefined): Promise<NetResponse> {
    const url = new URL(this.options.apiUrl + spec.path);
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: "application/json" };
    Object.assign(headers, credentialHeaders(credential));
    if (credential.kind === "api-key") this.noteKeyRequest();
    // Cronicorn's CSRF guard refuses (403) any non-GET request without a JSON content type, body or not.
    if (spec.method !== "GET") headers["content-type"] = "application/json";

    const started = Date.now();
    const response = await send(url, { method: spec.method, headers, ...(body === undefined ? {} : { body }), timeoutMs: this.options.timeoutMs });
    this.options.logger.debug(`${spec.method} ${spec.path} → ${response.status} in ${Date.now() - started} ms`);
    return response;
  }

  private noteKeyRequest(): void {
    this.keyRequests.push(Date.now());
    this.recentKeyRequests();
  }

  /** How many requests went out with the key in the last minute; older ones are forgotten. */
  private recentKeyRequests(): number {
    const since = Date.now() - KEY_BURST_WINDOW_MS;
    while ((this.keyRequests[0] ?? Infinity) < since) this.keyRequests.shift();
    return this.keyRequests.length;
  }

  private apiKeyRejected(): AuthRequiredError {
    const recent = this.recentKeyRequests();
    if (recent >= KEY_BURST_THRESHOLD) {
      return new AuthRequiredError(
        `Cronicorn answered 401 to CRONICORN_API_KEY after ${recent} requests with it in the last minute. That is most likely Cronicorn's per-key rate limit (about 100 requests a minute), not a bad key: wait a minute and try again, with fewer calls.`,
        false,
      );
    }
    return new AuthRequiredError(
      "Cronicorn rejected CRONICORN_API_KEY (401). Check the key in the Cronicorn dashboard (Settings → API keys) and update your MCP client's config.",
      false,
    );
  }

  private redirectError(spec: RequestSpec<unknown>, response: NetResponse): NetworkError {
    const location = response.header("location");
    let target = "another address";
    try {
      if (location) target = new URL(location, this.options.apiUrl).origin;
    } catch {
      // an unparsable Location: name no target
    }
    return new NetworkError(
      `Cronicorn answered ${spec.method} ${spec.path} with a redirect (${response.status}) to ${target}; it was not followed, so no credential was sent there. Check CRONICORN_API_URL (it should be the API's final address, e.g. https://api.cronicorn.com/api).`,
    );
  }

  private readBody<T>(spec: RequestSpec<T>, response: NetResponse): T {
    const text = response.text();
    if (response.status < 200 || response.status >= 300) throw errorFor(spec, response, isJson(response) ? parseJson(text) : undefined, text);
    if (!spec.response) return undefined as T;
    const json = parseJson(text);
    if (json === undefined && text.trim() !== "") {
      throw new NetworkError(
        `Cronicorn returned a response that is not valid JSON for ${spec.method} ${spec.path} (status ${response.status}). This is usually temporary; try again.`,
      );
    }
    // An empty body (204) is parsed as `undefined`: schemas that allow it (optional) accept it.
    const parsed = spec.response.safeParse(json);
    if (!parsed.success) {
      const detail = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join(".") || "body"}: ${i.message}`)
        .join("; ");
      throw new NetworkError(
        `Cronicorn returned an unexpected response for ${spec.method} ${spec.path} (${detail}). Is CRONICORN_API_URL pointing at a Cronicorn API?`,
      );
    }
    return parsed.data;
  }

  private unreachable(error: unknown): NetworkError {
    return new NetworkError(
      `Cannot reach Cronicorn at ${this.options.apiUrl} (${errorCode(error) ?? "network error"}). Check your network connection, proxy settings (HTTPS_PROXY, NO_PROXY) and CRONICORN_API_URL, then try again.`,
    );
  }

  private networkError(spec: RequestSpec<unknown>, error: unknown, idempotent: boolean): NetworkError {
    const what = `${spec.method} ${spec.path}`;
    const maybeApplied = idempotent ? "" : ` The request may or may not have been applied; check with ${verifyTool(spec.path)} before retrying.`;
    switch (failureKind(error)) {
      case "timeout":
        return new NetworkError(
          `Cronicorn did not answer ${what} within ${Math.round(this.options.timeoutMs / 1000)} s. It may be slow or unreachable.${maybeApplied || " Try again, or raise CRONICORN_TIMEOUT_MS."}`,
        );
      case "too-large":
        return new NetworkError(
          `Cronicorn's answer to ${what} was larger than ${Math.round(MAX_RESPONSE_BYTES / 1024 / 1024)} MiB and was refused. Ask for less (a smaller limit or time range) and try again.`,
        );
      case "tls":
        return new NetworkError(`Cronicorn at ${this.options.apiUrl} was not trusted: ${tlsAdvice(error)}.`);
      case "connection-lost":
        if (!idempotent) return new NetworkError(`The connection to Cronicorn broke during ${what} (${errorCode(error) ?? "connection lost"}).${maybeApplied}`);
        return this.unreachable(error);
      case "unreachable":
        return this.unreachable(error);
      default: {
        const detail = error instanceof Error ? error.message : String(error);
        return new NetworkError(`The request ${what} to Cronicorn failed (${detail}).${maybeApplied || " Try again."}`);
      }
    }
  }
}

/** The JSON body, or undefined; a body nested too deeply to serialise is the caller's input, not the network. */
function serialise(spec: RequestSpec<unknown>): string | undefined {
  if (spec.body === undefined) return undefined;
  try {
    return JSON.stringify(spec.body);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new InvalidRequestError(`The arguments for ${spec.method} ${spec.path} are too deeply nested to send. Flatten the nested values and try again.`);
    }
    throw new InvalidRequestError(
      `The arguments for ${spec.method} ${spec.path} cannot be sent as JSON (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
}

function errorFor(spec: RequestSpec<unknown>, response: NetResponse, body: unknown, text: string): ApiError {
  const status = response.status;
  const reason = messageOf(body) ?? plainText(response, text);
  if (status === 400 || status === 422) return new ApiError(rejection(status, issuesOf(body), reason), status, body);
  if (status === 403) {
    return new ApiError(
      `Cronicorn refused ${spec.method} ${spec.path} (403${reason ? `: ${reason}` : ""}). The credential may lack permission for this resource, the resource may belong to another account, or a proxy or firewall refused it.`,
      status,
      body,
    );
  }
  if (status === 404) return new ApiError(`Not found: ${spec.what ?? spec.path}. Check the id${listedBy(spec.path)}.`, status, body);
  if (status === 409) {
    if (spec.method === "POST" && spec.path === "/signing-keys") {
      return new ApiError(
        "Conflict: a signing key already exists for this account: use rotate_signing_key to replace it (get_signing_key shows the current one).",
        status,
        body,
      );
    }
    return new ApiError(`Conflict: ${sentence(reason ?? "the resource already exists or is in a conflicting state")}`, status, body);
  }
  if (status === 429) {
    const wait = retryAfterMs(response);
    return new ApiError(`Cronicorn is rate-limiting requests (429). Try again ${wait === null ? "in a little while" : waitInWords(wait)}.`, status, body);
  }
  if (status >= 500 && status === spec.unknownIdStatus) {
    return new ApiError(
      `Cronicorn had a server error (${status}) on ${spec.method} ${spec.path}, which is also how it answers when ${spec.what ?? "the resource"} does not exist: check the id${listedBy(spec.path)}. If the id is right, the fault is on Cronicorn's side; try again shortly.`,
      status,
      body,
    );
  }
  if (status >= 500) {
    return new ApiError(`Cronicorn had a server error (${status}) on ${spec.method} ${spec.path}. This is usually temporary; try again shortly.`, status, body);
  }
  // Business rules (free-tier limits, …) come as text/plain, and the text is the reason.
  return new ApiError(`Cronicorn refused ${spec.method} ${spec.path} (${status})${reason ? `: ${sentence(reason)}` : "."}`, status, body);
}

/**
 * A 400/422. Field issues (the API's ZodError) are named with their paths; a business rule's text
 * (free-tier limits come as text/plain, naming no field) is given as it is, with the next step.
 */
function rejection(status: number, issues: Issue[], reason: string | undefined): string {
  if (issues.length > 0) {
    const named = issues.some((issue) => issue.path !== "");
    return `Cronicorn rejected the request: ${sentence(issues.map((i) => i.text).join("; "))} ${named ? "Fix the named field(s) and try again." : CHANGE_IT}`;
  }
  if (!reason) return `Cronicorn rejected the request (${status}) without saying why. Check the arguments and try again.`;
  return `Cronicorn rejected the request: ${sentence(reason)} ${refusalAdvice(reason) ?? CHANGE_IT}`;
}

const CHANGE_IT = "Change the request accordingly and try again.";

/** The text as one sentence: a full stop added only when it does not already end like one. */
function sentence(text: string): string {
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}

/** " (list_jobs shows valid job ids)" for a path naming a listed resource, else nothing. */
function listedBy(path: string): string {
  const hint = listToolHint(path);
  return hint ? ` (${hint})` : "";
}

/** Which tool shows whether a possibly-applied request took effect. */
function verifyTool(path: string): string {
  if (/^\/jobs\/[^/]+\/endpoints|^\/endpoints\//.test(path)) return "list_endpoints";
  if (path.startsWith("/signing-keys")) return "get_signing_key";
  if (path.startsWith("/devices")) return "list_devices";
  return "list_jobs";
}

function isJson(response: NetResponse): boolean {
  const type = response.header("content-type");
  return type === undefined || /json/i.test(type);
}

/** A short text/plain body, as the reason (never HTML pages or huge texts). */
function plainText(response: NetResponse, text: string): string | undefined {
  if (!/^text\/plain/i.test(response.header("content-type") ?? "")) return undefined;
  const trimmed = text.trim().replace(/\s+/g, " ");
  if (trimmed === "") return undefined;
  return trimmed.length > 500 ? `${trimmed.slice(0, 500)}…` : trimmed;
}

/** The parsed JSON, or undefined for an empty or unparsable text. */
function parseJson(text: string): unknown {
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

interface Issue {
  /** The dotted field path; "" when the issue names no field. */
  path: string;
  text: string;
}

/** Field problems from a 400 with top-level `issues`, or the API's 422 `{error: {name: "ZodError", issues}}`. */
function issuesOf(body: unknown): Issue[] {
  if (!body || typeof body !== "object") return [];
  const nested = "error" in body && body.error && typeof body.error === "object" && "issues" in body.error ? body.error.issues : undefined;
  const issues = nested ?? ("issues" in body ? body.issues : undefined);
  if (!Array.isArray(issues)) return [];
  return issues.map((issue: unknown) => {
    if (!issue || typeof issue !== "object") return { path: "", text: String(issue) };
    const path = "path" in issue && Array.isArray(issue.path) ? issue.path.join(".") : "";
    const message = "message" in issue && typeof issue.message === "string" ? issue.message : "invalid";
    return { path, text: path ? `${path}: ${message}` : message };
  });
}

const DAY_MS = 86_400_000;

/** Retry-After in ms (seconds or an HTTP date), capped just past a day: a larger wait means the same to the user, and stays finite. */
function retryAfterMs(response: NetResponse): number | null {
  const header = response.header("retry-after");
  if (!header) return null;
  const seconds = Number(header);
  const date = Number.isNaN(seconds) ? Date.parse(header) : NaN;
  const ms = Number.isNaN(seconds) ? date - Date.now() : seconds * 1000;
  if (Number.isNaN(ms)) return null;
  return Math.min(Math.max(0, ms), DAY_MS + 1);
}

/** "in 3 s", "in 10 min", "in 2 h", or "in more than a day". */
function waitInWords(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 120) return `in ${seconds} s`;
  if (seconds < 7200) return `in ${Math.ceil(seconds / 60)} min`;
  if (ms <= DAY_MS) return `in ${Math.ceil(seconds / 3600)} h`;
  return "in more than a day";
}
