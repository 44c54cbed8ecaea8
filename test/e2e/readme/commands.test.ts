/**
 * Every command the README shows is run by a test. This file keeps the list (a README command with no
 * entry fails it), checks that CI runs the README's test command, and runs the `npx cronicorn-mcp …`
 * commands themselves, as written, with the packed tarball installed where `npx` finds it (the npm
 * registry set to a closed port, so the published package cannot answer instead), against the stand-in.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installLinksText } from "../../../src/terminal/install/links.js";
import { eventually } from "../../helpers/signin.js";
import { installTarball, makeWorkDir, packTarball, removeDir, ROOT } from "../../helpers/pack.js";
import { readme, readmeCommands, shellWords } from "../../helpers/readme.js";
import { startCronicornStandIn } from "../../stack/cronicorn.js";
import type { StandIn } from "../../stack/cronicorn.js";

const HERE = "test/e2e/readme/commands.test.ts";
/** Who runs each README command. */
const RUN_BY: Array<[RegExp, string]> = [
  [/^claude mcp add /, "test/e2e/readme/claude-code.test.ts (the real Claude Code CLI)"],
  [/^code --add-mcp '/, "test/e2e/cli/install-links.test.ts (VS Code is not on this machine: its JSON is compared with the generator's)"],
  [/^npx cronicorn-mcp (install-links|doctor|status|login|logout)$/, HERE],
  [/^npm ci && npm run demo$|^npm run demo$/, "test/e2e/fresh/fresh-clone.test.ts (in a clean clone, without libsecret's headers)"],
  [
    /^npm run setup:system && npm ci && npm test && npm run test:soak$|^npm test$|^npm run test:soak$|^npm run checks$/,
    `.ci/run, on a clean clone (${HERE} checks it runs the README's command)`,
  ],
  [/^npm run mcpb$/, "test/e2e/package/mcpb.test.ts (builds with the script's buildBundle and checks every platform's keyring binary)"],
  [/^npm run stack$/, "test/e2e/stack/stack-cli.test.ts"],
  [/^npm install$/, "test/e2e/package/package.test.ts (the tarball into an empty folder)"],
  [/^node -e 0$/, "npm run bench (the floor its start-up figures compare with)"],
  // Minutes each, and they measure rather than check: run by hand, not by `npm test`.
  [/^npm run (bench|mutation)$/, "no test (a measurement, run by hand)"],
  // It reads the report `npm run mutation` leaves, so it runs after it, by hand.
  [/^npm run mutation:survivors$/, "no test (turns the last mutation report into docs/mutation-survivors.md)"],
];

describe("the README's commands", () => {
  it("each one has a test that runs it (or a stated reason why none does)", () => {
    const unclaimed = readmeCommands().filter((command) => !RUN_BY.some(([pattern]) => pattern.test(command)));
    expect(unclaimed).toEqual([]);
  });

  it("CI runs exactly the README's test command", () => {
    const test = readmeCommands().find((c) => c.includes("npm test") && c.includes("npm ci"));
    const ci = fs.readFileSync(path.join(ROOT, ".ci/run"), "utf8");
    expect(test).toBeDefined();
    expect(ci.split("\n").filter((line) => line.startsWith("npm "))).toEqual([test]);
  });
});

describe("the README's `npx cronicorn-mcp` commands, on the packed tarball", { timeout: 120_000 }, () => {
  let work: string;
  let project: string;
  let stand: StandIn;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    work = makeWorkDir();
    const tarball = await packTarball(work);
    project = (await installTarball(tarball.path, { parent: work, args: ["--ignore-scripts"] })).dir;
    stand = await startCronicornStandIn({ deviceInterval: "1s" });
    const home = fs.mkdtempSync(path.join(work, "home-"));
    env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      npm_config_registry: "http://127.0.0.1:9/",
      npm_config_offline: "true",
      npm_config_update_notifier: "false",
      CRONICORN_API_URL: stand.apiUrl,
      CRONICORN_WEB_URL: stand.webUrl,
      CRONICORN_ISSUER: stand.webUrl,
      CRONICORN_TOKEN_STORE: "file",
      CRONICORN_NO_BROWSER: "1",
      // Device sign-ins against the stand-in (interval 1 s) poll every second instead of every 5: faster tests.
      CRONICORN_DEVICE_POLL_FLOOR_S: "1",
    };
  }, 120_000);

  afterAll(async () => {
    await stand?.close();
    removeDir(work);
  });

  /** Start one README command as written; `onOutput` sees stdout as it arrives. */
  function start(command: string, onOutput?: (stdout: string) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const [program, ...args] = shellWords(command);
    return new Promise((resolve, reject) => {
      const child = spawn(program as string, args, { cwd: project, env, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString("utf8");
        onOutput?.(stdout);
      });
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
  }

  it("install-links, status, login, status, doctor and logout do what the README says, in that order", async () => {
    const shown = readmeCommands().filter((c) => c.startsWith("npx cronicorn-mcp "));
    const walk = ["install-links", "status", "login", "doctor", "logout"].map((sub) => `npx cronicorn-mcp ${sub}`);
    expect(shown.filter((c) => !walk.includes(c))).toEqual([]);

    const links = await start("npx cronicorn-mcp install-links");
    expect(links).toMatchObject({ code: 0 });
    expect(links.stdout.trim()).toBe(installLinksText());

    const before = await start("npx cronicorn-mcp status");
    expect(before.code).toBe(1);
    expect(before.stdout).toContain(`Not signed in to ${stand.apiUrl}.`);

    // "You can also sign in ahead of time from a terminal": the code is approved as the user would.
    let approving: Promise<void> | undefined;
    const login = await start("npx cronicorn-mcp login", (stdout) => {
      const code = /confirm the code ([A-Z0-9]{8})/.exec(stdout)?.[1];
      if (code) approving ??= stand.approveDevice(code);
    });
    await approving;
    expect(login.code, login.stdout + login.stderr).toBe(0);
    expect(login.stdout).toContain(`Signed in to ${stand.apiUrl} as ${stand.user.email}`);

    const after = await start("npx cronicorn-mcp status");
    expect(after.code).toBe(0);
    expect(after.stdout).toContain(`Signed in to ${stand.apiUrl} as ${stand.user.email}`);
    // README: "`status --json`; exit code 0 = signed in".
    expect(readme()).toContain("`status --json`");
    const json = await start("npx cronicorn-mcp status --json");
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ signedIn: true });

    const doctor = await start("npx cronicorn-mcp doctor");
    expect(doctor.code, doctor.stdout).toBe(0);
    expect(doctor.stdout).toMatch(/^OK +sign-in /m);
    expect(doctor.stdout).not.toMatch(/^FAIL/m);

    const logout = await start("npx cronicorn-mcp logout");
    expect(logout.code).toBe(0);
    await eventually(async () => ((await start("npx cronicorn-mcp status")).code === 1 ? true : undefined), 10_000, "status to say signed out");
  });
});
