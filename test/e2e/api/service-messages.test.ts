/**
 * What users read when Cronicorn answers as 1.25.0 was observed to (docs/real-api-notes.md, "Observed
 * again"): the built server over stdio against the stand-in taught the same behaviour, each message
 * compared in full, and each state read back from the stand-in rather than from the tool's own echo.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pkg from "../../../package.json" with { type: "json" };
import { startCronicornStandIn } from "../../stack/cronicorn.js";
import type { StandIn } from "../../stack/cronicorn.js";
import { startServer, textOf, valueOf } from "../../helpers/mcp.js";
import type { ServerHandle } from "../../helpers/mcp.js";
import { eventually, promptOf } from "../../helpers/signin.js";

type Obj = Record<string, unknown>;

const FREE_INTERVAL = "free tier requires minimum 60000ms (60s) between runs. Upgrade to Pro for shorter intervals.";
const USE_A_MINUTE = "Use an interval of at least 60000 ms, or upgrade the plan for shorter ones (get_usage shows your plan).";

describe("service answers as users read them, against the stand-in", () => {
  let stand: StandIn;
  let server: ServerHandle;

  beforeAll(async () => {
    stand = await startCronicornStandIn({ apiKeyRateLimit: { maxRequests: 10_000, timeWindowMs: 60_000 } });
    server = await startServer({ env: { CRONICORN_API_URL: stand.apiUrl, CRONICORN_WEB_URL: stand.webUrl, CRONICORN_API_KEY: stand.apiKey } });
  });
  afterAll(async () => {
    await server?.close();
    await stand?.close();
  });

  const refusal = async (tool: string, args: Obj) => {
    const result = await server.call(tool, args);
    expect(result.isError, textOf(result)).toBe(true);
    return textOf(result);
  };
  const newJob = async (name: string) => valueOf<Obj>(await server.call("create_job", { name }), "job").id as string;
  const addEndpoint = (jobId: string, fields: Obj = {}) =>
    server.call("add_endpoint", { jobId, name: "probe", url: "https://example.com/health", baselineIntervalMs: 60_000, ...fields });
  const newEndpoint = async (jobId: string, fields: Obj = {}) => valueOf<Obj>(await addEndpoint(jobId, fields), "endpoint").id as string;
  const endpoints = async (jobId: string) => valueOf<Obj[]>(await server.call("list_endpoints", { jobId }), "endpoints");

  it("gives a free-tier interval refusal with one full stop and what interval to use, naming no field", async () => {
    const jobId = await newJob("Intervals");
    const endpointId = await newEndpoint(jobId);
    expect(await refusal("add_endpoint", { jobId, name: "fast", url: "https://example.com", baselineIntervalMs: 30_000 })).toBe(
      `Cronicorn rejected the request: Interval too short: ${FREE_INTERVAL} ${USE_A_MINUTE}`,
    );
    expect(await refusal("update_endpoint", { jobId, endpointId, baselineIntervalMs: 30_000 })).toBe(
      `Cronicorn rejected the request: Interval too short: ${FREE_INTERVAL} ${USE_A_MINUTE}`,
    );
    expect(await refusal("apply_interval_hint", { endpointId, intervalMs: 30_000 })).toBe(
      `Cronicorn rejected the request: AI hint interval too short: ${FREE_INTERVAL} ${USE_A_MINUTE}`,
    );
    expect((await endpoints(jobId)).map((e) => e.baselineIntervalMs)).toEqual([60_000]);
  });

  it("gives the endpoint limit with one full stop and the way on (get_usage, archive_endpoint, upgrade), which works", async () => {
    const jobId = await newJob("Quota");
    const { usage } = valueOf<{ usage: { endpointsUsed: number; endpointsLimit: number } }>(await server.call("get_usage", {}), "usage");
    const ids: string[] = [];
    for (let n = usage.endpointsUsed; n < usage.endpointsLimit; n++) ids.push(await newEndpoint(jobId));
    try {
      expect(await refusal("add_endpoint", { jobId, name: "one too many", url: "https://example.com", baselineIntervalMs: 60_000 })).toBe(
        "Cronicorn rejected the request: Endpoint limit reached: free tier allows maximum 5 endpoints. Upgrade to Pro for 100 endpoints or Enterprise for 1,000 endpoints. " +
          "get_usage shows your plan's quotas and use; archive an endpoint you no longer need (archive_endpoint: archived endpoints do not count) or upgrade the plan, then try again.",
      );
      // The advice holds: archiving one frees its slot.
      await server.call("archive_endpoint", { jobId, endpointId: ids.shift() as string });
      ids.push(await newEndpoint(jobId));
    } finally {
      // The other tests here need room under the limit.
      for (const endpointId of ids) await server.call("archive_endpoint", { jobId, endpointId });
    }
  });

  it("marks archived endpoints in list_endpoints, which Cronicorn lists with the others", async () => {
    const jobId = await newJob("Archive");
    const kept = await newEndpoint(jobId, { name: "kept" });
    const gone = await newEndpoint(jobId, { name: "gone", baselineIntervalMs: 300_000 });
    await server.call("archive_endpoint", { jobId, endpointId: gone });
    const listed = await server.call("list_endpoints", { jobId });
    expect(valueOf<Obj[]>(listed, "endpoints").find((e) => e.id === gone)).toMatchObject({ archivedAt: expect.any(String) });
    const summary = textOf(listed).split("\n")[0];
    expect(summary).toBe(`2 endpoint(s), 1 archived: "kept" (${kept}, every 60000 ms); "gone" (${gone}, every 300000 ms, archived).`);
  });

  it("says test_endpoint's 500 is how Cronicorn answers an unknown endpoint, and a 500 elsewhere stays a server error", async () => {
    expect(await refusal("test_endpoint", { endpointId: "no-such-endpoint" })).toBe(
      "Cronicorn had a server error (500) on POST /endpoints/no-such-endpoint/test, which is also how it answers when endpoint no-such-endpoint does not exist: " +
        "check the id (list_endpoints shows valid endpoint ids). If the id is right, the fault is on Cronicorn's side; try again shortly.",
    );
    stand.faults.set({ kind: "status", status: 500, match: /\/api\/jobs$/ });
    try {
      expect(await refusal("list_jobs", {})).toBe("Cronicorn had a server error (500) on GET /jobs. This is usually temporary; try again shortly.");
    } finally {
      stand.faults.clear();
    }
  });

  it("refuses a pausedUntil that is not in the future before sending anything, and pauses with a future one", async () => {
    const jobId = await newJob("Pauses");
    const endpointId = await newEndpoint(jobId);
    const past = new Date(Date.now() - 60_000).toISOString();
    stand.resetRequests();
    expect(await refusal("pause_endpoint", { endpointId, pausedUntil: past })).toBe(
      `pausedUntil ${past} is not in the future, so endpoint ${endpointId} would not be paused at all (Cronicorn accepts such a time and pauses nothing). ` +
        "Give a future time, or use resume_endpoint to resume it now.",
    );
    expect(stand.requests.filter((r) => r.path.endsWith("/pause"))).toEqual([]);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await server.call("pause_endpoint", { endpointId, pausedUntil: future })).isError).toBeFalsy();
    expect((await endpoints(jobId))[0]).toMatchObject({ pausedUntil: future });
  });

  it("reports AI use as tokens this month, as Cronicorn counts it", async () => {
    const jobId = await newJob("Planner");
    const endpointId = await newEndpoint(jobId);
    stand.seedAiSession(endpointId, { tokenUsage: 42 });
    const result = await server.call("get_usage", {});
    const { usage } = valueOf<{ usage: Obj }>(result, "usage");
    expect(usage.aiCallsUsed).toBe(42);
    expect(textOf(result).split("\n")[0]).toBe(
      `Plan free: ${String(usage.endpointsUsed)}/5 endpoints, ${String(usage.totalRuns)}/10000 runs, 42/100000 AI tokens this month.`,
    );
  });
});

describe("the User-Agent Cronicorn names sessions by", () => {
  let stand: StandIn;
  let server: ServerHandle;

  beforeAll(async () => {
    stand = await startCronicornStandIn({ deviceInterval: "1s" });
    server = await startServer({
      env: { CRONICORN_API_URL: stand.apiUrl, CRONICORN_WEB_URL: stand.webUrl, CRONICORN_ISSUER: stand.webUrl, CRONICORN_LOGIN_WAIT_S: "1" },
    });
  });
  afterAll(async () => {
    await server?.close();
    await stand?.close();
  });

  it("is cronicorn-mcp/<version> on every sign-in and API request, so list_devices names this server's session by it", async () => {
    const agent = `cronicorn-mcp/${pkg.version}`;
    const prompt = promptOf(await server.call("list_jobs", {}));
    await stand.approveDevice(prompt.userCode as string);
    await eventually(async () => (((await server.call("list_jobs", {})).structuredContent as { jobs?: unknown } | undefined)?.jobs ? true : undefined));
    const result = await server.call("list_devices", {});
    const devices = valueOf<Obj[]>(result, "devices");
    expect(devices.map((d) => d.userAgent)).toContain(agent);
    expect(textOf(result).split("\n")[0]).toContain(agent);

    const sent = stand.requests.filter((r) => r.path === "/api/auth/device/code" || r.path === "/api/auth/device/token" || r.path === "/api/jobs");
    expect(new Set(sent.map((r) => r.path))).toEqual(new Set(["/api/auth/device/code", "/api/auth/device/token", "/api/jobs"]));
    for (const request of stand.requests) expect(request.userAgent, `${request.method} ${request.path}`).toBe(agent);
  });

  it("auth_status calls that device session one Cronicorn extends while it is used, not one to sign in again when it expires", async () => {
    // Signed in by the test above: a better-auth device session, which has no refresh token and slides.
    const text = textOf(await server.call("auth_status", {}));
    expect(text).toMatch(/session valid until \S+ \(\d+ day\(s\) left\), extended while it is used/);
    expect(text).not.toMatch(/no refresh token|sign in again when it expires/);
  });
});
