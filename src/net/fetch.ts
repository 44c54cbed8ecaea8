/**
 * One HTTP exchange through the shared dispatcher, bounded in size and time: the body is read as a
 * stream and refused once it passes a cap, and one deadline covers connect to last byte. Redirects are
 * never followed (undici's request does not), so a credential can never be carried to another server.
 */
import type { CustomFetch } from "openid-client";
import pkg from "../../package.json" with { type: "json" };
import { dispatcher, loadUndici } from "./dispatcher.js";

import { DeadlineError, PlainHttpRefusedError, ResponseTooLargeError } from "./errors.js";
import { isSecureOrLoopback } from "../core/urls.js";

/** Larger answers are refused: nothing this server asks for comes near it, and a hostile or broken
 *  server must not be able to exhaust memory (or build a tool result too large for the client). */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** Deadline for openid-client's requests (discovery, device, token, refresh, revocation); its own
 *  per-request timeouts still apply within it. Would become CRONICORN_OAUTH_TIMEOUT_MS if ever needed. */
export const OAUTH_DEADLINE_MS = 30_000;

/** On every request, sign-in included: Cronicorn names each session in its device list by the User-Agent that created it. */
export const USER_AGENT = `cronicorn-mcp/${pkg.version}`;

export interface NetRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Aborts the exchange early (e.g. openid-client's own signal). */
  signal?: AbortSignal;
  maxBytes?: number;
}

export interface NetResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  header(name: string): string | undefined;
  body: Buffer;
  text(): string;
}

/** Rejects with DeadlineError, ResponseTooLargeError, or undici's error (whose `code` names the cause). */
export async function send(url: URL | string, request: NetRequest): Promise<NetResponse> {
  const [{ request: undiciRequest }, agent] = await Promise.all([loadUndici(), dispatcher()]);
  // One timer per exchange, cleared at the end (AbortSignal.timeout's timer outlives the request).
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([deadline.signal, request.signal]) : deadline.signal;
  const maxBytes = request.maxBytes ?? MAX_RESPONSE_BYTES;
  try {
    const response = await undiciRequest(url, {
      method: request.method as "GET",
      headers: withUserAgent(request.headers),
      ...(request.body === undefined ? {} : { body: request.body }),
      dispatcher: agent,
      signal,
    });
    const body = await readCapped(response.body, Number(response.headers["content-length"] ?? NaN), maxBytes);
    const headers = response.headers;
    return {
      status: response.statusCode,
      headers,
      header: (name) => {
        const value = headers[name.toLowerCase()];
        return Array.isArray(value) ? value[0] : value;
      },
      body,
      text: () => body.toString("utf8"),
    };
  } catch (error) {
    if (deadline.signal.aborted) throw new DeadlineError(request.timeoutMs);
    if (request.signal?.aborted) throw request.signal.reason ?? error;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** The headers with ours as the one User-Agent (openid-client sends its own, which would name the session after it). */
function withUserAgent(headers: Record<string, string>): Record<string, string> {
  const others = Object.entries(headers).filter(([name]) => name.toLowerCase() !== "user-agent");
  return { ...Object.fromEntries(others), "user-agent": USER_AGENT };
}

async function readCapped(stream: AsyncIterable<Buffer> & { destroy(error?: Error): void }, declared: number, maxBytes: number): Promise<Buffer> {
  if (declared > maxBytes) {
    stream.destroy();
    throw new ResponseTooLargeError(maxBytes);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.length;
    if (total > maxBytes) {
      stream.destroy();
      throw new ResponseTooLargeError(maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/**
 * openid-client's `customFetch`: its whole traffic through the shared dispatcher, capped and bounded
 * like every other request, answered as a standard (global) Response that openid-client accepts.
 */
export const netFetch: CustomFetch = async (url, options) => {
  // openid-client's allowInsecureRequests is per configuration, granted because one address (the
  // issuer, or the token endpoint) is this machine: every other address must earn plain http too.
  const target = new URL(url);
  if (!isSecureOrLoopback(target)) throw new PlainHttpRefusedError(target.origin);
  const response = await send(url, {
    method: options.method,
    headers: options.headers,
    ...(options.body === undefined || options.body === null ? {} : { body: await bodyText(options.body) }),
    timeoutMs: OAUTH_DEADLINE_MS,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return new Response(NULL_BODY_STATUS.has(response.status) ? null : response.body, { status: response.status, headers });
};

async function bodyText(body: NonNullable<Parameters<CustomFetch>[1]["body"]>): Promise<string> {
  if (typeof body === "string") return body;
  if (body instanceof URLSearchParams) return body.toString();
  return new Response(body).text();
}
