/**
 * The account-wide tools through the real server: the reporting period the dashboard tools fill in,
 * plan and usage from two requests, the signing key, and the device list with its tokens left out.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { sent, type Served, serverPerFile, serveTools, summaryOf, textOf } from "../../helpers/tools-harness.js";

const server = serverPerFile(() => undefined);
let served: Served;
beforeEach(() => {
  served = server();
});
afterEach(() => {
  vi.useRealTimers();
});

const NOW = "2030-03-10T12:00:00.000Z";
const WEEK_BEFORE = "2030-03-03T12:00:00.000Z";
const stats = { jobs: { total: 1 }, endpoints: { total: 2 }, successRate: { overall: 99 } };
const activity = (events: unknown[] = []) => ({ events, total: 12, summary: { runsCount: 10, sessionsCount: 2, successRate: 95 } });

describe("get_dashboard_stats and get_dashboard_activity", () => {
  it("ask for the last 7 days when no period is given, since Cronicorn requires both dates", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.parse(NOW) });
    served.fake.script = (request) => ({ body: request.path === "/dashboard/stats" ? stats : activity() });
    await served.call("get_dashboard_stats", {});
    await served.call("get_dashboard_activity", {});
    expect(sent(served.fake)).toEqual([
      { method: "GET", path: "/dashboard/stats", query: { startDate: WEEK_BEFORE, endDate: NOW }, body: undefined },
      { method: "GET", path: "/dashboard/activity", query: { startDate: WEEK_BEFORE, endDate: NOW }, body: undefined },
    ]);
  });

  it("take the 7 days before a given end, and a given start as it is", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.parse(NOW) });
    served.fake.script = () => ({ body: stats });
    await served.call("get_dashboard_stats", { endDate: "2030-01-08T00:00:00Z", jobId: "j1", source: "baseline-cron", endpointLimit: 5 });
    await served.call("get_dashboard_stats", { startDate: "2030-03-01T00:00:00Z" });
    expect(sent(served.fake)).toEqual([
      {
        method: "GET",
        path: "/dashboard/stats",
        query: { jobId: "j1", source: "baseline-cron", endpointLimit: "5", startDate: "2030-01-01T00:00:00.000Z", endDate: "2030-01-08T00:00:00Z" },
        body: undefined,
      },
      { method: "GET", path: "/dashboard/stats", query: { startDate: "2030-03-01T00:00:00Z", endDate: NOW }, body: undefined },
    ]);
  });

  it("say what they show", async () => {
    served.fake.script = (request) => ({
      body: request.path === "/dashboard/stats" ? stats : activity([{ type: "run", id: "r1", endpointId: "e1", timestamp: NOW }]),
    });
    const statsResult = await served.call("get_dashboard_stats", {});
    expect(textOf(statsResult)).toBe(`Dashboard statistics:\n\n${JSON.stringify(stats)}`);
    const activityResult = await served.call("get_dashboard_activity", { eventType: "runs", limit: 5, offset: 10 });
    expect(summaryOf(activityResult)).toBe("1 event(s) shown of 12: 10 run(s), 2 AI session(s), 95% success.");
    expect(sent(served.fake).at(-1)?.query).toMatchObject({ eventType: "runs", limit: "5", offset: "10" });
  });

  it("refuse a date that is not ISO 8601, naming the field, and send nothing", async () => {
    const result = await served.call("get_dashboard_activity", { startDate: "last week" });
    expect(textOf(result)).toContain("startDate must be an ISO 8601 time");
    expect(textOf(await served.call("get_dashboard_stats", { endDate: "now" }))).toContain("endDate must be an ISO 8601 time");
    expect(served.fake.requests).toEqual([]);
  });
});

describe("get_usage", () => {
  it("reads the plan and the usage, and says the use against each limit", async () => {
    served.fake.script = (request) =>
      request.path === "/subscriptions/status"
        ? { body: { tier: "free", status: "active" } }
        : { body: { aiCallsUsed: 100, aiCallsLimit: 1000, endpointsUsed: 3, endpointsLimit: 5, totalRuns: 50, totalRunsLimit: 10000 } };
    const result = await served.call("get_usage");
    expect(
      sent(served.fake)
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual(["GET /subscriptions/status", "GET /subscriptions/usage"]);
    expect(summaryOf(result)).toBe("Plan free: 3/5 endpoints, 50/10000 runs, 100/1000 AI tokens this month.");
    expect(result.structuredContent).toMatchObject({ usage: { plan: { tier: "free" }, usage: { endpointsUsed: 3 } } });
  });
});

describe("the signing key", () => {
  it("says whether a key exists, and its prefix", async () => {
    served.fake.script = () => ({ body: { hasKey: true, keyPrefix: "ck_12" } });
    expect(summaryOf(await served.call("get_signing_key"))).toBe("A signing key exists (prefix ck_12).");
    served.fake.script = () => ({ body: { hasKey: true, keyPrefix: null } });
    expect(summaryOf(await served.call("get_signing_key"))).toBe("A signing key exists (prefix ?).");
    served.fake.script = () => ({ body: { hasKey: false } });
    expect(summaryOf(await served.call("get_signing_key"))).toBe("No signing key yet; create_signing_key makes one.");
    expect(sent(served.fake).map((r) => `${r.method} ${r.path}`)).toEqual(["GET /signing-keys", "GET /signing-keys", "GET /signing-keys"]);
  });

  it("creates and rotates through their routes, telling the user to store the key now", async () => {
    served.fake.script = () => ({ body: { rawKey: "raw-signing-key-value", keyPrefix: "ck_34" } });
    expect(summaryOf(await served.call("create_signing_key"))).toBe("Created signing key ck_34…. Store the raw key now; Cronicorn will not show it again.");
    expect(summaryOf(await served.call("rotate_signing_key"))).toBe("Rotated the signing key; new prefix ck_34. Store the raw key now; update your targets.");
    expect(sent(served.fake)).toEqual([
      { method: "POST", path: "/signing-keys", query: {}, body: undefined },
      { method: "POST", path: "/signing-keys/rotate", query: {}, body: undefined },
    ]);
  });

  it("points a rotation without a key to create_signing_key", async () => {
    served.fake.script = () => ({ status: 404, body: { message: "No signing key" } });
    expect(textOf(await served.call("rotate_signing_key"))).toContain("Not found: signing key (create one first with create_signing_key).");
  });
});

describe("devices", () => {
  const device = { id: "d1", userAgent: "cronicorn-mcp/0.1.0", token: "session-token-that-must-stay", createdAt: NOW };

  it("lists the signed-in sessions by client name, without their tokens, in either shape Cronicorn answers", async () => {
    served.fake.script = () => ({ body: { devices: [device, { id: "d2", userAgent: "" }, { id: "d3", userAgent: null }] } });
    const result = await served.call("list_devices");
    expect(summaryOf(result)).toBe("3 signed-in session(s): cronicorn-mcp/0.1.0 (id d1); unnamed client (id d2); unnamed client (id d3).");
    expect(JSON.stringify(result)).not.toContain("session-token-that-must-stay");
    served.fake.script = () => ({ body: [device] });
    expect(summaryOf(await served.call("list_devices"))).toBe("1 signed-in session(s): cronicorn-mcp/0.1.0 (id d1).");
    served.fake.script = () => ({ body: [] });
    expect(summaryOf(await served.call("list_devices"))).toBe("No signed-in sessions.");
    expect(sent(served.fake)[0]).toEqual({ method: "GET", path: "/devices", query: {}, body: undefined });
  });

  it("revokes one session by its id and says so", async () => {
    served.fake.script = () => ({ body: { success: true } });
    const result = await served.call("revoke_device", { tokenId: "d 1" });
    expect(sent(served.fake)).toEqual([{ method: "DELETE", path: "/devices/d%201", query: {}, body: undefined }]);
    expect(summaryOf(result)).toBe("Revoked device session d 1.");
    served.fake.script = () => ({ status: 404, body: { message: "nope" } });
    expect(textOf(await served.call("revoke_device", { tokenId: "d9" }))).toContain("Not found: device d9.");
  });

  it("asks before revoking a session or rotating the key, saying what follows", async () => {
    const asking = await serveTools({ capabilities: { elicitation: { form: {} } }, onElicit: () => ({ action: "cancel" }) });
    try {
      await asking.call("revoke_device", { tokenId: "d1" });
      await asking.call("rotate_signing_key");
      expect(asking.elicited.map((e) => e.message)).toEqual([
        "Sign out session d1? If it is this server's own, you will have to sign in again.",
        "Replace the webhook signing key? Targets that verify the old key fail until you give them the new one.",
      ]);
      expect(asking.fake.requests).toEqual([]);
    } finally {
      await asking.close();
    }
  });
});
