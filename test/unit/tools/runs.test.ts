/**
 * The run, health, test-now and AI-session tools through the real server: the request Cronicorn
 * receives, and the sentence the model reads for each shape of answer.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { notFound, sent, type Served, serverPerFile, summaryOf, textOf } from "../../helpers/tools-harness.js";

const server = serverPerFile(() => undefined);
let served: Served;
beforeEach(() => {
  served = server();
});

const run = (fields: Record<string, unknown> = {}) => ({ runId: "r1", endpointId: "e1", startedAt: "2026-01-01T00:00:00.000Z", status: "failed", ...fields });

describe("list_runs", () => {
  it("asks for the endpoint's runs with the filter and page given", async () => {
    served.fake.script = () => ({ body: { runs: [], total: 0 } });
    await served.call("list_runs", { endpointId: "e 1", status: "failed", limit: 10, offset: 20 });
    await served.call("list_runs", { endpointId: "e1" });
    expect(sent(served.fake)).toEqual([
      { method: "GET", path: "/endpoints/e%201/runs", query: { status: "failed", limit: "10", offset: "20" }, body: undefined },
      { method: "GET", path: "/endpoints/e1/runs", query: {}, body: undefined },
    ]);
  });

  it("says how many runs it shows of how many, and the latest", async () => {
    served.fake.script = () => ({ body: { runs: [], total: 0 } });
    expect(summaryOf(await served.call("list_runs", { endpointId: "e1" }))).toBe("0 run(s) shown of 0.");
    served.fake.script = () => ({ body: { runs: [run(), run({ runId: "r0", status: "success", startedAt: "2025-12-31T00:00:00.000Z" })], total: 40 } });
    expect(summaryOf(await served.call("list_runs", { endpointId: "e1" }))).toBe("2 run(s) shown of 40; latest failed at 2026-01-01T00:00:00.000Z.");
    served.fake.script = notFound;
    expect(textOf(await served.call("list_runs", { endpointId: "e5" }))).toContain("Not found: endpoint e5.");
  });

  it("refuses a page size Cronicorn does not serve, and sends nothing", async () => {
    const result = await served.call("list_runs", { endpointId: "e1", limit: 0 });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("limit");
    expect(served.fake.requests).toEqual([]);
  });
});

describe("get_run", () => {
  const details = (fields: Record<string, unknown> = {}) => ({
    id: "r1",
    endpointId: "e1",
    status: "failed",
    startedAt: "2026-01-01T00:00:00.000Z",
    ...fields,
  });

  it("gets the run and says its status, HTTP code, duration and error when there are any", async () => {
    served.fake.script = () => ({ body: details({ statusCode: 503, durationMs: 120, errorMessage: "Service Unavailable" }) });
    expect(summaryOf(await served.call("get_run", { runId: "r 1" }))).toBe("Run r1: failed (HTTP 503) in 120 ms — Service Unavailable.");
    served.fake.script = () => ({ body: details({ status: "success", statusCode: null, durationMs: 0, errorMessage: null }) });
    expect(summaryOf(await served.call("get_run", { runId: "r1" }))).toBe("Run r1: success in 0 ms.");
    served.fake.script = () => ({ body: details({ status: "running" }) });
    expect(summaryOf(await served.call("get_run", { runId: "r1" }))).toBe("Run r1: running.");
    expect(sent(served.fake)[0]).toEqual({ method: "GET", path: "/runs/r%201", query: {}, body: undefined });
    served.fake.script = notFound;
    expect(textOf(await served.call("get_run", { runId: "r9" }))).toContain("Not found: run r9.");
  });
});

describe("get_endpoint_health", () => {
  it("asks for the period given, and says successes, failures, streak and the last run", async () => {
    served.fake.script = () => ({
      body: { successCount: 10, failureCount: 2, avgDurationMs: 80, lastRun: { status: "failed", at: "2026-01-01T00:00:00.000Z" }, failureStreak: 1 },
    });
    const result = await served.call("get_endpoint_health", { endpointId: "e1", sinceHours: 48 });
    expect(summaryOf(result)).toBe("10 success(es), 2 failure(s), failure streak 1; last run failed at 2026-01-01T00:00:00.000Z.");
    served.fake.script = () => ({ body: { successCount: 0, failureCount: 0, avgDurationMs: null, lastRun: null, failureStreak: 0 } });
    expect(summaryOf(await served.call("get_endpoint_health", { endpointId: "e1" }))).toBe("0 success(es), 0 failure(s), failure streak 0; no runs yet.");
    expect(sent(served.fake)).toEqual([
      { method: "GET", path: "/endpoints/e1/health", query: { sinceHours: "48" }, body: undefined },
      { method: "GET", path: "/endpoints/e1/health", query: {}, body: undefined },
    ]);
    served.fake.script = notFound;
    expect(textOf(await served.call("get_endpoint_health", { endpointId: "e6" }))).toContain("Not found: endpoint e6.");
  });

  it("refuses a fraction of an hour, naming the rule, and sends nothing", async () => {
    const result = await served.call("get_endpoint_health", { endpointId: "e1", sinceHours: 1.5 });
    expect(textOf(result)).toContain("sinceHours must be a whole number of hours");
    expect(served.fake.requests).toEqual([]);
  });
});

describe("test_endpoint", () => {
  it("posts test-now and says the outcome", async () => {
    served.fake.script = () => ({ body: { runId: "r2", status: "failed", durationMs: 31, statusCode: 500, errorMessage: "boom" } });
    expect(summaryOf(await served.call("test_endpoint", { endpointId: "e1" }))).toBe("Test run r2: failed (HTTP 500) in 31 ms — boom.");
    served.fake.script = () => ({ body: { runId: "r3", status: "success", durationMs: 12 } });
    expect(summaryOf(await served.call("test_endpoint", { endpointId: "e1" }))).toBe("Test run r3: success in 12 ms.");
    expect(sent(served.fake)).toEqual([
      { method: "POST", path: "/endpoints/e1/test", query: {}, body: undefined },
      { method: "POST", path: "/endpoints/e1/test", query: {}, body: undefined },
    ]);
  });

  it("reads Cronicorn's bare 500 as what it is: maybe an unknown endpoint", async () => {
    served.fake.script = () => ({ status: 500, text: "Internal Server Error" });
    const result = await served.call("test_endpoint", { endpointId: "e4" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("which is also how it answers when endpoint e4 does not exist");
  });
});

describe("list_ai_sessions and get_ai_session", () => {
  it("pages an endpoint's planner sessions and says how many it shows", async () => {
    served.fake.script = () => ({ body: { sessions: [{ id: "s1" }, { id: "s2" }], total: 7 } });
    const result = await served.call("list_ai_sessions", { endpointId: "e1", limit: 2, offset: 4 });
    expect(summaryOf(result)).toBe("2 AI planner session(s) shown of 7.");
    expect(sent(served.fake)).toEqual([{ method: "GET", path: "/endpoints/e1/sessions", query: { limit: "2", offset: "4" }, body: undefined }]);
    served.fake.script = notFound;
    expect(textOf(await served.call("list_ai_sessions", { endpointId: "e3" }))).toContain("Not found: endpoint e3.");
  });

  it("gets one session as Cronicorn returns it", async () => {
    served.fake.script = () => ({ body: { id: "s 1", reasoning: "slow down at night" } });
    const result = await served.call("get_ai_session", { sessionId: "s 1" });
    expect(sent(served.fake)).toEqual([{ method: "GET", path: "/sessions/s%201", query: {}, body: undefined }]);
    expect(textOf(result)).toBe('AI planner session s 1:\n\n{"id":"s 1","reasoning":"slow down at night"}');
    served.fake.script = notFound;
    expect(textOf(await served.call("get_ai_session", { sessionId: "s9" }))).toContain("Not found: AI session s9.");
  });
});
