/**
 * Fault switches: tests make the stand-in slow, failing, rate-limited, truncated or silent before
 * routing, to check how the client copes. Rules apply in the order they were set; delays stack,
 * and the first rule that answers (status, drop, rateLimit, malformedJson) ends the request.
 */
import type { MiddlewareHandler } from "hono";
import type { HttpBindings } from "@hono/node-server";
import type { FaultRule } from "./types.js";
import { markDropped } from "./request-log.js";

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
}

/** Without `match`, faults hit the Cronicorn API only: not better-auth, not the web pages. */
const DEFAULT_MATCH = /^\/api\/(?!auth(\/|$))/;

const STATUS_BODIES: Record<500 | 502 | 503 | 504, object> = {
  500: { message: "Internal Server Error" },
  502: { error: "Bad gateway", status: 502 },
  503: { error: "Service unavailable", status: 503 },
  504: { error: "Gateway timeout", status: 504 },
};

/** What Cronicorn's limiter advertises; the values only need to be plausible. */
const RATE_LIMIT = 100;

export class Faults {
  private rules: ActiveRule[] = [];

  set(rule: FaultRule): void {
    this.rules.push({ rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.rules = [];
  }

  /** The rules that apply to `path`, each use counted against its `times`. */
  take(path: string): FaultRule[] {
    const hits = this.rules.filter(({ rule }) => (rule.match ?? DEFAULT_MATCH).test(path));
    for (const hit of hits) hit.remaining -= 1;
    this.rules = this.rules.filter((active) => active.remaining > 0);
    return hits.map(({ rule }) => rule);
  }
}

/** `stop` ends pending delays when the stand-in closes, so close() is never held up by a fault. */
export function faultMiddleware(faults: Faults, stop: AbortSignal): MiddlewareHandler<{ Bindings: HttpBindings }> {
  return async (c, next) => {
    for (const rule of faults.take(c.req.path)) {
      switch (rule.kind) {
        case "delay":
          await sleep(rule.ms, stop);
          break;
        case "status":
          return c.json(STATUS_BODIES[rule.status], rule.status);
        case "rateLimit":
          return rateLimited(rule.retryAfterS);
        case "malformedJson":
          return new Response('{"jobs":[{"id":"', { status: 200, headers: { "content-type": "application/json" } });
        case "drop":
          markDropped(c);
          c.env.incoming.socket.destroy();
          // Nothing reaches the client: the socket is gone. Hono still wants a Response.
          return new Response(null, { status: 204 });
      }
    }
    await next();
  };
}

function rateLimited(retryAfterS: number): Response {
  const resetAt = Math.ceil(Date.now() / 1000) + retryAfterS;
  return new Response(JSON.stringify({ error: "Too many requests", status: 429 }), {
    status: 429,
    headers: {
      "content-type": "application/json",
      "retry-after": String(retryAfterS),
      "x-ratelimit-limit": String(RATE_LIMIT),
      "x-ratelimit-remaining": "0",
      // Epoch seconds at which the window resets.
      "x-ratelimit-reset": String(resetAt),
    },
  });
}

function sleep(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (stop.aborted) return resolve();
    const timer = setTimeout(done, ms);
    stop.addEventListener("abort", done, { once: true });
    function done(): void {
      clearTimeout(timer);
      stop.removeEventListener("abort", done);
      resolve();
    }
  });
}
