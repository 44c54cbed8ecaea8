/** Endpoints: the scheduled HTTP requests inside a job. */
import * as z from "zod";
import { Endpoint, EndpointId, EndpointList, JobId, checkEndpointRules, endpointFields } from "../api/schemas.js";
import type { EndpointT } from "../api/schemas.js";
import { CREATES, READS, REMOVES, UPDATES } from "./annotations.js";
import { defineTool } from "./define.js";

const endpointPath = (jobId: string, endpointId?: string) =>
  `/jobs/${encodeURIComponent(jobId)}/endpoints${endpointId === undefined ? "" : `/${encodeURIComponent(endpointId)}`}`;

/** The schedule in force: Cronicorn runs the cron when one is set, whatever interval is stored beside it. */
const schedule = (e: EndpointT) => (e.baselineCron ? `cron "${e.baselineCron}"` : e.baselineIntervalMs ? `every ${e.baselineIntervalMs} ms` : "no baseline");

const updateFields = Object.fromEntries(Object.entries(endpointFields).map(([k, v]) => [k, v.optional()])) as {
  [K in keyof typeof endpointFields]: z.ZodOptional<(typeof endpointFields)[K]>;
};

/**
 * PATCH is partial and Cronicorn prefers a cron over an interval, so a new interval alone would leave
 * the old cron in charge: send `baselineCron: ""`, which clears it. The reverse needs nothing: the
 * contract cannot clear an interval (integers > 0 only), and the new cron wins over it.
 */
function switchingSchedule<T extends { baselineCron?: string | undefined; baselineIntervalMs?: number | undefined }>(changes: T): T {
  return changes.baselineIntervalMs === undefined ? changes : { ...changes, baselineCron: "" };
}

export const endpointTools = [
  defineTool({
    name: "add_endpoint",
    title: "Add endpoint",
    group: "endpoints",
    description:
      "Add an HTTP request to a job, run on a baseline schedule: exactly one of baselineCron or baselineIntervalMs. " +
      "The AI planner adapts it within min/maxIntervalMs, guided by description.",
    input: z.object({ jobId: JobId, ...endpointFields }).superRefine((v, ctx) => checkEndpointRules(v, ctx, true)),
    output: { key: "endpoint", schema: Endpoint },
    annotations: CREATES,
    run: ({ jobId, ...fields }, { api }) => api.request({ method: "POST", path: endpointPath(jobId), body: fields, response: Endpoint, what: `job ${jobId}` }),
    summary: (e) => `Added endpoint "${e.name}" (id ${e.id}): ${e.method ?? "GET"} ${e.url}, ${schedule(e)}; next run ${e.nextRunAt ?? "not scheduled"}.`,
  }),
  defineTool({
    name: "get_endpoint",
    title: "Get endpoint",
    group: "endpoints",
    description: "One endpoint: request, schedule, limits, next/last run, failures, pause, active hint.",
    input: z.object({ jobId: JobId, endpointId: EndpointId }),
    output: { key: "endpoint", schema: Endpoint },
    annotations: READS,
    run: ({ jobId, endpointId }, { api }) =>
      api.request({ method: "GET", path: endpointPath(jobId, endpointId), response: Endpoint, what: `endpoint ${endpointId} in job ${jobId}` }),
    summary: (e) => `Endpoint "${e.name}" (id ${e.id}): ${e.method ?? "GET"} ${e.url}, ${schedule(e)}, ${e.failureCount} failure(s).`,
  }),
  defineTool({
    name: "list_endpoints",
    title: "List endpoints",
    group: "endpoints",
    description: "List a job's endpoints with schedules, next runs and failure counts.",
    input: z.object({ jobId: JobId }),
    output: { key: "endpoints", schema: z.array(Endpoint) },
    annotations: READS,
    run: async ({ jobId }, { api }) =>
      (await api.request({ method: "GET", path: endpointPath(jobId), response: EndpointList, what: `job ${jobId}` })).endpoints,
    summary: (list) => {
      if (list.length === 0) return "This job has no endpoints.";
      // Cronicorn lists archived endpoints with the others; only archivedAt tells them apart.
      const archived = list.filter((e) => e.archivedAt).length;
      const each = list.map((e) => `"${e.name}" (${e.id}, ${schedule(e)}${e.archivedAt ? ", archived" : ""})`);
      return `${list.length} endpoint(s)${archived ? `, ${archived} archived` : ""}: ${each.join("; ")}.`;
    },
  }),
  defineTool({
    name: "update_endpoint",
    title: "Update endpoint",
    group: "endpoints",
    description: "Change the given fields. A new baselineCron or baselineIntervalMs (not both) switches the schedule.",
    input: z.object({ jobId: JobId, endpointId: EndpointId, ...updateFields }).superRefine((v, ctx) => {
      checkEndpointRules(v, ctx, false);
      const { jobId: _j, endpointId: _e, ...changes } = v;
      if (Object.values(changes).every((x) => x === undefined)) ctx.addIssue({ code: "custom", path: ["name"], message: "give at least one field to change" });
    }),
    output: { key: "endpoint", schema: Endpoint },
    annotations: UPDATES,
    run: ({ jobId, endpointId, ...changes }, { api }) =>
      api.request({
        method: "PATCH",
        path: endpointPath(jobId, endpointId),
        body: switchingSchedule(changes),
        response: Endpoint,
        what: `endpoint ${endpointId} in job ${jobId}`,
      }),
    summary: (e) => `Updated endpoint "${e.name}" (id ${e.id}): ${schedule(e)}.`,
  }),
  defineTool({
    name: "archive_endpoint",
    title: "Archive endpoint",
    group: "endpoints",
    description: "Archive (soft-delete) an endpoint: it stops, its history stays. Prefer over delete.",
    input: z.object({ jobId: JobId, endpointId: EndpointId }),
    output: { key: "endpoint", schema: Endpoint },
    annotations: REMOVES,
    confirm: ({ jobId, endpointId }) => `Archive endpoint ${endpointId} of job ${jobId}? It stops running; its history is kept.`,
    run: ({ jobId, endpointId }, { api }) =>
      api.request({
        method: "POST",
        path: `${endpointPath(jobId, endpointId)}/archive`,
        response: Endpoint,
        what: `endpoint ${endpointId} in job ${jobId}`,
      }),
    summary: (e) => `Archived endpoint "${e.name}" (id ${e.id}).`,
  }),
  defineTool({
    name: "delete_endpoint",
    title: "Delete endpoint",
    group: "endpoints",
    description: "Delete an endpoint and its run history for good. Confirm first; prefer archive_endpoint.",
    input: z.object({ jobId: JobId, endpointId: EndpointId }),
    output: { key: "result", schema: z.object({ deleted: z.literal(true), endpointId: z.string() }) },
    annotations: REMOVES,
    confirm: ({ jobId, endpointId }) => `Delete endpoint ${endpointId} of job ${jobId} and its whole run history, for good?`,
    run: async ({ jobId, endpointId }, { api }) => {
      await api.request({ method: "DELETE", path: endpointPath(jobId, endpointId), what: `endpoint ${endpointId} in job ${jobId}` });
      return { deleted: true as const, endpointId };
    },
    summary: (r) => `Deleted endpoint ${r.endpointId} and its run history.`,
  }),
];
