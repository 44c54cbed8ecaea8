/** /endpoints/:id adaptive scheduling: interval and one-shot hints, pause/resume, clear hints, reset failures. */
import { Hono } from "hono";
import type { ApiEnv } from "./authn.js";
import type { EndpointRecord, Store } from "./data.js";
import { orNotFound, parseOr400, readJsonBody, validationFailed } from "./problems.js";
import { nextRunAt } from "./schedule.js";
import { intervalHintBody, oneShotBody, pauseBody } from "./validation.js";
import { endpointView } from "./views.js";

const DEFAULT_HINT_TTL_MINUTES = 60;
const MINUTE_MS = 60_000;

export function schedulingRoutes(store: Store): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  /** Applies `change` to the caller's endpoint, reschedules it and answers with the result. */
  const update = (userId: string, id: string, change: (endpoint: EndpointRecord, now: Date) => void) => {
    const endpoint = orNotFound(store.endpoint(userId, id));
    const now = new Date();
    change(endpoint, now);
    endpoint.updatedAt = now;
    endpoint.nextRunAt = nextRunAt(endpoint, now);
    return endpointView(endpoint);
  };

  app.post("/endpoints/:id/hints/interval", async (c) => {
    const hint = parseOr400(intervalHintBody, await readJsonBody(c));
    const view = update(c.var.userId, c.req.param("id"), (endpoint, now) => {
      rejectOutsideBounds(endpoint, hint.intervalMs);
      endpoint.aiHintIntervalMs = hint.intervalMs;
      endpoint.aiHintExpiresAt = new Date(now.getTime() + (hint.ttlMinutes ?? DEFAULT_HINT_TTL_MINUTES) * MINUTE_MS);
      endpoint.aiHintReason = hint.reason;
    });
    return c.json(view);
  });

  app.post("/endpoints/:id/hints/oneshot", async (c) => {
    const hint = parseOr400(oneShotBody, await readJsonBody(c));
    const view = update(c.var.userId, c.req.param("id"), (endpoint, now) => {
      const runAt = hint.nextRunAt !== undefined ? new Date(hint.nextRunAt) : new Date(now.getTime() + (hint.nextRunInMs ?? 0));
      if (runAt <= now) {
        throw validationFailed([{ code: "custom", path: ["nextRunAt"], message: "nextRunAt must be in the future" }]);
      }
      endpoint.aiHintNextRunAt = runAt;
      endpoint.aiHintExpiresAt = new Date(now.getTime() + (hint.ttlMinutes ?? DEFAULT_HINT_TTL_MINUTES) * MINUTE_MS);
      endpoint.aiHintReason = hint.reason;
    });
    return c.json(view);
  });

  app.post("/endpoints/:id/pause", async (c) => {
    const { pausedUntil } = parseOr400(pauseBody, await readJsonBody(c));
    const view = update(c.var.userId, c.req.param("id"), (endpoint) => {
      endpoint.pausedUntil = pausedUntil === null ? undefined : new Date(pausedUntil);
    });
    return c.json(view);
  });

  app.delete("/endpoints/:id/hints", (c) => {
    const view = update(c.var.userId, c.req.param("id"), (endpoint) => {
      endpoint.aiHintIntervalMs = undefined;
      endpoint.aiHintNextRunAt = undefined;
      endpoint.aiHintExpiresAt = undefined;
      endpoint.aiHintReason = undefined;
    });
    return c.json(view);
  });

  app.post("/endpoints/:id/reset-failures", (c) => {
    return c.json(update(c.var.userId, c.req.param("id"), (endpoint) => void (endpoint.failureCount = 0)));
  });

  return app;
}

/** Cronicorn refuses hints outside the endpoint's safety bounds rather than clamping them. */
function rejectOutsideBounds(endpoint: EndpointRecord, intervalMs: number): void {
  if (endpoint.minIntervalMs !== undefined && intervalMs < endpoint.minIntervalMs) {
    throw validationFailed([{ code: "too_small", path: ["intervalMs"], message: `intervalMs ${intervalMs} is below minimum ${endpoint.minIntervalMs}` }]);
  }
  if (endpoint.maxIntervalMs !== undefined && intervalMs > endpoint.maxIntervalMs) {
    throw validationFailed([{ code: "too_big", path: ["intervalMs"], message: `intervalMs ${intervalMs} exceeds maximum ${endpoint.maxIntervalMs}` }]);
  }
}
