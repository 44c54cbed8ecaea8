/**
 * One writer decides, across real processes: a Session in each child (test/helpers/store/session-cli.ts)
 * over the real file store and the real cross-process lock. One child's refresh is held open (it waits
 * for a line on stdin) while another signs out or signs in; whatever the second answered must be what
 * the store holds at the end. Synchronised on lines the children print, never on time.
 */
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { createFileStore } from "../../../src/auth/store/file.js";
import { captureLogger, finished, makeRecord, removeTempDirs, spawnFixture, tempDir, waitForLine } from "../../helpers/store/harness.js";

const ORIGIN = "https://cronicorn.com";
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  await removeTempDirs();
});

function start(dir: string, ...args: string[]): { child: ChildProcess; done: ReturnType<typeof finished> } {
  const child = spawnFixture("session-cli.ts", [dir, ORIGIN, ...args]);
  children.push(child);
  return { child, done: finished(child) };
}

/** The outcome line a child printed last. */
const outcomeOf = (stdout: string): unknown => JSON.parse(stdout.trim().split("\n").at(-1) ?? "null");

/** A store whose record is due, and a child whose refresh of it is at the authorization server now (holding the lock). */
async function refreshInFlight() {
  const dir = path.join(await tempDir("one-writer-"), ".cronicorn");
  const store = createFileStore({ dir, logger: captureLogger() });
  await store.write(ORIGIN, makeRecord({ expires_at: Date.now() - 1_000, flow: "pkce" }));
  const refresh = start(dir, "refresh");
  await waitForLine(refresh.child, "refreshing");
  return { dir, store, refresh };
}

/** Let the second process reach the lock (or finish, if it does not take it), then let the refresh answer. */
async function thenFinishRefresh(refresh: ReturnType<typeof start>, other: ReturnType<typeof start>) {
  await Promise.race([waitForLine(other.child, "waiting for the lock").catch(() => undefined), other.done]);
  refresh.child.stdin?.write("answer\n");
  return Promise.all([refresh.done, other.done]);
}

describe("one writer decides, across processes", () => {
  it("`logout` in another process while a refresh is in flight: the refresh's record is not written back", async () => {
    const { dir, store, refresh } = await refreshInFlight();
    const logout = start(dir, "logout");
    const [refreshed, loggedOut] = await thenFinishRefresh(refresh, logout);

    expect(await store.read(ORIGIN)).toBeNull();
    // The refresh finished first; the sign-out deleted (and would revoke) the rotated record, not the spent one.
    const rotated = (outcomeOf(refreshed.stdout) as { ok: { value: string } }).ok.value;
    expect(outcomeOf(loggedOut.stdout)).toEqual({ ok: { deleted: true, removed: expect.objectContaining({ access_token: rotated }) } });
  });

  it("a sign-in in another process while a refresh of the old one is in flight: the new sign-in is what the store keeps", async () => {
    const { dir, store, refresh } = await refreshInFlight();
    const switched = makeRecord({
      access_token: "new-account-access-1",
      refresh_token: undefined,
      obtained_at: Date.now(),
      expires_at: Date.now() + 86_400_000,
    });
    const adopt = start(dir, "adopt", JSON.stringify(switched));
    const [, adopted] = await thenFinishRefresh(refresh, adopt);

    expect(outcomeOf(adopted.stdout)).toEqual({ ok: "adopted" });
    expect(await store.read(ORIGIN)).toEqual(switched);
  });
});
