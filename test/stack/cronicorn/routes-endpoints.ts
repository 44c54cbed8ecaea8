/**
 * /jobs/:jobId/endpoints: add, read, list, update, delete (permanent, with runs), archive (soft).
 * PATCH is partial as in the service: an absent field keeps its value, so sending only an interval to
 * a cron endpoint keeps the cron (which wins); `baselineCron: ""` clears it. An interval cannot be
 * cleared (the document allows only integers > 0): a cron set later simply takes precedence.
 */
import { Hono } from "hono";
import type { ApiEnv } from "./authn.js";
import { newId, type EndpointRecord, type Store } from "./data.js";
import { orNotFound } from "./problems.js";
import { FREE_TIER, checkBounds, checkCron, checkEndpointQuota, checkNewBaseline, checkTierInterval, type EndpointChanges } from "./rules.js";
import { nextRunAt } from "./schedule.js";
import { endpointView } from "./views.js";

export function endpointRoutes(store: Store): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const ownEndpoint = (userId: string, jobId: string, id: string): EndpointRecord => {
    const endpoint = store.endpoint(userId, id);
    return orNotFound(endpoint?.jobId === jobId ? endpoint : undefined, "Endpoint");
  };

  app.post("/jobs/:jobId/endpoints", (c) => {
    const body = c.var.body as EndpointChanges & { name: string; url: string };
    checkNewBaseline(body);
    checkCron(body.baselineCron);
    checkBounds(body.minIntervalMs, body.maxIntervalMs);
    const job = orNotFound(store.job(c.var.userId, c.req.param("jobId")), "Job");
    checkEndpointQuota(store.endpointsOf(c.var.userId).filter((e) => !e.archivedAt).length);
    checkTierInterval(body.baselineIntervalMs);
    const now = new Date();
    // The service adds the tier's floor to endpoints it creates on the free tier when none is given.
    const settings = { ...body, method: body.method ?? "GET", minIntervalMs: body.minIntervalMs ?? FREE_TIER.minIntervalMs };
    const endpoint = store.addEndpoint({
      ...settings,
      id: newId().slice(0, 21),
      jobId: job.id,
      userId: c.var.userId,
      failureCount: 0,
      nextRunAt: nextRunAt(settings, now),
      createdAt: now,
      updatedAt: now,
    });
    return c.json(endpointView(endpoint), 201);
  });

  app.get("/jobs/:jobId/endpoints", (c) => {
    const job = orNotFound(store.job(c.var.userId, c.req.param("jobId")), "Job");
    // Archived endpoints stay in the list, marked by archivedAt (observed on 1.25.0).
    return c.json({ endpoints: store.endpointsOfJob(c.var.userId, job.id).map(endpointView) });
  });

  app.get("/jobs/:jobId/endpoints/:id", (c) => {
    return c.json(endpointView(ownEndpoint(c.var.userId, c.req.param("jobId"), c.req.param("id"))));
  });

  app.patch("/jobs/:jobId/endpoints/:id", (c) => {
    const endpoint = ownEndpoint(c.var.userId, c.req.param("jobId"), c.req.param("id"));
    const changes = c.var.body as EndpointChanges;
    checkCron(changes.baselineCron);
    checkTierInterval(changes.baselineIntervalMs);
    checkBounds(changes.minIntervalMs ?? endpoint.minIntervalMs, changes.maxIntervalMs ?? endpoint.maxIntervalMs);
    const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
    const now = new Date();
    Object.assign(endpoint, defined, { updatedAt: now });
    if (changes.baselineCron === "") endpoint.baselineCron = undefined;
    endpoint.nextRunAt = nextRunAt(endpoint, now);
    return c.json(endpointView(endpoint));
  });

  app.delete("/jobs/:jobId/endpoints/:id", (c) => {
    const endpoint = ownEndpoint(c.var.userId, c.req.param("jobId"), c.req.param("id"));
    store.deleteEndpoint(c.var.userId, endpoint.id);
    return c.body(null, 204);
  });

  app.post("/jobs/:jobId/endpoints/:id/archive", (c) => {
    const endpoint = ownEndpoint(c.var.userId, c.req.param("jobId"), c.req.param("id"));
    const now = new Date();
    Object.assign(endpoint, { archivedAt: endpoint.archivedAt ?? now, updatedAt: now });
    return c.json(endpointView(endpoint));
  });

  return app;
}
