import { afterEach, describe, expect, it } from "vitest";
import { startCronicornStandIn } from "../../stack/cronicorn.js";
import type { StandIn, StandInOptions } from "../../stack/cronicorn.js";
import type { ElicitRequest } from "@modelcontextprotocol/client";
import { assertNoSecrets, assertStdoutIsJsonRpc, ERAS, startServer, textOf, valueOf } from "../../helpers/mcp.js";
import type { Era, ServerHandle, StartOptions } from "../../helpers/mcp.js";
import { startRecordingProxy } from "../../helpers/proxy.js";
import type { RecordingProxy } from "../../helpers/proxy.js";
import { eventually, promptOf, storedRecord } from "../../helpers/signin.js";

/**
 * A client that opens URLs (URL elicitation: pushed to a 2025-era client, an input_required round for a
 * 2026 one): the user sees the link, so the call waits for the approval. `code()` is the code it showed.
 */
function seesLink(): { start: Partial<StartOptions>; code(): Promise<string> } {
  const shown: Array<ElicitRequest["params"]> = [];
  return {
    start: { capabilities: { elicitation: { url: {} } }, onElicit: (params) => void shown.push(params) },
    code: () =>
      eventually(
        () => {
          const link = shown.find((p) => p.mode === "url");
          return link?.mode === "url" ? (new URL(link.url).searchParams.get("user_code") ?? undefined) : undefined;
        },
        10_000,
        "the sign-in link the client showed",
      ),
  };
}

/** A stand-in reached through a recording proxy, and a server with no credential pointed at it. */
async function setup(era: Era, standOptions: StandInOptions = {}, env: Record<string, string> = {}, start: Partial<StartOptions> = {}) {
  const stand = await startCronicornStandIn({ deviceInterval: "1s", ...standOptions });
  const proxy = await startRecordingProxy(stand.webUrl);
  const server = await startServer({
    era,
    ...start,
    env: { CRONICORN_API_URL: `${proxy.url}/api`, CRONICORN_WEB_URL: proxy.url, CRONICORN_ISSUER: proxy.url, CRONICORN_LOGIN_WAIT_S: "1", ...env },
  });
  return { stand, proxy, server };
}

const codeRequests = (proxy: RecordingProxy) => proxy.requests.filter((r) => r.path === "/api/auth/device/code").length;

describe.each(ERAS)("device flow sign-in (RFC 8628) against better-auth 1.4.4 (%s era)", (era) => {
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
    const s = track(await setup(era));
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
    const link = seesLink();
    const s = track(await setup(era, {}, { CRONICORN_LOGIN_WAIT_S: "30" }, link.start));
    const progress: string[] = [];
    const waiting = s.server.call("list_jobs", {}, { onprogress: (p) => progress.push(p.message ?? "") });
    const code = await link.code();
    // Approve only once the server's own progress came through (a 2026 client also reports its rounds).
    const ours = () => progress.filter((m) => m.startsWith("Waiting for you to approve the sign-in: "));
    await eventually(() => ours().length > 0 || undefined, 20_000, "a progress notification");
    await s.stand.approveDevice(code);
    const result = await waiting;
    expect(valueOf<unknown[]>(result, "jobs")).toEqual([]);
    expect(ours()[0]).toMatch(/this request continues by itself once you approve/);
    expect(ours()[0]).not.toMatch(/ask again/);
  });

  it("returns the real result to a call made right after the approval, waiting for the next poll instead of showing the link again", async () => {
    const s = track(await setup(era));
    const prompt = promptOf(await s.server.call("list_jobs"));
    await s.stand.approveDevice(prompt.userCode as string);
    // At once: the approval has not been polled yet, so this call waits for the next poll.
    const result = await s.server.call("create_job", { name: "right after approval" });
    expect(result.structuredContent).toMatchObject({ job: { name: "right after approval" } });
    expect(textOf(result)).not.toMatch(/Sign in to Cronicorn/);
    expect(codeRequests(s.proxy)).toBe(1);
  });

  it("shares one device code between calls made during one pending sign-in", async () => {
    const s = track(await setup(era));
    const [a, b] = await Promise.all([s.server.call("list_jobs"), s.server.call("get_dashboard_stats")]);
    expect(promptOf(a).userCode).toBe(promptOf(b).userCode);
    const c = await s.server.call("list_jobs");
    expect(promptOf(c).userCode).toBe(promptOf(a).userCode);
    expect(codeRequests(s.proxy)).toBe(1);
  });

  it("says clearly when the user denies the sign-in", async () => {
    const link = seesLink();
    const s = track(await setup(era, {}, { CRONICORN_LOGIN_WAIT_S: "30" }, link.start));
    const waiting = s.server.call("list_jobs");
    const denied = await link.code();
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
    const s = track(await setup(era, { deviceCodeExpiresIn: "3s" }, { CRONICORN_LOGIN_WAIT_S: "30" }, seesLink().start));
    const result = await s.server.call("list_jobs");
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/expired/);
  });

  it("sends a URL-mode elicitation when the client supports it, and not otherwise", async () => {
    const elicited: unknown[] = [];
    const withUrl = track(await setup(era, {}, {}, { capabilities: { elicitation: { url: {} } }, onElicit: (p) => void elicited.push(p) }));
    const prompt = promptOf(await withUrl.server.call("list_jobs"));
    await eventually(() => elicited.length > 0 || undefined, 5_000, "elicitation");
    expect(elicited[0]).toMatchObject({ mode: "url", url: prompt.verificationUrl });

    const plainElicited: unknown[] = [];
    const plain = track(await setup(era, {}, {}, { capabilities: { elicitation: { form: {} } }, onElicit: (p) => void plainElicited.push(p) }));
    promptOf(await plain.server.call("list_jobs"));
    expect(plainElicited).toEqual([]); // the prompt came back without any: nothing was asked
  });

  it("logout revokes the session on the server and deletes the local record", async () => {
    const s = track(await setup(era, {}, { CRONICORN_LOGIN_WAIT_S: "0" }));
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
