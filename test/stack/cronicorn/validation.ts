/**
 * The request side of the Cronicorn contract as zod schemas, written from the contract
 * (not shared with src/api/schemas.ts) so the stand-in checks the client independently.
 * Field rules follow Cronicorn's api-contracts: strict ISO datetimes (UTC "Z"), positive ints.
 */
import { z } from "zod";
import { cronProblem } from "./cron.js";

const positiveInt = z.number().int().positive();

const cron = z.string().superRefine((value, ctx) => {
  const problem = cronProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: `Invalid cron expression (${problem}). Use standard 5-field format (minute hour day month weekday)` });
});

export const createJobBody = z.object({
  name: z.string().min(1).max(255),
  description: z.string().max(1000).optional(),
});

export const updateJobBody = createJobBody.partial();

export const listJobsQuery = z.object({
  status: z.enum(["active", "paused", "archived"]).optional(),
});

const httpMethod = z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]);

const endpointFields = z.object({
  name: z.string().min(1).max(255),
  description: z.string().max(2000).optional(),
  baselineCron: cron.optional(),
  baselineIntervalMs: positiveInt.optional(),
  minIntervalMs: positiveInt.optional(),
  maxIntervalMs: positiveInt.optional(),
  url: z.url(),
  method: httpMethod.default("GET"),
  headersJson: z.record(z.string(), z.string()).optional(),
  bodyJson: z.unknown().optional(),
  timeoutMs: positiveInt.optional(),
  maxExecutionTimeMs: positiveInt.max(1_800_000).optional(),
  maxResponseSizeKb: positiveInt.optional(),
});

type IntervalBounds = { minIntervalMs?: number | undefined; maxIntervalMs?: number | undefined };
type Baselines = { baselineCron?: string | undefined; baselineIntervalMs?: number | undefined };

function checkIntervalBounds(value: IntervalBounds, ctx: z.RefinementCtx): void {
  if (value.minIntervalMs !== undefined && value.maxIntervalMs !== undefined && value.minIntervalMs > value.maxIntervalMs) {
    ctx.addIssue({ code: "custom", path: ["minIntervalMs"], message: "minIntervalMs must be less than or equal to maxIntervalMs" });
  }
}

/** min ≤ max once an update is merged with the endpoint's stored bounds. */
export const mergedIntervalBounds = z
  .object({ minIntervalMs: z.number().optional(), maxIntervalMs: z.number().optional() })
  .superRefine(checkIntervalBounds);

function checkBaselines(value: Baselines, ctx: z.RefinementCtx, required: boolean): void {
  const both = value.baselineCron !== undefined && value.baselineIntervalMs !== undefined;
  const neither = value.baselineCron === undefined && value.baselineIntervalMs === undefined;
  if (both || (required && neither)) {
    ctx.addIssue({ code: "custom", path: ["baselineCron"], message: "Provide either baselineCron or baselineIntervalMs, but not both." });
  }
}

export const addEndpointBody = endpointFields.superRefine((value, ctx) => {
  checkIntervalBounds(value, ctx);
  checkBaselines(value, ctx, true);
});

// No defaults on update: an absent method must leave the stored one alone.
export const updateEndpointBody = endpointFields
  .extend({ method: httpMethod.optional() })
  .partial()
  .superRefine((value, ctx) => {
    checkIntervalBounds(value, ctx);
    checkBaselines(value, ctx, false);
  });

export const intervalHintBody = z.object({
  intervalMs: positiveInt,
  ttlMinutes: positiveInt.optional(),
  reason: z.string().optional(),
});

export const oneShotBody = z
  .object({
    nextRunAt: z.iso.datetime().optional(),
    nextRunInMs: positiveInt.optional(),
    ttlMinutes: positiveInt.optional(),
    reason: z.string().optional(),
  })
  .refine((value) => value.nextRunAt !== undefined || value.nextRunInMs !== undefined, {
    message: "Must provide either nextRunAt or nextRunInMs",
    path: ["nextRunAt"],
  });

export const pauseBody = z.object({
  pausedUntil: z.iso.datetime().nullable(),
  reason: z.string().optional(),
});

export const listRunsQuery = z.object({
  status: z.enum(["success", "failed"]).optional(),
  limit: z.coerce.number().int().positive().max(1000).optional(),
  offset: z.coerce.number().int().nonnegative().optional(),
});

export const healthQuery = z.object({
  sinceHours: z.coerce.number().int().positive().optional(),
});

export const listSessionsQuery = z.object({
  limit: z.coerce.number().int().positive().max(100).optional(),
  offset: z.coerce.number().int().nonnegative().optional(),
});

export const dashboardQuery = z.object({
  jobId: z.string().optional(),
  source: z.string().optional(),
  startDate: z.coerce.date().optional(),
  endDate: z.coerce.date().optional(),
  endpointLimit: z.coerce.number().int().positive().max(100).optional(),
});
