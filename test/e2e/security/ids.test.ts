import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, textOf, type ServerHandle } from "../../helpers/mcp.js";
import { startHostileServer, type HostileServer } from "../../helpers/hostile-server.js";

describe("ids that would resolve as path segments are refused before anything is sent", () => {
  let hostile: HostileServer;
  let server: ServerHandle;
  beforeAll(async () => {
    hostile = await startHostileServer(() => ({ json: { success: true } }));
    server = await startServer({ env: { CRONICORN_API_URL: hostile.apiUrl, CRONICORN_API_KEY: "cron_key_ids_test_123" } });
  });
  afterAll(async () => {
    await server?.close();
    await hostile?.close();
  });

  const cases: Array<[string, Record<string, unknown>]> = [
    ["delete_endpoint", { jobId: "JOBX", endpointId: ".." }],
    ["delete_endpoint", { jobId: "JOBX", endpointId: "." }],
    ["delete_endpoint", { jobId: " .. ", endpointId: "E1" }],
    ["archive_job", { jobId: ".." }],
    ["get_job", { jobId: "a/../../devices" }],
    ["get_run", { runId: ".." }],
  ];
  for (const [tool, args] of cases) {
    it(`${tool} ${JSON.stringify(args)} returns an error and sends nothing`, async () => {
      const result = await server.call(tool, args);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/must be an id/);
      expect(hostile.requests).toEqual([]);
    });
  }
});
