/**
 * The terminal commands (`login`, `status`, `logout`, `--help`, `--version`) as a person runs them:
 * real child processes of the BUILT bin against the Cronicorn stand-in, each with a private HOME and
 * a file credential store. No command may ever print a token.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, SERVER_ENTRY, assertNoSecrets } from "../../helpers/mcp.js";
import { eventually, storedRecord } from "../../helpers/signin.js";
import { environment, newHome, runCli, startCli } from "../../helpers/cli.js";
import { startCronicornStandIn } from "../../stack/cronicorn.js";
import type { StandIn } from "../../stack/cronicorn.js";

const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;
/** How long a command may take to exit after it printed its outcome. */
const EXIT_GRACE_MS = 3_000;
const CODE = /confirm the code ([A-Z0-9]{8})/;

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, "dist/cli.js"))) throw new Error("dist/ is missing: run `npm run build` first (npm test does).");
});

describe("cronicorn-mcp --version, --help and bad arguments", () => {
  it("--version (and -v) prints package.json's version and exits 0", async () => {
    for (const flag of ["--version", "-v"]) {
      const run = await runCli([flag], environment(newHome()));
      expect(run).toMatchObject({ code: 0, stderr: "" });
      expect(run.stdout.trim()).toBe(VERSION);
    }
  });

  it("--help lists the commands and the main environment variables, and exits 0", async () => {
    const run = await runCli(["--help"], environment(newHome()));
    expect(run.code).toBe(0);
    for (const command of ["serve", "login [--force]", "status", "logout", "--help", "--version"]) expect(run.stdout).toContain(command);
    expect(run.stdout).toContain("CRONICORN_API_URL");
    expect(run.stdout).toContain(VERSION);
  });

  it("an unknown argument exits 2 with a message naming it, and prints nothing on stdout", async () => {
    const run = await runCli(["frobnicate"], environment(newHome()));
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/Unknown argument: frobnicate\..*--help/);
  });

  it("a bad configuration (plain http to a non-loopback host) makes status, login and logout exit 2 naming the variable", async () => {
    for (const command of ["status", "login", "logout"]) {
      const run = await runCli([command], environment(newHome(), undefined, { CRONICORN_API_URL: "http://example.com/api" }));
      expect(run.code, command).toBe(2);
      expect(run.stderr).toMatch(/Configuration problem: CRONICORN_API_URL: CRONICORN_API_URL must use https/);
    }
  });
});

describe("signing in and out from a terminal (one session, in order)", () => {
  let stand: StandIn;
  let home: string;
  let env: Record<string, string>;
  /** Everything every command printed, scanned for the token at the end. */
  const printed: string[] = [];
  const tokens: string[] = [];
  const userCodes: string[] = [];
  const origin = () => new URL(stand.apiUrl).origin;
  const run = async (args: string[]) => {
    const result = await runCli(args, env);
    printed.push(result.stdout, result.stderr);
    return result;
  };
  const savedToken = () => String(storedRecord(home, origin())?.access_token ?? "");
  const bearerStatus = async (token: string) => (await fetch(`${stand.apiUrl}/jobs`, { headers: { authorization: `Bearer ${token}` } })).status;
  const deviceCodes = () => stand.requests.filter((r) => r.path === "/api/auth/device/code").length;

  /** `login` as a person does it: read the code while the command waits, approve it, see it finish. */
  async function loginWithApproval(args: string[]): Promise<{ code: string; url: string; success: string; exitCode: number | null }> {
    const cli = startCli(args, env);
    try {
      const [, code] = await cli.waitFor(CODE);
      const url = /open (\S+) and confirm/.exec(cli.stdout())?.[1] ?? "";
      expect(cli.child.exitCode, "login keeps waiting for the approval").toBeNull();
      await stand.approveDevice(code as string);
      const [success] = await cli.waitFor(/^Signed in to .*$/m, 15_000);
      // Printing success is the end of the command: it must not keep running (no kill here hides a hang).
      const exitCode = await cli.exit(EXIT_GRACE_MS);
      return { code: code as string, url, success, exitCode };
    } finally {
      printed.push(cli.stdout(), cli.stderr());
    }
  }

  beforeAll(async () => {
    stand = await startCronicornStandIn({ deviceInterval: "1s" });
    home = newHome();
    env = environment(home, stand);
  });
  afterAll(async () => {
    await stand?.close();
  });

  it("status with nothing stored says not signed in and exits 1", async () => {
    const status = await run(["status"]);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain(`Not signed in to ${stand.apiUrl}.`);
  });

  it("logout with nothing stored says there is nothing to remove and exits 0", async () => {
    const logout = await run(["logout"]);
    expect(logout.code).toBe(0);
    expect(logout.stdout).toMatch(/No saved sign-in to remove/);
  });

  it("login prints the URL and code, waits for approval, then says who is signed in and exits 0 promptly", async () => {
    const login = await loginWithApproval(["login"]);
    expect(login.url).toBe(`${stand.webUrl}/device/approve?user_code=${login.code}`);
    expect(login.success).toContain(`as ${stand.user.email}`);
    expect(login.exitCode).toBe(0);
    expect(storedRecord(home, origin())).toMatchObject({ flow: "device", client_id: "cronicorn-mcp" });
    userCodes.push(login.code);
    tokens.push(savedToken());
    expect(await bearerStatus(savedToken())).toBe(200);
  });

  it("status names the user's email, the API URL, the store and the expiry, and exits 0", async () => {
    const status = await run(["status"]);
    const expiresAt = new Date(Number(storedRecord(home, origin())?.expires_at)).toISOString();
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`Signed in to ${stand.apiUrl} as ${stand.user.email}`);
    expect(status.stdout).toContain("file ~/.cronicorn/credentials.json");
    expect(status.stdout).toContain(`valid until ${expiresAt}`);
  });

  it("login when already signed in says so at once, without a new code", async () => {
    const before = deviceCodes();
    const login = await run(["login"]);
    expect(login.code).toBe(0);
    expect(login.stdout).not.toMatch(CODE);
    expect(login.stdout).toContain(`as ${stand.user.email}`);
    expect(deviceCodes()).toBe(before);
  });

  it("login --force starts a new sign-in with a new code even when signed in", async () => {
    const login = await loginWithApproval(["login", "--force"]);
    expect(login.exitCode).toBe(0);
    expect(login.code).not.toBe(userCodes[0]);
    expect(login.success).toContain(`as ${stand.user.email}`);
    expect(savedToken()).not.toBe(tokens[0]);
    tokens.push(savedToken());
    // The session it replaced was ended on the server, so nothing is left behind by a later logout.
    expect((await fetch(`${stand.apiUrl}/jobs`, { headers: { authorization: `Bearer ${tokens[0]}` } })).status).toBe(401);
    expect((await fetch(`${stand.apiUrl}/jobs`, { headers: { authorization: `Bearer ${tokens[1]}` } })).status).toBe(200);
  });

  it("logout revokes the session on the server, deletes the saved credential, and exits 0", async () => {
    const token = savedToken();
    expect(await bearerStatus(token)).toBe(200);
    const logout = await run(["logout"]);
    expect(logout.code).toBe(0);
    expect(logout.stdout).toContain(
      "Signed out: the session was revoked on the server and the saved credential was deleted from file ~/.cronicorn/credentials.json.",
    );
    expect(storedRecord(home, origin())).toBeUndefined();
    expect(await bearerStatus(token)).toBe(401);
  });

  it("status after logout says not signed in and exits 1", async () => {
    const status = await run(["status"]);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain(`Not signed in to ${stand.apiUrl}.`);
  });

  it("no command printed a token", () => {
    expect(tokens.filter(Boolean).length).toBe(2);
    assertNoSecrets(printed.join("\n"), tokens, "the output of a terminal command");
  });
});

describe("a sign-in that does not succeed, from a terminal", () => {
  const stands: StandIn[] = [];
  const standIn = async (expiresIn?: string) => {
    const stand = await startCronicornStandIn({ deviceInterval: "1s", ...(expiresIn ? { deviceCodeExpiresIn: expiresIn } : {}) });
    stands.push(stand);
    return stand;
  };
  afterAll(async () => {
    for (const stand of stands.splice(0)) await stand.close();
  });

  it("login exits 1 saying the sign-in was denied, and saves nothing", async () => {
    const stand = await standIn();
    const home = newHome();
    const cli = startCli(["login"], environment(home, stand));
    const [, code] = await cli.waitFor(CODE);
    await stand.denyDevice(code as string);
    expect(await cli.exit(15_000)).toBe(1);
    expect(cli.stderr()).toMatch(/The sign-in was denied/);
    expect(storedRecord(home, new URL(stand.apiUrl).origin)).toBeUndefined();
  });

  it("login exits 1 saying the approved sign-in could not be saved, naming the folder and the OS error, when the folder is read-only", async () => {
    const stand = await standIn();
    const home = newHome();
    const dir = path.join(home, ".cronicorn");
    fs.mkdirSync(dir, { mode: 0o500 }); // private, but nothing can be created in it
    // Root ignores file modes: run the command as an unprivileged user who owns the folder.
    const nobody = process.getuid?.() === 0 ? 65534 : undefined;
    if (nobody !== undefined) {
      fs.chownSync(home, nobody, nobody);
      fs.chownSync(dir, nobody, nobody);
    }
    const child = spawn(process.execPath, [SERVER_ENTRY, "login"], {
      env: environment(home, stand),
      stdio: ["ignore", "pipe", "pipe"],
      ...(nobody !== undefined ? { uid: nobody, gid: nobody } : {}),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const code = await eventually(() => CODE.exec(stdout)?.[1], 15_000, "the user code");
    await stand.approveDevice(code);

    expect(await exited).toBe(1);
    expect(stdout).not.toMatch(/^Signed in/m);
    expect(stderr).toContain(
      `The sign-in was approved but could not be saved: Could not create the lock ${path.join(dir, "credentials.json.lock")} (EACCES): permission denied`,
    );
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("login exits 1 saying the code expired when nobody approves it in time", async () => {
    const stand = await standIn("3s");
    const home = newHome();
    const cli = startCli(["login"], environment(home, stand));
    await cli.waitFor(CODE);
    expect(await cli.exit(15_000)).toBe(1);
    expect(cli.stderr()).toMatch(/The sign-in code expired before it was approved/);
    expect(storedRecord(home, new URL(stand.apiUrl).origin)).toBeUndefined();
  });
});
