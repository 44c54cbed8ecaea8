/**
 * An account switch that answered "done" stays done, against the real peers: a running server is
 * refreshing the old (browser, rotating) sign-in at the real authorization server — its token request
 * held open by the test — when `cronicorn-mcp login --force` in a terminal signs in anew (device flow at
 * the Cronicorn stand-in). The terminal's sign-in waits for the refresh to finish under the shared lock,
 * then lands, and ends the rotated session on the server; the store keeps the new sign-in, and the
 * server, whose token now gets 401, moves to it instead of writing the old account back.
 */
import { afterEach, describe, expect, it } from "vitest";
import { setStoredExpiry } from "../../helpers/expiry.js";
import { environment, startCli } from "../../helpers/cli.js";
import { assertNoSecrets, startServer, textOf, valueOf } from "../../helpers/mcp.js";
import { refreshGrants, startPkceStack, startSignedInServer, type PkceStack } from "../../helpers/pkce-stack.js";
import { storedRecord } from "../../helpers/signin.js";
import { until } from "../../helpers/until.js";

type Stored = { access_token: string; refresh_token?: string; flow?: string };

describe("one writer decides, against the real authorization server", () => {
  let stack: PkceStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it("`login --force` in a terminal while the server refreshes the old account: the new sign-in stays, and the server moves to it", async () => {
    stack = await startPkceStack();
    const first = await startSignedInServer(stack);
    await first.close();
    const home = first.home;
    setStoredExpiry(home, stack.stand.webUrl, Date.now() - 1_000);
    const old = storedRecord(home, stack.stand.webUrl) as Stored;
    const server = await startServer({ env: stack.env, home });

    const held = stack.as.holdTokenRequests();
    const call = server.call("list_jobs"); // refreshes the old sign-in, under the lock
    await held.arrived;

    const login = startCli(["login", "--force"], { ...environment(home), ...stack.env, CRONICORN_AUTH_FLOW: "device", CRONICORN_LOG_LEVEL: "debug" });
    const [, code] = await login.waitFor(/confirm the code ([A-Z0-9]{8})/);
    await stack.stand.approveDevice(code as string);
    const exit = login.exit(60_000);
    // The new sign-in is approved; let it reach the lock the refresh holds (or finish, if it does not take it).
    await Promise.race([until(() => login.stderr().includes("Waiting for ")), exit]);
    held.release();

    expect(await exit).toBe(0);
    expect(login.stdout()).toMatch(new RegExp(`^Signed in to .* as ${stack.stand.user.email}`, "m"));
    expect(textOf(await call)).not.toMatch(/error/i);
    const switched = storedRecord(home, stack.stand.webUrl) as Stored | undefined;
    expect(switched?.flow, "the store holds the terminal's new (device) sign-in").toBe("device");
    if (!switched) return;
    expect(switched.access_token).not.toBe(old.access_token);
    // The refresh spent the old token once, and what it got was ended on the server by the sign-in that replaced it.
    expect(
      refreshGrants(stack)
        .filter((g) => g.refreshToken === old.refresh_token)
        .map((g) => g.outcome),
    ).toEqual(["ok"]);
    expect(stack.as.refreshTokenReuseCount()).toBe(0);

    // The server's rotated token is now refused: it re-reads the store and carries on as the new sign-in.
    expect(valueOf<unknown[]>(await server.call("list_jobs"), "jobs")).toEqual([]);
    expect(valueOf<{ flow: string; signedIn: boolean }>(await server.call("auth_status"), "status")).toMatchObject({ signedIn: true, flow: "device" });
    expect(storedRecord(home, stack.stand.webUrl)).toEqual(switched);
    assertNoSecrets(login.stdout() + login.stderr(), [old.access_token, old.refresh_token ?? "", switched.access_token], "the login command's output");
  });
});
