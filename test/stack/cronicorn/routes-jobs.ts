/** /jobs: create, read, list, update, archive (soft delete), pause, resume. Requests arrive validated (request-validation.ts). */
import { Hono } from "hono";
import type { ApiEnv } from "./authn.js";
import { newId, type JobRecord, type JobStatus, type Store } from "./data.js";
import { orNotFound } from "./problems.js";
import { jobView, jobWithCountView } from "./views.js";

interface JobBody {
  name?: string;
  description?: string;
}

export function jobRoutes(store: Store): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const ownJob = (userId: string, id: string): JobRecord => orNotFound(store.job(userId, id), "Job");

  app.post("/jobs", (c) => {
    const body = c.var.body as JobBody & { name: string };
    const now = new Date();
    const job = store.addJob({
      id: `job_${Date.now()}_${newId().slice(0, 8)}`,
      userId: c.var.userId,
      ...body,
      status: "active",
      createdAt: now,
      updatedAt: now,
    });
    return c.json(jobView(job), 201);
  });

  app.get("/jobs", (c) => {
    const status = c.var.query.status as JobStatus | undefined;
    const jobs = store.jobsOf(c.var.userId).filter((job) => status === undefined || job.status === status);
    const counted = jobs.map((job) => jobWithCountView(job, store.endpointsOfJob(c.var.userId, job.id).filter((e) => !e.archivedAt).length));
    return c.json({ jobs: counted });
  });

  app.get("/jobs/:id", (c) => c.json(jobView(ownJob(c.var.userId, c.req.param("id")))));

  app.patch("/jobs/:id", (c) => {
    const job = ownJob(c.var.userId, c.req.param("id"));
    Object.assign(job, c.var.body as JobBody, { updatedAt: new Date() });
    return c.json(jobView(job));
  });

  app.delete("/jobs/:id", (c) => {
    const job = ownJob(c.var.userId, c.req.param("id"));
    const now = new Date();
    Object.assign(job, { status: "archived", archivedAt: job.archivedAt ?? now, updatedAt: now });
    return c.json(jobView(job));
  });

  const setStatus = (status: JobStatus) => (job: JobRecord) => Object.assign(job, { status, updatedAt: new Date() });
  app.post("/jobs/:id/pause", (c) => c.json(jobView(setStatus("paused")(ownJob(c.var.userId, c.req.param("id"))))));
  app.post("/jobs/:id/resume", (c) => c.json(jobView(setStatus("active")(ownJob(c.var.userId, c.req.param("id"))))));

  return app;
}
