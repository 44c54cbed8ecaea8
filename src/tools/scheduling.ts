/** Adaptive scheduling: temporary hints, one-shot runs, pauses, and failure resets for one endpoint. */
import * as z from "zod";
import { InvalidRequestError } from "../api/errors.js";
import { Endpoint, EndpointId, pausedUntilProblem } from "../api/schemas.js";
import { CREATES, UPDATES } from "./annotations.js";
import { defineTool } from "./define.js";

const at = (endpointId: string, action: string) => `/endpoints/${encodeURIComponent(endpointId)}/${action}`;
const reason = z.string().trim().min(1).max(500).optional().describe("Why, briefly.");
const ttlMinutes = z
  .number()
  .int("ttlMinutes must be a whole number")
  .positive("ttlMinutes must be greater than 0")
  .max(10_080)
  .optional()
  .describe("Hint lifetime, minutes.");
// Cronicorn answers these with 204 No Content; an endpoint body, should one come, is passed on.
const MaybeEndpoint = Endpoint.optional();
const ignored = z.unknown();

const changed = (endpointId: string) => ({ endpointId, ok: true as const });
const Ack = z.object({ endpointId: z.string(), ok: z.literal(true) });
const EndpointAck = Ack.extend({ endpoint: Endpoint.optional().describe("The updated endpoint, when Cronicorn returns it.") });
const withEndpoint = (endpointId: string, endpoint: z.infer<typeof MaybeEndpoint>) => ({ ...changed(endpointId), ...(endpoint ? { endpoint } : {}) });

export const schedulingTools = [
  defineTool({
    name: "apply_interval_hint",
    title: "Apply interval hint",
    group: "scheduling",
    description: "Run an endpoint every intervalMs (ms) instead of its baseline for ttlMinutes, within its min/max.",
    input: z.object({
      endpointId: EndpointId,
      intervalMs: z.number().int("intervalMs must be a whole number of milliseconds").positive("intervalMs must be greater than 0"),
      ttlMinutes,
      reason,
    }),
    output: { key: "hint", schema: Ack },
    annotations: UPDATES,
    run: async ({ endpointId, ...body }, { api }) => {
      await api.request({ method: "POST", path: at(endpointId, "hints/interval"), body, response: ignored, what: `endpoint ${endpointId}` });
      return changed(endpointId);
    },
    summary: (_r, args) => `Endpoint ${args.endpointId} will run every ${args.intervalMs} ms${args.ttlMinutes ? ` for ${args.ttlMinutes} min` : ""}.`,
  }),
  defineTool({
    name: "schedule_one_shot",
    title: "Schedule one-shot run",
    group: "scheduling",
    description: "Run an endpoint once more, at nextRunAt or in nextRunInMs (ms), on top of its schedule.",
    input: z
      .object({
        endpointId: EndpointId,
        nextRunAt: z.iso.datetime({ offset: true, message: "nextRunAt must be an ISO 8601 time such as 2026-01-31T09:00:00Z" }).optional(),
        nextRunInMs: z.number().int("nextRunInMs must be a whole number of milliseconds").positive("nextRunInMs must be greater than 0").optional(),
        ttlMinutes,
        reason,
      })
      .superRefine((v, ctx) => {
        if ((v.nextRunAt === undefined) === (v.nextRunInMs === undefined)) {
          ctx.addIssue({ code: "custom", path: ["nextRunAt"], message: "give exactly one of nextRunAt or nextRunInMs" });
        }
      }),
    output: { key: "hint", schema: Ack },
    annotations: CREATES,
    run: async ({ endpointId, ...body }, { api }) => {
      await api.request({ method: "POST", path: at(endpointId, "hints/oneshot"), body, response: ignored, what: `endpoint ${endpointId}` });
      return changed(endpointId);
    },
    summary: (_r, args) => `Endpoint ${args.endpointId} will run once ${args.nextRunAt ? `at ${args.nextRunAt}` : `in ${args.nextRunInMs} ms`}.`,
  }),
  defineTool({
    name: "pause_endpoint",
    title: "Pause endpoint",
    group: "scheduling",
    description: "Pause one endpoint until pausedUntil; resume_endpoint ends it sooner.",
    input: z.object({
      endpointId: EndpointId,
      pausedUntil: z.iso.datetime({ offset: true, message: "pausedUntil must be an ISO 8601 time such as 2026-01-31T09:00:00Z" }),
      reason,
    }),
    output: { key: "pause", schema: EndpointAck },
    annotations: UPDATES,
    run: async ({ endpointId, ...body }, { api }) => {
      const problem = pausedUntilProblem(body.pausedUntil, endpointId, Date.now());
      if (problem) throw new InvalidRequestError(problem);
      return withEndpoint(
        endpointId,
        await api.request({ method: "POST", path: at(endpointId, "pause"), body, response: MaybeEndpoint, what: `endpoint ${endpointId}` }),
      );
    },
    summary: (_r, args) => `Endpoint ${args.endpointId} is paused until ${args.pausedUntil}.`,
  }),
  defineTool({
    name: "resume_endpoint",
    title: "Resume endpoint",
    group: "scheduling",
    description: "Resume a paused endpoint now, before its pausedUntil.",
    input: z.object({ endpointId: EndpointId, reason }),
    output: { key: "pause", schema: EndpointAck },
    annotations: UPDATES,
    run: async ({ endpointId, reason: why }, { api }) =>
      withEndpoint(
        endpointId,
        await api.request({
          method: "POST",
          path: at(endpointId, "pause"),
          body: { pausedUntil: null, reason: why },
          response: MaybeEndpoint,
          what: `endpoint ${endpointId}`,
        }),
      ),
    summary: (r) => `Endpoint ${r.endpointId} is running again${r.endpoint?.nextRunAt ? `; next run ${r.endpoint.nextRunAt}` : ""}.`,
  }),
  defineTool({
    name: "clear_hints",
    title: "Clear hints",
    group: "scheduling",
    description: "Remove an endpoint's interval and one-shot hints: back to its baseline.",
    input: z.object({ endpointId: EndpointId }),
    output: { key: "hint", schema: Ack },
    annotations: UPDATES,
    run: async ({ endpointId }, { api }) => {
      await api.request({ method: "DELETE", path: at(endpointId, "hints"), what: `endpoint ${endpointId}` });
      return changed(endpointId);
    },
    summary: (_r, args) => `Cleared hints on endpoint ${args.endpointId}; it follows its baseline schedule.`,
  }),
  defineTool({
    name: "reset_failures",
    title: "Reset failure count",
    group: "scheduling",
    description: "Reset an endpoint's failure count to 0, ending its backoff (e.g. after a fix).",
    input: z.object({ endpointId: EndpointId }),
    output: { key: "hint", schema: Ack },
    annotations: UPDATES,
    run: async ({ endpointId }, { api }) => {
      await api.request({ method: "POST", path: at(endpointId, "reset-failures"), what: `endpoint ${endpointId}` });
      return changed(endpointId);
    },
    summary: (_r, args) => `Reset the failure count of endpoint ${args.endpointId}.`,
  }),
];
