/**
 * `cronicorn-mcp status [--json]`: terminal wording speaks of commands (never "the login tool"),
 * `--json` is for scripts (exit code = signed in or not, no token), and with CRONICORN_API_KEY set
 * it says so without touching the keychain.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertNoSecrets } from "../../helpers/mcp.js";
import { storedRecord } from "../../helpers/signin.js";
import { startCronicornStandIn } from "../../stack/cronicorn.js";
import type { StandIn } from "../../stack/cronicorn.js";
import { environment, newHome, runCli, startCli } from "../../helpers/cli.js";

interface StatusJson {
  signedIn: boolean;
  apiUrl: string;
  source: string;
  store: string;
  flow?: string;
  user?: { email?: string };
  expiresAt?: string;
  daysLeft?: number;
}

let stand: StandIn;
beforeAll(async () => {
  stand = await startCronicornStandIn({ deviceInterval: "1s" });
});
afterAll(async () => {
  await stand?.close();
});

describe("cronicorn-mcp status", () => {
  it("in a terminal, tells a signed-out user the command to run, not a tool", async () => {
    const run = await runCli(["status"], environment(newHome(), stand));
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Sign in with `cronicorn-mcp login`");
    expect(run.stdout).not.toMatch(/tool/);
  });

  it("--json prints the status as JSON for scripts and exits 1 when signed out", async () => {
    const run = await runCli(["status", "--json"], environment(newHome(), stand));
    expect(run.code).toBe(1);
    const status = JSON.parse(run.stdout) as StatusJson;
    expect(status).toMatchObject({ signedIn: false, apiUrl: stand.apiUrl, source: "none", store: "file ~/.cronicorn/credentials.json" });
  });

  it("--json after a terminal login: signed in, as whom, until when, exit 0, and no token", async () => {
    const home = newHome();
    const env = environment(home, stand);
    const login = startCli(["login"], env);
    const [, code] = await login.waitFor(/confirm the code ([A-Z0-9]{8})/);
    await stand.approveDevice(code as string);
    expect(await login.exit(20_000)).toBe(0);
    const token = String(storedRecord(home, new URL(stand.apiUrl).origin)?.access_token);

    const run = await runCli(["status", "--json"], env);
    expect(run.code).toBe(0);
    const status = JSON.parse(run.stdout) as StatusJson;
    expect(status).toMatchObject({ signedIn: true, source: "file", flow: "device", user: { email: stand.user.email }, daysLeft: 29 });
    expect(Date.parse(status.expiresAt as string)).toBe(Number(storedRecord(home, new URL(stand.apiUrl).origin)?.expires_at));
    assertNoSecrets(run.stdout + run.stderr + login.stdout() + login.stderr(), [token], "status and login output");
  });

  it("with CRONICORN_API_KEY set, says the key is used and never opens the keychain (even CRONICORN_TOKEN_STORE=keychain without D-Bus)", async () => {
    const env = environment(newHome(), stand, { CRONICORN_API_KEY: stand.apiKey, CRONICORN_TOKEN_STORE: "keychain", CRONICORN_LOG_LEVEL: "debug" });
    const text = await runCli(["status"], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Signed in to ${stand.apiUrl} with the API key from CRONICORN_API_KEY`);
    expect(text.stdout + text.stderr).not.toMatch(/keychain|D-Bus/i);
    const json = JSON.parse((await runCli(["status", "--json"], env)).stdout) as StatusJson;
    expect(json).toMatchObject({ signedIn: true, source: "api-key", flow: "api-key", store: "not used (CRONICORN_API_KEY is set)" });
    assertNoSecrets(text.stdout + text.stderr, [stand.apiKey], "status output");
  });
});
