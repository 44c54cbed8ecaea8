import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCronicornStandIn } from "../stack/cronicorn.js";
import type { StandIn } from "../stack/cronicorn.js";
import { assertNoSecrets, assertStdoutIsJsonRpc, startServer, textOf, valueOf } from "../helpers/mcp.js";
import type { ServerHandle } from "../helpers/mcp.js";
import { startTarget } from "../helpers/target.js";
import type { Target } from "../helpers/target.js";

type Obj = Record<string, unknown>;

describe("every tool's happy path over stdio against the Cronicorn stand-in", () => {
  let stand: StandIn;
  let server: ServerHandle;
  let target: Target;

  beforeAll(async () => {
    stand = await startCronicornStandIn();
    target = await startTarget();
    server = await startServer({ env: { CRONICORN_API_URL: stand.apiUrl, CRONICORN_WEB_URL: stand.webUrl, CRONICORN_API_KEY: stand.apiKey } });
  });
  afterAll(async () => {
    await server?.close();
    await target?.close();
    await stand?.close();
  });

  it("manages a job from creation to archive", async () => {
    const job = valueOf<Obj>(await server.call("create_job", { name: "Site checks", description: "Watch the marketing site" }), "job");
    expect(job).toMatchObject({ name: "Site checks", status: "active" });
    const jobId = job.id as string;

    expect(valueOf<Obj>(await server.call("get_job", { jobId }), "job")).toMatchObject({ id: jobId, name: "Site checks" });
    const listed = valueOf<Obj[]>(await server.call("list_jobs", {}), "jobs");
    expect(listed.map((j) => j.id)).toContain(jobId);
    expect(valueOf<Obj>(await server.call("update_job", { jobId, name: "Site health" }), "job")).toMatchObject({ name: "Site health" });
    expect(valueOf<Obj>(await server.call("pause_job", { jobId }), "job")).toMatchObject({ status: "paused" });
    expect(valueOf<Obj[]>(await server.call("list_jobs", { status: "paused" }), "jobs").map((j) => j.id)).toEqual([jobId]);
    expect(valueOf<Obj>(await server.call("resume_job", { jobId }), "job")).toMatchObject({ status: "active" });
    expect(valueOf<Obj>(await server.call("archive_job", { jobId }), "job")).toMatchObject({ status: "archived" });
  });

  it("adds, reads, updates, archives and deletes endpoints with cron and interval schedules", async () => {
    const jobId = valueOf<Obj>(await server.call("create_job", { name: "Endpoints" }), "job").id as string;
    const cron = valueOf<Obj>(
      await server.call("add_endpoint", { jobId, name: "Every 5 min", url: `${target.url}/health`, baselineCron: "*/5 * * * *", minIntervalMs: 60_000, maxIntervalMs: 3_600_000 }),
      "endpoint",
    );
    expect(cron).toMatchObject({ name: "Every 5 min", baselineCron: "*/5 * * * *", failureCount: 0 });
    const interval = valueOf<Obj>(
      await server.call("add_endpoint", { jobId, name: "Poll", url: `${target.url}/poll`, method: "POST", baselineIntervalMs: 300_000, headersJson: { "x-test": "1" }, bodyJson: { ping: true } }),
      "endpoint",
    );
    expect(interval).toMatchObject({ baselineIntervalMs: 300_000, method: "POST" });

    const endpoints = valueOf<Obj[]>(await server.call("list_endpoints", { jobId }), "endpoints");
    expect(endpoints.map((e) => e.id).sort()).toEqual([cron.id, interval.id].sort());
    expect(valueOf<Obj>(await server.call("get_endpoint", { jobId, endpointId: cron.id }), "endpoint")).toMatchObject({ id: cron.id, url: `${target.url}/health` });
    const switched = valueOf<Obj>(await server.call("update_endpoint", { jobId, endpointId: cron.id, baselineIntervalMs: 120_000 }), "endpoint");
    expect(switched.baselineIntervalMs).toBe(120_000);
    expect(valueOf<Obj>(await server.call("archive_endpoint", { jobId, endpointId: interval.id }), "endpoint").archivedAt).toBeTruthy();
    expect(valueOf<Obj>(await server.call("delete_endpoint", { jobId, endpointId: cron.id }), "result")).toEqual({ deleted: true, endpointId: cron.id });
    const after = await server.call("get_endpoint", { jobId, endpointId: cron.id });
    expect(after.isError).toBe(true);
  });

  it("steers the schedule with hints, pauses and failure resets", async () => {
    const jobId = valueOf<Obj>(await server.call("create_job", { name: "Scheduling" }), "job").id as string;
    const endpointId = valueOf<Obj>(await server.call("add_endpoint", { jobId, name: "Hinted", url: `${target.url}/x`, baselineIntervalMs: 600_000 }), "endpoint").id as string;

    expect(valueOf(await server.call("apply_interval_hint", { endpointId, intervalMs: 30_000, ttlMinutes: 15, reason: "incident" }), "hint")).toEqual({ endpointId, ok: true });
    expect(valueOf<Obj>(await server.call("get_endpoint", { jobId, endpointId }), "endpoint").aiHintIntervalMs).toBe(30_000);
    expect(valueOf(await server.call("schedule_one_shot", { endpointId, nextRunInMs: 5_000 }), "hint")).toEqual({ endpointId, ok: true });
    expect(valueOf(await server.call("clear_hints", { endpointId }), "hint")).toEqual({ endpointId, ok: true });
    expect(valueOf<Obj>(await server.call("get_endpoint", { jobId, endpointId }), "endpoint").aiHintIntervalMs ?? null).toBeNull();

    const until = new Date(Date.now() + 3_600_000).toISOString();
    expect(valueOf<Obj>(await server.call("pause_endpoint", { endpointId, pausedUntil: until }), "pause")).toMatchObject({ endpointId, ok: true });
    expect(valueOf<Obj>(await server.call("get_endpoint", { jobId, endpointId }), "endpoint").pausedUntil).toBeTruthy();
    expect(valueOf<Obj>(await server.call("resume_endpoint", { endpointId }), "pause")).toMatchObject({ endpointId, ok: true });
    expect(valueOf<Obj>(await server.call("get_endpoint", { jobId, endpointId }), "endpoint").pausedUntil ?? null).toBeNull();
    expect(valueOf(await server.call("reset_failures", { endpointId }), "hint")).toEqual({ endpointId, ok: true });
  });

  it("tests an endpoint now and reads its runs, run details and health", async () => {
    const jobId = valueOf<Obj>(await server.call("create_job", { name: "Runs" }), "job").id as string;
    const ok = valueOf<Obj>(await server.call("add_endpoint", { jobId, name: "OK", url: `${target.url}/ok`, baselineIntervalMs: 600_000 }), "endpoint").id as string;
    const bad = valueOf<Obj>(await server.call("add_endpoint", { jobId, name: "Bad", url: `${target.url}/fail`, baselineIntervalMs: 600_000 }), "endpoint").id as string;
    const hitsBefore = target.hits;

    const passed = valueOf<Obj>(await server.call("test_endpoint", { endpointId: ok }), "test");
    expect(passed).toMatchObject({ status: "success", statusCode: 200 });
    const failed = valueOf<Obj>(await server.call("test_endpoint", { endpointId: bad }), "test");
    expect(failed.status).toBe("failed");
    expect(target.hits).toBe(hitsBefore + 2);

    const runs = valueOf<{ runs: Obj[]; total: number }>(await server.call("list_runs", { endpointId: ok, limit: 10 }), "runs");
    expect(runs.total).toBe(1);
    expect(runs.runs[0]?.runId).toBe(passed.runId);
    expect(valueOf<Obj>(await server.call("get_run", { runId: passed.runId }), "run")).toMatchObject({ id: passed.runId, status: "success" });
    expect(valueOf<Obj>(await server.call("get_endpoint_health", { endpointId: bad, sinceHours: 1 }), "health")).toMatchObject({ failureCount: 1, failureStreak: 1 });
    const sessions = await server.call("list_ai_sessions", { endpointId: ok });
    expect(sessions.isError).toBeFalsy();
  });

  it("reads dashboard stats and manages the signing key", async () => {
    const stats = valueOf<Obj>(await server.call("get_dashboard_stats", {}), "stats");
    expect(stats).toHaveProperty("jobs");
    expect(valueOf<Obj>(await server.call("get_signing_key", {}), "signingKey").hasKey).toBe(false);
    const created = valueOf<Obj>(await server.call("create_signing_key", {}), "signingKey");
    expect(String(created.rawKey).startsWith(String(created.keyPrefix))).toBe(true);
    const again = await server.call("create_signing_key", {});
    expect(again.isError).toBe(true);
    expect(textOf(again)).toMatch(/conflict/i);
    const rotated = valueOf<Obj>(await server.call("rotate_signing_key", {}), "signingKey");
    expect(rotated.rawKey).not.toBe(created.rawKey);
    expect(valueOf<Obj>(await server.call("get_signing_key", {}), "signingKey")).toMatchObject({ hasKey: true, keyPrefix: rotated.keyPrefix });
    // Device sessions come from the server with their tokens: the tool must strip them.
    const session = await stand.signIn();
    const devices = valueOf<Obj[]>(await server.call("list_devices", {}), "devices");
    expect(devices.length).toBeGreaterThan(0);
    for (const device of devices) expect(device).not.toHaveProperty("token");
    assertNoSecrets(server.stdout(), [session], "list_devices result");
  });

  it("kept stdout pure JSON-RPC and never printed the API key", () => {
    expect(assertStdoutIsJsonRpc(server.stdout())).toBeGreaterThan(10);
    assertNoSecrets(server.stdout(), [stand.apiKey], "stdout");
    assertNoSecrets(server.stderr(), [stand.apiKey], "stderr");
  });
});
