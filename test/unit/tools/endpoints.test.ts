/**
 * The endpoint tools through the real server: the request Cronicorn receives, the cross-field rules
 * refused before anything is sent, the schedule switch a partial update needs, and the sentences.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { anEndpoint as endpoint, notFound, sent, type Served, serverPerFile, serveTools, summaryOf, textOf } from "../../helpers/tools-harness.js";

const server = serverPerFile(() => ({ body: endpoint() }));
let served: Served;
beforeEach(() => {
  served = server();
});

describe("add_endpoint", () => {
  it("posts every field but the job id to the job's endpoints", async () => {
    const fields = { name: "Health", url: "https://example.com/health", baselineCron: "*/5 * * * *", method: "POST", headersJson: { a: "b" }, bodyJson: [1] };
    await served.call("add_endpoint", { jobId: "j 1", ...fields });
    expect(sent(served.fake)).toEqual([{ method: "POST", path: "/jobs/j%201/endpoints", query: {}, body: fields }]);
  });

  it("says the request, the schedule in force and the next run", async () => {
    served.fake.script = () => ({ status: 201, body: endpoint({ baselineCron: "*/5 * * * *", method: "POST" }) });
    const args = { jobId: "j1", name: "Health", url: "https://example.com/health", baselineCron: "*/5 * * * *" };
    expect(summaryOf(await served.call("add_endpoint", args))).toBe(
      'Added endpoint "Health" (id e1): POST https://example.com/health, cron "*/5 * * * *"; next run 2026-01-01T00:05:00.000Z.',
    );
    served.fake.script = () => ({ status: 201, body: endpoint({ baselineIntervalMs: 60000, nextRunAt: null }) });
    expect(summaryOf(await served.call("add_endpoint", args))).toBe(
      'Added endpoint "Health" (id e1): GET https://example.com/health, every 60000 ms; next run not scheduled.',
    );
    served.fake.script = () => ({ status: 201, body: endpoint({ baselineCron: "", baselineIntervalMs: null }) });
    expect(summaryOf(await served.call("add_endpoint", args))).toContain("GET https://example.com/health, no baseline;");
    served.fake.script = notFound;
    expect(textOf(await served.call("add_endpoint", { ...args, jobId: "j4" }))).toContain("Not found: job j4.");
  });

  it.each([
    [{}, "a schedule is required"],
    [{ baselineCron: "* * * * *", baselineIntervalMs: 60000 }, "give either baselineCron or baselineIntervalMs, not both"],
    [{ baselineIntervalMs: 60000, minIntervalMs: 120000, maxIntervalMs: 60000 }, "minIntervalMs must be less than or equal to maxIntervalMs"],
  ])("refuses %j, naming the rule, and sends nothing", async (schedule, words) => {
    const result = await served.call("add_endpoint", { jobId: "j1", name: "Health", url: "https://example.com/health", ...schedule });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(words);
    expect(served.fake.requests).toEqual([]);
  });
});

describe("get_endpoint and list_endpoints", () => {
  it("gets one endpoint of a job and says its request, schedule and failures", async () => {
    served.fake.script = () => ({ body: endpoint({ baselineIntervalMs: 300000, failureCount: 2 }) });
    const result = await served.call("get_endpoint", { jobId: "j1", endpointId: "e 1" });
    expect(sent(served.fake)).toEqual([{ method: "GET", path: "/jobs/j1/endpoints/e%201", query: {}, body: undefined }]);
    expect(summaryOf(result)).toBe('Endpoint "Health" (id e1): GET https://example.com/health, every 300000 ms, 2 failure(s).');
    served.fake.script = notFound;
    expect(textOf(await served.call("get_endpoint", { jobId: "j2", endpointId: "e2" }))).toContain("Not found: endpoint e2 in job j2.");
  });

  it("lists a job's endpoints, counting the archived ones Cronicorn lists with the others", async () => {
    served.fake.script = () => ({ body: { endpoints: [] } });
    expect(summaryOf(await served.call("list_endpoints", { jobId: "j1" }))).toBe("This job has no endpoints.");
    served.fake.script = () => ({
      body: {
        endpoints: [
          endpoint({ baselineCron: "0 9 * * 1-5" }),
          endpoint({ id: "e2", name: "Old", baselineIntervalMs: 1000, archivedAt: "2026-01-02T00:00:00.000Z" }),
        ],
      },
    });
    const result = await served.call("list_endpoints", { jobId: "j1" });
    expect(summaryOf(result)).toBe('2 endpoint(s), 1 archived: "Health" (e1, cron "0 9 * * 1-5"); "Old" (e2, every 1000 ms, archived).');
    expect((result.structuredContent as { endpoints: unknown[] }).endpoints).toHaveLength(2);
    served.fake.script = () => ({ body: { endpoints: [endpoint({ baselineCron: "* * * * *" })] } });
    expect(summaryOf(await served.call("list_endpoints", { jobId: "j1" }))).toBe('1 endpoint(s): "Health" (e1, cron "* * * * *").');
    expect(sent(served.fake).at(-1)).toEqual({ method: "GET", path: "/jobs/j1/endpoints", query: {}, body: undefined });
    served.fake.script = notFound;
    expect(textOf(await served.call("list_endpoints", { jobId: "j3" }))).toContain("Not found: job j3.");
  });
});

describe("update_endpoint", () => {
  it("patches the given fields; a new interval alone also clears the cron that would stay in charge", async () => {
    await served.call("update_endpoint", { jobId: "j1", endpointId: "e1", name: "Renamed" });
    await served.call("update_endpoint", { jobId: "j1", endpointId: "e1", baselineIntervalMs: 120000 });
    await served.call("update_endpoint", { jobId: "j1", endpointId: "e1", baselineCron: "0 * * * *" });
    expect(sent(served.fake)).toEqual([
      { method: "PATCH", path: "/jobs/j1/endpoints/e1", query: {}, body: { name: "Renamed" } },
      { method: "PATCH", path: "/jobs/j1/endpoints/e1", query: {}, body: { baselineIntervalMs: 120000, baselineCron: "" } },
      { method: "PATCH", path: "/jobs/j1/endpoints/e1", query: {}, body: { baselineCron: "0 * * * *" } },
    ]);
  });

  it("says the schedule now in force, and names the endpoint Cronicorn does not know", async () => {
    served.fake.script = () => ({ body: endpoint({ baselineIntervalMs: 120000, baselineCron: null }) });
    expect(summaryOf(await served.call("update_endpoint", { jobId: "j1", endpointId: "e1", baselineIntervalMs: 120000 }))).toBe(
      'Updated endpoint "Health" (id e1): every 120000 ms.',
    );
    served.fake.script = notFound;
    expect(textOf(await served.call("update_endpoint", { jobId: "j1", endpointId: "e9", name: "x" }))).toContain("Not found: endpoint e9 in job j1.");
  });

  it.each([
    [{}, "give at least one field to change"],
    [{ baselineCron: "* * * * *", baselineIntervalMs: 60000 }, "give either baselineCron or baselineIntervalMs, not both"],
    [{ minIntervalMs: 2, maxIntervalMs: 1 }, "minIntervalMs must be less than or equal to maxIntervalMs"],
  ])("refuses %j, naming the rule, and sends nothing", async (changes, words) => {
    const result = await served.call("update_endpoint", { jobId: "j1", endpointId: "e1", ...changes });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(words);
    expect(served.fake.requests).toEqual([]);
  });

  it("takes a change of the description alone", async () => {
    expect((await served.call("update_endpoint", { jobId: "j1", endpointId: "e1", description: "poll faster" })).isError).toBeFalsy();
    expect(sent(served.fake)).toEqual([{ method: "PATCH", path: "/jobs/j1/endpoints/e1", query: {}, body: { description: "poll faster" } }]);
  });
});

describe("archive_endpoint and delete_endpoint", () => {
  it("archives through the archive route and says so", async () => {
    const result = await served.call("archive_endpoint", { jobId: "j1", endpointId: "e1" });
    expect(sent(served.fake)).toEqual([{ method: "POST", path: "/jobs/j1/endpoints/e1/archive", query: {}, body: undefined }]);
    expect(summaryOf(result)).toBe('Archived endpoint "Health" (id e1).');
    served.fake.script = notFound;
    expect(textOf(await served.call("archive_endpoint", { jobId: "j1", endpointId: "e5" }))).toContain("Not found: endpoint e5 in job j1.");
  });

  it("deletes with DELETE, and answers which endpoint is gone with its history", async () => {
    served.fake.script = () => ({ status: 204 });
    const result = await served.call("delete_endpoint", { jobId: "j1", endpointId: "e1" });
    expect(sent(served.fake)).toEqual([{ method: "DELETE", path: "/jobs/j1/endpoints/e1", query: {}, body: undefined }]);
    expect(summaryOf(result)).toBe("Deleted endpoint e1 and its run history.");
    expect(result.structuredContent).toEqual({ result: { deleted: true, endpointId: "e1" } });
    served.fake.script = notFound;
    expect(textOf(await served.call("delete_endpoint", { jobId: "j2", endpointId: "e6" }))).toContain("Not found: endpoint e6 in job j2.");
  });
});

describe("the questions destructive endpoint tools ask first", () => {
  it("names the endpoint, the job and what is lost", async () => {
    const asking = await serveTools({ capabilities: { elicitation: { form: {} } }, onElicit: () => ({ action: "decline" }) });
    try {
      const archived = await asking.call("archive_endpoint", { jobId: "j1", endpointId: "e1" });
      const deleted = await asking.call("delete_endpoint", { jobId: "j1", endpointId: "e1" });
      expect(asking.elicited.map((e) => e.message)).toEqual([
        "Archive endpoint e1 of job j1? It stops running; its history is kept.",
        "Delete endpoint e1 of job j1 and its whole run history, for good?",
      ]);
      expect(textOf(deleted)).toContain('delete_endpoint did not run ("Delete endpoint e1 of job j1 and its whole run history, for good?")');
      expect(archived.structuredContent).toEqual({ notConfirmed: { answer: "decline" } });
      expect(asking.fake.requests).toEqual([]);
    } finally {
      await asking.close();
    }
  });
});
