/**
 * The scheduling tools through the real server: hints, one-shots, pauses and failure resets as
 * Cronicorn receives them, the arguments refused before anything is sent, and the sentences.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { anEndpoint as endpoint, notFound, sent, type Served, serverPerFile, summaryOf, textOf } from "../../helpers/tools-harness.js";

const server = serverPerFile(() => ({ status: 204 }));
let served: Served;
beforeEach(() => {
  served = server();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("apply_interval_hint", () => {
  it("posts the interval, lifetime and reason to the endpoint's interval hint", async () => {
    const result = await served.call("apply_interval_hint", { endpointId: "e 1", intervalMs: 60000, ttlMinutes: 30, reason: "incident" });
    expect(sent(served.fake)).toEqual([
      { method: "POST", path: "/endpoints/e%201/hints/interval", query: {}, body: { intervalMs: 60000, ttlMinutes: 30, reason: "incident" } },
    ]);
    expect(summaryOf(result)).toBe("Endpoint e 1 will run every 60000 ms for 30 min.");
    expect(result.structuredContent).toEqual({ hint: { endpointId: "e 1", ok: true } });
  });

  it("leaves the lifetime out of the sentence when Cronicorn picks it, and names an unknown endpoint", async () => {
    expect(summaryOf(await served.call("apply_interval_hint", { endpointId: "e1", intervalMs: 5000 }))).toBe("Endpoint e1 will run every 5000 ms.");
    served.fake.script = notFound;
    expect(textOf(await served.call("apply_interval_hint", { endpointId: "e4", intervalMs: 5000 }))).toContain("Not found: endpoint e4.");
  });

  it.each([
    [{ intervalMs: 1.5 }, "intervalMs must be a whole number of milliseconds"],
    [{ intervalMs: 0 }, "intervalMs must be greater than 0"],
    [{ intervalMs: 1000, ttlMinutes: 0.5 }, "ttlMinutes must be a whole number"],
    [{ intervalMs: 1000, ttlMinutes: -1 }, "ttlMinutes must be greater than 0"],
  ])("refuses %j, naming the rule, and sends nothing", async (args, words) => {
    const result = await served.call("apply_interval_hint", { endpointId: "e1", ...args });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(words);
    expect(served.fake.requests).toEqual([]);
  });
});

describe("schedule_one_shot", () => {
  it("posts a one-shot at a time or after a delay, and says when it runs", async () => {
    const at = await served.call("schedule_one_shot", { endpointId: "e1", nextRunAt: "2030-01-31T09:00:00Z", reason: "after deploy" });
    const inMs = await served.call("schedule_one_shot", { endpointId: "e1", nextRunInMs: 60000, ttlMinutes: 5 });
    expect(sent(served.fake)).toEqual([
      { method: "POST", path: "/endpoints/e1/hints/oneshot", query: {}, body: { nextRunAt: "2030-01-31T09:00:00Z", reason: "after deploy" } },
      { method: "POST", path: "/endpoints/e1/hints/oneshot", query: {}, body: { nextRunInMs: 60000, ttlMinutes: 5 } },
    ]);
    expect(summaryOf(at)).toBe("Endpoint e1 will run once at 2030-01-31T09:00:00Z.");
    expect(summaryOf(inMs)).toBe("Endpoint e1 will run once in 60000 ms.");
    served.fake.script = notFound;
    expect(textOf(await served.call("schedule_one_shot", { endpointId: "e3", nextRunInMs: 1 }))).toContain("Not found: endpoint e3.");
  });

  it.each([
    [{}, "give exactly one of nextRunAt or nextRunInMs"],
    [{ nextRunAt: "2030-01-31T09:00:00Z", nextRunInMs: 1000 }, "give exactly one of nextRunAt or nextRunInMs"],
    [{ nextRunAt: "tomorrow" }, "nextRunAt must be an ISO 8601 time"],
  ])("refuses %j, naming the rule, and sends nothing", async (args, words) => {
    const result = await served.call("schedule_one_shot", { endpointId: "e1", ...args });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(words);
    expect(served.fake.requests).toEqual([]);
  });
});

describe("pause_endpoint and resume_endpoint", () => {
  it("pauses until a future time, passing on the endpoint when Cronicorn returns one", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.parse("2030-01-01T00:00:00Z") });
    const result = await served.call("pause_endpoint", { endpointId: "e1", pausedUntil: "2030-01-02T00:00:00Z", reason: "maintenance" });
    expect(sent(served.fake)).toEqual([
      { method: "POST", path: "/endpoints/e1/pause", query: {}, body: { pausedUntil: "2030-01-02T00:00:00Z", reason: "maintenance" } },
    ]);
    expect(summaryOf(result)).toBe("Endpoint e1 is paused until 2030-01-02T00:00:00Z.");
    expect(result.structuredContent).toEqual({ pause: { endpointId: "e1", ok: true } });
    served.fake.script = () => ({ body: endpoint({ pausedUntil: "2030-01-02T00:00:00Z" }) });
    const withBody = await served.call("pause_endpoint", { endpointId: "e1", pausedUntil: "2030-01-02T00:00:00Z" });
    expect(withBody.structuredContent).toEqual({ pause: { endpointId: "e1", ok: true, endpoint: endpoint({ pausedUntil: "2030-01-02T00:00:00Z" }) } });
    served.fake.script = notFound;
    expect(textOf(await served.call("pause_endpoint", { endpointId: "e2", pausedUntil: "2030-01-02T00:00:00Z" }))).toContain("Not found: endpoint e2.");
  });

  it("refuses a pause that would already be over, saying what to do instead, and sends nothing", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.parse("2030-01-01T00:00:00Z") });
    const result = await served.call("pause_endpoint", { endpointId: "e1", pausedUntil: "2030-01-01T00:00:00Z" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("pausedUntil 2030-01-01T00:00:00Z is not in the future, so endpoint e1 would not be paused at all");
    const badTime = await served.call("pause_endpoint", { endpointId: "e1", pausedUntil: "soon" });
    expect(textOf(badTime)).toContain("pausedUntil must be an ISO 8601 time");
    expect(served.fake.requests).toEqual([]);
  });

  it("resumes by clearing the pause, and says the next run when Cronicorn gives one", async () => {
    const plain = await served.call("resume_endpoint", { endpointId: "e1", reason: "fixed" });
    served.fake.script = () => ({ body: endpoint() });
    const withNext = await served.call("resume_endpoint", { endpointId: "e1" });
    served.fake.script = () => ({ body: endpoint({ nextRunAt: null }) });
    const withoutNext = await served.call("resume_endpoint", { endpointId: "e1" });
    expect(sent(served.fake)).toEqual([
      { method: "POST", path: "/endpoints/e1/pause", query: {}, body: { pausedUntil: null, reason: "fixed" } },
      { method: "POST", path: "/endpoints/e1/pause", query: {}, body: { pausedUntil: null } },
      { method: "POST", path: "/endpoints/e1/pause", query: {}, body: { pausedUntil: null } },
    ]);
    expect(summaryOf(plain)).toBe("Endpoint e1 is running again.");
    expect(summaryOf(withNext)).toBe("Endpoint e1 is running again; next run 2026-01-01T00:05:00.000Z.");
    expect(summaryOf(withoutNext)).toBe("Endpoint e1 is running again.");
    served.fake.script = notFound;
    expect(textOf(await served.call("resume_endpoint", { endpointId: "e7" }))).toContain("Not found: endpoint e7.");
  });
});

describe("clear_hints and reset_failures", () => {
  it("clears the hints with DELETE and says the baseline is back", async () => {
    const result = await served.call("clear_hints", { endpointId: "e1" });
    expect(sent(served.fake)).toEqual([{ method: "DELETE", path: "/endpoints/e1/hints", query: {}, body: undefined }]);
    expect(summaryOf(result)).toBe("Cleared hints on endpoint e1; it follows its baseline schedule.");
    expect(result.structuredContent).toEqual({ hint: { endpointId: "e1", ok: true } });
    served.fake.script = notFound;
    expect(textOf(await served.call("clear_hints", { endpointId: "e8" }))).toContain("Not found: endpoint e8.");
  });

  it("resets the failure count through its own route", async () => {
    const result = await served.call("reset_failures", { endpointId: "e1" });
    expect(sent(served.fake)).toEqual([{ method: "POST", path: "/endpoints/e1/reset-failures", query: {}, body: undefined }]);
    expect(summaryOf(result)).toBe("Reset the failure count of endpoint e1.");
    expect(result.structuredContent).toEqual({ hint: { endpointId: "e1", ok: true } });
    served.fake.script = notFound;
    expect(textOf(await served.call("reset_failures", { endpointId: "e9" }))).toContain("Not found: endpoint e9.");
  });
});
