/**
 * Which list tool a 404 names, and the next step a plan refusal gets. The rules are module-level
 * tables, so each test loads the module afresh (test/helpers/fresh-module.ts): a changed rule then fails here.
 */
import { describe, expect, it } from "vitest";
import { freshly } from "../../helpers/fresh-module.js";

const load = () => freshly(() => import("../../../src/api/hints.js"));

describe("listToolHint", () => {
  it("names the list tool for each resource, the most specific rule first", async () => {
    const { listToolHint } = await load();
    expect(listToolHint("/jobs/j1/endpoints/e1")).toBe("list_endpoints shows valid endpoint ids of that job");
    expect(listToolHint("/jobs/j1/endpoints/e1/runs")).toBe("list_endpoints shows valid endpoint ids of that job");
    expect(listToolHint("/jobs/j1")).toBe("list_jobs shows valid job ids");
    expect(listToolHint("/jobs/j1/endpoints")).toBe("list_jobs shows valid job ids");
    expect(listToolHint("/endpoints/e1/runs")).toBe("list_endpoints shows valid endpoint ids");
    expect(listToolHint("/runs/r1")).toBe("list_runs shows valid run ids");
    expect(listToolHint("/sessions/s1")).toBe("list_ai_sessions shows valid AI session ids");
    expect(listToolHint("/devices/d1")).toBe("list_devices shows valid device ids");
  });

  it("names none for a list path, an unknown resource, or a path that only contains a resource", async () => {
    const { listToolHint } = await load();
    for (const path of [
      "/jobs",
      "/jobs/",
      "/jobs//endpoints/e1",
      "/signing-keys",
      "/api/jobs/j1",
      "/x/runs/r1",
      "/x/endpoints/e1",
      "/x/sessions/s1",
      "/x/devices/d1",
    ]) {
      expect(listToolHint(path), path).toBeUndefined();
    }
    // An empty id is not an id: the rule for the enclosing resource answers, or none.
    expect(listToolHint("/jobs/j1/endpoints/")).toBe("list_jobs shows valid job ids");
    expect(listToolHint("/endpoints/")).toBeUndefined();
    expect(listToolHint("/runs/")).toBeUndefined();
    expect(listToolHint("/sessions/")).toBeUndefined();
    expect(listToolHint("/devices/")).toBeUndefined();
  });
});

describe("refusalAdvice", () => {
  it("the endpoint limit: get_usage, archiving (archived endpoints do not count) or upgrading", async () => {
    const { refusalAdvice } = await load();
    const advice =
      "get_usage shows your plan's quotas and use; archive an endpoint you no longer need (archive_endpoint: archived endpoints do not count) or upgrade the plan, then try again.";
    expect(refusalAdvice("Endpoint limit reached: free tier allows maximum 5 endpoints.")).toBe(advice);
    expect(refusalAdvice("endpoint LIMIT reached")).toBe(advice);
    expect(refusalAdvice("The endpoint limit reached")).not.toBe(advice);
  });

  it("an interval too short: the minimum when the text gives one, else a longer interval", async () => {
    const { refusalAdvice } = await load();
    expect(refusalAdvice("AI hint interval too short: free tier requires minimum 60000 ms")).toBe(
      "Use an interval of at least 60000 ms, or upgrade the plan for shorter ones (get_usage shows your plan).",
    );
    expect(refusalAdvice("Interval TOO short, requires minimum 300ms")).toBe(
      "Use an interval of at least 300 ms, or upgrade the plan for shorter ones (get_usage shows your plan).",
    );
    expect(refusalAdvice("interval too short")).toBe("Use a longer interval, or upgrade the plan for shorter ones (get_usage shows your plan).");
  });

  it("any other tier text: get_usage and upgrading; anything else: no advice", async () => {
    const { refusalAdvice } = await load();
    const tier = "get_usage shows your plan's quotas and use; stay within them or upgrade the plan.";
    expect(refusalAdvice("Not available on the free tier")).toBe(tier);
    expect(refusalAdvice("Only on the PRO TIER")).toBe(tier);
    expect(refusalAdvice("Please upgrade to Enterprise")).toBe(tier);
    expect(refusalAdvice("freetier")).toBeUndefined();
    expect(refusalAdvice("upgraded to")).toBeUndefined();
    expect(refusalAdvice("Invalid cron expression")).toBeUndefined();
    expect(refusalAdvice("")).toBeUndefined();
  });
});
