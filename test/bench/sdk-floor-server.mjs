/**
 * The reference for the list_jobs ratio: the thinnest MCP server that does what list_jobs does. The
 * SDK's McpServer over stdio, one tool, one undici request through a keep-alive agent, and a result of
 * the same layout (summary + JSON text, structuredContent), with no schema, validation, redaction,
 * auth or deadline. Whatever it costs over a direct request is the cost of MCP over stdio itself.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { Agent, request } from "undici";

const agent = new Agent();
const server = new McpServer({ name: "sdk-floor", version: "1.0.0" });
server.registerTool("list_jobs", { description: "List jobs." }, async () => {
  const response = await request(`${process.env.CRONICORN_API_URL}/jobs`, {
    headers: { "x-api-key": process.env.CRONICORN_API_KEY ?? "", accept: "application/json" },
    dispatcher: agent,
  });
  const { jobs } = JSON.parse(await response.body.text());
  const summary = `${jobs.length} job(s): ${jobs.map((j) => `"${j.name}" (${j.id}, ${j.status})`).join("; ")}.`;
  return { content: [{ type: "text", text: `${summary}\n\n${JSON.stringify(jobs)}` }], structuredContent: { jobs } };
});
await server.connect(new StdioServerTransport());
