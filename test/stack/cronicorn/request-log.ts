/**
 * The request log tests assert on: one record per request, appended on arrival (so the order is
 * the order requests came in) and completed with the final status before the response is sent.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { RequestRecord } from "./types.js";

const droppedRequests = new WeakSet<Request>();

/** Called by the drop fault: the request gets no response, logged as status 0. */
export function markDropped(c: Context): void {
  droppedRequests.add(c.req.raw);
}

/** `log` is read per request, so the owner may truncate or replace its array at any time. */
export function requestLogMiddleware(log: () => RequestRecord[]): MiddlewareHandler {
  return async (c, next) => {
    const headers = c.req.raw.headers;
    const record: RequestRecord = { method: c.req.method, path: c.req.path, status: 0, auth: credentialOf(headers), at: Date.now() };
    const userAgent = headers.get("user-agent");
    if (userAgent !== null) record.userAgent = userAgent;
    log().push(record);
    await next();
    record.status = droppedRequests.has(c.req.raw) ? 0 : c.res.status;
  };
}

/** Same precedence as authentication (authn.ts): an API key wins over a bearer. */
function credentialOf(headers: Headers): RequestRecord["auth"] {
  if (headers.has("x-api-key")) return "api-key";
  if (/^bearer\s/i.test(headers.get("authorization") ?? "")) return "bearer";
  return "none";
}
