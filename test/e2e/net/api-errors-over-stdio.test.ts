/**
 * The built server against scripted and hostile fake Cronicorn APIs on 127.0.0.1: the headers it sends,
 * how it names each failure by its cause, and that it never follows a redirect with the API key.
 * One server process serves every test; each test sets how the fake answers.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startServer, textOf, valueOf } from "../../helpers/mcp.js";
import type { ServerHandle } from "../../helpers/mcp.js";
import { aJob, json, startFake, text } from "../../helpers/net/fake.js";
import type { FakeServer } from "../../helpers/net/fake.js";

const KEY = "fake-api-key-0123456789";

describe("API errors mapped by cause, against fake Cronicorn servers", () => {
  let api: FakeServer;
  let elsewhere: FakeServer;
  let server: ServerHandle;

  beforeAll(async () => {
    api = await startFake();
    elsewhere = await startFake((_q, res) => json(res, 200, { jobs: [aJob] }));
    server = await startServer({ env: { CRONICORN_API_URL: `${api.origin}/api`, CRONICORN_API_KEY: KEY, CRONICORN_TIMEOUT_MS: "2000" } });
  });
  afterAll(async () => {
    await server.close();
    await api.close();
    await elsewhere.close();
  });
  beforeEach(() => {
    api.received.length = 0;
    elsewhere.received.length = 0;
  });

  const failure = async (name: string, args: Record<string, unknown> = {}) => {
    const result = await server.call(name, args);
    expect(result.isError, `${name} should fail: ${textOf(result)}`).toBe(true);
    return textOf(result);
  };
  const stillServes = async () => {
    api.handle = (_q, res) => json(res, 200, { jobs: [aJob] });
    expect(valueOf<unknown[]>(await server.call("list_jobs"), "jobs")).toHaveLength(1);
  };

  it("sends content-type application/json on every non-GET request, body or not, as Cronicorn's CSRF guard requires", async () => {
    api.handle = (req, res) => {
      if (req.method !== "GET" && !/^application\/json/.test(req.headers["content-type"] ?? "")) return text(res, 403, "Forbidden");
      res.writeHead(204).end();
    };
    for (const [tool, args] of [
      ["reset_failures", { endpointId: "E1" }],
      ["clear_hints", { endpointId: "E1" }],
    ] as const) {
      const result = await server.call(tool, args);
      expect(result.isError, textOf(result)).toBeFalsy();
    }
    expect(api.received.map((r) => [r.method, r.headers["content-type"]])).toEqual([
      ["POST", "application/json"],
      ["DELETE", "application/json"],
    ]);
  });

  it("names the bad fields of a 422 ZodError by path with their messages", async () => {
    api.handle = (_q, res) =>
      json(res, 422, {
        success: false,
        error: {
          name: "ZodError",
          issues: [
            { code: "invalid_date", path: ["startDate"], message: "Invalid date" },
            { code: "invalid_date", path: ["endDate"], message: "Invalid date" },
          ],
        },
      });
    const message = await failure("get_dashboard_stats");
    expect(message).toContain("startDate: Invalid date");
    expect(message).toContain("endDate: Invalid date");
    expect(message).not.toMatch(/answered 422/);
  });

  it("gives a text/plain business-rule error's text as the reason", async () => {
    api.handle = (_q, res) => text(res, 400, "Interval too short: free tier requires minimum 60000ms (got 1000ms)");
    expect(await failure("create_job", { name: "x" })).toContain("Interval too short: free tier requires minimum 60000ms");
  });

  it("says a 403 was a refusal and why it may be, never a bare status", async () => {
    api.handle = (_q, res) => text(res, 403, "Forbidden");
    const message = await failure("pause_job", { jobId: "job_1_abc" });
    expect(message).toMatch(/refused POST \/jobs\/job_1_abc\/pause \(403: Forbidden\)/);
    expect(message).toMatch(/permission|another account|proxy/);
  });

  it("points a 409 on create_signing_key to rotate_signing_key", async () => {
    api.handle = (_q, res) => json(res, 409, { message: "Signing key already exists" });
    expect(await failure("create_signing_key")).toMatch(/already exists.*use rotate_signing_key/);
  });

  it.each([
    ["get_job", { jobId: "J1" }, "list_jobs"],
    ["get_endpoint", { jobId: "J1", endpointId: "E1" }, "list_endpoints"],
    ["get_endpoint_health", { endpointId: "E1" }, "list_endpoints"],
    ["get_run", { runId: "R1" }, "list_runs"],
    ["get_ai_session", { sessionId: "S1" }, "list_ai_sessions"],
    ["revoke_device", { tokenId: "D1" }, "list_devices"],
  ])("names the right list tool in a 404 from %s", async (tool, args, list) => {
    api.handle = (_q, res) => json(res, 404, { message: "Not found" });
    const message = await failure(tool, args);
    expect(message).toContain(`${list} shows`);
    for (const other of ["list_jobs", "list_endpoints", "list_runs", "list_ai_sessions", "list_devices"].filter((t) => t !== list))
      expect(message).not.toContain(other);
  });

  it("says to check the key on a 401 after a few requests, and names the per-key rate limit after a burst", async () => {
    api.handle = (_q, res) => text(res, 401, "Unauthorized");
    expect(await failure("list_jobs")).toMatch(/Check the key/);
    let served = 0;
    api.handle = (_q, res) => (++served <= 50 ? json(res, 200, { jobs: [] }) : json(res, 401, { error: "Unauthorized - invalid API key", status: 401 }));
    for (let i = 0; i < 50; i++) expect((await server.call("list_jobs")).isError).toBeFalsy();
    const message = await failure("list_jobs");
    expect(message).toMatch(/per-key rate limit \(about 100 requests a minute\)/);
    expect(message).not.toContain(KEY);
  });

  it.each([302, 307])("never follows a %i redirect with the API key, and says where it pointed", async (status) => {
    api.handle = (_q, res) => res.writeHead(status, { location: `${elsewhere.origin}/api/jobs` }).end();
    const message = await failure("list_jobs");
    expect(message).toContain(`redirect (${status}) to ${elsewhere.origin}`);
    expect(message).toContain("CRONICORN_API_URL");
    // get-session (auth_status) carries the key too: it must not follow either.
    await server.call("auth_status");
    expect(elsewhere.received).toEqual([]);
    expect(api.received.some((r) => r.path === "/api/auth/get-session")).toBe(true);
    await stillServes();
  });

  it("refuses a body larger than the cap while it streams, and keeps serving", async () => {
    api.handle = (_q, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      // Endless: write until the client goes away.
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once("drain", pump);
      };
      res.on("close", () => res.removeAllListeners("drain"));
      pump();
    };
    expect(await failure("list_jobs")).toMatch(/larger than 8 MiB and was refused/);
    await stillServes();
  });

  it("cuts a body that drips slowly at the request's one deadline, and keeps serving", async () => {
    const timers: NodeJS.Timeout[] = [];
    api.handle = (_q, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"jobs": [');
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(" ")), 100);
      timers.push(timer);
    };
    expect(await failure("list_jobs")).toMatch(/did not answer GET \/jobs within 2 s/);
    timers.forEach(clearInterval);
    await stillServes();
  });
});
