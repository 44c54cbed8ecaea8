/**
 * One writer decides: a sign-out or a new sign-in that answered "done" stays done, whatever refresh or
 * session slide was in flight. Two `Session`s over one in-memory store and one shared lock stand in for
 * two processes (a server and a terminal command); a refresher and a get-session the test holds open
 * make the calls overlap for real. No timers: every step waits on a state the test can see.
 */
import { describe, expect, it } from "vitest";
import { AuthRequiredError } from "../../../src/auth/errors.js";
import { RefreshRejectedError, type SessionCheck } from "../../../src/auth/session.js";
import type { CredentialRecord } from "../../../src/auth/store/types.js";
import { StoreError } from "../../../src/auth/store/types.js";
import { captureLogger } from "../../helpers/store/harness.js";
import { MemoryStore, ORIGIN, SKEW_MS, countingRefresher, manualClock, record, sessionFor, settledUntil, sharedLock } from "../../helpers/session-parts.js";

const HOUR = 3_600_000;

/** A promise the test settles by hand, and whether it has settled. */
function flag<T>(promise: Promise<T>) {
  const state = { done: false };
  promise.then(
    () => (state.done = true),
    () => (state.done = true),
  );
  return state;
}

/** A server process whose refresh is held open, and a terminal process, over one store and one lock. */
function serverAndTerminal(stored: CredentialRecord) {
  const clock = manualClock(stored.obtained_at);
  const store = new MemoryStore();
  store.records.set(ORIGIN, stored);
  const lock = sharedLock();
  const refresher = countingRefresher(clock, HOUR);
  refresher.hold();
  const server = sessionFor(store, { now: clock.now, refresh: refresher.refresh, withLock: lock.withLock });
  const terminal = sessionFor(store, { now: clock.now, withLock: lock.withLock });
  return { clock, store, lock, refresher, server, terminal };
}

describe("Session: a sign-out during a refresh stays a sign-out", () => {
  it("a sign-out from another process while the refresh is in flight waits for it, then leaves nothing stored", async () => {
    const clock = manualClock();
    const { store, lock, refresher, server, terminal } = serverAndTerminal(record(clock.now(), SKEW_MS / 2));
    const call = server.credential();
    await settledUntil(() => refresher.calls === 1);

    const signOut = terminal.forget();
    const out = flag(signOut);
    await settledUntil(() => lock.waiting === 1 || out.done);
    refresher.release();
    const rotated = (await call).value;

    // What was deleted is the rotated record: that is the one logout ends on the server.
    expect(await signOut).toEqual({ deleted: true, removed: expect.objectContaining({ access_token: rotated }) });
    expect(store.records.has(ORIGIN)).toBe(false);
    expect(await terminal.current()).toBeNull();
  });

  it("a sign-out in the same process while its own refresh is in flight leaves nothing stored and nothing in memory", async () => {
    const clock = manualClock();
    const { store, refresher, server } = serverAndTerminal(record(clock.now(), SKEW_MS / 2));
    const call = server.credential();
    await settledUntil(() => refresher.calls === 1);

    const signOut = server.forget();
    refresher.release();
    await call;
    await signOut;

    expect(store.records.has(ORIGIN)).toBe(false);
    expect(await server.current()).toBeNull();
    await expect(server.credential()).rejects.toBeInstanceOf(AuthRequiredError);
  });

  it("a refresh that finds under the lock that the user signed out meanwhile writes nothing and does not hand out the old token", async () => {
    const clock = manualClock();
    const stale = record(clock.now(), SKEW_MS / 2);
    const { store, refresher, server, terminal } = serverAndTerminal(stale);
    refresher.release();
    await server.current(); // the server has the record in memory
    await terminal.forget(); // … and the user signs out in a terminal

    const error = await server.credential().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuthRequiredError);
    expect((error as Error).message).toMatch(/signed out/);
    expect(refresher.spent).toEqual([]); // the old refresh token was not spent either
    expect(store.records.has(ORIGIN)).toBe(false);
    expect(store.writes).toBe(0);
    expect(await server.current()).toBeNull();
  });
});

describe("Session: a new sign-in during a refresh of the old one stays", () => {
  it("an account switch from another process while the refresh is in flight is what the store keeps", async () => {
    const clock = manualClock();
    const { store, lock, refresher, server, terminal } = serverAndTerminal(record(clock.now(), SKEW_MS / 2));
    const call = server.credential();
    await settledUntil(() => refresher.calls === 1);

    const switched = record(clock.now(), HOUR, { flow: "device", refresh_token: undefined });
    const adopting = terminal.adopt(switched);
    const landed = flag(adopting);
    await settledUntil(() => lock.waiting === 1 || landed.done);
    refresher.release();
    const rotated = (await call).value;

    const replaced = await adopting;
    expect(store.records.get(ORIGIN)).toEqual(switched);
    // What it replaced is the rotated record, so the caller ends that one on the server, not a spent one.
    expect(replaced?.access_token).toBe(rotated);
    // The server's next 401 on the rotated token finds the new sign-in.
    expect(await server.unauthorized({ kind: "bearer", value: rotated })).toEqual({ kind: "bearer", value: switched.access_token });
  });

  it("a refresh the server rejects while a new sign-in lands removes only the old sign-in", async () => {
    const clock = manualClock();
    const { store, lock, server, terminal } = serverAndTerminal(record(clock.now(), SKEW_MS / 2));
    let reject!: () => void;
    const rejected = new Promise<never>((_, fail) => (reject = () => fail(new RefreshRejectedError("invalid_grant"))));
    const slow = sessionFor(store, { now: clock.now, withLock: lock.withLock, refresh: () => rejected });
    void server; // the held refresher of `server` is not used here
    const call = slow.credential().catch((e: unknown) => e);
    await settledUntil(() => lock.held);

    const switched = record(clock.now(), HOUR);
    const adopting = terminal.adopt(switched);
    const landed = flag(adopting);
    await settledUntil(() => lock.waiting === 1 || landed.done);
    reject();
    expect(await call).toBeInstanceOf(AuthRequiredError);
    await adopting;

    expect(store.records.get(ORIGIN)).toEqual(switched);
  });

  it("a refresh never writes the old account over a newer sign-in that has no refresh token", async () => {
    const clock = manualClock();
    const old = record(clock.now(), SKEW_MS / 2);
    const { store, refresher, server, terminal } = serverAndTerminal(old);
    refresher.release();
    await server.current();
    // Another process signed in with the device flow; that session is inside the refresh margin too.
    const device = record(clock.now(), SKEW_MS / 2, { flow: "device", refresh_token: undefined });
    await terminal.adopt(device);

    expect((await server.credential()).value).toBe(device.access_token);
    expect(refresher.spent).toEqual([]);
    expect(store.records.get(ORIGIN)).toEqual(device);
  });
});

describe("Session: a sign-out during a session slide stays a sign-out", () => {
  it("the extended expiry of a session the user signed out of meanwhile is not written back", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    const device = record(clock.now(), SKEW_MS / 2, { flow: "device", refresh_token: undefined });
    store.records.set(ORIGIN, device);
    const lock = sharedLock();
    let answer!: (check: SessionCheck) => void;
    const asked = new Promise<SessionCheck>((resolve) => (answer = resolve));
    let checks = 0;
    const server = sessionFor(store, { now: clock.now, withLock: lock.withLock, checkSession: () => (checks++, asked) });
    const terminal = sessionFor(store, { now: clock.now, withLock: lock.withLock });

    const call = server.credential().catch((e: unknown) => e);
    await settledUntil(() => checks === 1);
    await terminal.forget();
    answer({ state: "alive", expiresAt: clock.now() + 30 * 24 * HOUR });

    expect(await call).toBeInstanceOf(AuthRequiredError);
    expect(store.records.has(ORIGIN)).toBe(false);
    expect(store.writes).toBe(0);
    expect(await server.current()).toBeNull();
  });
});

describe("Session: when the lock itself cannot be taken", () => {
  const lockFails = async (): Promise<never> => {
    throw new StoreError("Could not create the lock /home/u/.cronicorn/refresh-x.lock (EROFS): the file system is read-only.");
  };

  it("a sign-out still deletes the saved sign-in, and says why it went ahead without the lock", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    store.records.set(ORIGIN, record(clock.now(), HOUR));
    const logger = captureLogger();
    const session = sessionFor(store, { now: clock.now, withLock: lockFails, logger });
    expect((await session.forget()).deleted).toBe(true);
    expect(store.records.size).toBe(0);
    expect(logger.warnings()).toEqual([expect.stringMatching(/^Could not create the lock .*EROFS.* Signing out without it/)]);
  });

  it("a sign-in is still saved to the store", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    const session = sessionFor(store, { now: clock.now, withLock: lockFails, logger: captureLogger() });
    const fresh = record(clock.now(), HOUR);
    await session.adopt(fresh);
    expect(store.records.get(ORIGIN)).toEqual(fresh);
  });
});

describe("Session: a sign-in that cannot be saved", () => {
  /** A store that refuses every write the way the file store does on a full disk. */
  class FullDisk extends MemoryStore {
    override async write(): Promise<void> {
      throw new StoreError("Could not write /home/u/.cronicorn/credentials.json (ENOSPC): the disk is full: free some space and try again.");
    }
  }

  it("adopt fails with a StoreError naming the path and the OS error, and the session keeps the sign-in it had", async () => {
    const clock = manualClock();
    const store = new FullDisk();
    const had = record(clock.now(), HOUR);
    store.records.set(ORIGIN, had);
    const session = sessionFor(store, { now: clock.now });
    await session.current();

    const error = await session.adopt(record(clock.now(), HOUR)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toBe(
      "The sign-in was approved but could not be saved: Could not write /home/u/.cronicorn/credentials.json (ENOSPC): the disk is full: free some space and try again.",
    );
    expect(await session.current()).toEqual(had);
    expect((await session.credential()).value).toBe(had.access_token);
  });
});

describe("Session: a sign-out or switch in another process reaches a running one without a 401", () => {
  /** How long a running session trusts what it loaded before looking at the store again (session.ts). */
  const RECHECK_MS = 30_000;

  it("stops using a sign-in the user signed out of elsewhere (even if the server could not be told) within 30 s", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    const current = record(clock.now(), HOUR);
    store.records.set(ORIGIN, current);
    const server = sessionFor(store, { now: clock.now });
    const terminal = sessionFor(store, { now: clock.now });
    expect((await server.credential()).value).toBe(current.access_token);

    await terminal.forget();
    clock.advance(RECHECK_MS - 1);
    expect((await server.credential()).value).toBe(current.access_token); // answered from memory, no store read per call
    clock.advance(1);
    await expect(server.credential()).rejects.toBeInstanceOf(AuthRequiredError);
  });

  it("moves to the account another process switched to within 30 s", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    store.records.set(ORIGIN, record(clock.now(), HOUR));
    const server = sessionFor(store, { now: clock.now });
    await server.credential();
    const switched = record(clock.now(), HOUR);
    await sessionFor(store, { now: clock.now }).adopt(switched);
    clock.advance(RECHECK_MS);
    expect((await server.credential()).value).toBe(switched.access_token);
  });

  it("keeps the sign-in it has when the store cannot be read for the recheck (a keychain hiccup fails no call)", async () => {
    const clock = manualClock();
    class Flaky extends MemoryStore {
      failing = false;
      override async read(origin: string) {
        if (this.failing) throw new StoreError("The OS keychain did not answer within 3000 ms while trying to read the credentials.");
        return super.read(origin);
      }
    }
    const store = new Flaky();
    const current = record(clock.now(), HOUR);
    store.records.set(ORIGIN, current);
    const server = sessionFor(store, { now: clock.now });
    await server.credential();
    store.failing = true;
    clock.advance(RECHECK_MS);
    expect((await server.credential()).value).toBe(current.access_token);
  });
});
