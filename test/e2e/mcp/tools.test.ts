/**
 * Every API tool over stdio against the Cronicorn stand-in, and every change read back through the
 * matching get/list tool: a test passes only when the state on the server changed as asked, not
 * when a tool merely echoes what it was given.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOLS } from "../../../src/tools/registry.js";
import { startCronicornStandIn } from "../../stack/cronicorn.js";
import type { StandIn } from "../../stack/cronicorn.js";
import { assertNoSecrets, assertStdoutIsJsonRpc, ERAS, startServer, textOf, valueOf } from "../../helpers/mcp.js";
import type { ServerHandle } from "../../helpers/mcp.js";
import { startTarget } from "../../helpers/target.js";
import type { Target } from "../../helpers/target.js";

type Obj = Record<string, unknown>;

describe.each(ERAS)("every tool over stdio against the Cronicorn stand-in, with read-back (%s era)", (era) => {
  let stand: StandIn;
  let server: ServerHandle;
  let target: Target;

  beforeAll(async () => {
    // One key makes every call here: lift the per-key limit (test/stack covers it).
    stand = await startCronicornStandIn({ apiKeyRateLimit: { maxRequests: 10_000, timeWindowMs: 60_000 } });
    target = await startTarget();
    server = await startServer({ era, env: { CRONICORN_API_URL: stand.apiUrl, CRONICORN_WEB_URL: stand.webUrl, CRONICORN_API_KEY: stand.apiKey } });
    const call = server.call.bind(server);
    server.call = (name, ...rest) => {
      called.add(name);
      return call(name, ...rest);
    };
  });
  /** Every tool this file called, to prove it called all of them. */
  const called = new Set<string>();
  afterAll(async () => {
    await server?.close();
    await target?.close();
    await stand?.close();
  });

  const job = async (jobId: string) => valueOf<Obj>(await server.call("get_job", { jobId }), "job");
  const endpoint = async (jobId: string, endpointId: string) => valueOf<Obj>(await server.call("get_endpoint", { jobId, endpointId }), "endpoint");
  const newJob = async (name: string) => valueOf<Obj>(await server.call("create_job", { name }), "job").id as string;
  const newEndpoint = async (jobId: string, fields: Obj) =>
    valueOf<Obj>(await server.call("add_endpoint", { jobId, name: "probe", url: `${target.url}/ok`, ...fields }), "endpoint").id as string;

  it("manages a job from creation to archive, reading each change back", async () => {
    const created = valueOf<Obj>(await server.call("create_job", { name: "Site checks", description: "Watch the marketing site" }), "job");
    const jobId = created.id as string;
    expect(await job(jobId)).toMatchObject({ name: "Site checks", description: "Watch the marketing site", status: "active" });
    expect(valueOf<Obj[]>(await server.call("list_jobs", {}), "jobs").map((j) => j.id)).toContain(jobId);

    await server.call("update_job", { jobId, name: "Site health" });
    expect(await job(jobId)).toMatchObject({ name: "Site health", description: "Watch the marketing site" });
    await server.call("pause_job", { jobId });
    expect(await job(jobId)).toMatchObject({ status: "paused" });
    expect(valueOf<Obj[]>(await server.call("list_jobs", { status: "paused" }), "jobs").map((j) => j.id)).toEqual([jobId]);
    await server.call("resume_job", { jobId });
    expect(await job(jobId)).toMatchObject({ status: "active" });
    await server.call("archive_job", { jobId });
    expect(await job(jobId)).toMatchObject({ status: "archived", archivedAt: expect.any(String) });
    expect(valueOf<Obj[]>(await server.call("list_jobs", { status: "archived" }), "jobs").map((j) => j.id)).toEqual([jobId]);
  });

  it("adds, reads, archives and deletes endpoints, reading each change back", async () => {
    const jobId = await newJob("Endpoints");
    const cronId = await newEndpoint(jobId, { name: "Every 5 min", baselineCron: "*/5 * * * *", maxIntervalMs: 3_600_000 });
    const intervalId = await newEndpoint(jobId, {
      name: "Poll",
      method: "POST",
      baselineIntervalMs: 300_000,
      headersJson: { "x-test": "1" },
      bodyJson: { ping: true },
    });
    expect(await endpoint(jobId, cronId)).toMatchObject({ name: "Every 5 min", baselineCron: "*/5 * * * *", failureCount: 0, maxIntervalMs: 3_600_000 });
    expect(await endpoint(jobId, intervalId)).toMatchObject({
      baselineIntervalMs: 300_000,
      method: "POST",
      headersJson: { "x-test": "1" },
      bodyJson: { ping: true },
    });
    expect(
      valueOf<Obj[]>(await server.call("list_endpoints", { jobId }), "endpoints")
        .map((e) => e.id)
        .sort(),
    ).toEqual([cronId, intervalId].sort());

    await server.call("archive_endpoint", { jobId, endpointId: intervalId });
    expect(await endpoint(jobId, intervalId)).toMatchObject({ archivedAt: expect.any(String) });
    // Cronicorn lists archived endpoints too, marked by archivedAt.
    const listed = valueOf<Obj[]>(await server.call("list_endpoints", { jobId }), "endpoints");
    expect(listed.map((e) => [e.id, Boolean(e.archivedAt)]).sort()).toEqual(
      [
        [cronId, false],
        [intervalId, true],
      ].sort(),
    );

    await server.call("delete_endpoint", { jobId, endpointId: cronId });
    const gone = await server.call("get_endpoint", { jobId, endpointId: cronId });
    expect(gone.isError).toBe(true);
    expect(valueOf<Obj[]>(await server.call("list_endpoints", { jobId }), "endpoints").map((e) => e.id)).toEqual([intervalId]);
  });

  it("switches an endpoint's schedule from cron to interval and back, as get_endpoint shows", async () => {
    const jobId = await newJob("Switch");
    const endpointId = await newEndpoint(jobId, { baselineCron: "*/5 * * * *" });

    await server.call("update_endpoint", { jobId, endpointId, baselineIntervalMs: 120_000 });
    const interval = await endpoint(jobId, endpointId);
    expect(interval.baselineCron ?? null).toBeNull();
    expect(interval.baselineIntervalMs).toBe(120_000);

    const toCron = valueOf<Obj>(await server.call("update_endpoint", { jobId, endpointId, baselineCron: "0 9 * * 1-5" }), "endpoint");
    expect(await endpoint(jobId, endpointId)).toMatchObject({ baselineCron: "0 9 * * 1-5" });
    // The interval cannot be cleared (the contract allows only integers > 0); the cron is what runs.
    expect(new Date(toCron.nextRunAt as string).getUTCHours()).toBe(9);

    await server.call("update_endpoint", { jobId, endpointId, name: "renamed", maxIntervalMs: 7_200_000 });
    expect(await endpoint(jobId, endpointId)).toMatchObject({ name: "renamed", maxIntervalMs: 7_200_000, baselineCron: "0 9 * * 1-5" });
  });

  it("refuses update_endpoint with both baselines, or minIntervalMs above maxIntervalMs, naming the rule and sending nothing", async () => {
    const jobId = await newJob("Bad updates");
    const endpointId = await newEndpoint(jobId, { baselineIntervalMs: 600_000 });
    stand.resetRequests();
    const both = await server.call("update_endpoint", { jobId, endpointId, baselineCron: "*/5 * * * *", baselineIntervalMs: 120_000 });
    expect(both.isError).toBe(true);
    expect(textOf(both)).toMatch(/either baselineCron or baselineIntervalMs, not both/);
    const bounds = await server.call("update_endpoint", { jobId, endpointId, minIntervalMs: 600_000, maxIntervalMs: 120_000 });
    expect(bounds.isError).toBe(true);
    expect(textOf(bounds)).toMatch(/minIntervalMs must be less than or equal to maxIntervalMs/);
    expect(stand.requests.filter((r) => r.method === "PATCH")).toEqual([]);
    expect(await endpoint(jobId, endpointId)).toMatchObject({ baselineIntervalMs: 600_000 });
  });

  it("steers the schedule with hints, one-shots and pauses, reading each change back", async () => {
    const jobId = await newJob("Scheduling");
    const endpointId = await newEndpoint(jobId, { baselineIntervalMs: 600_000 });

    await server.call("apply_interval_hint", { endpointId, intervalMs: 90_000, ttlMinutes: 15, reason: "incident" });
    expect(await endpoint(jobId, endpointId)).toMatchObject({ aiHintIntervalMs: 90_000, aiHintReason: "incident", aiHintExpiresAt: expect.any(String) });

    await server.call("clear_hints", { endpointId });
    const cleared = await endpoint(jobId, endpointId);
    for (const field of ["aiHintIntervalMs", "aiHintNextRunAt", "aiHintExpiresAt", "aiHintReason"]) expect(cleared[field] ?? null, field).toBeNull();

    const before = Date.now();
    const shot = await server.call("schedule_one_shot", { endpointId, nextRunInMs: 120_000, reason: "deploy check" });
    expect(shot.isError).toBeFalsy();
    const scheduled = await endpoint(jobId, endpointId);
    expect(scheduled.aiHintReason).toBe("deploy check");
    expect(Date.parse(scheduled.aiHintNextRunAt as string)).toBeGreaterThanOrEqual(before + 120_000);
    const at = new Date(Date.now() + 7_200_000).toISOString();
    await server.call("schedule_one_shot", { endpointId, nextRunAt: at });
    expect(Date.parse((await endpoint(jobId, endpointId)).aiHintNextRunAt as string)).toBe(Date.parse(at));

    const until = new Date(Date.now() + 3_600_000).toISOString();
    await server.call("pause_endpoint", { endpointId, pausedUntil: until, reason: "maintenance" });
    expect(Date.parse((await endpoint(jobId, endpointId)).pausedUntil as string)).toBe(Date.parse(until));
    await server.call("resume_endpoint", { endpointId });
    expect((await endpoint(jobId, endpointId)).pausedUntil ?? null).toBeNull();
  });

  it("resets the failure count, as get_endpoint and get_endpoint_health show", async () => {
    const jobId = await newJob("Failures");
    const endpointId = await newEndpoint(jobId, { url: `${target.url}/fail`, baselineIntervalMs: 600_000 });
    for (let i = 0; i < 2; i++) expect(valueOf<Obj>(await server.call("test_endpoint", { endpointId }), "test").status).toBe("failed");
    await server.call("apply_interval_hint", { endpointId, intervalMs: 90_000 });
    expect(await endpoint(jobId, endpointId)).toMatchObject({ failureCount: 2, aiHintIntervalMs: 90_000 });

    expect((await server.call("reset_failures", { endpointId })).isError).toBeFalsy();
    // Only the failures go: a hint set before survives, so calling the clear-hints route would show here.
    expect(await endpoint(jobId, endpointId)).toMatchObject({ failureCount: 0, aiHintIntervalMs: 90_000 });
    await server.call("archive_endpoint", { jobId, endpointId });
  });

  it("tests an endpoint now and reads its runs, run details, health, activity and usage", async () => {
    const jobId = await newJob("Runs");
    const ok = await newEndpoint(jobId, { baselineIntervalMs: 600_000 });
    const hitsBefore = target.hits;
    const passed = valueOf<Obj>(await server.call("test_endpoint", { endpointId: ok }), "test");
    expect(passed).toMatchObject({ status: "success", statusCode: 200 });
    expect(target.hits).toBe(hitsBefore + 1);

    const runs = valueOf<{ runs: Obj[]; total: number }>(await server.call("list_runs", { endpointId: ok, limit: 10, status: "success" }), "runs");
    expect(runs).toMatchObject({ total: 1, runs: [{ runId: passed.runId, status: "success" }] });
    expect(valueOf<Obj>(await server.call("get_run", { runId: passed.runId }), "run")).toMatchObject({ id: passed.runId, status: "success", endpointId: ok });
    expect(valueOf<Obj>(await server.call("get_endpoint_health", { endpointId: ok, sinceHours: 1 }), "health")).toMatchObject({
      successCount: 1,
      failureStreak: 0,
    });

    // Without dates: the tool supplies the last 7 days (the API refuses requests without them).
    const stats = valueOf<Obj>(await server.call("get_dashboard_stats", {}), "stats");
    expect(stats).toMatchObject({ recentActivity: { success24h: expect.any(Number) }, jobs: { total: expect.any(Number) } });
    const scoped = valueOf<Obj>(await server.call("get_dashboard_stats", { jobId, source: "test", endpointLimit: 5 }), "stats");
    expect(scoped).toMatchObject({ filteredMetrics: { totalRuns: 1, successCount: 1 }, sourceDistribution: [{ source: "test", count: 1 }] });
    const activity = valueOf<{ events: Obj[]; total: number }>(await server.call("get_dashboard_activity", { jobId, eventType: "runs", limit: 5 }), "activity");
    expect(activity.events.map((e) => e.id)).toEqual([passed.runId]);

    const { plan, usage } = valueOf<{ plan: Obj; usage: Obj }>(await server.call("get_usage", {}), "usage");
    expect(plan).toMatchObject({ tier: "free" });
    expect(usage).toMatchObject({ endpointsLimit: 5, totalRunsLimit: 10_000, aiCallsLimit: 100_000 });
    const live = valueOf<Obj[]>(await server.call("list_jobs", {}), "jobs").reduce(
      (sum, j) => sum + (j.status === "archived" ? 0 : (j.endpointCount as number)),
      0,
    );
    expect(usage.endpointsUsed).toBe(live);
  });

  it("pages the AI planner's sessions and reads one", async () => {
    const jobId = await newJob("Planner");
    const endpointId = await newEndpoint(jobId, { baselineIntervalMs: 600_000 });
    for (let i = 0; i < 12; i++) stand.seedAiSession(endpointId, { analyzedAt: new Date(Date.now() - i * 60_000), reasoning: `look ${i}` });
    const first = valueOf<{ sessions: Obj[]; total: number }>(await server.call("list_ai_sessions", { endpointId }), "sessions");
    expect(first.total).toBe(12);
    expect(first.sessions).toHaveLength(10);
    const rest = valueOf<{ sessions: Obj[] }>(await server.call("list_ai_sessions", { endpointId, limit: 5, offset: 10 }), "sessions");
    expect(rest.sessions.map((s) => s.reasoning)).toEqual(["look 10", "look 11"]);
    const one = valueOf<Obj>(await server.call("get_ai_session", { sessionId: rest.sessions[0]?.id as string }), "session");
    expect(one).toMatchObject({ endpointId, reasoning: "look 10" });
    await server.call("archive_endpoint", { jobId, endpointId });
  });

  it("manages the signing key that sign-up created, and revokes a device", async () => {
    const initial = valueOf<Obj>(await server.call("get_signing_key", {}), "signingKey");
    expect(initial.hasKey).toBe(true);
    const again = await server.call("create_signing_key", {});
    expect(again.isError).toBe(true);
    const rotated = valueOf<Obj>(await server.call("rotate_signing_key", {}), "signingKey");
    expect(String(rotated.rawKey).startsWith(String(rotated.keyPrefix))).toBe(true);
    expect(valueOf<Obj>(await server.call("get_signing_key", {}), "signingKey")).toMatchObject({
      hasKey: true,
      keyPrefix: rotated.keyPrefix,
      rotatedAt: expect.any(String),
    });

    // Device sessions come from the server with their tokens: the tool must strip them.
    const session = await stand.signIn();
    const devices = valueOf<Obj[]>(await server.call("list_devices", {}), "devices");
    expect(devices.length).toBeGreaterThan(0);
    for (const device of devices) expect(device).not.toHaveProperty("token");
    assertNoSecrets(server.stdout(), [session], "list_devices result");
    const victim = devices.at(-1)?.id as string;
    expect((await server.call("revoke_device", { tokenId: victim })).isError).toBeFalsy();
    expect(valueOf<Obj[]>(await server.call("list_devices", {}), "devices").map((d) => d.id)).not.toContain(victim);
  });

  it("reports Cronicorn's free-tier refusals as errors, and sends nothing for arguments the API would refuse", async () => {
    const jobId = await newJob("Limits");
    const tooFast = await server.call("add_endpoint", { jobId, name: "fast", url: `${target.url}/ok`, baselineIntervalMs: 30_000 });
    expect(tooFast.isError).toBe(true);
    stand.resetRequests();
    for (const [tool, args] of [
      ["get_endpoint_health", { endpointId: "x", sinceHours: 1.5 }],
      ["schedule_one_shot", { endpointId: "x", nextRunInMs: 0 }],
      ["apply_interval_hint", { endpointId: "x", intervalMs: 90_000, ttlMinutes: 0 }],
      ["list_ai_sessions", { endpointId: "x", limit: 101 }],
    ] as const) {
      const result = await server.call(tool, args);
      expect(result.isError, tool).toBe(true);
    }
    expect(stand.requests).toEqual([]);
  });

  it("called every API tool of the registry (a 2026-07-28 client as much as a 2025 one)", () => {
    expect(TOOLS.filter((t) => t.group !== "auth" && !called.has(t.name)).map((t) => t.name)).toEqual([]);
  });

  it("kept stdout pure JSON-RPC and never printed the API key", () => {
    expect(assertStdoutIsJsonRpc(server.stdout())).toBeGreaterThan(10);
    assertNoSecrets(server.stdout(), [stand.apiKey], "stdout");
    assertNoSecrets(server.stderr(), [stand.apiKey], "stderr");
  });
});
