import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCronicornStandIn } from "../stack/cronicorn.js";
import type { StandIn } from "../stack/cronicorn.js";
import { assertStdoutIsJsonRpc, startServer } from "../helpers/mcp.js";

const API_TOOLS = [
  "create_job", "get_job", "list_jobs", "update_job", "archive_job", "pause_job", "resume_job",
  "add_endpoint", "get_endpoint", "list_endpoints", "update_endpoint", "archive_endpoint", "delete_endpoint",
  "apply_interval_hint", "schedule_one_shot", "pause_endpoint", "resume_endpoint", "clear_hints", "reset_failures",
  "list_runs", "get_run", "get_endpoint_health", "test_endpoint",
  "get_dashboard_stats", "get_signing_key", "create_signing_key", "rotate_signing_key",
];

describe("tools/list", () => {
  let stand: StandIn;
  beforeAll(async () => {
    stand = await startCronicornStandIn();
  });
  afterAll(async () => {
    await stand?.close();
  });

  it("answers initialize and tools/list with no credential and without a single request to Cronicorn", async () => {
    const server = await startServer({ env: { CRONICORN_API_URL: stand.apiUrl, CRONICORN_WEB_URL: stand.webUrl, CRONICORN_ISSUER: stand.webUrl } });
    try {
      const { tools } = await server.client.listTools();
      expect(tools.length).toBeGreaterThanOrEqual(API_TOOLS.length + 3);
      expect(stand.requests).toEqual([]);
      assertStdoutIsJsonRpc(server.stdout());
    } finally {
      await server.close();
    }
  });

  it("exposes every API tool plus login, auth_status and logout, each titled, described and annotated", async () => {
    const server = await startServer({ env: { CRONICORN_API_URL: stand.apiUrl } });
    try {
      const { tools } = await server.client.listTools();
      const names = tools.map((t) => t.name);
      for (const name of [...API_TOOLS, "login", "auth_status", "logout"]) expect(names).toContain(name);
      for (const tool of tools) {
        expect(tool.name).toMatch(/^[a-z]+(_[a-z]+)*$/);
        expect(tool.title, tool.name).toBeTruthy();
        expect(tool.description?.length ?? 0, tool.name).toBeGreaterThan(40);
        expect(tool.outputSchema?.type, tool.name).toBe("object");
        for (const hint of ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] as const) {
          expect(typeof tool.annotations?.[hint], `${tool.name}.${hint}`).toBe("boolean");
        }
      }
      // The snapshot is what the model sees: any change to a name, schema or annotation shows up in review.
      expect(tools).toMatchSnapshot();
    } finally {
      await server.close();
    }
  });
});
