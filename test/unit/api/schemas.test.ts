/** The request-side rules of the API schemas: path-safe ids, 5-field cron, and the endpoint's cross-field rules. */
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { CronExpression, JobId, OpaqueId, checkEndpointRules, endpointFields, pausedUntilProblem } from "../../../src/api/schemas.js";

const messages = (result: { success: boolean; error?: z.ZodError }) =>
  result.success ? [] : (result.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? []);

describe("ids", () => {
  it("accepts an id, trimmed", () => {
    expect(JobId.parse("  job_123 ")).toBe("job_123");
    expect(JobId.parse("a.b")).toBe("a.b");
    expect(JobId.parse("...")).toBe("...");
    expect(OpaqueId("sessionId", "d").parse("s-1")).toBe("s-1");
  });

  it("refuses empty, too long, dot segments, slashes and control characters, naming the argument", () => {
    expect(messages(JobId.safeParse(" "))).toEqual([": jobId must not be empty"]);
    expect(messages(JobId.safeParse("x".repeat(201)))).toEqual([": jobId must be at most 200 characters"]);
    expect(JobId.safeParse("x".repeat(200)).success).toBe(true);
    expect(messages(JobId.safeParse("."))).toEqual([': jobId must be an id, not "." or ".."']);
    expect(messages(JobId.safeParse(".."))).toEqual([': jobId must be an id, not "." or ".."']);
    const control = ': jobId must be an id: it cannot contain "/", "\\" or control characters';
    for (const bad of ["a/b", "a\\b", "a\u0000b", "a\u001fb", "a\u007fb", "a\nb"]) expect(messages(JobId.safeParse(bad))).toEqual([control]);
    expect(JobId.safeParse("a b").success).toBe(true);
    expect(JobId.safeParse("a~b").success).toBe(true);
    expect(messages(OpaqueId("deviceId", "d").safeParse(".."))).toEqual([': deviceId must be an id, not "." or ".."']);
  });

  it("an id made at run time has every rule too (the module's own ids are made once, at load)", () => {
    const deviceId = OpaqueId("deviceId", "From list_devices.");
    expect(deviceId.parse("  dev_1 ")).toBe("dev_1");
    expect(messages(deviceId.safeParse("  "))).toEqual([": deviceId must not be empty"]);
    expect(messages(deviceId.safeParse("d".repeat(201)))).toEqual([": deviceId must be at most 200 characters"]);
    expect(messages(deviceId.safeParse("a/b"))).toEqual([': deviceId must be an id: it cannot contain "/", "\\" or control characters']);
    expect(deviceId.description).toBe("From list_devices.");
  });
});

describe("CronExpression", () => {
  it("accepts five fields of cron characters, with any spacing", () => {
    for (const ok of ["*/5 * * * *", "0 9 * * MON-FRI", "  0   0 1 1 *  ", "0 0 L * ?", "0 0 * * 1#2", "15,45 8-18 * JAN,JUL 1W"])
      expect(CronExpression.safeParse(ok).success).toBe(true);
  });

  it("refuses four or six fields, and other characters", () => {
    const message = ': must be a 5-field cron expression such as "*/5 * * * *" (minute hour day-of-month month day-of-week)';
    for (const bad of ["* * * *", "0 * * * * *", "@daily", "0 0 * * $", "0 0 * * 1;rm", ""]) expect(messages(CronExpression.safeParse(bad))).toEqual([message]);
  });
});

describe("checkEndpointRules", () => {
  const schema = (requireSchedule: boolean) =>
    z
      .object({
        baselineCron: endpointFields.baselineCron,
        baselineIntervalMs: endpointFields.baselineIntervalMs,
        minIntervalMs: endpointFields.minIntervalMs,
        maxIntervalMs: endpointFields.maxIntervalMs,
      })
      .superRefine((v, ctx) => checkEndpointRules(v, ctx, requireSchedule));

  it("adding needs exactly one schedule", () => {
    expect(messages(schema(true).safeParse({}))).toEqual([
      'baselineCron: a schedule is required: give baselineCron (e.g. "*/5 * * * *") or baselineIntervalMs (e.g. 300000)',
    ]);
    expect(schema(true).safeParse({ baselineCron: "* * * * *" }).success).toBe(true);
    expect(schema(true).safeParse({ baselineIntervalMs: 60_000 }).success).toBe(true);
    expect(messages(schema(true).safeParse({ baselineCron: "* * * * *", baselineIntervalMs: 1 }))).toEqual([
      "baselineIntervalMs: give either baselineCron or baselineIntervalMs, not both",
    ]);
  });

  it("updating needs at most one", () => {
    expect(schema(false).safeParse({}).success).toBe(true);
    expect(messages(schema(false).safeParse({ baselineCron: "* * * * *", baselineIntervalMs: 1 }))).toEqual([
      "baselineIntervalMs: give either baselineCron or baselineIntervalMs, not both",
    ]);
  });

  it("min must not exceed max; equal is fine; either alone is fine", () => {
    expect(messages(schema(false).safeParse({ minIntervalMs: 2, maxIntervalMs: 1 }))).toEqual([
      "minIntervalMs: minIntervalMs must be less than or equal to maxIntervalMs",
    ]);
    expect(schema(false).safeParse({ minIntervalMs: 2, maxIntervalMs: 2 }).success).toBe(true);
    expect(schema(false).safeParse({ minIntervalMs: 5 }).success).toBe(true);
    expect(schema(false).safeParse({ maxIntervalMs: 5 }).success).toBe(true);
  });

  it("reports both problems at once", () => {
    expect(messages(schema(true).safeParse({ minIntervalMs: 9, maxIntervalMs: 1 }))).toHaveLength(2);
  });
});

describe("pausedUntil", () => {
  const now = Date.parse("2026-01-31T09:00:00Z");
  const refused = (at: string) =>
    `pausedUntil ${at} is not in the future, so endpoint e1 would not be paused at all (Cronicorn accepts such a time and pauses nothing). ` +
    "Give a future time, or use resume_endpoint to resume it now.";

  it("must be in the future: one millisecond after now is a pause, now itself and earlier are refused", () => {
    expect(pausedUntilProblem("2026-01-31T09:00:00.001Z", "e1", now)).toBeUndefined();
    expect(pausedUntilProblem("2026-01-31T09:00:00Z", "e1", now)).toBe(refused("2026-01-31T09:00:00Z"));
    expect(pausedUntilProblem("2026-01-31T08:59:59.999Z", "e1", now)).toBe(refused("2026-01-31T08:59:59.999Z"));
  });

  it("reads the time's offset", () => {
    expect(pausedUntilProblem("2026-01-31T10:00:00+02:00", "e1", now)).toBe(refused("2026-01-31T10:00:00+02:00"));
    expect(pausedUntilProblem("2026-01-31T09:30:00+00:30", "e1", now)).toBe(refused("2026-01-31T09:30:00+00:30"));
    expect(pausedUntilProblem("2026-01-31T08:00:01-01:00", "e1", now)).toBeUndefined();
  });
});
