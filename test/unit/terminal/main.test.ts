/**
 * `cronicorn-mcp <argv>` in this process: which command each argument list runs, what it prints on
 * stdout and stderr, and the exit code it leaves — the MCP server (no command) is handed in, so the
 * tests see what it was started with. test/e2e/cli runs the same commands through the built bin.
 */
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import pkg from "../../../package.json" with { type: "json" };
import { registerSecret } from "../../../src/core/log.js";
import { installLinksText } from "../../../src/terminal/install/links.js";
import { parseArgs } from "../../../src/args.js";
import { startCronicornStandIn, type StandIn } from "../../stack/cronicorn.js";
import { removeTempDirs } from "../../helpers/store/harness.js";
import { fakeServe, runMain, terminalEnv } from "../../helpers/terminal-cli.js";

afterEach(removeTempDirs);

/** A configuration every command refuses: plain http to a host that is not this machine. */
const BAD_CONFIG = { CRONICORN_API_URL: "http://example.com/api" };

describe("parseArgs", () => {
  it("with no argument, or `serve`, serves MCP with no overrides", () => {
    const serve = { command: "serve", overrides: {}, force: false, json: false };
    expect(parseArgs([])).toEqual(serve);
    expect(parseArgs(["serve"])).toEqual(serve);
  });

  it("reads the command wherever it stands among the flags", () => {
    expect(parseArgs(["login", "--force"])).toEqual({ command: "login", overrides: {}, force: true, json: false });
    expect(parseArgs(["--json", "status"])).toEqual({ command: "status", overrides: {}, force: false, json: true });
    for (const command of ["logout", "doctor", "install-links"]) expect(parseArgs([command])).toMatchObject({ command });
  });

  it("takes --tools as the next argument or after =, and --read-only, as overrides", () => {
    expect(parseArgs(["--read-only", "--tools", "jobs,runs"])).toEqual({
      command: "serve",
      overrides: { readOnly: true, toolGroups: "jobs,runs" },
      force: false,
      json: false,
    });
    expect(parseArgs(["--tools=endpoints", "serve"])).toEqual({ command: "serve", overrides: { toolGroups: "endpoints" }, force: false, json: false });
  });

  it("refuses --tools without a list, naming what it needs", () => {
    const message = "--tools needs a comma-separated list of groups, e.g. --tools jobs,endpoints";
    expect(parseArgs(["--tools"])).toBe(message);
    expect(parseArgs(["--tools="])).toBe(message);
    expect(parseArgs(["--tools", ""])).toBe(message);
  });

  it("refuses an unknown argument, naming it and --help", () => {
    expect(parseArgs(["status", "--verbose"])).toBe("Unknown argument: --verbose. Run cronicorn-mcp --help.");
    expect(parseArgs(["--toolsx"])).toBe("Unknown argument: --toolsx. Run cronicorn-mcp --help.");
  });

  it("-h/--help and -v/--version win over a command", () => {
    for (const flag of ["-h", "--help"]) expect(parseArgs(["status", flag])).toMatchObject({ command: "help" });
    for (const flag of ["-v", "--version"]) expect(parseArgs(["login", flag])).toMatchObject({ command: "version" });
  });
});

describe("cronicorn-mcp without a terminal command", () => {
  it("starts the MCP server with the overrides of its flags, prints nothing, and leaves the exit code alone", async () => {
    const { serve, calls } = fakeServe();
    const run = await runMain(["--read-only", "--tools", "jobs"], {}, serve);
    expect(calls).toEqual([{ readOnly: true, toolGroups: "jobs" }]);
    expect(run).toEqual({ code: undefined, stdout: "", stderr: "" });
    const plain = fakeServe();
    await runMain([], {}, plain.serve);
    expect(plain.calls).toEqual([{}]);
  });

  it("when the server fails, says why on stderr after the program's name (secrets masked), and exits 1", async () => {
    registerSecret("serve-secret-0123456789");
    const { serve } = fakeServe(() => Promise.reject(new Error("stdin went away with serve-secret-0123456789")));
    expect(await runMain(["serve"], {}, serve)).toEqual({ code: 1, stdout: "", stderr: "cronicorn-mcp: stdin went away with [redacted]\n" });
    const odd = fakeServe(() => Promise.reject("a plain string"));
    expect(await runMain([], {}, odd.serve)).toEqual({ code: 1, stdout: "", stderr: "cronicorn-mcp: a plain string\n" });
  });
});

describe("--help, --version, install-links and bad arguments", () => {
  it("--version (and -v) prints package.json's version and nothing else", async () => {
    for (const flag of ["--version", "-v"]) expect(await runMain([flag], {})).toEqual({ code: undefined, stdout: `${pkg.version}\n`, stderr: "" });
  });

  it("--help names the version, every command and the main environment variables", async () => {
    const run = await runMain(["--help"], {});
    expect(run.code).toBeUndefined();
    expect(run.stderr).toBe("");
    expect(run.stdout.startsWith(`cronicorn-mcp ${pkg.version} — `)).toBe(true);
    for (const command of ["[serve]", "login [--force]", "status [--json]", "logout", "doctor [--json]", "install-links", "--help | --version"])
      expect(run.stdout).toContain(`cronicorn-mcp ${command}`);
    expect(run.stdout).toContain("CRONICORN_API_URL");
  });

  it("install-links prints the links and commands", async () => {
    expect(await runMain(["install-links"], {})).toEqual({ code: undefined, stdout: `${installLinksText()}\n`, stderr: "" });
  });

  it("an unknown argument or a --tools without a list exits 2 with the message on stderr, and prints nothing on stdout", async () => {
    expect(await runMain(["frobnicate"], {})).toEqual({ code: 2, stdout: "", stderr: "Unknown argument: frobnicate. Run cronicorn-mcp --help.\n" });
    expect(await runMain(["--tools"], {})).toEqual({
      code: 2,
      stdout: "",
      stderr: "--tools needs a comma-separated list of groups, e.g. --tools jobs,endpoints\n",
    });
  });
});

describe("doctor", () => {
  it("prints its report and exits 1 when a check fails: as text, or as JSON with --json", async () => {
    const { env } = await terminalEnv(undefined, BAD_CONFIG);
    const text = await runMain(["doctor"], env);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^FAIL {2}configuration +CRONICORN_API_URL/m);
    expect(text.stdout.endsWith("then run `cronicorn-mcp doctor` again.\n")).toBe(true);
    const json = await runMain(["doctor", "--json"], env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, checks: expect.arrayContaining([expect.objectContaining({ id: "config", status: "fail" })]) });
  });

  it("checks the configuration the --tools and --read-only flags make", async () => {
    const { env } = await terminalEnv(undefined, { CRONICORN_API_URL: "http://127.0.0.1:9/api" });
    const config = async (...flags: string[]) => {
      const checks = (
        JSON.parse((await runMain(["doctor", "--json", ...flags], env)).stdout) as { checks: Array<{ id: string; status: string; detail: string }> }
      ).checks;
      return checks.find((c) => c.id === "config");
    };
    expect(await config("--read-only", "--tools", "jobs")).toMatchObject({ status: "ok", detail: "tool groups: jobs, read-only; sign-in flow: auto" });
    expect(await config("--tools", "nonsense")).toMatchObject({ status: "fail", detail: expect.stringMatching(/^CRONICORN_TOOLS/) });
  });
});

describe("login, logout and status with a bad configuration", () => {
  it("exit 2 naming the variable on stderr, and print nothing on stdout", async () => {
    const { env } = await terminalEnv(undefined, BAD_CONFIG);
    for (const args of [["status"], ["login"], ["logout"], ["login", "--json"]]) {
      const run = await runMain(args, env);
      expect(run, args.join(" ")).toMatchObject({ code: 2, stdout: "" });
      expect(run.stderr).toMatch(/^Configuration problem: CRONICORN_API_URL: CRONICORN_API_URL must use https[^\n]*\n$/);
    }
  });

  it("status --json answers in JSON on stdout, for scripts", async () => {
    const { env } = await terminalEnv(undefined, BAD_CONFIG);
    const run = await runMain(["status", "--json"], env);
    expect(run).toMatchObject({ code: 2, stderr: "" });
    expect(run.stdout).toMatch(/^\{\n {2}"signedIn": false,\n/);
    expect(JSON.parse(run.stdout)).toEqual({ signedIn: false, problem: expect.stringMatching(/^Configuration problem: CRONICORN_API_URL: /) });
  });

  it("names every problem, separated by semicolons", async () => {
    const { env } = await terminalEnv(undefined, { ...BAD_CONFIG, CRONICORN_TOOLS: "nonsense" });
    expect((await runMain(["logout"], env)).stderr).toMatch(/^Configuration problem: CRONICORN_API_URL: [^;\n]+; CRONICORN_TOOLS/);
  });

  it("a configuration problem from the flags counts too", async () => {
    const { env } = await terminalEnv();
    const run = await runMain(["status", "--tools", "nonsense"], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^Configuration problem: CRONICORN_TOOLS/);
  });
});

describe("login, logout and status against Cronicorn", () => {
  let stand: StandIn;
  beforeAll(async () => {
    stand = await startCronicornStandIn({ deviceInterval: "1s" });
  });
  afterAll(async () => {
    await stand?.close();
  });

  it("status with nothing saved prints the command's answer on stdout, masked, and exits 1", async () => {
    const { env } = await terminalEnv(stand);
    const plain = await runMain(["status"], env);
    expect(plain).toMatchObject({ code: 1, stderr: "" });
    expect(plain.stdout).toMatch(new RegExp(`^Not signed in to ${stand.apiUrl.replace(/[.]/g, "\\.")}\\. .*\n$`));
    // Whatever a line carries that is registered as a secret is masked before it is printed.
    registerSecret(stand.apiUrl);
    expect((await runMain(["status"], env)).stdout).toMatch(/^Not signed in to \[redacted\]\./);
  });

  it("logout with nothing saved exits 0", async () => {
    const { env } = await terminalEnv(stand);
    const run = await runMain(["logout"], env);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toMatch(/^No saved sign-in to remove\./);
  });

  it("a command that fails says why on stderr (masked), not on stdout, and exits 1", async () => {
    const { env, configDir } = await terminalEnv(stand);
    fs.mkdirSync(configDir, { mode: 0o700 });
    const fifo = path.join(configDir, "credentials.json");
    expect(spawnSync("mkfifo", ["-m", "600", fifo]).status).toBe(0);
    const run = await runMain(["status"], env);
    expect(run).toMatchObject({ code: 1, stdout: "" });
    expect(run.stderr).toContain(`${fifo} is not a regular file (a FIFO)`);
    registerSecret(path.basename(path.dirname(configDir)));
    const masked = await runMain(["status"], env);
    expect(masked.stderr).toContain("[redacted]");
    expect(masked.stderr).not.toContain(path.basename(path.dirname(configDir)));
  });
});
