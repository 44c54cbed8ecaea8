/**
 * `npm run stack` as a person runs it: it takes a free port when the default (3333) is taken and
 * says which, refuses a taken port asked for by name with how to choose one, and the test peers'
 * output is free of oidc-provider's "Unsupported runtime" warning.
 */
import { spawn } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../helpers/mcp.js";
import { eventually } from "../../helpers/signin.js";
import { stopServer } from "../../stack/loopback.js";

const TSX = path.join(ROOT, "node_modules/.bin/tsx");

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(TSX, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

describe("npm run stack", () => {
  const blocker = http.createServer();
  beforeAll(async () => {
    // Hold the default port; if something else already holds it, it is taken all the same.
    await new Promise<void>((resolve, reject) => {
      blocker.once("error", (error: NodeJS.ErrnoException) => (error.code === "EADDRINUSE" ? resolve() : reject(error)));
      blocker.listen(3333, "127.0.0.1", () => resolve());
    });
  });
  afterAll(async () => {
    await stopServer(blocker);
  });

  it("takes a free port when 3333 is taken, prints it, and serves there", { timeout: 60_000 }, async () => {
    const stack = run(["test/stack/stack-cli.ts"]);
    try {
      const [, port] = await eventually(
        () => /API URL +http:\/\/127\.0\.0\.1:(\d+)\/api/.exec(stack.stdout()) ?? undefined,
        30_000,
        `the stand-in's URL (output: ${stack.stdout()}${stack.stderr()})`,
      );
      expect(port).not.toBe("3333");
      expect(stack.stdout()).toContain(`Port 3333 is already in use, so the stand-in took the free port ${port} (choose one with --port N).`);
      const health = await fetch(`http://127.0.0.1:${port}/api/auth/ok`);
      expect(health.status).toBe(200);
    } finally {
      stack.child.kill("SIGTERM");
      expect(await stack.exited).toBe(0);
    }
  });

  it("refuses a taken port asked for by name, saying how to choose one, and exits 1", { timeout: 60_000 }, async () => {
    const stack = run(["test/stack/stack-cli.ts", "--port", "3333"]);
    expect(await stack.exited).toBe(1);
    expect(stack.stderr()).toContain("stack: port 3333 is already in use: give --port N (0-65535), or PORT=N; 0 picks a free port");
  });
});

describe("the OAuth test peer", () => {
  it("loads oidc-provider without its Unsupported runtime warning, and leaves console.warn working", { timeout: 60_000 }, async () => {
    const script = 'import("./test/stack/oauth/provider.ts").then(() => console.warn("still warns"));';
    const child = run(["--eval", script]);
    expect(await child.exited).toBe(0);
    expect(child.stderr()).not.toMatch(/Unsupported runtime/);
    expect(child.stderr()).toContain("still warns");
  });
});
