/**
 * `list_jobs` in each protocol era (SDK v2 clients, one pinned to each), through our server and through
 * the thinnest SDK v2 server making the same request (sdk-floor-server.mjs), against the same request
 * made directly with fetch: interleaved call by call against one stand-in, so every path sees the same
 * server and machine at the same time.
 */
import path from "node:path";
import type { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { clientFor, ERAS } from "../helpers/mcp.js";
import type { Era } from "../helpers/mcp.js";
import { percentile, shuffled, since } from "./stats.js";

export const FLOOR_SERVER = path.join(import.meta.dirname, "sdk-floor-server.mjs");

/** The environment both servers get: the stand-in's API and key, errors only on stderr. */
export const serverEnv = (apiUrl: string, apiKey: string, extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH ?? "",
  HOME: process.env.HOME ?? "",
  CRONICORN_API_URL: apiUrl,
  CRONICORN_API_KEY: apiKey,
  CRONICORN_LOG_LEVEL: "error",
  ...extra,
});

/** An SDK v2 client of `era` connected to `node entry` over stdio. */
export async function connect(era: Era, entry: string, env: Record<string, string>): Promise<{ client: Client; transport: StdioClientTransport }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [entry], env, stderr: "ignore" });
  const client = clientFor(era, {}, "bench");
  await client.connect(transport);
  return { client, transport };
}

export async function callListJobs(client: Client): Promise<void> {
  const result = await client.callTool({ name: "list_jobs", arguments: {} });
  if (result.isError) throw new Error(`list_jobs failed: ${JSON.stringify(result.content)}`);
}

const summary = (samples: number[]) => ({ p50: percentile(samples, 50), p99: percentile(samples, 99) });
type Summary = ReturnType<typeof summary>;

export interface ListJobs {
  calls: number;
  direct: Summary;
  eras: Record<Era, { ours: Summary; floor: Summary }>;
}

export async function measureListJobs(entry: string, apiUrl: string, apiKey: string, calls: number): Promise<ListJobs> {
  const env = serverEnv(apiUrl, apiKey);
  const servers = { ours: entry, floor: FLOOR_SERVER };
  const clients = await Promise.all(
    ERAS.flatMap((era) => (["ours", "floor"] as const).map(async (server) => ({ key: `${era} ${server}`, ...(await connect(era, servers[server], env)) }))),
  );
  const direct = async () => {
    const response = await fetch(`${apiUrl}/jobs`, { headers: { "x-api-key": apiKey, accept: "application/json" } });
    if (!response.ok) throw new Error(`GET /jobs → ${response.status}`);
    await response.json();
  };
  const paths = [{ key: "direct", run: direct }, ...clients.map(({ key, client }) => ({ key, run: () => callListJobs(client) }))];
  const samples = new Map(paths.map(({ key }) => [key, [] as number[]]));

  for (let i = 0; i < 30; i++) for (const { run } of paths) await run();
  for (let i = 0; i < calls; i++) {
    // A new order each round: no path always follows the same one (the stand-in may still be busy with the last).
    for (const { key, run } of shuffled(paths)) {
      const start = process.hrtime.bigint();
      await run();
      samples.get(key)?.push(since(start));
    }
  }
  await Promise.all(clients.map(({ client }) => client.close()));

  const of = (key: string) => summary(samples.get(key) ?? []);
  return {
    calls,
    direct: of("direct"),
    eras: Object.fromEntries(ERAS.map((era) => [era, { ours: of(`${era} ours`), floor: of(`${era} floor`) }])) as ListJobs["eras"],
  };
}
