/** Runs the BUILT bin as a person does in a terminal: real child processes, private HOMEs, a file store. */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll } from "vitest";
import { SERVER_ENTRY, makeHome } from "./mcp.js";
import { eventually } from "./signin.js";
import type { StandIn } from "../stack/cronicorn.js";

export interface Cli {
  child: ChildProcess;
  /** stdout and stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code, or rejects when the process is still running after `timeoutMs`. */
  exit(timeoutMs: number): Promise<number | null>;
}

const running = new Set<ChildProcess>();

export function startCli(args: string[], env: Record<string, string>): Cli {
  const child = spawn(process.execPath, [SERVER_ENTRY, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  void exited.then(() => running.delete(child));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    waitFor: (pattern, timeoutMs = 10_000) =>
      eventually(
        () => pattern.exec(stdout) ?? undefined,
        timeoutMs,
        `${pattern} in the output of ${args.join(" ")} (so far: ${JSON.stringify(stdout + stderr)})`,
      ),
    async exit(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`\`cronicorn-mcp ${args.join(" ")}\` was still running ${timeoutMs} ms later; output: ${JSON.stringify(stdout + stderr)}`)),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([exited, late]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command that needs no interaction to its end. */
export async function runCli(args: string[], env: Record<string, string>, timeoutMs = 15_000): Promise<Finished> {
  const cli = startCli(args, env);
  const code = await cli.exit(timeoutMs);
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/** A private HOME with a file store, pointed at `stand` (or at nothing in particular). */
export function environment(home: string, stand?: StandIn, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    CRONICORN_CONFIG_DIR: path.join(home, ".cronicorn"),
    CRONICORN_TOKEN_STORE: "file",
    CRONICORN_NO_BROWSER: "1",
    // Device sign-ins against the stand-in (interval 1 s) poll every second instead of every 5: faster tests.
    CRONICORN_DEVICE_POLL_FLOOR_S: "1",
    ...(stand ? { CRONICORN_API_URL: stand.apiUrl, CRONICORN_WEB_URL: stand.webUrl, CRONICORN_ISSUER: stand.webUrl } : {}),
    ...extra,
  };
}

const homes: string[] = [];
export const newHome = () => {
  const home = makeHome();
  homes.push(home);
  return home;
};

afterAll(() => {
  for (const child of running) child.kill("SIGKILL"); // only a command that already failed its test is still running
  for (const home of homes.splice(0)) fs.rmSync(home, { recursive: true, force: true });
});
