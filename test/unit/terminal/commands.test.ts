/**
 * `login`, `logout` and `status` run in this process against the Cronicorn stand-in, with a private
 * file store: what each prints, the exit code it returns, what it saves or deletes, and what Cronicorn
 * saw. The spawned versions (test/e2e/cli) run the built bin; these reach the source.
 */
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CredentialRecord } from "../../../src/auth/store/types.js";
import { loadConfig, type Config } from "../../../src/config/config.js";
import type { LogSink } from "../../../src/core/log.js";
import { runTerminalCommand } from "../../../src/terminal/commands.js";
import { startCronicornStandIn, type StandIn } from "../../stack/cronicorn.js";
import { deviceRecord, eventually, storedRecord, writeStoredRecord } from "../../helpers/signin.js";
import { removeTempDirs } from "../../helpers/store/harness.js";
import { terminalEnv } from "../../helpers/terminal-cli.js";

const CODE = /confirm the code ([A-Z0-9]{8})/;

let stand: StandIn;
beforeAll(async () => {
  stand = await startCronicornStandIn({ deviceInterval: "1s" });
});
afterAll(async () => {
  await stand?.close();
});
afterEach(removeTempDirs);

const origin = () => new URL(stand.apiUrl).origin;
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

interface Home {
  home: string;
  configDir: string;
  config: Config;
}

async function newHome(extra: Record<string, string> = {}): Promise<Home> {
  const { home, configDir, env } = await terminalEnv(stand, extra);
  const loaded = loadConfig(env);
  if (!loaded.ok) throw new Error(loaded.problems.join("; "));
  return { home, configDir, config: loaded.config };
}

/** A saved device sign-in, as `login` leaves it. */
function saveSignIn(home: Home, token: string, fields: Partial<CredentialRecord> = {}): void {
  writeStoredRecord(home.configDir, origin(), deviceRecord(stand.apiUrl, token, 20 * 86_400_000, fields));
}

interface Ran {
  lines: string[];
  logged: string[];
  code: Promise<number>;
}

function start(command: "login" | "logout" | "status", home: Home, flags: { force?: boolean; json?: boolean } = {}): Ran {
  const lines: string[] = [];
  const logged: string[] = [];
  const sink: LogSink = (level, message) => logged.push(`${level}: ${message}`);
  const code = runTerminalCommand(command, home.config, {
    force: flags.force ?? false,
    json: flags.json ?? false,
    print: (line) => lines.push(line),
    logSinks: [sink],
  });
  return { lines, logged, code };
}

async function run(command: "login" | "logout" | "status", home: Home, flags: { force?: boolean; json?: boolean } = {}) {
  const ran = start(command, home, flags);
  const code = await ran.code;
  return { code, lines: ran.lines, logged: ran.logged };
}

const bearerStatus = async (token: string) => (await fetch(`${stand.apiUrl}/jobs`, { headers: { authorization: `Bearer ${token}` } })).status;

describe("status", () => {
  it("signed out: says so, names the command to run, and returns 1", async () => {
    const status = await run("status", await newHome());
    expect(status.code).toBe(1);
    expect(status.lines).toEqual([`Not signed in to ${stand.apiUrl}. Sign in with \`cronicorn-mcp login\` (or \`npx cronicorn-mcp login\`).`]);
  });

  it("signed out, --json: the status as indented JSON, and 1", async () => {
    const status = await run("status", await newHome(), { json: true });
    expect(status.code).toBe(1);
    expect(status.lines).toHaveLength(1);
    expect(status.lines[0]).toMatch(/^\{\n {2}"/);
    expect(JSON.parse(status.lines[0] as string)).toMatchObject({ signedIn: false, apiUrl: stand.apiUrl, source: "none" });
  });

  it("signed in: names the user, in text or JSON, and returns 0", async () => {
    const home = await newHome();
    saveSignIn(home, await stand.signIn());
    const text = await run("status", home);
    expect(text.code).toBe(0);
    expect(text.lines).toEqual([expect.stringMatching(new RegExp(`^Signed in to ${escaped(stand.apiUrl)} as ${escaped(stand.user.email)} via device `))]);
    const json = await run("status", home, { json: true });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.lines[0] as string)).toMatchObject({ signedIn: true, user: { email: stand.user.email } });
  });

  it("a store that cannot be read: text mode throws its message for the CLI to print; --json still answers in JSON, with 1", async () => {
    const home = await newHome();
    fs.mkdirSync(home.configDir, { mode: 0o700 });
    const fifo = path.join(home.configDir, "credentials.json");
    expect(spawnSync("mkfifo", ["-m", "600", fifo]).status).toBe(0);
    await expect(run("status", home)).rejects.toThrow(`${fifo} is not a regular file (a FIFO)`);
    const json = await run("status", home, { json: true });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.lines[0] as string)).toEqual({
      signedIn: false,
      apiUrl: stand.apiUrl,
      problem: expect.stringContaining(`${fifo} is not a regular file (a FIFO)`),
    });
    expect(json.lines[0]).toMatch(/^\{\n {2}"signedIn": false,/);
  });
});

describe("logout", () => {
  it("with nothing saved: says there is nothing to remove, and returns 0", async () => {
    const logout = await run("logout", await newHome());
    expect(logout).toMatchObject({ code: 0, lines: ["No saved sign-in to remove."] });
  });

  it("revokes the session on Cronicorn, deletes the saved credential, says so, and returns 0", async () => {
    const home = await newHome();
    const token = await stand.signIn();
    saveSignIn(home, token);
    const logout = await run("logout", home);
    expect(logout.code).toBe(0);
    expect(logout.lines).toEqual([
      `Signed out: the session was revoked on the server and the saved credential was deleted from file ${path.join(home.configDir, "credentials.json")}.`,
    ]);
    expect(storedRecord(home.home, origin())).toBeUndefined();
    expect(await bearerStatus(token)).toBe(401);
  });
});

describe("login", () => {
  it("prints the link and code, waits for the approval however short the tool-call wait is, then says who signed in and returns 0", async () => {
    const home = await newHome({ CRONICORN_LOGIN_WAIT_S: "0" });
    const login = start("login", home);
    const [notice, code] = await eventually(() => login.lines.map((l) => CODE.exec(l)).find(Boolean) ?? undefined, 10_000, "the user code");
    expect(notice).toBeDefined();
    expect(login.lines[0]).toContain(
      `open ${stand.webUrl}/device/approve?user_code=${code} and confirm the code ${code}, and this command continues by itself.`,
    );
    await stand.approveDevice(code as string);
    expect(await login.code).toBe(0);
    expect(login.lines.at(-1)).toMatch(new RegExp(`^Signed in to ${escaped(stand.apiUrl)} as ${escaped(stand.user.email)} via device `));
    expect(storedRecord(home.home, origin())).toMatchObject({ flow: "device", client_id: "cronicorn-mcp" });
    expect(await bearerStatus(String(storedRecord(home.home, origin())?.access_token))).toBe(200);
    // At a terminal the output says what happened: the log adds nothing unless asked for.
    expect(login.logged).toEqual([]);
  });

  it("already signed in: says who at once, asking Cronicorn once and starting no sign-in", async () => {
    const home = await newHome();
    saveSignIn(home, await stand.signIn());
    stand.resetRequests();
    const login = await run("login", home);
    expect(login.code).toBe(0);
    expect(login.lines).toEqual([expect.stringMatching(new RegExp(`^Signed in to ${escaped(stand.apiUrl)} as ${escaped(stand.user.email)}`))]);
    expect(stand.requests.filter((r) => r.path === "/api/auth/device/code")).toEqual([]);
    expect(stand.requests.filter((r) => r.path === "/api/auth/get-session")).toHaveLength(1);
  });

  it("--force starts a new sign-in even when signed in, and ends the session it replaces", async () => {
    const home = await newHome();
    const old = await stand.signIn();
    saveSignIn(home, old);
    const login = start("login", home, { force: true });
    const [, code] = await eventually(() => login.lines.map((l) => CODE.exec(l)).find(Boolean) ?? undefined, 10_000, "the user code");
    await stand.approveDevice(code as string);
    expect(await login.code).toBe(0);
    expect(storedRecord(home.home, origin())?.access_token).not.toBe(old);
    expect(await bearerStatus(old)).toBe(401);
  });

  it("not approved within CRONICORN_SIGNIN_TIMEOUT_S: says to run login again, saves nothing, and returns 1", async () => {
    const home = await newHome({ CRONICORN_SIGNIN_TIMEOUT_S: "1" });
    const login = await run("login", home);
    expect(login.code).toBe(1);
    expect(login.lines.at(-1)).toBe("The sign-in was not approved in time. Run `cronicorn-mcp login` again.");
    expect(storedRecord(home.home, origin())).toBeUndefined();
  });

  it("with CRONICORN_LOG_LEVEL=debug, the log says more", async () => {
    const home = await newHome({ CRONICORN_LOG_LEVEL: "debug" });
    const login = start("login", home);
    const [, code] = await eventually(() => login.lines.map((l) => CODE.exec(l)).find(Boolean) ?? undefined, 10_000, "the user code");
    await stand.approveDevice(code as string);
    expect(await login.code).toBe(0);
    expect(login.logged).toContain("info: Signed in to Cronicorn.");
    expect(login.logged).toContainEqual(expect.stringMatching(/^debug: /));
  });
});

describe("every command", () => {
  it("leaves no signal handler behind once it returns", async () => {
    const before = ["SIGINT", "SIGTERM", "SIGHUP"].map((s) => process.listenerCount(s));
    const home = await newHome();
    await run("status", home);
    await run("logout", home);
    expect(["SIGINT", "SIGTERM", "SIGHUP"].map((s) => process.listenerCount(s))).toEqual(before);
  });
});
