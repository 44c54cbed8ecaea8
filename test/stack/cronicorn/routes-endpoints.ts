/** /jobs/:jobId/endpoints: add, read, list, update, delete (permanent, with runs), archive (soft). */
import { Hono } from "hono";
import type { ApiEnv } from "./authn.js";
import { newId, type EndpointRecord, type Store } from "./data.js";
import { orNotFound, parseOr400, readJsonBody } from "./problems.js";
import { nextRunAt } from "./schedule.js";
import { addEndpointBody, mergedIntervalBounds, updateEndpointBody } from "./validation.js";
import { endpointView } from "./views.js";

export function endpointRoutes(store: Store): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const ownEndpoint = (userId: string, jobId: string, id: string): EndpointRecord => {
    const endpoint = store.endpoint(userId, id);
    return orNotFound(endpoint?.jobId === jobId ? endpoint : undefined);
  };

  app.post("/jobs/:jobId/endpoints", async (c) => {
    const job = orNotFound(store.job(c.var.userId, c.req.param("jobId")));
    const settings = parseOr400(addEndpointBody, await readJsonBody(c));
    const now = new Date();
    const endpoint = store.addEndpoint({
      ...settings,
      id: newId(),
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
    const job = orNotFound(store.job(c.var.userId, c.req.param("jobId")));
    // Archived endpoints are soft-deleted: readable by id, gone from the list.
    const endpoints = store.endpointsOfJob(c.var.userId, job.id).filter((endpoint) => !endpoint.archivedAt);
    return c.json({ endpoints: endpoints.map(endpointView) });
  });

  app.get("/jobs/:jobId/endpoints/:id", (c) => {
    return c.json(endpointView(ownEndpoint(c.var.userId, c.req.param("jobId"), c.req.param("id"))));
  });

  app.patch("/jobs/:jobId/endpoints/:id", async (c) => {
    const endpoint = ownEndpoint(c.var.userId, c.req.param("jobId"), c.req.param("id"));
    const changes = parseOr400(updateEndpointBody, await readJsonBody(c));
    parseOr400(mergedIntervalBounds, {
      minIntervalMs: changes.minIntervalMs ?? endpoint.minIntervalMs,
      maxIntervalMs: changes.maxIntervalMs ?? endpoint.maxIntervalMs,
    });
    // Setting one baseline replaces the other: an endpoint has exactly one.
    if (changes.baselineCron !== undefined) endpoint.baselineIntervalMs = undefined;
    if (changes.baselineIntervalMs !== undefined) endpoint.baselineCron = undefined;
    const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
    const now = new Date();
    Object.assign(endpoint, defined, { updatedAt: now });
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
