/**
 * The job tools through the real server: the request Cronicorn receives for given arguments, the
 * refusal of arguments the contract forbids (nothing sent), and the sentence the model reads.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { aJob as job, sent, type Served, serverPerFile, summaryOf, textOf } from "../../helpers/tools-harness.js";

const server = serverPerFile(() => ({ body: job() }));
let served: Served;
beforeEach(() => {
  served = server();
});

describe("create_job", () => {
  it("posts the name and description, and says what was created", async () => {
    served.fake.script = () => ({ status: 201, body: job({ status: "active" }) });
    const result = await served.call("create_job", { name: "Nightly backups", description: "for the NAS" });
    expect(sent(served.fake)).toEqual([{ method: "POST", path: "/jobs", query: {}, body: { name: "Nightly backups", description: "for the NAS" } }]);
    expect(summaryOf(result)).toBe('Created job "Nightly backups" (id j1, active).');
    expect(result.structuredContent).toEqual({ job: job() });
  });

  it("refuses an empty name, naming the rule, and sends nothing", async () => {
    const result = await served.call("create_job", { name: "  " });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("name must not be empty");
    expect(served.fake.requests).toEqual([]);
  });
});

describe("get_job", () => {
  it("gets the job by its percent-encoded id and says its status", async () => {
    served.fake.script = () => ({ body: job({ id: "j 1", status: "paused" }) });
    const result = await served.call("get_job", { jobId: "j 1" });
    expect(sent(served.fake)).toEqual([{ method: "GET", path: "/jobs/j%201", query: {}, body: undefined }]);
    expect(summaryOf(result)).toBe('Job "Nightly backups" (id j 1) is paused.');
  });

  it("names the job Cronicorn does not know", async () => {
    served.fake.script = () => ({ status: 404, body: { message: "Job not found" } });
    const result = await served.call("get_job", { jobId: "j9" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("Not found: job j9.");
  });
});

describe("list_jobs", () => {
  it("asks for one status when given, and for every job otherwise", async () => {
    served.fake.script = () => ({ body: { jobs: [] } });
    await served.call("list_jobs", { status: "paused" });
    await served.call("list_jobs", {});
    expect(sent(served.fake)).toEqual([
      { method: "GET", path: "/jobs", query: { status: "paused" }, body: undefined },
      { method: "GET", path: "/jobs", query: {}, body: undefined },
    ]);
  });

  it("says when there is no job, and otherwise names each with its id, status and endpoint count when known", async () => {
    served.fake.script = () => ({ body: { jobs: [] } });
    expect(summaryOf(await served.call("list_jobs"))).toBe("No jobs found.");
    served.fake.script = () => ({ body: { jobs: [job({ endpointCount: 3 }), job({ id: "j2", name: "Reports", status: "paused" })] } });
    const result = await served.call("list_jobs");
    expect(summaryOf(result)).toBe('2 job(s): "Nightly backups" (j1, active, 3 endpoint(s)); "Reports" (j2, paused).');
    expect((result.structuredContent as { jobs: unknown[] }).jobs).toHaveLength(2);
  });
});

describe("update_job", () => {
  it("patches only what changes", async () => {
    await served.call("update_job", { jobId: "j1", name: "Renamed" });
    await served.call("update_job", { jobId: "j1", description: "" });
    expect(sent(served.fake)).toEqual([
      { method: "PATCH", path: "/jobs/j1", query: {}, body: { name: "Renamed" } },
      { method: "PATCH", path: "/jobs/j1", query: {}, body: { description: "" } },
    ]);
  });

  it("says what it updated, and names the job Cronicorn does not know", async () => {
    served.fake.script = () => ({ body: job({ name: "Renamed" }) });
    expect(summaryOf(await served.call("update_job", { jobId: "j1", name: "Renamed" }))).toBe('Updated job "Renamed" (id j1).');
    served.fake.script = () => ({ status: 404, body: { message: "nope" } });
    expect(textOf(await served.call("update_job", { jobId: "j7", name: "x" }))).toContain("Not found: job j7.");
  });

  it("refuses a call that changes nothing, and sends nothing", async () => {
    const result = await served.call("update_job", { jobId: "j1" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("give name and/or description to change");
    expect(served.fake.requests).toEqual([]);
  });
});

describe("archive_job, pause_job, resume_job", () => {
  it("archives with DELETE and says so", async () => {
    served.fake.script = () => ({ body: job({ status: "archived" }) });
    const result = await served.call("archive_job", { jobId: "j1" });
    expect(sent(served.fake)).toEqual([{ method: "DELETE", path: "/jobs/j1", query: {}, body: undefined }]);
    expect(summaryOf(result)).toBe('Archived job "Nightly backups" (id j1).');
    served.fake.script = () => ({ status: 404, body: { message: "nope" } });
    expect(textOf(await served.call("archive_job", { jobId: "j8" }))).toContain("Not found: job j8.");
  });

  it("pauses and resumes through the job's own routes, saying the new status", async () => {
    served.fake.script = (request) => ({ body: job({ status: request.path.endsWith("/pause") ? "paused" : "active" }) });
    expect(summaryOf(await served.call("pause_job", { jobId: "j_1" }))).toBe('Job "Nightly backups" (id j1) is now paused.');
    expect(summaryOf(await served.call("resume_job", { jobId: "j_1" }))).toBe('Job "Nightly backups" (id j1) is now active.');
    expect(sent(served.fake)).toEqual([
      { method: "POST", path: "/jobs/j_1/pause", query: {}, body: undefined },
      { method: "POST", path: "/jobs/j_1/resume", query: {}, body: undefined },
    ]);
    served.fake.script = () => ({ status: 404, body: { message: "nope" } });
    expect(textOf(await served.call("pause_job", { jobId: "j5" }))).toContain("Not found: job j5.");
    expect(textOf(await served.call("resume_job", { jobId: "j6" }))).toContain("Not found: job j6.");
  });
});
