/** Runs, health, testing and the AI planner's analysis sessions. */
import * as z from "zod";
import { EndpointHealth, EndpointId, OpaqueId, RunDetails, RunId, RunList, RunStatus, SessionList, TestResult } from "../api/schemas.js";
import { CREATES, READS } from "./annotations.js";
import { defineTool } from "./define.js";

const at = (endpointId: string, action: string) => `/endpoints/${encodeURIComponent(endpointId)}/${action}`;
const AnyJson = z.unknown();

export const runTools = [
  defineTool({
    name: "list_runs",
    title: "List runs",
    group: "runs",
    description: "An endpoint's runs, newest first: start, status, duration (ms), source. Pages with limit/offset.",
    input: z.object({
      endpointId: EndpointId,
      status: RunStatus.optional(),
      limit: z.number().int().min(1).max(1000).optional(),
      offset: z.number().int().min(0).optional(),
    }),
    output: { key: "runs", schema: RunList },
    annotations: READS,
    run: ({ endpointId, ...query }, { api }) =>
      api.request({ method: "GET", path: at(endpointId, "runs"), query, response: RunList, what: `endpoint ${endpointId}` }),
    summary: (r) => `${r.runs.length} run(s) shown of ${r.total}${r.runs[0] ? `; latest ${r.runs[0].status} at ${r.runs[0].startedAt}` : ""}.`,
  }),
  defineTool({
    name: "get_run",
    title: "Get run",
    group: "runs",
    description: "One run in detail: status, timing, HTTP code, error and response body. For investigating failures.",
    input: z.object({ runId: RunId }),
    output: { key: "run", schema: RunDetails },
    annotations: READS,
    run: ({ runId }, { api }) => api.request({ method: "GET", path: `/runs/${encodeURIComponent(runId)}`, response: RunDetails, what: `run ${runId}` }),
    summary: (r) =>
      `Run ${r.id}: ${r.status}${r.statusCode ? ` (HTTP ${r.statusCode})` : ""}${r.durationMs != null ? ` in ${r.durationMs} ms` : ""}${r.errorMessage ? ` — ${r.errorMessage}` : ""}.`,
  }),
  defineTool({
    name: "get_endpoint_health",
    title: "Get endpoint health",
    group: "runs",
    description: "An endpoint's health over sinceHours (default 24): successes, failures, mean duration (ms), last run, failure streak.",
    input: z.object({
      endpointId: EndpointId,
      sinceHours: z
        .number()
        .int("sinceHours must be a whole number of hours")
        .positive()
        .max(24 * 90)
        .optional(),
    }),
    output: { key: "health", schema: EndpointHealth },
    annotations: READS,
    run: ({ endpointId, sinceHours }, { api }) =>
      api.request({ method: "GET", path: at(endpointId, "health"), query: { sinceHours }, response: EndpointHealth, what: `endpoint ${endpointId}` }),
    summary: (h) =>
      `${h.successCount} success(es), ${h.failureCount} failure(s), failure streak ${h.failureStreak}${h.lastRun ? `; last run ${h.lastRun.status} at ${h.lastRun.at}` : "; no runs yet"}.`,
  }),
  defineTool({
    name: "test_endpoint",
    title: "Test endpoint now",
    group: "runs",
    description: "Call an endpoint's URL now: status, duration (ms), HTTP code, body or error. Recorded as a run.",
    input: z.object({ endpointId: EndpointId }),
    output: { key: "test", schema: TestResult },
    annotations: { ...CREATES, openWorldHint: true },
    // Cronicorn answers test-now for an endpoint it does not know with a bare 500 (observed on 1.25.0).
    run: ({ endpointId }, { api }) =>
      api.request({ method: "POST", path: at(endpointId, "test"), response: TestResult, what: `endpoint ${endpointId}`, unknownIdStatus: 500 }),
    summary: (t) =>
      `Test run ${t.runId}: ${t.status}${t.statusCode ? ` (HTTP ${t.statusCode})` : ""} in ${t.durationMs} ms${t.errorMessage ? ` — ${t.errorMessage}` : ""}.`,
  }),
  defineTool({
    name: "list_ai_sessions",
    title: "List AI sessions",
    group: "runs",
    description: "AI planner sessions of an endpoint, newest first: reasoning, tool calls, tokens. Pages with limit/offset.",
    input: z.object({
      endpointId: EndpointId,
      limit: z.number().int().min(1).max(100).optional(),
      offset: z.number().int().min(0).optional(),
    }),
    output: { key: "sessions", schema: SessionList },
    annotations: READS,
    run: ({ endpointId, ...query }, { api }) =>
      api.request({ method: "GET", path: at(endpointId, "sessions"), query, response: SessionList, what: `endpoint ${endpointId}` }),
    summary: (r) => `${r.sessions.length} AI planner session(s) shown of ${r.total}.`,
  }),
  defineTool({
    name: "get_ai_session",
    title: "Get AI session",
    group: "runs",
    description: "One AI planner session in full: reasoning, tools used, hints applied.",
    input: z.object({ sessionId: OpaqueId("sessionId", "From list_ai_sessions.") }),
    output: { key: "session", schema: AnyJson },
    annotations: READS,
    run: ({ sessionId }, { api }) =>
      api.request({ method: "GET", path: `/sessions/${encodeURIComponent(sessionId)}`, response: AnyJson, what: `AI session ${sessionId}` }),
    summary: (_s, args) => `AI planner session ${args.sessionId}:`,
  }),
];
