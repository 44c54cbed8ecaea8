/**
 * Memory of a long session: the server's resident set after 100, 500 and 1,000 `list_jobs` calls from
 * an SDK v2 client of the given era (read from /proc, Linux). Flat after warm-up means nothing accumulates
 * per call. V8 collects lazily, so a default run also grows with garbage not yet collected; `nodeOptions`
 * can shrink the young generation (`--max-semi-space-size=1`) so garbage goes at once and only retained
 * memory shows.
 */
import fs from "node:fs";
import type { Era } from "../helpers/mcp.js";
import { callListJobs, connect, serverEnv } from "./list-jobs.js";

function rssKiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (!kib) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kib);
}

export async function measureRss(
  era: Era,
  entry: string,
  apiUrl: string,
  apiKey: string,
  nodeOptions = "",
  checkpoints = [100, 500, 1000],
): Promise<Array<{ calls: number; rssKiB: number }>> {
  const { client, transport } = await connect(era, entry, serverEnv(apiUrl, apiKey, { NODE_OPTIONS: nodeOptions }));
  const pid = transport.pid;
  if (pid === null) throw new Error("the server has no pid");
  const samples: Array<{ calls: number; rssKiB: number }> = [];
  try {
    for (let calls = 1; calls <= Math.max(...checkpoints); calls++) {
      await callListJobs(client);
      if (checkpoints.includes(calls)) samples.push({ calls, rssKiB: rssKiB(pid) });
    }
  } finally {
    await client.close();
  }
  return samples;
}
