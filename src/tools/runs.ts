/** Runs, health, testing and the AI planner's analysis sessions. */
import * as z from "zod";
import { EndpointHealth, EndpointId, RunDetails, RunId, RunList, RunStatus, SessionList, TestResult } from "../api/schemas.js";
import { defineTool } from "./define.js";

const at = (endpointId: string, action: string) => `/endpoints/${encodeURIComponent(endpointId)}/${action}`;
const AnyJson = z.unknown();

export const runTools = [
  defineTool({
    name: "list_runs",
    title: "List runs",
    group: "runs",
    description: "List an endpoint's recent runs, newest first: start time, status (success/failed), duration (ms) and source. Page with limit (≤ 1000) and offset. Returns {runs, total}.",
    input: z.object({
      endpointId: EndpointId,
      status: RunStatus.optional().describe("Only runs with this outcome."),
      limit: z.number().int().min(1).max(1000).optional().describe("At most this many runs (1–1000)."),
      offset: z.number().int().min(0).optional().describe("Skip this many runs (for paging)."),
    }),
    output: { key: "runs", schema: RunList },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    run: ({ endpointId, ...query }, { api }) => api.request({ method: "GET", path: at(endpointId, "runs"), query, response: RunList, what: `endpoint ${endpointId}` }),
    summary: (r) => `${r.runs.length} run(s) shown of ${r.total}${r.runs[0] ? `; latest ${r.runs[0].status} at ${r.runs[0].startedAt}` : ""}.`,
  }),
  defineTool({
    name: "get_run",
    title: "Get run",
    group: "runs",
    description: "Details of one run: status, timing, HTTP status code, error message and the (possibly truncated) response body. Use it to investigate a failure.",
    input: z.object({ runId: RunId }),
    output: { key: "run", schema: RunDetails },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    run: ({ runId }, { api }) => api.request({ method: "GET", path: `/runs/${encodeURIComponent(runId)}`, response: RunDetails, what: `run ${runId}` }),
    summary: (r) => `Run ${r.id}: ${r.status}${r.statusCode ? ` (HTTP ${r.statusCode})` : ""}${r.durationMs != null ? ` in ${r.durationMs} ms` : ""}${r.errorMessage ? ` — ${r.errorMessage}` : ""}.`,
  }),
  defineTool({
    name: "get_endpoint_health",
    title: "Get endpoint health",
    group: "runs",
    description: "Health summary of an endpoint over the last sinceHours hours (default 24): success and failure counts, average duration (ms), last run and current failure streak.",
    input: z.object({ endpointId: EndpointId, sinceHours: z.number().int("sinceHours must be a whole number of hours").positive().max(24 * 90).optional().describe("Look back this many whole hours (default 24).") }),
    output: { key: "health", schema: EndpointHealth },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    run: ({ endpointId, sinceHours }, { api }) => api.request({ method: "GET", path: at(endpointId, "health"), query: { sinceHours }, response: EndpointHealth, what: `endpoint ${endpointId}` }),
    summary: (h) => `${h.successCount} success(es), ${h.failureCount} failure(s), failure streak ${h.failureStreak}${h.lastRun ? `; last run ${h.lastRun.status} at ${h.lastRun.at}` : "; no runs yet"}.`,
  }),
  defineTool({
    name: "test_endpoint",
    title: "Test endpoint now",
    group: "runs",
    description:
      "Run an endpoint's HTTP request right now, outside its schedule, and wait for the outcome: status, duration (ms), HTTP status code, " +
      "response body or error. The run is recorded in its history. This calls the endpoint's real URL.",
    input: z.object({ endpointId: EndpointId }),
    output: { key: "test", schema: TestResult },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    run: ({ endpointId }, { api }) => api.request({ method: "POST", path: at(endpointId, "test"), response: TestResult, what: `endpoint ${endpointId}` }),
    summary: (t) => `Test run ${t.runId}: ${t.status}${t.statusCode ? ` (HTTP ${t.statusCode})` : ""} in ${t.durationMs} ms${t.errorMessage ? ` — ${t.errorMessage}` : ""}.`,
  }),
  defineTool({
    name: "list_ai_sessions",
    title: "List AI planner sessions",
    group: "runs",
    description:
      "List the AI planner's analysis sessions for an endpoint, newest first: when it looked, its reasoning, tool calls and token use. " +
      "Page with limit (1–100, default 10) and offset. Returns {sessions, total}.",
    input: z.object({
      endpointId: EndpointId,
      limit: z.number().int().min(1).max(100).optional().describe("At most this many sessions (1–100, default 10)."),
      offset: z.number().int().min(0).optional().describe("Skip this many sessions (for paging)."),
    }),
    output: { key: "sessions", schema: SessionList },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    run: ({ endpointId, ...query }, { api }) => api.request({ method: "GET", path: at(endpointId, "sessions"), query, response: SessionList, what: `endpoint ${endpointId}` }),
    summary: (r) => `${r.sessions.length} AI planner session(s) shown of ${r.total}.`,
  }),
  defineTool({
    name: "get_ai_session",
    title: "Get AI planner session",
    group: "runs",
    description: "One AI planner analysis session in full: its reasoning, the tools it used and the hints it applied.",
    input: z.object({ sessionId: z.string().trim().min(1).max(200).describe("The session's id (from list_ai_sessions).") }),
    output: { key: "session", schema: AnyJson },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    run: ({ sessionId }, { api }) => api.request({ method: "GET", path: `/sessions/${encodeURIComponent(sessionId)}`, response: AnyJson, what: `AI session ${sessionId}` }),
    summary: (_s, args) => `AI planner session ${args.sessionId}:`,
  }),
];
