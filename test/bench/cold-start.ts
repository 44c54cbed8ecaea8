/**
 * Cold start: spawn → `initialize` result, against the floor of spawning `node -e 0` to exit.
 * Runs are interleaved so both see the same machine conditions.
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

const INITIALIZE = `${JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } },
})}\n`;

function serverOnce(entry: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [entry], { stdio: ["pipe", "pipe", "ignore"], env });
    let buffered = "";
    child.on("error", reject);
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      if (buffered.includes('"id":1')) {
        const elapsed = since(start);
        child.kill();
        resolve(elapsed);
      }
    });
    child.stdin.write(INITIALIZE);
  });
}

export async function measureColdStart(entry: string, env: NodeJS.ProcessEnv, runs: number) {
  const floor: number[] = [];
  const server: number[] = [];
  // Warm the file system cache once for both, then interleave.
  await floorOnce();
  await serverOnce(entry, env);
  for (let i = 0; i < runs; i++) {
    floor.push(await floorOnce());
    server.push(await serverOnce(entry, env));
  }
  return { floorMs: median(floor), serverMs: median(server), ratio: median(server) / median(floor) };
}
