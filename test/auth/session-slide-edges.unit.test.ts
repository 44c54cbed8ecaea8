/**
 * Sliding sessions at their edges, in process (manual clock, in-memory store, pass-through lock): which
 * records slide, when the server is asked again, what is stored after each answer, and a store another
 * process changed while this one asked.
 */
import { describe, expect, it } from "vitest";
import type { SessionCheck } from "../../src/auth/session.js";
import type { CredentialRecord } from "../../src/auth/store/types.js";
import { MemoryStore, ORIGIN, SKEW_MS, manualClock, record, sessionFor } from "../helpers/session-parts.js";

const HOUR = 3_600_000;
/** How long a confirmation without a new expiry is trusted (session.ts). */
const RECHECK_MS = 30_000;

const EXPIRED = "Your Cronicorn sign-in has expired. Call the `login` tool (or run `npx cronicorn-mcp login`) to sign in again.";
const ENDED = "Your Cronicorn sign-in has ended (the server no longer accepts it). Call the `login` tool (or run `npx cronicorn-mcp login`) to sign in again.";

/** A session over a stored record, whose get-session answers come from `answers` (and are counted). */
function sliding(stored: CredentialRecord, answers: () => SessionCheck, options: { check?: boolean; store?: MemoryStore } = {}) {
  const clock = manualClock(stored.obtained_at);
  const store = options.store ?? new MemoryStore();
  store.records.set(ORIGIN, stored);
  const asked: string[] = [];
  const session = sessionFor(store, {
    now: clock.now,
    ...(options.check === false ? {} : { checkSession: async (token: string) => (asked.push(token), answers()) }),
  });
  return { session, store, clock, asked };
}

const device = (now: number, ttlMs: number, overrides: Partial<CredentialRecord> = {}) => record(now, ttlMs, { flow: "device", refresh_token: undefined, ...overrides });
const T = manualClock().now();

describe("Session: which sign-ins slide", () => {
  it("an expired device session with no way to ask the server asks for a sign-in", async () => {
    const { session } = sliding(device(T, -1), () => ({ state: "alive" }), { check: false });
    await expect(session.credential()).rejects.toThrow(EXPIRED);
  });

  it("the official server's record slides like a device session", async () => {
    const { session, asked, store } = sliding(device(T, -1, { flow: "legacy" }), () => ({ state: "alive", expiresAt: T + HOUR }));
    const legacy = store.records.get(ORIGIN)!;
    expect((await session.credential()).value).toBe(legacy.access_token);
    expect(asked).toEqual([legacy.access_token]);
  });

  it("an OAuth (PKCE) token without a refresh token does not slide: past its expiry it asks for a sign-in, without asking the server", async () => {
    const { session, asked } = sliding(record(T, -1, { refresh_token: undefined }), () => ({ state: "alive", expiresAt: T + HOUR }));
    await expect(session.credential()).rejects.toThrow(EXPIRED);
    expect(asked).toEqual([]);
  });
});

describe("Session: when the server is asked again", () => {
  it("asks again exactly when the confirmation is 30 s old", async () => {
    const { session, clock, asked } = sliding(device(T, SKEW_MS / 2), () => ({ state: "alive" }));
    await session.credential();
    clock.advance(RECHECK_MS - 1);
    await session.credential();
    expect(asked).toHaveLength(1);
    clock.advance(1);
    await session.credential();
    expect(asked).toHaveLength(2);
  });

  it("asks about a new token even right after confirming the old one", async () => {
    const { session, clock, asked } = sliding(device(T, SKEW_MS / 2), () => ({ state: "alive" }));
    await session.credential();
    const next = device(clock.now(), SKEW_MS / 2);
    await session.adopt(next);
    await session.credential();
    expect(asked).toEqual([expect.any(String), next.access_token]);
  });

  it("an unanswered check is not a confirmation: the next call asks again", async () => {
    const { session, store, asked } = sliding(device(T, SKEW_MS / 2), () => ({ state: "unknown" }));
    const stored = store.records.get(ORIGIN)!;
    expect((await session.credential()).value).toBe(stored.access_token);
    await session.credential();
    expect(asked).toHaveLength(2);
    expect(store.writes).toBe(0);
  });

  it("says a session the server ended has ended, with what to do", async () => {
    const { session } = sliding(device(T, SKEW_MS / 2), () => ({ state: "gone" }));
    await expect(session.credential()).rejects.toThrow(ENDED);
  });
});

describe("Session: what is stored after the server answers", () => {
  it("stores nothing when the server confirms without an expiry, or with the same one", async () => {
    const stored = device(T, SKEW_MS / 2);
    const noExpiry = sliding(stored, () => ({ state: "alive" }));
    await noExpiry.session.credential();
    expect(noExpiry.store.writes).toBe(0);
    const same = sliding(stored, () => ({ state: "alive", expiresAt: stored.expires_at }));
    await same.session.credential();
    expect(same.store.writes).toBe(0);
    const earlier = sliding(stored, () => ({ state: "alive", expiresAt: stored.expires_at - 1 }));
    await earlier.session.credential();
    expect(earlier.store.writes).toBe(0);
  });

  it("stores one millisecond more", async () => {
    const stored = device(T, SKEW_MS / 2);
    const { session, store } = sliding(stored, () => ({ state: "alive", expiresAt: stored.expires_at + 1 }));
    await session.credential();
    expect(store.records.get(ORIGIN)).toEqual({ ...stored, expires_at: stored.expires_at + 1 });
  });

  it("uses a sign-in another process saved while it asked, and does not overwrite it", async () => {
    const stored = device(T, SKEW_MS / 2);
    const store = new MemoryStore();
    const newer = device(T, HOUR);
    const { session } = sliding(
      stored,
      () => {
        store.records.set(ORIGIN, newer);
        return { state: "alive", expiresAt: T + 2 * HOUR };
      },
      { store },
    );
    expect((await session.credential()).value).toBe(newer.access_token);
    expect(store.records.get(ORIGIN)).toEqual(newer);
    expect(store.writes).toBe(0);
    expect((await session.credential()).value).toBe(newer.access_token);
  });

  it("keeps a later expiry another process already stored for the same session", async () => {
    const stored = device(T, SKEW_MS / 2);
    const store = new MemoryStore();
    const { session } = sliding(
      stored,
      () => {
        store.records.set(ORIGIN, { ...stored, expires_at: T + 3 * HOUR, obtained_at: T + 1 });
        return { state: "alive", expiresAt: T + HOUR };
      },
      { store },
    );
    await session.credential();
    expect(store.records.get(ORIGIN)).toEqual({ ...stored, expires_at: T + 3 * HOUR, obtained_at: T + 1 });
  });

  it("saves the extended session again when another process removed it while it asked", async () => {
    const stored = device(T, SKEW_MS / 2);
    const store = new MemoryStore();
    const { session } = sliding(
      stored,
      () => {
        store.records.delete(ORIGIN);
        return { state: "alive", expiresAt: T + HOUR };
      },
      { store },
    );
    expect((await session.credential()).value).toBe(stored.access_token);
    expect(store.records.get(ORIGIN)).toEqual({ ...stored, expires_at: T + HOUR });
  });
});

describe("Session: a 401 with the store emptied by another process", () => {
  it("respects the sign-out: asks for a sign-in instead of refreshing the record it held in memory", async () => {
    const clock = manualClock();
    const store = new MemoryStore();
    const current = record(clock.now(), HOUR);
    store.records.set(ORIGIN, current);
    const session = sessionFor(store, { now: clock.now });
    await session.credential();
    store.records.delete(ORIGIN);
    expect(await session.unauthorized({ kind: "bearer", value: current.access_token })).toBeNull();
    await expect(session.credential()).rejects.toThrow("Not signed in to Cronicorn.");
    expect(store.writes).toBe(0);
  });
});
