import { describe, expect, it } from "vitest";
import { startServer } from "../../helpers/mcp.js";

const NO_API = { CRONICORN_API_URL: "http://127.0.0.1:9/api" };

describe("read-only mode and tool groups", () => {
  it("--read-only exposes only tools whose readOnlyHint is true, and refuses the others", async () => {
    const server = await startServer({ env: NO_API, args: ["--read-only"] });
    try {
      const { tools } = await server.client.listTools();
      expect(tools.length).toBeGreaterThan(8);
      for (const tool of tools) expect(tool.annotations?.readOnlyHint, tool.name).toBe(true);
      const names = tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(["list_jobs", "get_endpoint", "list_runs", "get_dashboard_stats", "auth_status"]));
      expect(names).not.toContain("create_job");
      expect(names).not.toContain("delete_endpoint");
      // A tool this configuration does not have is a protocol error (invalid params), as the spec defines.
      await expect(server.call("create_job", { name: "nope" })).rejects.toMatchObject({ code: -32602, message: expect.stringMatching(/create_job not found/) });
    } finally {
      await server.close();
    }
  });

  it("CRONICORN_READ_ONLY=1 does the same", async () => {
    const server = await startServer({ env: { ...NO_API, CRONICORN_READ_ONLY: "1" } });
    try {
      const { tools } = await server.client.listTools();
      expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it("--tools exposes the chosen groups, with the auth tools always on", async () => {
    const server = await startServer({ env: NO_API, args: ["--tools", "jobs,runs"] });
    try {
      const names = (await server.client.listTools()).tools.map((t) => t.name).sort();
      expect(names).toEqual(
        [
          "archive_job",
          "auth_status",
          "create_job",
          "get_ai_session",
          "get_endpoint_health",
          "get_job",
          "get_run",
          "list_ai_sessions",
          "list_jobs",
          "list_runs",
          "login",
          "logout",
          "pause_job",
          "resume_job",
          "test_endpoint",
          "update_job",
        ].sort(),
      );
    } finally {
      await server.close();
    }
  });

  it("CRONICORN_TOOLS with read-only combines both filters", async () => {
    const server = await startServer({ env: { ...NO_API, CRONICORN_TOOLS: "endpoints", CRONICORN_READ_ONLY: "yes" } });
    try {
      const names = (await server.client.listTools()).tools.map((t) => t.name).sort();
      expect(names).toEqual(["auth_status", "get_endpoint", "list_endpoints"]);
    } finally {
      await server.close();
    }
  });
});

describe("resources and prompts", () => {
  it("serves our guides as markdown resources", async () => {
    const server = await startServer({ env: NO_API });
    try {
      const { resources } = await server.client.listResources();
      expect(resources.map((r) => r.uri).sort()).toEqual(["cronicorn://auth/status", "cronicorn://guide/concepts", "cronicorn://guide/endpoint-descriptions"]);
      const concepts = await server.client.readResource({ uri: "cronicorn://guide/concepts" });
      const text = (concepts.contents[0] as { text: string }).text;
      expect(text).toMatch(/baselineCron/);
      expect(text).toMatch(/minIntervalMs/);
      expect(concepts.contents[0]?.mimeType).toBe("text/markdown");
    } finally {
      await server.close();
    }
  });

  it("offers prompts that lead to the right tools, and hides the write prompt in read-only mode", async () => {
    const server = await startServer({ env: NO_API });
    try {
      const names = (await server.client.listPrompts()).prompts.map((p) => p.name).sort();
      expect(names).toEqual(["investigate_failing_endpoint", "setup_health_check"]);
      const setup = await server.client.getPrompt({ name: "setup_health_check", arguments: { url: "https://example.com/health" } });
      const text = (setup.messages[0]?.content as { text: string }).text;
      expect(text).toContain("https://example.com/health");
      expect(text).toMatch(/create_job/);
      expect(text).toMatch(/add_endpoint/);
      const investigate = await server.client.getPrompt({ name: "investigate_failing_endpoint", arguments: { endpoint: "ep_1" } });
      expect((investigate.messages[0]?.content as { text: string }).text).toMatch(/get_endpoint_health[\s\S]*list_runs[\s\S]*get_run/);
    } finally {
      await server.close();
    }
    const readOnly = await startServer({ env: NO_API, args: ["--read-only"] });
    try {
      expect((await readOnly.client.listPrompts()).prompts.map((p) => p.name)).toEqual(["investigate_failing_endpoint"]);
    } finally {
      await readOnly.close();
    }
  });
});
