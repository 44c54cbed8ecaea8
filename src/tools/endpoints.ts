/** Endpoints: the scheduled HTTP requests inside a job. */
import * as z from "zod";
import { Endpoint, EndpointId, EndpointList, JobId, checkEndpointRules, endpointFields } from "../api/schemas.js";
import type { EndpointT } from "../api/schemas.js";
import { defineTool } from "./define.js";

const endpointPath = (jobId: string, endpointId?: string) =>
  `/jobs/${encodeURIComponent(jobId)}/endpoints${endpointId === undefined ? "" : `/${encodeURIComponent(endpointId)}`}`;

/** The schedule in force: Cronicorn runs the cron when one is set, whatever interval is stored beside it. */
const schedule = (e: EndpointT) =>
  e.baselineCron ? `cron "${e.baselineCron}"` : e.baselineIntervalMs ? `every ${e.baselineIntervalMs} ms` : "no baseline";

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
      "Add an endpoint to a job: an HTTP request Cronicorn runs on a baseline schedule. Give exactly one of baselineCron " +
      "(5-field cron, e.g. \"*/5 * * * *\") or baselineIntervalMs (milliseconds, e.g. 300000 for 5 minutes). " +
      "minIntervalMs/maxIntervalMs bound how far the AI planner may adapt the schedule; description tells the planner how. " +
      "Returns the endpoint with its id and nextRunAt.",
    input: z.object({ jobId: JobId, ...endpointFields }).superRefine((v, ctx) => checkEndpointRules(v, ctx, true)),
    output: { key: "endpoint", schema: Endpoint },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    run: ({ jobId, ...fields }, { api }) =>
      api.request({ method: "POST", path: endpointPath(jobId), body: fields, response: Endpoint, what: `job ${jobId}` }),
    summary: (e) => `Added endpoint "${e.name}" (id ${e.id}): ${e.method ?? "GET"} ${e.url}, ${schedule(e)}; next run ${e.nextRunAt ?? "not scheduled"}.`,
  }),
  defineTool({
    name: "get_endpoint",
    title: "Get endpoint",
    group: "endpoints",
    description: "Fetch one endpoint: its request, baseline schedule, limits, next/last run, failure count, pause state and any active AI hint.",
    input: z.object({ jobId: JobId, endpointId: EndpointId }),
    output: { key: "endpoint", schema: Endpoint },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    run: ({ jobId, endpointId }, { api }) =>
      api.request({ method: "GET", path: endpointPath(jobId, endpointId), response: Endpoint, what: `endpoint ${endpointId} in job ${jobId}` }),
    summary: (e) => `Endpoint "${e.name}" (id ${e.id}): ${e.method ?? "GET"} ${e.url}, ${schedule(e)}, ${e.failureCount} failure(s).`,
  }),
  defineTool({
    name: "list_endpoints",
    title: "List endpoints",
    group: "endpoints",
    description: "List the endpoints of a job with their schedules, next run times and failure counts.",
    input: z.object({ jobId: JobId }),
    output: { key: "endpoints", schema: z.array(Endpoint) },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    run: async ({ jobId }, { api }) =>
      (await api.request({ method: "GET", path: endpointPath(jobId), response: EndpointList, what: `job ${jobId}` })).endpoints,
    summary: (list) =>
      list.length === 0 ? "This job has no endpoints." : `${list.length} endpoint(s): ${list.map((e) => `"${e.name}" (${e.id}, ${schedule(e)})`).join("; ")}.`,
  }),
  defineTool({
    name: "update_endpoint",
    title: "Update endpoint",
    group: "endpoints",
    description:
      "Change an endpoint: give only the fields to change (same names as add_endpoint). To switch schedule type give the new " +
      "baselineCron or baselineIntervalMs (not both): an interval clears the old cron; a cron takes precedence over an old interval, " +
      "which Cronicorn keeps stored. Returns the updated endpoint.",
    input: z
      .object({ jobId: JobId, endpointId: EndpointId, ...updateFields })
      .superRefine((v, ctx) => {
        checkEndpointRules(v, ctx, false);
        const { jobId: _j, endpointId: _e, ...changes } = v;
        if (Object.values(changes).every((x) => x === undefined)) ctx.addIssue({ code: "custom", path: ["name"], message: "give at least one field to change" });
      }),
    output: { key: "endpoint", schema: Endpoint },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    run: ({ jobId, endpointId, ...changes }, { api }) =>
      api.request({ method: "PATCH", path: endpointPath(jobId, endpointId), body: switchingSchedule(changes), response: Endpoint, what: `endpoint ${endpointId} in job ${jobId}`, idempotent: true }),
    summary: (e) => `Updated endpoint "${e.name}" (id ${e.id}): ${schedule(e)}.`,
  }),
  defineTool({
    name: "archive_endpoint",
    title: "Archive endpoint",
    group: "endpoints",
    description: "Archive an endpoint (soft delete): it stops running but its run history is kept. Prefer this over delete_endpoint. Returns the endpoint.",
    input: z.object({ jobId: JobId, endpointId: EndpointId }),
    output: { key: "endpoint", schema: Endpoint },
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    run: ({ jobId, endpointId }, { api }) =>
      api.request({ method: "POST", path: `${endpointPath(jobId, endpointId)}/archive`, response: Endpoint, what: `endpoint ${endpointId} in job ${jobId}`, idempotent: true }),
    summary: (e) => `Archived endpoint "${e.name}" (id ${e.id}).`,
  }),
  defineTool({
    name: "delete_endpoint",
    title: "Delete endpoint permanently",
    group: "endpoints",
    description:
      "Permanently delete an endpoint AND all of its run history. This cannot be undone: confirm with the user, and prefer archive_endpoint. " +
      "Returns {deleted: true}.",
    input: z.object({ jobId: JobId, endpointId: EndpointId }),
    output: { key: "result", schema: z.object({ deleted: z.literal(true), endpointId: z.string() }) },
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    run: async ({ jobId, endpointId }, { api }) => {
      await api.request({ method: "DELETE", path: endpointPath(jobId, endpointId), what: `endpoint ${endpointId} in job ${jobId}` });
      return { deleted: true as const, endpointId };
    },
    summary: (r) => `Deleted endpoint ${r.endpointId} and its run history.`,
  }),
];
