import { afterEach, describe, expect, it } from "vitest";
import { startCronicornStandIn } from "../../stack/cronicorn.js";
import type { StandIn, StandInOptions } from "../../stack/cronicorn.js";
import { assertNoSecrets, assertStdoutIsJsonRpc, startServer, textOf, valueOf } from "../../helpers/mcp.js";
import type { ServerHandle, StartOptions } from "../../helpers/mcp.js";
import { startRecordingProxy } from "../../helpers/proxy.js";
import type { RecordingProxy } from "../../helpers/proxy.js";
import { collectLogs, eventually, noticedUserCode, promptOf, storedRecord } from "../../helpers/signin.js";

/** A client that accepts URL elicitation: the user can see the link, so a tool call waits for the approval. */
const SEES_LINK: Partial<StartOptions> = { capabilities: { elicitation: { url: {} } } };

/** A stand-in reached through a recording proxy, and a server with no credential pointed at it. */
async function setup(standOptions: StandInOptions = {}, env: Record<string, string> = {}, start: Partial<StartOptions> = {}) {
  const stand = await startCronicornStandIn({ deviceInterval: "1s", ...standOptions });
  const proxy = await startRecordingProxy(stand.webUrl);
  const server = await startServer({
    ...start,
    env: { CRONICORN_API_URL: `${proxy.url}/api`, CRONICORN_WEB_URL: proxy.url, CRONICORN_ISSUER: proxy.url, CRONICORN_LOGIN_WAIT_S: "1", ...env },
  });
  return { stand, proxy, server };
}

const codeRequests = (proxy: RecordingProxy) => proxy.requests.filter((r) => r.path === "/api/auth/device/code").length;
const pollRequests = (proxy: RecordingProxy) => proxy.requests.filter((r) => r.path === "/api/auth/device/token");

describe("device flow sign-in (RFC 8628) against better-auth 1.4.4", () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0)) await fn();
  });
  const track = (s: { stand: StandIn; proxy: RecordingProxy; server: ServerHandle }) => {
    cleanup.push(async () => {
      // Every byte the server wrote: pure JSON-RPC on stdout, and no token or device code anywhere.
      assertStdoutIsJsonRpc(s.server.stdout());
      assertNoSecrets(s.server.stdout(), [...s.proxy.secrets], "stdout");
      assertNoSecrets(s.server.stderr(), [...s.proxy.secrets], "stderr");
      await s.server.close();
      await s.proxy.close();
      await s.stand.close();
    });
    return s;
  };

  it("answers create_job with a URL and code, then succeeds on the next call once approved, without a new code", async () => {
    const s = track(await setup());
    const first = await s.server.call("create_job", { name: "after sign-in" });
    const prompt = promptOf(first);
    expect(prompt.flow).toBe("device");
    expect(prompt.userCode).toMatch(/^[A-Z0-9]{8}$/);
    expect(prompt.verificationUrl).toBe(`${s.proxy.url}/device/approve?user_code=${prompt.userCode}`);
    expect(textOf(first)).toContain(prompt.userCode);
    expect(first.isError).toBeFalsy();

    await s.stand.approveDevice(prompt.userCode as string);
    // The background poll picks up the approval; the next call needs no new code.
    const job = await eventually(async () => {
      const result = await s.server.call("create_job", { name: "after sign-in" });
      return (result.structuredContent as { job?: { name: string } } | undefined)?.job;
    });
    expect(job.name).toBe("after sign-in");
    expect(codeRequests(s.proxy)).toBe(1);
    const record = storedRecord(s.server.home, new URL(s.proxy.url).origin);
    expect(record).toMatchObject({ flow: "device", client_id: "cronicorn-mcp" });
    expect(String(record?.token_type).toLowerCase()).toBe("bearer");
    expect(record?.refresh_token).toBeUndefined(); // Cronicorn's device sessions have none
  });

  it("finishes the waiting call itself when approval comes within the wait, reporting progress", async () => {
    const s = track(await setup({}, { CRONICORN_LOGIN_WAIT_S: "30" }, SEES_LINK));
    const logs = collectLogs(s.server);
    const progress: string[] = [];
    const waiting = s.server.call("list_jobs", {}, { onprogress: (p) => progress.push(p.message ?? "") });
    const code = await noticedUserCode(logs);
    await eventually(() => progress.length > 0 || undefined, 20_000, "a progress notification"); // approve only once one came through
    await s.stand.approveDevice(code);
    const result = await waiting;
    expect(valueOf<unknown[]>(result, "jobs")).toEqual([]);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toMatch(/^Waiting for you to approve the sign-in: .*this request continues by itself once you approve/);
  });

  it("shares one device code between calls made during one pending sign-in", async () => {
    const s = track(await setup());
    const [a, b] = await Promise.all([s.server.call("list_jobs"), s.server.call("get_dashboard_stats")]);
    expect(promptOf(a).userCode).toBe(promptOf(b).userCode);
    const c = await s.server.call("list_jobs");
    expect(promptOf(c).userCode).toBe(promptOf(a).userCode);
    expect(codeRequests(s.proxy)).toBe(1);
  });

  it("says clearly when the user denies the sign-in", async () => {
    const s = track(await setup({}, { CRONICORN_LOGIN_WAIT_S: "30" }, SEES_LINK));
    const logs = collectLogs(s.server);
    const waiting = s.server.call("list_jobs");
    const denied = await noticedUserCode(logs);
    await s.stand.denyDevice(denied);
    const result = await waiting;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/denied/);
    // A new call starts a new sign-in with a new code.
    s.server.call("list_jobs").catch(() => undefined);
    const fresh = await eventually(
      async () => {
        const status = valueOf<{ pendingSignIn?: { userCode?: string } }>(await s.server.call("auth_status"), "status");
        return status.pendingSignIn?.userCode;
      },
      10_000,
      "a new pending sign-in",
    );
    expect(fresh).not.toBe(denied);
    expect(codeRequests(s.proxy)).toBe(2);
  });

  it("says clearly when the code expires before approval", async () => {
    const s = track(await setup({ deviceCodeExpiresIn: "3s" }, { CRONICORN_LOGIN_WAIT_S: "30" }, SEES_LINK));
    const result = await s.server.call("list_jobs");
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/expired/);
  });

  it("honours slow_down: after the server says so, polls are at least 5 s further apart", async () => {
    // The proxy advertises a 1 s interval while the server enforces 7 s: the client's own 5 s floor
    // (RFC 8628) still polls too fast for it, so the first poll gets slow_down.
    const s = track(await setup({ deviceInterval: "7s" }, { CRONICORN_LOGIN_WAIT_S: "0" }));
    s.proxy.rewrite = { match: /\/api\/auth\/device\/code$/, change: (body) => ({ ...body, interval: 1 }) };
    promptOf(await s.server.call("list_jobs"));
    const slowed = await eventually(() => pollRequests(s.proxy).findIndex((p) => p.error === "slow_down") + 1 || undefined, 20_000, "a slow_down answer");
    await eventually(() => pollRequests(s.proxy).length > slowed || undefined, 20_000, "the poll after slow_down");
    const polls = pollRequests(s.proxy);
    const gap = (polls[slowed]?.at ?? 0) - (polls[slowed - 1]?.at ?? 0);
    expect(gap).toBeGreaterThanOrEqual(5_500);
    // The advertised 1 s was never believed: the first poll came no sooner than the 5 s floor.
    const code = s.proxy.requests.find((r) => r.path === "/api/auth/device/code");
    expect((polls[0]?.at ?? 0) - (code?.at ?? 0)).toBeGreaterThanOrEqual(4_900);
  });

  it("sends a URL-mode elicitation when the client supports it, and not otherwise", async () => {
    const elicited: unknown[] = [];
    const withUrl = track(await setup({}, {}, { capabilities: { elicitation: { url: {} } }, onElicit: (p) => void elicited.push(p) }));
    const prompt = promptOf(await withUrl.server.call("list_jobs"));
    await eventually(() => elicited.length > 0 || undefined, 5_000, "elicitation");
    expect(elicited[0]).toMatchObject({ mode: "url", url: prompt.verificationUrl });

    const plainElicited: unknown[] = [];
    const plain = track(await setup({}, {}, { capabilities: { elicitation: { form: {} } }, onElicit: (p) => void plainElicited.push(p) }));
    promptOf(await plain.server.call("list_jobs"));
    await new Promise((r) => setTimeout(r, 500));
    expect(plainElicited).toEqual([]);
  });

  it("logout revokes the session on the server and deletes the local record", async () => {
    const s = track(await setup({}, { CRONICORN_LOGIN_WAIT_S: "0" }));
    const prompt = promptOf(await s.server.call("login"));
    await s.stand.approveDevice(prompt.userCode as string);
    const origin = new URL(s.proxy.url).origin;
    const record = await eventually(() => storedRecord(s.server.home, origin), 10_000, "stored record");
    const token = record.access_token as string;
    expect((await fetch(`${s.stand.apiUrl}/jobs`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

    const logout = valueOf<{ revokedOnServer: boolean; deletedLocal: string[] }>(await s.server.call("logout"), "logout");
    expect(logout.revokedOnServer).toBe(true);
    expect(logout.deletedLocal.length).toBe(1);
    expect(storedRecord(s.server.home, origin)).toBeUndefined();
    expect((await fetch(`${s.stand.apiUrl}/jobs`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect(valueOf<{ signedIn: boolean }>(await s.server.call("auth_status"), "status").signedIn).toBe(false);
  });
});
