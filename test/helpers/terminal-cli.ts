/**
 * The CLI in this process (src/terminal/main.ts) as a person runs it: argv, an environment with a
 * private config folder and the file store, and stdout/stderr collected from streams of its own.
 * Mutants reach it, unlike the spawned bin of test/e2e/cli.
 */
import { Writable } from "node:stream";
import path from "node:path";
import type { ConfigOverrides } from "../../src/config/config.js";
import { main } from "../../src/terminal/main.js";
import type { StandIn } from "../stack/cronicorn.js";
import { eventually } from "./signin.js";
import { tempDir } from "./store/harness.js";

/** A stream that keeps what was written to it. */
export function collector(): { stream: Writable; text(): string } {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

export interface Finished {
  /** `process.exitCode` as the CLI left it (undefined: not set, i.e. 0). */
  code: number | string | null | undefined;
  stdout: string;
  stderr: string;
}

export interface Started {
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  finished: Promise<Finished>;
}

/** A serve() stand-in that records the overrides it was started with. */
export function fakeServe(outcome: () => Promise<void> = async () => {}): { serve: (o: ConfigOverrides) => Promise<void>; calls: ConfigOverrides[] } {
  const calls: ConfigOverrides[] = [];
  return {
    calls,
    serve: (overrides) => {
      calls.push(overrides);
      return outcome();
    },
  };
}

/** `cronicorn-mcp <args>` in this process; `serve` is what no command starts (default: a fake that fails the test if reached). */
export function startMain(args: string[], env: NodeJS.ProcessEnv, serve = fakeServe(() => Promise.reject(new Error("serve was not expected"))).serve): Started {
  const stdout = collector();
  const stderr = collector();
  const proc: { argv: string[]; env: NodeJS.ProcessEnv; stdout: Writable; stderr: Writable; exitCode?: number | string | null } = {
    argv: [process.execPath, "/usr/local/bin/cronicorn-mcp", ...args],
    env,
    stdout: stdout.stream,
    stderr: stderr.stream,
  };
  const finished = main(proc, serve).then(() => ({ code: proc.exitCode, stdout: stdout.text(), stderr: stderr.text() }));
  return {
    stdout: stdout.text,
    stderr: stderr.text,
    waitFor: (pattern, timeoutMs = 10_000) =>
      eventually(() => pattern.exec(stdout.text()) ?? undefined, timeoutMs, `${pattern} in the output of ${args.join(" ")} (so far: ${stdout.text()})`),
    finished,
  };
}

export function runMain(args: string[], env: NodeJS.ProcessEnv, serve?: (o: ConfigOverrides) => Promise<void>): Promise<Finished> {
  return startMain(args, env, serve).finished;
}

/** A private home with a file store, pointed at `stand` (or at nothing in particular). Remove with removeTempDirs. */
export async function terminalEnv(stand?: StandIn, extra: Record<string, string> = {}): Promise<{ home: string; configDir: string; env: NodeJS.ProcessEnv }> {
  const home = await tempDir("terminal-");
  const configDir = path.join(home, ".cronicorn");
  return {
    home,
    configDir,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      CRONICORN_CONFIG_DIR: configDir,
      CRONICORN_TOKEN_STORE: "file",
      CRONICORN_NO_BROWSER: "1",
      CRONICORN_DEVICE_POLL_FLOOR_S: "1",
      ...(stand ? { CRONICORN_API_URL: stand.apiUrl, CRONICORN_WEB_URL: stand.webUrl, CRONICORN_ISSUER: stand.webUrl } : {}),
      ...extra,
    },
  };
}
