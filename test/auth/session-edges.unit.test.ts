/**
 * `Session`'s edges, in process (manual clock, in-memory store, pass-through lock): what it reads from
 * the store and when, a store emptied by another process while waiting for the lock, what it logs,
 * and that every token it loads is registered for redaction.
 */
import { describe, expect, it } from "vitest";
import { AuthRequiredError } from "../../src/api/errors.js";
import { RefreshRejectedError } from "../../src/auth/session.js";
import type { CredentialRecord } from "../../src/auth/store/types.js";
import { redact } from "../../src/log.js";
import { MemoryStore, ORIGIN, SKEW_MS, countingRefresher, manualClock, record, sessionFor } from "../helpers/session-parts.js";
import { captureLogger } from "../store/fixtures/harness.js";

const unexpected = (): never => {
  throw new Error("expected a rejection");
};

const SKEW = SKEW_MS;
const HOUR = 3_600_000;

/** A MemoryStore that counts reads. */
class CountingStore extends MemoryStore {
  reads = 0;
  override async read(origin: string): Promise<CredentialRecord | null> {
    this.reads += 1;
    return super.read(origin);
  }
}

/** A logger whose lines read "<level> <message>". */
function capturingLogger() {
  const logger = captureLogger();
  return { logger, lines: () => logger.lines.map((l) => `${l.level} ${l.message}`) };
}

const sessionWith = sessionFor;

describe("Session: reading the store", () => {
  it("reads the store once, then answers from memory", async () => {
    const clock = manualClock();
    const store = new CountingStore();
    const current = record(clock.now(), HOUR);
    store.records.set(ORIGIN, current);
    const session = sessionWith(store, { now: clock.now });
    expect(await session.current()).toEqual(current);
    // Another record in the store is not seen until something makes the session read again.
    store.records.set(ORIGIN, record(clock.now(), HOUR));
    expect(await session.current()).toEqual(current);
    expect((await session.credential()).value).toBe(current.access_token);
    expect(store.reads).toBe(1);
  });

  it("a missing record is remembered too", async () => {
    const store = new CountingStore();
    const session = sessionWith(store);
    expect(await session.current()).toBeNull();
    expect(await session.current()).toBeNull();
    expect(store.reads).toBe(1);
    await expect(session.credential()).rejects.toBeInstanceOf(AuthRequiredError);
  });

  it("registers the tokens it loads, so they never reach a log", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    const loaded = record(clock.now(), HOUR, { access_token: `loaded-access-${Math.random()}`, refresh_token: `loaded-refresh-${Math.random()}` });
    store.records.set(ORIGIN, loaded);
    await sessionWith(store, { now: clock.now }).current();
    expect(redact(`a ${loaded.access_token} b ${loaded.refresh_token ?? ""}`)).toBe("a [redacted] b [redacted]");
  });

  it("registers the tokens of a refreshed record, and of one another process rotated", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    store.records.set(ORIGIN, record(clock.now(), SKEW / 2));
    const fresh = record(clock.now(), HOUR, { access_token: `rotated-access-${Math.random()}`, refresh_token: `rotated-refresh-${Math.random()}` });
    const session = sessionWith(store, { now: clock.now, refresh: async () => fresh });
    expect((await session.credential()).value).toBe(fresh.access_token);
    expect(redact(fresh.access_token)).toBe("[redacted]");
    expect(redact(fresh.refresh_token ?? "")).toBe("[redacted]");

    const other = record(clock.now(), HOUR, { access_token: `other-access-${Math.random()}`, refresh_token: `other-refresh-${Math.random()}` });
    const store2 = new MemoryStore();
    const due = record(clock.now(), SKEW / 2);
    store2.records.set(ORIGIN, due);
    const session2 = sessionWith(store2, {
      now: clock.now,
      withLock: async (fn) => {
        store2.records.set(ORIGIN, other); // another process rotated it while this one waited
        return fn();
      },
    });
    expect((await session2.credential()).value).toBe(other.access_token);
    expect(redact(`${other.access_token} ${other.refresh_token ?? ""}`)).toBe("[redacted] [redacted]");
  });

  it("an API key is used as it is, and says so", async () => {
    const session = sessionWith(new MemoryStore(), { apiKey: "the-api-key-123" });
    expect(session.usesApiKey).toBe(true);
    expect(await session.credential()).toEqual({ kind: "api-key", value: "the-api-key-123" });
    expect(await session.unauthorized({ kind: "api-key", value: "the-api-key-123" })).toBeNull();
    expect(sessionWith(new MemoryStore()).usesApiKey).toBe(false);
  });
});

describe("Session: after a 401", () => {
  it("answers from memory when a concurrent call already replaced the token, without reading the store", async () => {
    const clock = manualClock();
    const store = new CountingStore();
    const current = record(clock.now(), HOUR);
    store.records.set(ORIGIN, current);
    const session = sessionWith(store, { now: clock.now });
    await session.current();
    expect(await session.unauthorized({ kind: "bearer", value: "an-older-token-xyz" })).toEqual({ kind: "bearer", value: current.access_token });
    expect(store.reads).toBe(1);
  });

  it("gives up (null) when nothing is stored", async () => {
    const session = sessionWith(new MemoryStore());
    expect(await session.unauthorized({ kind: "bearer", value: "whatever-token-1" })).toBeNull();
  });

  it("refreshes with the record it has when another process signed out while this one waited for the lock", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    const current = record(clock.now(), HOUR);
    store.records.set(ORIGIN, current);
    const refresher = countingRefresher(clock, HOUR);
    const session = sessionWith(store, {
      now: clock.now,
      refresh: refresher.refresh,
      withLock: async (fn) => {
        store.records.delete(ORIGIN);
        return fn();
      },
    });
    const next = await session.unauthorized({ kind: "bearer", value: current.access_token });
    expect(refresher.spent).toEqual([current.refresh_token]);
    expect(next).toEqual({ kind: "bearer", value: store.records.get(ORIGIN)?.access_token });
  });

  it("a record of its own still due under the lock is refreshed, not adopted", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    const mine = record(clock.now(), SKEW / 2);
    store.records.set(ORIGIN, mine);
    const refresher = countingRefresher(clock, HOUR);
    const session = sessionWith(store, { now: clock.now, refresh: refresher.refresh });
    const credential = await session.credential();
    expect(refresher.spent).toEqual([mine.refresh_token]);
    expect(credential.value).not.toBe(mine.access_token);
  });
});

describe("Session: what it logs", () => {
  it("says at debug level that it refreshed, and nothing else", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    store.records.set(ORIGIN, record(clock.now(), SKEW / 2));
    const { logger, lines } = capturingLogger();
    await sessionWith(store, { now: clock.now, refresh: countingRefresher(clock, HOUR).refresh, logger }).credential();
    expect(lines()).toEqual(["debug Refreshed the Cronicorn access token."]);
  });

  it("warns once when the refresh token is rejected, deletes the record, and asks for a sign-in", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    store.records.set(ORIGIN, record(clock.now(), SKEW / 2));
    const { logger, lines } = capturingLogger();
    const session = sessionWith(store, {
      now: clock.now,
      logger,
      refresh: async () => {
        throw new RefreshRejectedError("invalid_grant");
      },
    });
    const error = await session.credential().then(unexpected, (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(AuthRequiredError);
    expect(error.message).toBe("Your Cronicorn sign-in has ended (the server no longer accepts it). Call the `login` tool to sign in again.");
    expect(lines()).toEqual(["warn The saved Cronicorn sign-in can no longer be refreshed (the server rejected it); a new sign-in is needed."]);
    expect(store.records.has(ORIGIN)).toBe(false);
    expect(await session.current()).toBeNull();
  });

  it("a transient failure that is not an Error is named as it is", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    store.records.set(ORIGIN, record(clock.now(), SKEW / 2));
    const session = sessionWith(store, {
      now: clock.now,
      refresh: async () => {
        throw "socket hang up";
      },
    });
    await expect(session.credential()).rejects.toThrow("Could not refresh the Cronicorn sign-in (socket hang up). Your saved sign-in is kept; try again in a moment.");
    expect(store.records.has(ORIGIN)).toBe(true);
  });

  it("says at debug level that the server extended a sliding session", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    const device = record(clock.now(), SKEW / 2, { flow: "device", refresh_token: undefined });
    store.records.set(ORIGIN, device);
    const { logger, lines } = capturingLogger();
    const session = sessionWith(store, { now: clock.now, logger, checkSession: async () => ({ state: "alive", expiresAt: clock.now() + HOUR }) });
    expect((await session.credential()).value).toBe(device.access_token);
    expect(lines()).toEqual(["debug Cronicorn extended the session; saved its new expiry."]);
    expect(store.records.get(ORIGIN)?.expires_at).toBe(clock.now() + HOUR);
  });
});

describe("RefreshRejectedError", () => {
  it("is named for what it is", () => {
    expect(new RefreshRejectedError("x").name).toBe("RefreshRejectedError");
  });
});
