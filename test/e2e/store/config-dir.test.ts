/**
 * Where a sign-in is written when the config folder is given as an MCP client's config gives it: with
 * `~`, relative, or under an empty HOME. The built CLI runs inside a git "project" folder (as a client
 * starts the server in the user's project): nothing may appear there, and status must name the file
 * that really holds the credentials.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVER_ENTRY } from "../../helpers/mcp.js";
import { eventually } from "../../helpers/signin.js";
import { startCronicornStandIn, type StandIn } from "../../stack/cronicorn.js";

let stand: StandIn;
const made: string[] = [];
const tempDir = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cronicorn-${prefix}-`));
  made.push(dir);
  return dir;
};

beforeAll(async () => {
  stand = await startCronicornStandIn({ deviceInterval: "1s" });
});
afterAll(async () => {
  await stand?.close();
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A git repository standing for the user's project, where the client starts the server. */
function project(): string {
  const dir = tempDir("project");
  execFileSync("git", ["init", "-q", dir]);
  return dir;
}

const untracked = (dir: string) => execFileSync("git", ["-C", dir, "status", "--porcelain", "--untracked-files=all"], { encoding: "utf8" });

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built CLI in `cwd`; `approve` is called with the device code once `login` prints it. */
function cli(args: string[], cwd: string, env: Record<string, string>, approve?: (code: string) => Promise<void>): Promise<Run> {
  const child = spawn(process.execPath, [SERVER_ENTRY, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let approving: Promise<void> | undefined;
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    const code = /confirm the code ([A-Z0-9]{8})/.exec(stdout)?.[1];
    if (code && approve && !approving) approving = approve(code);
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  return new Promise((resolve) =>
    child.on("close", async (code) => {
      clearTimeout(killer);
      await approving;
      resolve({ code, stdout, stderr });
    }),
  );
}

function baseEnv(home: string, extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    CRONICORN_TOKEN_STORE: "file",
    CRONICORN_NO_BROWSER: "1",
    // Device sign-ins against the stand-in (interval 1 s) poll every second instead of every 5: faster tests.
    CRONICORN_DEVICE_POLL_FLOOR_S: "1",
    CRONICORN_API_URL: stand.apiUrl,
    CRONICORN_WEB_URL: stand.webUrl,
    CRONICORN_ISSUER: stand.webUrl,
    ...extra,
  };
}

describe("the config folder as a client's config gives it", () => {
  it('CRONICORN_CONFIG_DIR="~/.cronicorn": the sign-in goes to the real home, the project stays clean, and status names that file', async () => {
    const home = tempDir("home");
    const cwd = project();
    const env = baseEnv(home, { CRONICORN_CONFIG_DIR: "~/.cronicorn" });
    const login = await cli(["login"], cwd, env, (code) => stand.approveDevice(code));
    expect(login.code, login.stdout + login.stderr).toBe(0);
    await eventually(() => fs.existsSync(path.join(home, ".cronicorn", "credentials.json")) || undefined);
    expect(untracked(cwd)).toBe("");
    const status = await cli(["status", "--json"], cwd, env);
    expect(JSON.parse(status.stdout)).toMatchObject({ signedIn: true, store: "file ~/.cronicorn/credentials.json" });
  });

  it("a relative CRONICORN_CONFIG_DIR or %USERPROFILE% is refused naming the variable, and nothing is written into the project", async () => {
    const cwd = project();
    for (const dir of [".cronicorn", "%USERPROFILE%\\.cronicorn"]) {
      const env = baseEnv(tempDir("home"), { CRONICORN_CONFIG_DIR: dir });
      const login = await cli(["login"], cwd, env, (code) => stand.approveDevice(code));
      expect(login.code, dir).toBe(2);
      expect(login.stdout + login.stderr).toContain("CRONICORN_CONFIG_DIR");
    }
    expect(untracked(cwd)).toBe("");
  });

  it("an empty HOME is refused naming HOME; with an absolute CRONICORN_CONFIG_DIR, status names that path, not ~", async () => {
    const cwd = project();
    const refused = await cli(["status"], cwd, baseEnv("", {}));
    expect(refused.code).toBe(2);
    expect(refused.stdout + refused.stderr).toMatch(/HOME: is empty/);

    const configDir = path.join(tempDir("elsewhere"), "cronicorn");
    const status = await cli(["status", "--json"], cwd, baseEnv("", { CRONICORN_CONFIG_DIR: configDir }));
    expect(JSON.parse(status.stdout)).toMatchObject({ store: `file ${path.join(configDir, "credentials.json")}` });
    expect(untracked(cwd)).toBe("");
  });
});
