/**
 * The Cronicorn API contract as zod schemas: request fields (reused as tool input shapes, with the
 * API's own field names) and response bodies (parsed loosely: unknown extra fields pass through, so a
 * newer server does not break an older client).
 */
import * as z from "zod";

// ---------- shared pieces ----------

/**
 * An id that goes into a URL path. `.`/`..` (or a slash, which makes empty and dot segments) would be
 * resolved as path segments — `DELETE /api/jobs/J/endpoints/..` becomes `DELETE /api/jobs/J/` —
 * so they are refused here, before anything is sent.
 */
const id = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `${what} must not be empty`)
    .max(200, `${what} must be at most 200 characters`)
    .refine((v) => v !== "." && v !== "..", `${what} must be an id, not "." or ".."`)
    // Tools percent-encode ids, but a slash or control character is never part of a real id: refuse it outright.
    // eslint-disable-next-line no-control-regex
    .refine((v) => !/[/\\\u0000-\u001f\u007f]/.test(v), `${what} must be an id: it cannot contain "/", "\\" or control characters`);

/** An opaque id argument (sessions, device tokens, …) with the same path-safety rules as the API ids. */
export const OpaqueId = (what: string, description: string) => id(what).describe(description);
export const JobId = id("jobId").describe("From list_jobs.");
export const EndpointId = id("endpointId").describe("From list_endpoints.");
export const RunId = id("runId").describe("From list_runs.");

const isoDate = z.string().describe("ISO 8601 timestamp");
const isoOrNull = isoDate.nullable().optional();

/** A 5-field cron expression: minute hour day-of-month month day-of-week. */
export const CronExpression = z
  .string()
  .trim()
  .refine((v) => {
    const fields = v.split(/\s+/);
    return fields.length === 5 && fields.every((f) => /^[\d*,\-/A-Za-z?LW#]+$/.test(f));
  }, 'must be a 5-field cron expression such as "*/5 * * * *" (minute hour day-of-month month day-of-week)')
  .describe('5-field cron, e.g. "*/5 * * * *".');

const positiveMs = (what: string) => z.number().int(`${what} must be a whole number of milliseconds`).positive(`${what} must be greater than 0`);

export const HttpMethod = z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]);

// ---------- requests ----------

export const jobFields = {
  name: z.string().trim().min(1, "name must not be empty").max(255, "name must be at most 255 characters"),
  description: z.string().max(1000, "description must be at most 1000 characters").optional(),
};

export const JobStatus = z.enum(["active", "paused", "archived"]);

export const endpointFields = {
  name: z.string().trim().min(1, "name must not be empty").max(255, "name must be at most 255 characters"),
  description: z
    .string()
    .max(2000, "description must be at most 2000 characters")
    .optional()
    .describe('Guidance for the AI planner, e.g. "poll faster while the queue is long".'),
  baselineCron: CronExpression.optional(),
  baselineIntervalMs: positiveMs("baselineIntervalMs").optional().describe("Fixed interval, ms (300000 = 5 min)."),
  minIntervalMs: positiveMs("minIntervalMs").optional().describe("Floor for the planner and hints, ms."),
  maxIntervalMs: positiveMs("maxIntervalMs").optional().describe("Ceiling, ms (≥ minIntervalMs)."),
  url: z.string().trim().url("url must be a full URL such as https://example.com/health"),
  method: HttpMethod.optional().describe("Default GET."),
  headersJson: z.record(z.string(), z.string()).optional(),
  bodyJson: z.unknown().optional().describe("Any JSON value."),
  timeoutMs: positiveMs("timeoutMs").optional().describe("ms."),
  maxExecutionTimeMs: positiveMs("maxExecutionTimeMs").max(1_800_000, "maxExecutionTimeMs must be at most 1800000 (30 minutes)").optional().describe("ms."),
  maxResponseSizeKb: positiveMs("maxResponseSizeKb").optional().describe("Largest response body kept, KB."),
};

type EndpointFieldValues = {
  baselineCron?: string | undefined;
  baselineIntervalMs?: number | undefined;
  minIntervalMs?: number | undefined;
  maxIntervalMs?: number | undefined;
};

/** Cross-field rules of EndpointFields. `requireSchedule`: adding needs exactly one baseline; updating needs at most one. */
export function checkEndpointRules(value: EndpointFieldValues, ctx: z.RefinementCtx, requireSchedule: boolean): void {
  const hasCron = value.baselineCron !== undefined;
  const hasInterval = value.baselineIntervalMs !== undefined;
  if (hasCron && hasInterval) {
    ctx.addIssue({ code: "custom", path: ["baselineIntervalMs"], message: "give either baselineCron or baselineIntervalMs, not both" });
  } else if (requireSchedule && !hasCron && !hasInterval) {
    ctx.addIssue({
      code: "custom",
      path: ["baselineCron"],
      message: 'a schedule is required: give baselineCron (e.g. "*/5 * * * *") or baselineIntervalMs (e.g. 300000)',
    });
  }
  if (value.minIntervalMs !== undefined && value.maxIntervalMs !== undefined && value.minIntervalMs > value.maxIntervalMs) {
    ctx.addIssue({ code: "custom", path: ["minIntervalMs"], message: "minIntervalMs must be less than or equal to maxIntervalMs" });
  }
}

/**
 * A pause must end in the future: Cronicorn accepts a past pausedUntil (observed on 1.25.0) and then
 * pauses nothing, while the user believes the endpoint paused. `now` in ms since the epoch.
 */
export function pausedUntilProblem(pausedUntil: string, endpointId: string, now: number): string | undefined {
  if (Date.parse(pausedUntil) > now) return undefined;
  return (
    `pausedUntil ${pausedUntil} is not in the future, so endpoint ${endpointId} would not be paused at all (Cronicorn accepts such a time and pauses nothing). ` +
    "Give a future time, or use resume_endpoint to resume it now."
  );
}

// ---------- responses ----------

export const Job = z.looseObject({
  id: z.string(),
  userId: z.string().optional(),
  name: z.string(),
  description: z.string().nullable().optional(),
  status: JobStatus,
  createdAt: isoDate,
  updatedAt: isoDate.optional(),
  archivedAt: isoOrNull,
});
export const JobWithCount = Job.extend({ endpointCount: z.number().int().optional() });
export const JobList = z.looseObject({ jobs: z.array(JobWithCount) });

export const Endpoint = z.looseObject({
  id: z.string(),
  jobId: z.string().nullable().optional(),
  name: z.string(),
  description: z.string().nullable().optional(),
  baselineCron: z.string().nullable().optional(),
  baselineIntervalMs: z.number().nullable().optional(),
  minIntervalMs: z.number().nullable().optional(),
  maxIntervalMs: z.number().nullable().optional(),
  url: z.string(),
  method: z.string().optional(),
  nextRunAt: isoDate.nullable(),
  lastRunAt: isoOrNull,
  failureCount: z.number().int(),
  pausedUntil: isoOrNull,
  archivedAt: isoOrNull,
  aiHintIntervalMs: z.number().nullable().optional(),
  aiHintNextRunAt: isoOrNull,
  aiHintExpiresAt: isoOrNull,
  aiHintReason: z.string().nullable().optional(),
});
export const EndpointList = z.looseObject({ endpoints: z.array(Endpoint) });

export const RunStatus = z.enum(["success", "failed"]);
export const RunSummary = z.looseObject({
  runId: z.string(),
  endpointId: z.string(),
  startedAt: isoDate,
  status: z.string(),
  durationMs: z.number().nullable().optional(),
  source: z.string().nullable().optional(),
});
export const RunList = z.looseObject({ runs: z.array(RunSummary), total: z.number().int() });

export const RunDetails = z.looseObject({
  id: z.string(),
  endpointId: z.string(),
  status: z.string(),
  startedAt: isoDate,
  finishedAt: isoOrNull,
  durationMs: z.number().nullable().optional(),
  errorMessage: z.string().nullable().optional(),
  source: z.string().nullable().optional(),
  attempt: z.number().int().optional(),
  responseBody: z.unknown().optional(),
  statusCode: z.number().int().nullable().optional(),
  endpoint: z.unknown().optional(),
});

export const EndpointHealth = z.looseObject({
  successCount: z.number().int(),
  failureCount: z.number().int(),
  avgDurationMs: z.number().nullable(),
  lastRun: z.looseObject({ status: z.string(), at: isoDate }).nullable(),
  failureStreak: z.number().int(),
});

export const TestResult = z.looseObject({
  runId: z.string(),
  status: RunStatus,
  durationMs: z.number(),
  statusCode: z.number().int().nullable().optional(),
  responseBody: z.unknown().optional(),
  errorMessage: z.string().nullable().optional(),
});

export const DashboardStats = z.looseObject({
  jobs: z.unknown(),
  endpoints: z.unknown(),
  successRate: z.unknown(),
  recentActivity: z.unknown().optional(),
  jobHealth: z.unknown().optional(),
});

export const SessionList = z.looseObject({ sessions: z.array(z.looseObject({ id: z.string() })), total: z.number().int() });

export const DashboardActivity = z.looseObject({
  events: z.array(z.looseObject({ type: z.string(), id: z.string(), endpointId: z.string(), timestamp: isoDate })),
  total: z.number().int(),
  summary: z.looseObject({ runsCount: z.number(), sessionsCount: z.number(), successRate: z.number() }),
});

/** GET /subscriptions/status (not in the OpenAPI document; shape observed on a free-tier account). */
export const SubscriptionStatus = z.looseObject({ tier: z.string(), status: z.string().nullable().optional(), endsAt: isoOrNull });
/** GET /subscriptions/usage (not in the OpenAPI document; shape observed). The AI fields count tokens, not calls. */
export const Usage = z.looseObject({
  aiCallsUsed: z.number().describe("AI tokens used this month (counted in tokens, despite the name)."),
  aiCallsLimit: z.number().describe("AI tokens allowed per month."),
  endpointsUsed: z.number(),
  endpointsLimit: z.number(),
  totalRuns: z.number(),
  totalRunsLimit: z.number(),
});

export const SigningKeyInfo = z.looseObject({
  hasKey: z.boolean(),
  keyPrefix: z.string().nullable().optional(),
  createdAt: isoOrNull,
  rotatedAt: isoOrNull,
});
export const SigningKeyCreated = z.looseObject({ rawKey: z.string(), keyPrefix: z.string() });

export type JobT = z.infer<typeof Job>;
export type EndpointT = z.infer<typeof Endpoint>;
