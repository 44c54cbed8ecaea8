/** Which list tool a 404 names, for each kind of path. */
import { describe, expect, it } from "vitest";
import { listToolHint } from "../../../src/api/hints.js";

describe("listToolHint", () => {
  it("names the list tool for each resource, the most specific rule first", () => {
    expect(listToolHint("/jobs/j1/endpoints/e1")).toBe("list_endpoints shows valid endpoint ids of that job");
    expect(listToolHint("/jobs/j1/endpoints/e1/runs")).toBe("list_endpoints shows valid endpoint ids of that job");
    expect(listToolHint("/jobs/j1")).toBe("list_jobs shows valid job ids");
    expect(listToolHint("/jobs/j1/endpoints")).toBe("list_jobs shows valid job ids");
    expect(listToolHint("/endpoints/e1/runs")).toBe("list_endpoints shows valid endpoint ids");
    expect(listToolHint("/runs/r1")).toBe("list_runs shows valid run ids");
    expect(listToolHint("/sessions/s1")).toBe("list_ai_sessions shows valid AI session ids");
    expect(listToolHint("/devices/d1")).toBe("list_devices shows valid device ids");
  });

  it("names none for a list path, an unknown resource, or a path that only contains a resource", () => {
    expect(listToolHint("/jobs")).toBeUndefined();
    expect(listToolHint("/jobs/")).toBeUndefined();
    expect(listToolHint("/signing-keys")).toBeUndefined();
    expect(listToolHint("/api/jobs/j1")).toBeUndefined();
    expect(listToolHint("/x/runs/r1")).toBeUndefined();
  });
});
