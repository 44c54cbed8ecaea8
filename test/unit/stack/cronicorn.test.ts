/**
 * Specification of the Cronicorn stand-in, checked against the running server over real HTTP:
 * better-auth's device flow as observed on 1.4.4 (docs/auth-wire-notes.md), the API contract
 * (docs/cronicorn-api.md), and the fault switches other suites rely on.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startCronicornStandIn, type StandIn } from "../../stack/cronicorn.js";

const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const CLIENT_ID = "cronicorn-mcp";

interface Call {
  method?: string;
  body?: unknown;
  key?: string;
  bearer?: string;
}

/** A JSON call to the stand-in's API (`path` relative to apiUrl). */
async function call(stand: StandIn, path: string, { method = "GET", body, key, bearer }: Call = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  if (key) headers["x-api-key"] = key;
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  // As Cronicorn's CSRF guard demands: every non-GET carries a JSON content type, body or not.
  if (method !== "GET") headers["content-type"] = "application/json";
  return fetch(`${stand.apiUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

interface Reply {
  status: number;
  /** The JSON body, `{}` for an empty or text/plain one. */
  body: Record<string, unknown>;
  text: string;
  contentType: string;
}

/** The same, as the seeded user's API key; resolves to status, parsed JSON body and raw text. */
async function asUser(stand: StandIn, path: string, init: Omit<Call, "key"> = {}): Promise<Reply> {
  const response = await call(stand, path, { ...init, key: stand.apiKey });
  const text = await response.text();
  const contentType = response.headers.get("content-type") ?? "";
  const body = contentType.includes("json") && text ? (JSON.parse(text) as Record<string, unknown>) : {};
  return { status: response.status, body, text, contentType };
}

async function startDeviceFlow(stand: StandIn): Promise<{ device_code: string; user_code: string } & Record<string, unknown>> {
  const response = await call(stand, "/auth/device/code", { method: "POST", body: { client_id: CLIENT_ID, scope: "openid" } });
  expect(response.status).toBe(200);
  return (await response.json()) as { device_code: string; user_code: string };
}

async function pollDeviceToken(stand: StandIn, deviceCode: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await call(stand, "/auth/device/token", {
    method: "POST",
    body: { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: CLIENT_ID },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("device authorization as better-auth 1.4.4 serves it", () => {
  let stand: StandIn;
  beforeAll(async () => {
    stand = await startCronicornStandIn({ deviceInterval: "1s" });
  });
  afterAll(() => stand.close());

  it("answers a JSON device request with an 8-character user code without a dash", async () => {
    const started = await startDeviceFlow(stand);
    expect(started.user_code).toMatch(/^[A-Z2-9]{8}$/);
    expect(started.device_code).toHaveLength(40);
    expect(started).toMatchObject({
      verification_uri: `${stand.webUrl}/device`,
      verification_uri_complete: `${stand.webUrl}/device?user_code=${started.user_code}`,
      expires_in: 1800,
      interval: 1,
    });
  });

  it("rejects form-encoded device and token requests with 415", async () => {
    for (const path of ["/auth/device/code", "/auth/device/token"]) {
      const response = await fetch(`${stand.apiUrl}${path}`, {
        method: "POST",
        body: new URLSearchParams({ client_id: CLIENT_ID, grant_type: DEVICE_GRANT, device_code: "x" }),
      });
      expect(response.status).toBe(415);
      expect(await response.json()).toMatchObject({ code: "UNSUPPORTED_MEDIA_TYPE" });
    }
  });

  it("answers authorization_pending, then slow_down when polled faster than the interval", async () => {
    const { device_code } = await startDeviceFlow(stand);
    expect(await pollDeviceToken(stand, device_code)).toEqual({
      status: 400,
      body: { error: "authorization_pending", error_description: "Authorization pending" },
    });
    expect(await pollDeviceToken(stand, device_code)).toEqual({
      status: 400,
      body: { error: "slow_down", error_description: "Polling too frequently" },
    });
  });

  it("issues a 30-day bearer without refresh token after approval; it works on the API and names the user", async () => {
    const { device_code, user_code } = await startDeviceFlow(stand);
    await stand.approveDevice(user_code);
    const { status, body } = await pollDeviceToken(stand, device_code);
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: "Bearer", scope: "openid" });
    expect(body).not.toHaveProperty("refresh_token");
    expect(body.expires_in).toBeGreaterThan(2_591_000);
    const token = body.access_token as string;

    expect((await call(stand, "/jobs", { bearer: token })).status).toBe(200);
    const session = (await (await call(stand, "/auth/get-session", { bearer: token })).json()) as { user: { id: string; email: string } };
    expect(session.user).toMatchObject({ id: stand.user.id, email: stand.user.email });
    expect(await pollDeviceToken(stand, device_code)).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
  });

  it("answers access_denied after the user denies", async () => {
    const { device_code, user_code } = await startDeviceFlow(stand);
    await stand.denyDevice(user_code);
    expect(await pollDeviceToken(stand, device_code)).toEqual({
      status: 400,
      body: { error: "access_denied", error_description: "Access denied" },
    });
  });

  it("throws the server's message when approving an unknown code", async () => {
    await expect(stand.approveDevice("ZZZZZZZZ")).rejects.toThrow(/Invalid user code/);
  });

  it("revokes the bearer on a JSON sign-out: the API answers 401 afterwards", async () => {
    const token = await stand.signIn();
    expect((await call(stand, "/jobs", { bearer: token })).status).toBe(200);
    const signOut = await call(stand, "/auth/sign-out", { method: "POST", bearer: token, body: {} });
    expect(signOut.status).toBe(200);
    expect(await signOut.json()).toEqual({ success: true });
    expect((await call(stand, "/jobs", { bearer: token })).status).toBe(401);
  });

  // Differs from docs/auth-wire-notes.md #10, which was observed behind better-auth's own node handler
  // (a bodiless POST has a null body there). Cronicorn mounts better-auth in Hono on
  // @hono/node-server, where every POST carries a body stream, so better-call demands a Content-Type.
  it("refuses a bodiless sign-out with 415 and leaves the session alive", async () => {
    const token = await stand.signIn();
    const signOut = await fetch(`${stand.apiUrl}/auth/sign-out`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    expect(signOut.status).toBe(415);
    expect(await signOut.json()).toEqual({
      code: "UNSUPPORTED_MEDIA_TYPE",
      message: "Content-Type is required. Allowed types: application/json",
    });
    expect((await call(stand, "/jobs", { bearer: token })).status).toBe(200);
  });

  it("answers expired_token once the device code has outlived deviceCodeExpiresIn", async () => {
    const shortLived = await startCronicornStandIn({ deviceCodeExpiresIn: "1s", deviceInterval: "1s" });
    try {
      const { device_code, expires_in } = await startDeviceFlow(shortLived);
      expect(expires_in).toBe(1);
      await sleep(1_100);
      expect(await pollDeviceToken(shortLived, device_code)).toMatchObject({ status: 400, body: { error: "expired_token" } });
    } finally {
      await shortLived.close();
    }
  });

  it("walks a person through the web approval page", async () => {
    const { device_code, user_code } = await startDeviceFlow(stand);
    const redirect = await fetch(`${stand.webUrl}/device?user_code=${user_code}`, { redirect: "manual" });
    expect(redirect.headers.get("location")).toBe(`/device/approve?user_code=${user_code}`);
    const page = await (await fetch(`${stand.webUrl}/device/approve?user_code=${user_code}`)).text();
    expect(page).toContain(`value="${user_code}"`);
    const approved = await fetch(`${stand.webUrl}/device/approve`, {
      method: "POST",
      body: new URLSearchParams({ user_code, decision: "approve" }),
    });
    expect(await approved.text()).toContain("Device approved");
    expect((await pollDeviceToken(stand, device_code)).status).toBe(200);
  });
});

describe("API authentication", () => {
  let stand: StandIn;
  beforeAll(async () => {
    stand = await startCronicornStandIn({
      verifyExternalToken: async (token) => (token === "external-token" ? { userId: "external-user" } : null),
    });
  });
  afterAll(() => stand.close());

  it("accepts the seeded user's API key", async () => {
    expect((await call(stand, "/jobs", { key: stand.apiKey })).status).toBe(200);
  });

  it("answers 401 with the contract's body without credentials, or with a bad key or bearer", async () => {
    for (const init of [{}, { key: "not-a-key" }, { bearer: "not-a-session" }]) {
      const response = await call(stand, "/jobs", init);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        error: "Unauthorized - Valid session cookie, Bearer token, or API key required",
        status: 401,
      });
    }
  });

  it("accepts a bearer that verifyExternalToken vouches for, as that user only", async () => {
    const created = await asUser(stand, "/jobs", { method: "POST", body: { name: "seeded user's job" } });
    const external = await call(stand, "/jobs", { bearer: "external-token" });
    expect(external.status).toBe(200);
    expect(await external.json()).toEqual({ jobs: [] });
    expect((await call(stand, `/jobs/${created.body.id as string}`, { bearer: "external-token" })).status).toBe(404);
  });

  it("logs each request with its path, final status and credential kind", async () => {
    stand.resetRequests();
    await call(stand, "/jobs?status=active", { key: stand.apiKey });
    await call(stand, "/jobs", { bearer: "nope" });
    await call(stand, "/auth/get-session");
    expect(stand.requests.map(({ method, path, status, auth }) => ({ method, path, status, auth }))).toEqual([
      { method: "GET", path: "/api/jobs", status: 200, auth: "api-key" },
      { method: "GET", path: "/api/jobs", status: 401, auth: "bearer" },
      { method: "GET", path: "/api/auth/get-session", status: 200, auth: "none" },
    ]);
  });
});

describe("jobs, endpoints and scheduling", () => {
  let stand: StandIn;
  beforeAll(async () => {
    // Many calls in one minute on one key: lift the per-key limit (its own test is below).
    stand = await startCronicornStandIn({ apiKeyRateLimit: { maxRequests: 10_000, timeWindowMs: 60_000 } });
  });
  afterAll(() => stand.close());

  async function newJob(name = "nightly"): Promise<string> {
    const { status, body } = await asUser(stand, "/jobs", { method: "POST", body: { name } });
    expect(status).toBe(201);
    return body.id as string;
  }

  async function newEndpoint(jobId: string, fields: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const { status, body } = await asUser(stand, `/jobs/${jobId}/endpoints`, {
      method: "POST",
      body: { name: "health", url: "https://example.com/health", baselineIntervalMs: 60_000, ...fields },
    });
    expect(status).toBe(201);
    return body;
  }

  const endpointOf = async (jobId: string, id: unknown) => (await asUser(stand, `/jobs/${jobId}/endpoints/${id as string}`)).body;

  it("creates, reads, lists, updates, pauses, resumes and archives a job", async () => {
    const created = await asUser(stand, "/jobs", { method: "POST", body: { name: "backups", description: "nightly" } });
    expect(created).toMatchObject({ status: 201, body: { name: "backups", description: "nightly", status: "active", userId: stand.user.id } });
    const id = created.body.id as string;
    await newEndpoint(id);

    expect((await asUser(stand, `/jobs/${id}`)).body).toEqual(created.body);
    const listed = (await asUser(stand, "/jobs")).body.jobs as Record<string, unknown>[];
    expect(listed.find((job) => job.id === id)).toMatchObject({ endpointCount: 1 });
    expect((await asUser(stand, `/jobs/${id}`, { method: "PATCH", body: { name: "backups v2" } })).body).toMatchObject({ name: "backups v2" });
    expect((await asUser(stand, `/jobs/${id}/pause`, { method: "POST" })).body).toMatchObject({ status: "paused" });
    expect((await asUser(stand, "/jobs?status=paused")).body.jobs).toEqual([expect.objectContaining({ id })]);
    expect((await asUser(stand, `/jobs/${id}/resume`, { method: "POST" })).body).toMatchObject({ status: "active" });

    const archived = await asUser(stand, `/jobs/${id}`, { method: "DELETE" });
    expect(archived).toMatchObject({ status: 200, body: { status: "archived", archivedAt: expect.any(String) } });
    expect((await asUser(stand, "/jobs?status=archived")).body.jobs).toEqual([expect.objectContaining({ id })]);
  });

  it("adds, reads, lists, archives and deletes endpoints, stamping the free tier's 60 s floor", async () => {
    const jobId = await newJob();
    const before = Date.now();
    const endpoint = await newEndpoint(jobId, { method: "POST", headersJson: { "x-a": "1" }, bodyJson: { ping: true } });
    expect(endpoint).toMatchObject({ jobId, method: "POST", failureCount: 0, baselineIntervalMs: 60_000, minIntervalMs: 60_000 });
    const nextRun = Date.parse(endpoint.nextRunAt as string);
    expect(nextRun).toBeGreaterThanOrEqual(before + 60_000);
    expect(nextRun).toBeLessThan(Date.now() + 61_000);

    const path = `/jobs/${jobId}/endpoints/${endpoint.id as string}`;
    expect((await asUser(stand, path)).body).toEqual(endpoint);
    expect((await asUser(stand, `/jobs/${jobId}/endpoints`)).body.endpoints).toEqual([endpoint]);

    const archived = (await asUser(stand, `${path}/archive`, { method: "POST" })).body;
    expect(archived).toMatchObject({ archivedAt: expect.any(String) });
    // As on 1.25.0: the job's list keeps archived endpoints, marked by archivedAt.
    expect((await asUser(stand, `/jobs/${jobId}/endpoints`)).body.endpoints).toEqual([archived]);

    const deleted = await call(stand, path, { method: "DELETE", key: stand.apiKey });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe("");
    expect((await asUser(stand, path)).status).toBe(404);
  });

  it("updates partially: an interval alone keeps the cron in charge, an empty cron clears it, null is refused", async () => {
    const jobId = await newJob();
    const endpoint = await newEndpoint(jobId, { baselineIntervalMs: undefined, baselineCron: "*/5 * * * *" });
    const path = `/jobs/${jobId}/endpoints/${endpoint.id as string}`;

    const kept = (await asUser(stand, path, { method: "PATCH", body: { baselineIntervalMs: 120_000 } })).body;
    expect(kept).toMatchObject({ baselineCron: "*/5 * * * *", baselineIntervalMs: 120_000, name: "health", method: "GET" });
    expect(new Date(kept.nextRunAt as string).getUTCMinutes() % 5).toBe(0);

    expect(await asUser(stand, path, { method: "PATCH", body: { baselineCron: null } })).toMatchObject({ status: 422 });
    const cleared = (await asUser(stand, path, { method: "PATCH", body: { baselineCron: "" } })).body;
    expect(cleared).not.toHaveProperty("baselineCron");
    expect(cleared).toMatchObject({ baselineIntervalMs: 120_000 });

    // Back to cron: the interval stays stored (the contract cannot clear it) and the cron wins.
    const cron = (await asUser(stand, path, { method: "PATCH", body: { baselineCron: "0 9 * * *" } })).body;
    expect(cron).toMatchObject({ baselineCron: "0 9 * * *", baselineIntervalMs: 120_000 });
    expect(new Date(cron.nextRunAt as string).getUTCHours()).toBe(9);
  });

  it("answers unknown ids with 404 {message}, and runs of an unknown endpoint with an empty list", async () => {
    for (const [path, what] of [
      ["/jobs/nope", "Job"],
      ["/jobs/nope/endpoints", "Job"],
      ["/runs/nope", "Run"],
      ["/sessions/nope", "Session"],
    ] as const) {
      expect(await asUser(stand, path)).toMatchObject({ status: 404, body: { message: `${what} not found` } });
    }
    expect(await asUser(stand, "/endpoints/nope/runs")).toMatchObject({ status: 200, body: { runs: [], total: 0 } });
  });

  it.each([
    ["a non-integer interval", { baselineIntervalMs: 60_000.5 }, ["baselineIntervalMs"]],
    ["a zero interval", { baselineIntervalMs: 0 }, ["baselineIntervalMs"]],
    ["a bad url", { url: "not a url" }, ["url"]],
    ["an unknown method", { method: "HEAD" }, ["method"]],
    ["maxExecutionTimeMs over 30 minutes", { maxExecutionTimeMs: 1_800_001 }, ["maxExecutionTimeMs"]],
    ["a 2001-character description", { description: "x".repeat(2001) }, ["description"]],
    ["an empty name", { name: "" }, ["name"]],
    ["a header that is not a string", { headersJson: { a: 1 } }, ["headersJson", "a"]],
  ])("refuses an endpoint with %s: 422 ZodError naming the field", async (_case, fields, path) => {
    const jobId = await newJob();
    const { status, body } = await asUser(stand, `/jobs/${jobId}/endpoints`, {
      method: "POST",
      body: { name: "e", url: "https://example.com", baselineIntervalMs: 60_000, ...fields },
    });
    expect(status).toBe(422);
    expect(body).toMatchObject({ success: false, error: { name: "ZodError" } });
    expect((body.error as { issues: unknown[] }).issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ path, message: expect.any(String), code: expect.any(String) })]),
    );
  });

  it.each([
    ["both baselines", { baselineCron: "* * * * *" }, "Endpoint cannot have both baselineCron and baselineIntervalMs"],
    ["no baseline", { baselineIntervalMs: undefined }, "Endpoint must have either baselineCron or baselineIntervalMs"],
    ["minIntervalMs above maxIntervalMs", { minIntervalMs: 120_000, maxIntervalMs: 90_000 }, "Maximum interval must be greater than minimum interval"],
    ["a 6-field cron", { baselineIntervalMs: undefined, baselineCron: "0 * * * * *" }, "Invalid cron expression"],
    ["an interval under the free tier's minute", { baselineIntervalMs: 59_999 }, "Interval too short: free tier requires minimum 60000ms"],
  ])("refuses an endpoint with %s as text/plain with the service's reason", async (_case, fields, reason) => {
    const jobId = await newJob();
    const { status, text, contentType } = await asUser(stand, `/jobs/${jobId}/endpoints`, {
      method: "POST",
      body: { name: "e", url: "https://example.com", baselineIntervalMs: 60_000, ...fields },
    });
    expect(status).toBe(400);
    expect(contentType).toMatch(/^text\/plain/);
    expect(text).toContain(reason);
  });

  it("refuses invalid updates, queries and bodies with 422 naming the field, and malformed JSON with 400", async () => {
    const jobId = await newJob();
    const endpoint = await newEndpoint(jobId, { maxIntervalMs: 600_000 });
    const path = `/jobs/${jobId}/endpoints/${endpoint.id as string}`;
    const cases: Array<[Promise<Reply>, Array<string | number>]> = [
      [asUser(stand, "/jobs", { method: "POST", body: { name: "x".repeat(256) } }), ["name"]],
      [asUser(stand, "/jobs?status=deleted"), ["status"]],
      [asUser(stand, `/endpoints/${endpoint.id as string}/runs?limit=1001`), ["limit"]],
      [asUser(stand, `/endpoints/${endpoint.id as string}/health?sinceHours=1.5`), ["sinceHours"]],
      [asUser(stand, `/endpoints/${endpoint.id as string}/sessions?limit=101`), ["limit"]],
      [asUser(stand, `/endpoints/${endpoint.id as string}/hints/oneshot`, { method: "POST", body: { nextRunInMs: 0 } }), ["nextRunInMs"]],
      [asUser(stand, `/endpoints/${endpoint.id as string}/hints/interval`, { method: "POST", body: { intervalMs: 120_000, ttlMinutes: 0 } }), ["ttlMinutes"]],
      [asUser(stand, `/endpoints/${endpoint.id as string}/pause`, { method: "POST", body: {} }), ["pausedUntil"]],
      [asUser(stand, "/dashboard/stats"), ["startDate"]],
      [asUser(stand, `/dashboard/activity?endDate=${new Date().toISOString()}`), ["startDate"]],
    ];
    for (const [pending, field] of cases) {
      const reply = await pending;
      expect(reply.status, JSON.stringify(reply.body)).toBe(422);
      expect((reply.body.error as { issues: Array<{ path: unknown }> }).issues.map((issue) => issue.path)).toContainEqual(field);
    }
    const bounds = await asUser(stand, path, { method: "PATCH", body: { minIntervalMs: 900_000 } });
    expect(bounds).toMatchObject({ status: 400, text: "Maximum interval must be greater than minimum interval" });
    expect(await asUser(stand, path, { method: "PATCH", body: { baselineIntervalMs: 30_000 } })).toMatchObject({
      status: 400,
      text: expect.stringContaining("Interval too short"),
    });

    const malformed = await fetch(`${stand.apiUrl}/jobs`, {
      method: "POST",
      headers: { "x-api-key": stand.apiKey, "content-type": "application/json" },
      body: '{"name": ',
    });
    expect(malformed.status).toBe(400);
  });

  it("refuses a non-GET without a JSON content type with 403 Forbidden as text/plain, even without a body", async () => {
    const jobId = await newJob();
    for (const [method, path] of [
      ["POST", `/jobs/${jobId}/pause`],
      ["DELETE", `/jobs/${jobId}`],
      ["POST", "/signing-keys/rotate"],
      ["DELETE", "/devices/x"],
    ] as const) {
      const response = await fetch(`${stand.apiUrl}${path}`, { method, headers: { "x-api-key": stand.apiKey } });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
      expect(await response.text()).toBe("Forbidden");
    }
    expect((await asUser(stand, `/jobs/${jobId}`)).body).toMatchObject({ status: "active" });
    expect((await asUser(stand, `/jobs/${jobId}/pause`, { method: "POST" })).status).toBe(200);
  });

  it("applies hints, pauses, resumes, clears hints and resets failures, each answering 204", async () => {
    const jobId = await newJob();
    const id = (await newEndpoint(jobId, { minIntervalMs: 120_000, maxIntervalMs: 3_600_000 })).id as string;
    const before = Date.now();
    const noContent = async (path: string, init: Omit<Call, "key">) => {
      const reply = await asUser(stand, path, init);
      expect(reply).toMatchObject({ status: 204, text: "" });
    };

    await noContent(`/endpoints/${id}/hints/interval`, { method: "POST", body: { intervalMs: 150_000, ttlMinutes: 10, reason: "busy" } });
    const hinted = await endpointOf(jobId, id);
    expect(hinted).toMatchObject({ aiHintIntervalMs: 150_000, aiHintReason: "busy" });
    expect(Date.parse(hinted.aiHintExpiresAt as string) - before).toBeGreaterThanOrEqual(10 * 60_000);
    // Above the free tier's minute, below this endpoint's own floor.
    expect(await asUser(stand, `/endpoints/${id}/hints/interval`, { method: "POST", body: { intervalMs: 90_000 } })).toMatchObject({
      status: 400,
      text: expect.stringContaining("below minimum"),
    });

    await noContent(`/endpoints/${id}/hints/oneshot`, { method: "POST", body: { nextRunInMs: 2000 } });
    expect(Date.parse((await endpointOf(jobId, id)).aiHintNextRunAt as string)).toBeGreaterThanOrEqual(before + 2000);

    const until = new Date(Date.now() + 3_600_000).toISOString();
    await noContent(`/endpoints/${id}/pause`, { method: "POST", body: { pausedUntil: until } });
    expect(await endpointOf(jobId, id)).toMatchObject({ pausedUntil: until, nextRunAt: until });
    await noContent(`/endpoints/${id}/pause`, { method: "POST", body: { pausedUntil: null } });
    expect(await endpointOf(jobId, id)).not.toHaveProperty("pausedUntil");

    await noContent(`/endpoints/${id}/hints`, { method: "DELETE" });
    const cleared = await endpointOf(jobId, id);
    for (const field of ["aiHintIntervalMs", "aiHintNextRunAt", "aiHintExpiresAt", "aiHintReason"]) expect(cleared).not.toHaveProperty(field);
    await noContent(`/endpoints/${id}/reset-failures`, { method: "POST" });
  });

  it("has a signing key from sign-up: create answers 409, rotate replaces it", async () => {
    const first = (await asUser(stand, "/signing-keys")).body;
    expect(first).toMatchObject({ hasKey: true, keyPrefix: expect.any(String), createdAt: expect.any(String), rotatedAt: null });
    expect(await asUser(stand, "/signing-keys", { method: "POST" })).toMatchObject({
      status: 409,
      body: { message: expect.stringContaining("already exists") },
    });
    const rotated = await asUser(stand, "/signing-keys/rotate", { method: "POST" });
    expect(rotated.status).toBe(200);
    expect((rotated.body.rawKey as string).startsWith(rotated.body.keyPrefix as string)).toBe(true);
    const info = (await asUser(stand, "/signing-keys")).body;
    expect(info).toMatchObject({ hasKey: true, keyPrefix: rotated.body.keyPrefix, rotatedAt: expect.any(String) });
    expect(JSON.stringify(info)).not.toContain(rotated.body.rawKey as string);
  });

  it("reports the free plan and its use, and pages seeded AI sessions (limit default 10)", async () => {
    expect((await asUser(stand, "/subscriptions/status")).body).toEqual({
      tier: "free",
      status: null,
      endsAt: null,
      refundEligibility: { eligible: false, expiresAt: null, status: null },
    });
    const usage = (await asUser(stand, "/subscriptions/usage")).body;
    expect(usage).toMatchObject({ aiCallsLimit: 100_000, endpointsLimit: 5, totalRunsLimit: 10_000, aiCallsUsed: 0, totalRuns: 0 });
    const jobId = await newJob();
    const id = (await newEndpoint(jobId)).id as string;
    expect((await asUser(stand, "/subscriptions/usage")).body.endpointsUsed).toBe((usage.endpointsUsed as number) + 1);
    for (let i = 0; i < 12; i++) stand.seedAiSession(id, { analyzedAt: new Date(Date.now() - i * 60_000), reasoning: `look ${i}` });
    const page = (await asUser(stand, `/endpoints/${id}/sessions`)).body as { sessions: Array<{ reasoning: string }>; total: number };
    expect(page.total).toBe(12);
    expect(page.sessions).toHaveLength(10);
    const last = (await asUser(stand, `/endpoints/${id}/sessions?limit=5&offset=10`)).body as { sessions: Array<{ reasoning: string }> };
    expect(last.sessions.map((s) => s.reasoning)).toEqual(["look 10", "look 11"]);
  });

  it("lists the user's sessions as devices and revokes one", async () => {
    const token = await stand.signIn();
    const devices = (await asUser(stand, "/devices")).body.devices as { id: string; token: string; expiresAt: string }[];
    const device = devices.find((candidate) => token.startsWith(candidate.token));
    expect(device).toMatchObject({ id: expect.any(String), expiresAt: expect.any(String), createdAt: expect.any(String) });
    expect((await asUser(stand, `/devices/${device?.id ?? ""}`, { method: "DELETE" })).body).toEqual({ success: true });
    expect((await call(stand, "/jobs", { bearer: token })).status).toBe(401);
    expect((await asUser(stand, "/devices/nope", { method: "DELETE" })).status).toBe(404);
  });
});

describe("free-tier limits and the per-key rate limit", () => {
  let stand: StandIn;
  beforeAll(async () => {
    stand = await startCronicornStandIn({ apiKeyRateLimit: { maxRequests: 12, timeWindowMs: 60_000 } });
  });
  afterAll(() => stand.close());

  it("refuses a sixth endpoint with the service's text, and archived endpoints free a slot", async () => {
    const jobId = (await asUser(stand, "/jobs", { method: "POST", body: { name: "quota" } })).body.id as string;
    const add = (n: number) =>
      asUser(stand, `/jobs/${jobId}/endpoints`, { method: "POST", body: { name: `e${n}`, url: "https://example.com", baselineIntervalMs: 60_000 } });
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) ids.push((await add(n)).body.id as string);
    expect(await add(5)).toMatchObject({
      status: 400,
      text: "Endpoint limit reached: free tier allows maximum 5 endpoints. Upgrade to Pro for 100 endpoints or Enterprise for 1,000 endpoints.",
    });
    expect((await asUser(stand, `/jobs/${jobId}/endpoints/${ids[0] as string}/archive`, { method: "POST" })).status).toBe(200);
    expect((await add(6)).status).toBe(201);
  });

  it("answers 401 (not 429) once a key exceeds its limit, while a bearer still works", async () => {
    // The quota test above used 9 of the 12 calls.
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call(stand, "/jobs", { key: stand.apiKey })).status);
    expect(statuses).toContain(401);
    expect(statuses).not.toContain(429);
    expect(statuses[0]).toBe(200);
    expect((await call(stand, "/jobs", { bearer: await stand.signIn() })).status).toBe(200);
  });

  it("answers get-session with null for an API key", async () => {
    const response = await fetch(`${stand.apiUrl}/auth/get-session`, { headers: { "x-api-key": stand.apiKey } });
    expect(response.status).toBe(200);
    expect(await response.json()).toBeNull();
  });
});

describe("test now, runs and health", () => {
  let stand: StandIn;
  let target: Server;
  let targetUrl: string;
  const received: { method?: string; body: string; header?: string }[] = [];

  beforeAll(async () => {
    stand = await startCronicornStandIn();
    target = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        received.push({ method: req.method, body, header: req.headers["x-probe"] as string | undefined });
        const status = req.url === "/fail" ? 500 : 200;
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ ok: status === 200 }));
      });
    });
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await stand.close();
    await new Promise((resolve) => target.close(resolve));
  });

  async function endpointFor(url: string, fields: Record<string, unknown> = {}): Promise<string> {
    const job = await asUser(stand, "/jobs", { method: "POST", body: { name: "probe" } });
    const endpoint = await asUser(stand, `/jobs/${job.body.id as string}/endpoints`, {
      method: "POST",
      body: { name: "probe", url, baselineIntervalMs: 60_000, ...fields },
    });
    return endpoint.body.id as string;
  }

  it("performs the request, records a test run, and health, stats and activity reflect it", async () => {
    const before = Date.now() - 1000;
    const id = await endpointFor(`${targetUrl}/ok`, { method: "POST", headersJson: { "x-probe": "yes" }, bodyJson: { n: 1 } });
    const result = await asUser(stand, `/endpoints/${id}/test`, { method: "POST" });
    expect(result).toMatchObject({ status: 200, body: { status: "success", statusCode: 200, responseBody: { ok: true }, durationMs: expect.any(Number) } });
    expect(received.at(-1)).toEqual({ method: "POST", body: '{"n":1}', header: "yes" });

    const runs = (await asUser(stand, `/endpoints/${id}/runs`)).body;
    expect(runs).toMatchObject({ total: 1, runs: [{ runId: result.body.runId, endpointId: id, status: "success", source: "test" }] });
    const details = (await asUser(stand, `/runs/${result.body.runId as string}`)).body;
    expect(details).toMatchObject({ id: result.body.runId, attempt: 1, statusCode: 200, finishedAt: expect.any(String), endpoint: { id } });
    expect((await asUser(stand, `/endpoints/${id}/health`)).body).toMatchObject({
      successCount: 1,
      failureCount: 0,
      failureStreak: 0,
      lastRun: { status: "success", at: expect.any(String) },
    });
    const stats = (await asUser(stand, `/dashboard/stats?startDate=${new Date(before).toISOString()}&endDate=${new Date(Date.now() + 1000).toISOString()}`))
      .body;
    expect(stats).toMatchObject({ recentActivity: { runs24h: 1, success24h: 1 }, successRate: { overall: 100 } });
    const activity = (
      await asUser(stand, `/dashboard/activity?startDate=${new Date(before).toISOString()}&endDate=${new Date(Date.now() + 1000).toISOString()}`)
    ).body;
    expect(activity).toMatchObject({
      total: 1,
      events: [{ type: "run", id: result.body.runId, endpointId: id, status: "success" }],
      summary: { runsCount: 1, sessionsCount: 0, successRate: 100 },
    });
  });

  it("records non-2xx and refused connections as failed runs and counts the failures", async () => {
    const failing = await endpointFor(`${targetUrl}/fail`);
    expect((await asUser(stand, `/endpoints/${failing}/test`, { method: "POST" })).body).toMatchObject({
      status: "failed",
      statusCode: 500,
      errorMessage: expect.stringContaining("500"),
    });

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await endpointFor(deadUrl);
    for (let i = 0; i < 2; i++) {
      const result = await asUser(stand, `/endpoints/${refused}/test`, { method: "POST" });
      expect(result.body).toMatchObject({ status: "failed", errorMessage: expect.stringMatching(/ECONNREFUSED|fetch failed/) });
      expect(result.body).not.toHaveProperty("statusCode");
    }
    expect((await asUser(stand, `/endpoints/${refused}/health`)).body).toMatchObject({ successCount: 0, failureCount: 2, failureStreak: 2 });
    expect((await asUser(stand, `/endpoints/${refused}/runs?status=success`)).body).toEqual({ runs: [], total: 0 });
    expect((await asUser(stand, `/endpoints/${refused}/runs?limit=1&offset=1`)).body).toMatchObject({ total: 2, runs: [expect.any(Object)] });
  });

  it("deletes an endpoint's run history with the endpoint", async () => {
    const job = await asUser(stand, "/jobs", { method: "POST", body: { name: "short-lived" } });
    const jobId = job.body.id as string;
    const endpoint = await asUser(stand, `/jobs/${jobId}/endpoints`, {
      method: "POST",
      body: { name: "probe", url: `${targetUrl}/ok`, baselineIntervalMs: 60_000 },
    });
    const id = endpoint.body.id as string;
    const run = await asUser(stand, `/endpoints/${id}/test`, { method: "POST" });
    expect((await asUser(stand, `/runs/${run.body.runId as string}`)).status).toBe(200);
    expect((await call(stand, `/jobs/${jobId}/endpoints/${id}`, { method: "DELETE", key: stand.apiKey })).status).toBe(204);
    expect((await asUser(stand, `/runs/${run.body.runId as string}`)).status).toBe(404);
  });

  it("fails a run that outlives timeoutMs", async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const id = await endpointFor(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, { timeoutMs: 200 });
      expect((await asUser(stand, `/endpoints/${id}/test`, { method: "POST" })).body).toMatchObject({
        status: "failed",
        errorMessage: "Request timed out after 200ms",
      });
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe("as observed again on 1.25.0 (docs/real-api-notes.md)", () => {
  let stand: StandIn;
  beforeAll(async () => {
    stand = await startCronicornStandIn({ deviceInterval: "1s" });
  });
  afterAll(() => stand.close());

  const FREE_INTERVAL = "free tier requires minimum 60000ms (60s) between runs. Upgrade to Pro for shorter intervals.";

  async function newEndpoint(): Promise<string> {
    const job = await asUser(stand, "/jobs", { method: "POST", body: { name: "observed" } });
    const jobId = job.body.id as string;
    const endpoint = await asUser(stand, `/jobs/${jobId}/endpoints`, {
      method: "POST",
      body: { name: "e", url: "https://example.com", baselineIntervalMs: 60_000 },
    });
    return `${jobId}/endpoints/${endpoint.body.id as string}`;
  }

  it("refuses intervals under the free tier's minute with the service's texts: 400 text/plain, one full stop, no field named", async () => {
    const path = await newEndpoint();
    const [jobId, , id] = path.split("/") as [string, string, string];
    const refusals = [
      await asUser(stand, `/jobs/${jobId}/endpoints`, { method: "POST", body: { name: "e", url: "https://example.com", baselineIntervalMs: 30_000 } }),
      await asUser(stand, `/jobs/${path}`, { method: "PATCH", body: { baselineIntervalMs: 30_000 } }),
    ];
    for (const reply of refusals)
      expect(reply).toMatchObject({ status: 400, text: `Interval too short: ${FREE_INTERVAL}`, contentType: expect.stringMatching(/^text\/plain/) });
    // The tier's minimum is checked before the endpoint's own bounds.
    expect(await asUser(stand, `/endpoints/${id}/hints/interval`, { method: "POST", body: { intervalMs: 30_000 } })).toMatchObject({
      status: 400,
      text: `AI hint interval too short: ${FREE_INTERVAL}`,
      contentType: expect.stringMatching(/^text\/plain/),
    });
  });

  it("answers test-now for an endpoint it does not know with a bare 500, not a 404", async () => {
    const reply = await asUser(stand, "/endpoints/no-such-endpoint/test", { method: "POST" });
    expect(reply).toMatchObject({ status: 500, body: { message: "Internal Server Error" } });
    expect(reply.text).not.toMatch(/not found|endpoint/i);
  });

  it("accepts a pausedUntil in the past (204) and stores it as given", async () => {
    const path = await newEndpoint();
    const id = path.split("/")[2] as string;
    const past = new Date(Date.now() - 3_600_000).toISOString();
    expect(await asUser(stand, `/endpoints/${id}/pause`, { method: "POST", body: { pausedUntil: past } })).toMatchObject({ status: 204, text: "" });
    expect((await asUser(stand, `/jobs/${path}`)).body).toMatchObject({ pausedUntil: past });
  });

  it("counts AI tokens of this month's planner sessions as aiCallsUsed", async () => {
    const id = (await newEndpoint()).split("/")[2] as string;
    const now = new Date();
    stand.seedAiSession(id, { tokenUsage: 42 });
    stand.seedAiSession(id, { tokenUsage: 8 });
    stand.seedAiSession(id, { tokenUsage: 1000, analyzedAt: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 15)) });
    expect((await asUser(stand, "/subscriptions/usage")).body).toMatchObject({ aiCallsUsed: 50, aiCallsLimit: 100_000 });
  });

  it("names each device session by the User-Agent of the request that created it, and logs every request's User-Agent", async () => {
    const started = await fetch(`${stand.apiUrl}/auth/device/code`, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "probe-agent/1.0" },
      body: JSON.stringify({ client_id: CLIENT_ID, scope: "openid" }),
    });
    const { device_code, user_code } = (await started.json()) as { device_code: string; user_code: string };
    await stand.approveDevice(user_code);
    stand.resetRequests();
    const token = await fetch(`${stand.apiUrl}/auth/device/token`, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "probe-agent/2.0" },
      body: JSON.stringify({ grant_type: DEVICE_GRANT, device_code, client_id: CLIENT_ID }),
    });
    const { access_token } = (await token.json()) as { access_token: string };
    const devices = (await asUser(stand, "/devices")).body.devices as Array<{ token: string; userAgent: string | null }>;
    expect(devices.find((device) => access_token.startsWith(device.token))).toMatchObject({ userAgent: "probe-agent/2.0" });
    expect(stand.requests.map((r) => [r.path, r.userAgent])).toEqual([
      ["/api/auth/device/token", "probe-agent/2.0"],
      ["/api/devices", "node"],
    ]);
  });
});

describe("fault switches", () => {
  let stand: StandIn;
  beforeAll(async () => {
    stand = await startCronicornStandIn();
  });
  afterEach(() => stand.faults.clear());
  afterAll(() => stand.close());

  it("delays matching requests", async () => {
    stand.faults.set({ kind: "delay", ms: 300, times: 1 });
    const started = Date.now();
    expect((await call(stand, "/jobs", { key: stand.apiKey })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const again = Date.now();
    await call(stand, "/jobs", { key: stand.apiKey });
    expect(Date.now() - again).toBeLessThan(290);
  });

  it("answers 503 the given number of times, then recovers", async () => {
    stand.faults.set({ kind: "status", status: 503, times: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(stand, "/jobs", { key: stand.apiKey })).status);
    expect(statuses).toEqual([503, 503, 200]);
  });

  it("answers 500 with the document's body until cleared", async () => {
    stand.faults.set({ kind: "status", status: 500 });
    for (let i = 0; i < 2; i++) expect(await asUser(stand, "/jobs")).toMatchObject({ status: 500, body: { message: "Internal Server Error" } });
    stand.faults.clear();
    expect((await asUser(stand, "/jobs")).status).toBe(200);
  });

  it("drops the connection without a response", async () => {
    stand.faults.set({ kind: "drop", times: 1 });
    stand.resetRequests();
    await expect(call(stand, "/jobs", { key: stand.apiKey })).rejects.toThrow();
    expect(stand.requests).toEqual([expect.objectContaining({ path: "/api/jobs", status: 0 })]);
  });

  it("rate-limits with 429, Retry-After and X-RateLimit headers", async () => {
    stand.faults.set({ kind: "rateLimit", retryAfterS: 7, times: 1 });
    const response = await call(stand, "/jobs", { key: stand.apiKey });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("7");
    expect(response.headers.get("x-ratelimit-limit")).toMatch(/^\d+$/);
    expect(response.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(Number(response.headers.get("x-ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000);
    expect(await response.json()).toEqual({ error: "Too many requests", status: 429 });
  });

  it("answers 200 with truncated JSON", async () => {
    stand.faults.set({ kind: "malformedJson", times: 1 });
    const response = await call(stand, "/jobs", { key: stand.apiKey });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    await expect(response.json()).rejects.toThrow();
  });

  it("spares better-auth by default, and reaches it through `match`", async () => {
    stand.faults.set({ kind: "status", status: 502 });
    expect((await call(stand, "/auth/get-session")).status).toBe(200);
    stand.faults.clear();
    stand.faults.set({ kind: "status", status: 502, match: /\/api\/auth\/device\/token$/ });
    expect((await call(stand, "/auth/device/token", { method: "POST", body: {} })).status).toBe(502);
    expect((await call(stand, "/jobs", { key: stand.apiKey })).status).toBe(200);
  });

  it("closes promptly with open keep-alive connections and a pending delay", async () => {
    const other = await startCronicornStandIn();
    await call(other, "/jobs", { key: other.apiKey });
    other.faults.set({ kind: "delay", ms: 30_000 });
    const pending = call(other, "/jobs", { key: other.apiKey }).catch((error: unknown) => error);
    await sleep(50);
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
  });
});
