/**
 * "Test now": performs an endpoint's HTTP request for real, the way Cronicorn's runner does, and
 * reports the outcome. Refused connections, timeouts and non-2xx answers are failed runs, not errors.
 */
import type { EndpointSettings, RunOutcome } from "./data.js";

type RunTarget = Pick<EndpointSettings, "url" | "method" | "headersJson" | "bodyJson" | "timeoutMs" | "maxResponseSizeKb">;

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESPONSE_KB = 100;

/** `stop` aborts the request when the stand-in closes, so no fetch outlives it. */
export async function runEndpoint(target: RunTarget, stop: AbortSignal): Promise<RunOutcome> {
  const timeoutMs = target.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const startedAt = new Date();
  const finish = (fields: Omit<RunOutcome, "startedAt" | "finishedAt" | "durationMs">): RunOutcome => {
    const finishedAt = new Date();
    return { ...fields, startedAt, finishedAt, durationMs: finishedAt.getTime() - startedAt.getTime() };
  };
  try {
    const response = await fetch(target.url, {
      ...requestInit(target),
      signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), stop]),
    });
    const responseBody = parseBody(await response.text(), target.maxResponseSizeKb ?? DEFAULT_MAX_RESPONSE_KB);
    if (response.ok) return finish({ status: "success", statusCode: response.status, responseBody });
    const errorMessage = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
    return finish({ status: "failed", statusCode: response.status, responseBody, errorMessage });
  } catch (error) {
    return finish({ status: "failed", errorMessage: describeFetchError(error, timeoutMs) });
  }
}

function requestInit(target: RunTarget): RequestInit {
  const headers = new Headers(target.headersJson);
  const init: RequestInit = { method: target.method, headers, redirect: "follow" };
  const hasBody = target.bodyJson !== undefined && target.method !== "GET";
  if (hasBody) {
    init.body = typeof target.bodyJson === "string" ? target.bodyJson : JSON.stringify(target.bodyJson);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  return init;
}

/** JSON bodies come back parsed, anything else as text; both cut to the endpoint's size limit. */
function parseBody(text: string, maxKb: number): unknown {
  const limited = text.length > maxKb * 1024 ? text.slice(0, maxKb * 1024) : text;
  if (limited === "") return undefined;
  try {
    return JSON.parse(limited) as unknown;
  } catch {
    return limited;
  }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === "TimeoutError") return `Request timed out after ${timeoutMs}ms`;
  if (error instanceof DOMException && error.name === "AbortError") return "Request aborted: the server is shutting down";
  if (error instanceof Error) {
    // undici hides the socket-level reason (ECONNREFUSED, ENOTFOUND, …) in `cause`.
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}
