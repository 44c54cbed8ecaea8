/** Runs and what they tell: list, details, health, test-now, and the (always empty) AI planner sessions. */
import { Hono } from "hono";
import type { ApiEnv } from "./authn.js";
import { newId, type RunRecord, type Store } from "./data.js";
import { internalError, orNotFound } from "./problems.js";
import { runEndpoint } from "./runner.js";
import { runDetailsView, runSummaryView, sessionView } from "./views.js";

const DEFAULT_RUNS_LIMIT = 50;
const DEFAULT_SESSIONS_LIMIT = 10;
const DEFAULT_HEALTH_HOURS = 24;
const HOUR_MS = 3_600_000;

interface Page {
  limit?: number;
  offset?: number | null;
}

/** `stop` aborts test-now requests still in flight when the stand-in closes. */
export function runRoutes(store: Store, stop: AbortSignal): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  // The service answers 200 with an empty list for an endpoint it does not know (no 404).
  app.get("/endpoints/:id/runs", (c) => {
    const query = c.var.query as Page & { status?: string };
    const matching = store.runsOf(c.var.userId, c.req.param("id")).filter((run) => query.status === undefined || run.status === query.status);
    const page = pageOf(matching, query, DEFAULT_RUNS_LIMIT);
    return c.json({ runs: page.map(runSummaryView), total: matching.length });
  });

  app.get("/runs/:id", (c) => {
    const run = orNotFound(store.run(c.var.userId, c.req.param("id")), "Run");
    return c.json(runDetailsView(run, store.endpoint(c.var.userId, run.endpointId)));
  });

  app.get("/endpoints/:id/health", (c) => {
    const endpoint = orNotFound(store.endpoint(c.var.userId, c.req.param("id")), "Endpoint");
    const sinceHours = c.var.query.sinceHours as number | undefined;
    return c.json(healthOf(store.runsOf(c.var.userId, endpoint.id), sinceHours ?? DEFAULT_HEALTH_HOURS));
  });

  // An id the service does not know gets a bare 500 here, not a 404 (observed on 1.25.0).
  app.post("/endpoints/:id/test", async (c) => {
    const endpoint = store.endpoint(c.var.userId, c.req.param("id"));
    if (!endpoint) throw internalError();
    const outcome = await runEndpoint(endpoint, stop);
    const run = store.addRun({ ...outcome, id: newId(), endpointId: endpoint.id, userId: c.var.userId, source: "test", attempt: 1 });
    endpoint.lastRunAt = outcome.startedAt;
    // failureCount counts consecutive failures, as Cronicorn's scheduler does.
    endpoint.failureCount = outcome.status === "failed" ? endpoint.failureCount + 1 : 0;
    const { status, durationMs, statusCode, responseBody, errorMessage } = outcome;
    return c.json({ runId: run.id, status, durationMs, statusCode, responseBody, errorMessage });
  });

  // The stand-in has no AI planner: tests seed sessions (StandIn.seedAiSession); paging and shapes are Cronicorn's.
  app.get("/endpoints/:id/sessions", (c) => {
    orNotFound(store.endpoint(c.var.userId, c.req.param("id")), "Endpoint");
    const all = store.aiSessionsOf(c.var.userId, c.req.param("id"));
    return c.json({ sessions: pageOf(all, c.var.query as Page, DEFAULT_SESSIONS_LIMIT).map(sessionView), total: all.length });
  });

  app.get("/sessions/:id", (c) => {
    const session = orNotFound(store.aiSession(c.var.userId, c.req.param("id")), "Session");
    const endpoint = store.endpoint(c.var.userId, session.endpointId);
    return c.json({ ...sessionView(session), endpointId: session.endpointId, endpointName: endpoint?.name ?? "" });
  });

  return app;
}

function pageOf<T>(items: T[], { limit, offset }: Page, defaultLimit: number): T[] {
  const start = offset ?? 0;
  return items.slice(start, start + (limit ?? defaultLimit));
}

/** `runs` newest first. */
function healthOf(runs: RunRecord[], sinceHours: number) {
  const since = Date.now() - sinceHours * HOUR_MS;
  const recent = runs.filter((run) => run.startedAt.getTime() >= since);
  const successCount = recent.filter((run) => run.status === "success").length;
  const durations = recent.map((run) => run.durationMs);
  const streakEnd = runs.findIndex((run) => run.status !== "failed");
  const latest = recent[0];
  return {
    successCount,
    failureCount: recent.length - successCount,
    avgDurationMs: durations.length ? Math.round(durations.reduce((a, b) => a + b, 0) / durations.length) : null,
    lastRun: latest ? { status: latest.status, at: latest.startedAt.toISOString() } : null,
    failureStreak: streakEnd === -1 ? runs.length : streakEnd,
  };
}
