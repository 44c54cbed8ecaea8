/**
 * `list_jobs` through the MCP server (stdio, SDK client) against the same request made directly with
 * fetch, interleaved call by call against one stand-in so both see the same server and machine.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { percentile, since } from "./stats.js";

export async function measureListJobs(entry: string, apiUrl: string, apiKey: string, calls: number) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [entry],
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", CRONICORN_API_URL: apiUrl, CRONICORN_API_KEY: apiKey, CRONICORN_LOG_LEVEL: "error" },
    stderr: "ignore",
  });
  const client = new Client({ name: "bench", version: "1" });
  await client.connect(transport);

  const viaMcp = async () => {
    const result = await client.callTool({ name: "list_jobs", arguments: {} });
    if (result.isError) throw new Error(`list_jobs failed: ${JSON.stringify(result.content)}`);
  };
  const direct = async () => {
    const response = await fetch(`${apiUrl}/jobs`, { headers: { "x-api-key": apiKey, accept: "application/json" } });
    if (!response.ok) throw new Error(`GET /jobs → ${response.status}`);
    await response.json();
  };

  for (let i = 0; i < 20; i++) {
    await viaMcp();
    await direct();
  }
  const mcp: number[] = [];
  const plain: number[] = [];
  for (let i = 0; i < calls; i++) {
    let start = process.hrtime.bigint();
    await viaMcp();
    mcp.push(since(start));
    start = process.hrtime.bigint();
    await direct();
    plain.push(since(start));
  }
  await client.close();
  return {
    mcp: { p50: percentile(mcp, 50), p99: percentile(mcp, 99) },
    direct: { p50: percentile(plain, 50), p99: percentile(plain, 99) },
    ratioP50: percentile(mcp, 50) / percentile(plain, 50),
  };
}
