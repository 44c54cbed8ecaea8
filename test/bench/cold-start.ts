/**
 * Cold start as a client sees it: spawn → `initialize` result, then (sent the moment that result
 * arrives, as clients do) → `tools/list` result, then → the first `tools/call` result (arguments the
 * tool rejects, so no credential or API is involved: what is timed is loading the server), all from
 * the same spawn, against the floor of spawning `node -e 0` to exit. Runs are interleaved so both
 * see the same machine conditions.
 */
import { spawn } from "node:child_process";
import { median, since } from "./stats.js";

function floorOnce(): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
    child.on("error", reject);
    child.on("exit", () => resolve(since(start)));
  });
}

const line = (message: object) => `${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`;
const INITIALIZE = line({
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } },
});
const LIST_TOOLS = line({ method: "notifications/initialized" }) + line({ id: 2, method: "tools/list", params: {} });
const FIRST_CALL = line({ id: 3, method: "tools/call", params: { name: "get_job", arguments: {} } });

interface Spawned {
  initializeMs: number;
  toolsListMs: number;
  firstCallMs: number;
}

function serverOnce(entry: string, args: string[], env: NodeJS.ProcessEnv): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [entry, ...args], { stdio: ["pipe", "pipe", "ignore"], env });
    let buffered = "";
    let initializeMs: number | undefined;
    let toolsListMs: number | undefined;
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`the server exited (${code}) before answering tools/list`)));
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
        const id = (JSON.parse(buffered.slice(0, nl)) as { id?: unknown }).id;
        buffered = buffered.slice(nl + 1);
        if (id === 1 && initializeMs === undefined) {
          initializeMs = since(start);
          child.stdin.write(LIST_TOOLS);
        } else if (id === 2 && initializeMs !== undefined) {
          toolsListMs = since(start);
          child.stdin.write(FIRST_CALL);
        } else if (id === 3 && initializeMs !== undefined && toolsListMs !== undefined) {
          const firstCallMs = since(start);
          child.removeAllListeners("exit");
          child.kill();
          resolve({ initializeMs, toolsListMs, firstCallMs });
        }
      }
    });
    child.stdin.write(INITIALIZE);
  });
}

export interface ColdStart {
  floorMs: number;
  initializeMs: number;
  toolsListMs: number;
  firstCallMs: number;
  initializeRatio: number;
  toolsListRatio: number;
}

export async function measureColdStart(entry: string, env: NodeJS.ProcessEnv, runs: number, args: string[] = []): Promise<ColdStart> {
  const floor: number[] = [];
  const initialize: number[] = [];
  const toolsList: number[] = [];
  const firstCall: number[] = [];
  // Warm the file system cache once for both, then interleave.
  await floorOnce();
  await serverOnce(entry, args, env);
  for (let i = 0; i < runs; i++) {
    floor.push(await floorOnce());
    const spawned = await serverOnce(entry, args, env);
    initialize.push(spawned.initializeMs);
    toolsList.push(spawned.toolsListMs);
    firstCall.push(spawned.firstCallMs);
  }
  const floorMs = median(floor);
  return {
    floorMs,
    initializeMs: median(initialize),
    toolsListMs: median(toolsList),
    firstCallMs: median(firstCall),
    initializeRatio: median(initialize) / floorMs,
    toolsListRatio: median(toolsList) / floorMs,
  };
}
