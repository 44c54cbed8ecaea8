/**
 * `list_jobs` through the MCP server (stdio, SDK client) against the same request made directly with
 * fetch, and against the thinnest SDK server making that request (sdk-floor-server.mjs): interleaved
 * call by call against one stand-in, so all three see the same server and machine at the same time.
 */
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { percentile, since } from "./stats.js";

const FLOOR_SERVER = path.join(import.meta.dirname, "sdk-floor-server.mjs");

async function connect(entry: string, apiUrl: string, apiKey: string): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [entry],
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", CRONICORN_API_URL: apiUrl, CRONICORN_API_KEY: apiKey, CRONICORN_LOG_LEVEL: "error" },
    stderr: "ignore",
  });
  const client = new Client({ name: "bench", version: "1" });
  await client.connect(transport);
  return client;
}

const summary = (samples: number[]) => ({ p50: percentile(samples, 50), p99: percentile(samples, 99) });

export async function measureListJobs(entry: string, apiUrl: string, apiKey: string, calls: number) {
  const ours = await connect(entry, apiUrl, apiKey);
  const floor = await connect(FLOOR_SERVER, apiUrl, apiKey);

  const viaMcp = (client: Client) => async () => {
    const result = await client.callTool({ name: "list_jobs", arguments: {} });
    if (result.isError) throw new Error(`list_jobs failed: ${JSON.stringify(result.content)}`);
  };
  const direct = async () => {
    const response = await fetch(`${apiUrl}/jobs`, { headers: { "x-api-key": apiKey, accept: "application/json" } });
    if (!response.ok) throw new Error(`GET /jobs → ${response.status}`);
    await response.json();
  };
  const paths = { mcp: viaMcp(ours), floor: viaMcp(floor), direct };
  const samples: Record<keyof typeof paths, number[]> = { mcp: [], floor: [], direct: [] };

  for (let i = 0; i < 30; i++) for (const run of Object.values(paths)) await run();
  for (let i = 0; i < calls; i++) {
    for (const [name, run] of Object.entries(paths) as Array<[keyof typeof paths, () => Promise<void>]>) {
      const start = process.hrtime.bigint();
      await run();
      samples[name].push(since(start));
    }
  }
  await Promise.all([ours.close(), floor.close()]);
  const p50 = (name: keyof typeof paths) => percentile(samples[name], 50);
  return {
    mcp: summary(samples.mcp),
    floor: summary(samples.floor),
    direct: summary(samples.direct),
    ratioP50: p50("mcp") / p50("direct"),
    floorRatioP50: p50("floor") / p50("direct"),
    overFloorP50: p50("mcp") / p50("floor"),
  };
}
