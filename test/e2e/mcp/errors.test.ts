import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startCronicornStandIn } from "../../stack/cronicorn.js";
import type { StandIn } from "../../stack/cronicorn.js";
import { ERAS, startServer, textOf, valueOf } from "../../helpers/mcp.js";
import type { ServerHandle } from "../../helpers/mcp.js";

describe.each(ERAS)("errors: every failure is a clear tool error and the server stays up (%s era)", (era) => {
  let stand: StandIn;
  let server: ServerHandle;
  let jobId: string;
  let endpointId: string;

  beforeAll(async () => {
    stand = await startCronicornStandIn();
    server = await startServer({ era, env: { CRONICORN_API_URL: stand.apiUrl, CRONICORN_API_KEY: stand.apiKey, CRONICORN_TIMEOUT_MS: "1500" } });
    jobId = valueOf<{ id: string }>(await server.call("create_job", { name: "errors" }), "job").id;
    endpointId = valueOf<{ id: string }>(
      await server.call("add_endpoint", { jobId, name: "e", url: "http://127.0.0.1:9/x", baselineIntervalMs: 60_000 }),
      "endpoint",
    ).id;
  });
  afterEach(() => stand.faults.clear());
  afterAll(async () => {
    await server?.close();
    await stand?.close();
  });

  async function expectError(name: string, args: Record<string, unknown>, pattern: RegExp) {
    const result = await server.call(name, args);
    expect(result.isError, `${name} should fail: ${textOf(result)}`).toBe(true);
    expect(textOf(result)).toMatch(pattern);
    return textOf(result);
  }

  it("names the missing job, endpoint and run (404 per tool family)", async () => {
    await expectError("get_job", { jobId: "nope" }, /Not found: job nope/);
    await expectError("list_endpoints", { jobId: "nope" }, /Not found: job nope/);
    await expectError("get_endpoint", { jobId, endpointId: "nope" }, /Not found: endpoint nope in job/);
    await expectError("apply_interval_hint", { endpointId: "nope", intervalMs: 1000 }, /Not found: endpoint nope/);
    await expectError("get_run", { runId: "nope" }, /Not found: run nope/);
    await expectError("get_run", { runId: "nope" }, /list_runs/);
    await expectError("revoke_device", { tokenId: "nope" }, /Not found: device nope.*list_devices/);
  });

  it("points a signing-key conflict to rotate_signing_key (sign-up already made a key)", async () => {
    await expectError("create_signing_key", {}, /already exists.*rotate_signing_key/i);
  });

  it("rejects arguments that break the contract before calling the API, naming the field", async () => {
    const before = stand.requests.length;
    await expectError(
      "add_endpoint",
      { jobId, name: "x", url: "https://example.com", baselineCron: "* * * * *", baselineIntervalMs: 1000 },
      /baselineIntervalMs/,
    );
    await expectError("add_endpoint", { jobId, name: "x", url: "https://example.com" }, /baselineCron/);
    await expectError(
      "add_endpoint",
      { jobId, name: "x", url: "https://example.com", baselineIntervalMs: 1000, minIntervalMs: 5000, maxIntervalMs: 10 },
      /minIntervalMs/,
    );
    await expectError("add_endpoint", { jobId, name: "x", url: "not a url", baselineIntervalMs: 1000 }, /url/);
    await expectError("add_endpoint", { jobId, name: "x", url: "https://example.com", baselineCron: "every five minutes" }, /baselineCron/);
    await expectError("list_jobs", { status: "deleted" }, /status/);
    await expectError("schedule_one_shot", { endpointId }, /nextRunAt/);
    expect(stand.requests.length).toBe(before);
  });

  it("reports the API's own validation errors by field name", async () => {
    // Well-formed for the client, out of range for the server: the server's message comes through by field.
    // Cronicorn answers this business rule as text/plain: its text is the reason the user sees.
    const text = await expectError(
      "add_endpoint",
      { jobId, name: "x", url: "https://example.com", baselineCron: "99 * * * *" },
      /Cronicorn rejected the request/,
    );
    expect(text).toMatch(/Invalid cron expression \(minute: 99 is outside 0-59\)/);
  });

  it("retries a GET once on 503 and succeeds", async () => {
    stand.faults.set({ kind: "status", status: 503, times: 1, match: /\/api\/jobs$/ });
    expect(valueOf<unknown[]>(await server.call("list_jobs", {}), "jobs").length).toBeGreaterThan(0);
  });

  it("reports a persistent 500 as a temporary server error", async () => {
    stand.faults.set({ kind: "status", status: 500, match: /\/api\/jobs/ });
    await expectError("list_jobs", {}, /server error \(500\).*try again/);
    await expectError("create_job", { name: "x" }, /server error \(500\)/);
  });

  it("does not retry a POST on 503", async () => {
    stand.faults.set({ kind: "status", status: 503, times: 1, match: /\/api\/jobs$/ });
    const before = stand.requests.filter((r) => r.method === "POST" && r.path === "/api/jobs").length;
    await expectError("create_job", { name: "once" }, /server error \(503\)/);
    expect(stand.requests.filter((r) => r.method === "POST" && r.path === "/api/jobs").length).toBe(before + 1);
  });

  it("honours Retry-After once for a GET and then succeeds", async () => {
    stand.faults.set({ kind: "rateLimit", retryAfterS: 1, times: 1, match: /\/api\/jobs$/ });
    expect(valueOf<unknown[]>(await server.call("list_jobs", {}), "jobs").length).toBeGreaterThan(0);
  });

  it("reports a lasting rate limit with the wait time", async () => {
    stand.faults.set({ kind: "rateLimit", retryAfterS: 30, match: /\/api\/jobs$/ });
    await expectError("list_jobs", {}, /rate-limiting.*30 s/);
  });

  it("reports dropped connections as unreachable", async () => {
    stand.faults.set({ kind: "drop", match: /\/api\/jobs$/ });
    await expectError("list_jobs", {}, /Cannot reach Cronicorn/);
  });

  it("reports a slow server as a timeout", async () => {
    stand.faults.set({ kind: "delay", ms: 4000, match: /\/api\/jobs$/ });
    await expectError("list_jobs", {}, /did not answer GET \/jobs within 2 s/);
  });

  it("reports malformed JSON as an invalid response", async () => {
    stand.faults.set({ kind: "malformedJson", match: /\/api\/jobs$/ });
    await expectError("list_jobs", {}, /not valid JSON/);
  });

  it("reports an unreachable API with its URL", async () => {
    const offline = await startServer({ era, env: { CRONICORN_API_URL: "http://127.0.0.1:9/api", CRONICORN_API_KEY: "key-for-nowhere" } });
    try {
      const result = await offline.call("list_jobs", {});
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/Cannot reach Cronicorn at http:\/\/127\.0\.0\.1:9\/api/);
    } finally {
      await offline.close();
    }
  });

  it("reports a rejected API key without crashing", async () => {
    const wrong = await startServer({ era, env: { CRONICORN_API_URL: stand.apiUrl, CRONICORN_API_KEY: "definitely-not-a-key" } });
    try {
      const result = await wrong.call("list_jobs", {});
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/rejected CRONICORN_API_KEY/);
    } finally {
      await wrong.close();
    }
  });

  it("still answers after all of the above", async () => {
    expect(valueOf<unknown[]>(await server.call("list_jobs", {}), "jobs").length).toBeGreaterThan(0);
  });
});

describe.each(ERAS)("a bad configuration never kills the server (%s era)", (era) => {
  it("starts, logs the problem on stderr, and returns it from every tool call", async () => {
    const server = await startServer({ era, env: { CRONICORN_API_URL: "http://cronicorn.example.com/api", CRONICORN_TIMEOUT_MS: "soon" } });
    try {
      const tools = await server.client.listTools();
      expect(tools.tools.length).toBeGreaterThan(20);
      const result = await server.call("list_jobs", {});
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/CRONICORN_API_URL must use https/);
      expect(textOf(result)).toMatch(/CRONICORN_TIMEOUT_MS/);
      expect(server.stderr()).toMatch(/Configuration problem/);
    } finally {
      await server.close();
    }
  });
});
