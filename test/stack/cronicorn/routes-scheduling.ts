/** /endpoints/:id adaptive scheduling: interval and one-shot hints, pause/resume, clear hints, reset failures. All answer 204. */
import { Hono } from "hono";
import type { ApiEnv } from "./authn.js";
import type { EndpointRecord, Store } from "./data.js";
import { orNotFound, refused } from "./problems.js";
import { checkHintBounds, checkTierHintInterval } from "./rules.js";
import { nextRunAt } from "./schedule.js";

const DEFAULT_HINT_TTL_MINUTES = 60;
const MINUTE_MS = 60_000;

interface IntervalHint {
  intervalMs: number;
  ttlMinutes?: number;
  reason?: string;
}
interface OneShot {
  nextRunAt?: string;
  nextRunInMs?: number;
  ttlMinutes?: number;
  reason?: string;
}
interface Pause {
  pausedUntil: string | null;
}

export function schedulingRoutes(store: Store): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  /** Applies `change` to the caller's endpoint and reschedules it. */
  const update = (userId: string, id: string, change: (endpoint: EndpointRecord, now: Date) => void): Response => {
    const endpoint = orNotFound(store.endpoint(userId, id), "Endpoint");
    const now = new Date();
    change(endpoint, now);
    endpoint.updatedAt = now;
    endpoint.nextRunAt = nextRunAt(endpoint, now);
    return new Response(null, { status: 204 });
  };

  app.post("/endpoints/:id/hints/interval", (c) => {
    const hint = c.var.body as IntervalHint;
    return update(c.var.userId, c.req.param("id"), (endpoint, now) => {
      checkTierHintInterval(hint.intervalMs);
      checkHintBounds(endpoint, hint.intervalMs);
      endpoint.aiHintIntervalMs = hint.intervalMs;
      endpoint.aiHintExpiresAt = new Date(now.getTime() + (hint.ttlMinutes ?? DEFAULT_HINT_TTL_MINUTES) * MINUTE_MS);
      endpoint.aiHintReason = hint.reason;
    });
  });

  app.post("/endpoints/:id/hints/oneshot", (c) => {
    const hint = c.var.body as OneShot;
    return update(c.var.userId, c.req.param("id"), (endpoint, now) => {
      if (hint.nextRunAt === undefined && hint.nextRunInMs === undefined) throw refused("Must provide either nextRunAt or nextRunInMs");
      const runAt = hint.nextRunAt !== undefined ? new Date(hint.nextRunAt) : new Date(now.getTime() + (hint.nextRunInMs ?? 0));
      if (runAt <= now) throw refused("nextRunAt must be in the future");
      endpoint.aiHintNextRunAt = runAt;
      endpoint.aiHintExpiresAt = new Date(now.getTime() + (hint.ttlMinutes ?? DEFAULT_HINT_TTL_MINUTES) * MINUTE_MS);
      endpoint.aiHintReason = hint.reason;
    });
  });

  // Any time is accepted, a past one too (observed on 1.25.0): the service checks nothing here.
  app.post("/endpoints/:id/pause", (c) => {
    const { pausedUntil } = c.var.body as Pause;
    return update(c.var.userId, c.req.param("id"), (endpoint) => {
      endpoint.pausedUntil = pausedUntil === null ? undefined : new Date(pausedUntil);
    });
  });

  app.delete("/endpoints/:id/hints", (c) =>
    update(c.var.userId, c.req.param("id"), (endpoint) => {
      endpoint.aiHintIntervalMs = undefined;
      endpoint.aiHintNextRunAt = undefined;
      endpoint.aiHintExpiresAt = undefined;
      endpoint.aiHintReason = undefined;
    }),
  );

  app.post("/endpoints/:id/reset-failures", (c) => update(c.var.userId, c.req.param("id"), (endpoint) => void (endpoint.failureCount = 0)));

  return app;
}
