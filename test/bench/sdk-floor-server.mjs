/**
 * The reference for the list_jobs ratio: the thinnest MCP server SDK v2 allows that does what list_jobs
 * does. The SDK's stdio entry (both eras, like ours), one tool with no input or output schema, one
 * `GET /jobs` with fetch, the body returned as text: no validation, redaction, auth, deadline or
 * structured content. Whatever it costs over a direct request is the cost of MCP over stdio itself.
 */
import { McpServer } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";

const url = `${process.env.CRONICORN_API_URL}/jobs`;
const headers = { "x-api-key": process.env.CRONICORN_API_KEY ?? "", accept: "application/json" };

serveStdio(() => {
  const server = new McpServer({ name: "sdk-floor", version: "1.0.0" });
  server.registerTool("list_jobs", { description: "List jobs." }, async () => {
    const response = await globalThis.fetch(url, { headers });
    return { content: [{ type: "text", text: await response.text() }] };
  });
  return server;
});
