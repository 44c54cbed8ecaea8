/**
 * The stand-in in a process of its own (as `npm run stack` runs it), so that neither side of a latency
 * comparison shares an event loop with the API it calls: a real Cronicorn is never in-process either.
 */
import { spawn } from "node:child_process";
import path from "node:path";

export interface StandInProcess {
  apiUrl: string;
  apiKey: string;
  close(): void;
}

export function startStandInProcess(root: string): Promise<StandInProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "test/stack/stack-cli.ts"), "--port", "0"], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`the stand-in did not start: ${output}`));
    }, 30_000);
    child.on("error", reject);
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const apiUrl = /API URL\s+(\S+)/.exec(output)?.[1];
      const apiKey = /API key\s+(\S+)/.exec(output)?.[1];
      if (apiUrl && apiKey) {
        clearTimeout(timer);
        resolve({ apiUrl, apiKey, close: () => child.kill() });
      }
    });
  });
}
