import { describe, expect, it } from "vitest";
import { Session, type SessionCheck } from "../../../src/auth/session.js";
import type { CredentialRecord, TokenStore } from "../../../src/auth/store/types.js";
import { silentLogger } from "../../../src/core/log.js";
import { AuthRequiredError } from "../../../src/auth/errors.js";
import { MemoryStore, ORIGIN as PARTS_ORIGIN, SKEW_MS, manualClock, record, sessionFor } from "../../helpers/session-parts.js";

const ORIGIN = "https://cronicorn.com";
const T0 = Date.UTC(2030, 0, 1);
const DAY = 86_400_000;

function memoryStore(initial: CredentialRecord): TokenStore & { saved: CredentialRecord[] } {
  let current: CredentialRecord | null = initial;
  const saved: CredentialRecord[] = [];
  return {
    kind: "file",
    saved,
    read: async () => current,
    write: async (_origin, record) => void (saved.push(record), (current = record)),
    delete: async () => ((current = null), true),
  };
}

function setup(expiresAt: number, answer: () => Promise<SessionCheck>) {
  const clock = { now: T0 };
  const record: CredentialRecord = {
    access_token: "device-session-token",
    expires_at: expiresAt,
    token_type: "Bearer",
    issuer: "x",
    client_id: "cronicorn-mcp",
    obtained_at: T0 - 29 * DAY,
    flow: "device",
  };
  const store = memoryStore(record);
  let checks = 0;
  const session = new Session({
    origin: ORIGIN,
    apiKey: undefined,
    refreshSkewMs: 300_000,
    store: async () => store,
    refresh: async () => {
      throw new Error("no refresh token: refresh must not be called");
    },
    withLock: (fn) => fn(),
    checkSession: () => (checks++, answer()),
    logger: silentLogger,
    now: () => clock.now,
  });
  return { session, store, clock, checks: () => checks };
}

describe("Session: sliding sessions without a refresh token", () => {
  it("asks get-session once for 50 concurrent calls within the skew, and stores the expiry it answers", async () => {
    const { session, store, checks } = setup(T0 + 60_000, async () => ({ state: "alive", expiresAt: T0 + 30 * DAY }));
    const credentials = await Promise.all(Array.from({ length: 50 }, () => session.credential()));
    expect(credentials.every((c) => c.value === "device-session-token")).toBe(true);
    expect(checks()).toBe(1);
    expect(store.saved.map((r) => r.expires_at)).toEqual([T0 + 30 * DAY]);
  });

  it("uses a locally expired session the server still holds", async () => {
    const { session, store } = setup(T0 - 1, async () => ({ state: "alive", expiresAt: T0 + 30 * DAY }));
    expect((await session.credential()).value).toBe("device-session-token");
    expect(store.saved[0]?.expires_at).toBe(T0 + 30 * DAY);
  });

  it("asks for a sign-in when the server says the session is gone, and keeps the stored record", async () => {
    const { session, store } = setup(T0 - 1, async () => ({ state: "gone" }));
    await expect(session.credential()).rejects.toBeInstanceOf(AuthRequiredError);
    expect(await store.read(ORIGIN)).not.toBeNull();
  });

  it("does not ask again for a while when the server confirms the session without moving it", async () => {
    const { session, clock, checks } = setup(T0 + 60_000, async () => ({ state: "alive", expiresAt: T0 + 60_000 }));
    await session.credential();
    clock.now += 10_000;
    await session.credential();
    expect(checks()).toBe(1);
    clock.now += 30_000;
    await session.credential();
    expect(checks()).toBe(2);
  });

  it("keeps using the token when the server cannot be asked (a transient fault never ends a sign-in)", async () => {
    const { session, store } = setup(T0 + 60_000, async () => ({ state: "unknown" }));
    expect((await session.credential()).value).toBe("device-session-token");
    expect(store.saved).toEqual([]);
  });

  it("does not believe an absurd expiry", async () => {
    const { session, store } = setup(T0 + 60_000, async () => ({ state: "alive", expiresAt: 1e308 }));
    await session.credential();
    expect(store.saved[0]?.expires_at).toBeLessThanOrEqual(T0 + 400 * DAY);
  });
});

/**
 * Sliding sessions at their edges, in process (manual clock, in-memory store, pass-through lock): which
 * records slide, when the server is asked again, what is stored after each answer, and a store another
 * process changed while this one asked.
 */
describe("sliding sessions at their edges", () => {
  const ORIGIN = PARTS_ORIGIN;
  const HOUR = 3_600_000;
  /** How long a confirmation without a new expiry is trusted (session.ts). */
  const RECHECK_MS = 30_000;

  const EXPIRED = "Your Cronicorn sign-in has expired. Call the `login` tool (or run `npx cronicorn-mcp login`) to sign in again.";
  const ENDED =
    "Your Cronicorn sign-in has ended (the server no longer accepts it). Call the `login` tool (or run `npx cronicorn-mcp login`) to sign in again.";

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

  const device = (now: number, ttlMs: number, overrides: Partial<CredentialRecord> = {}) =>
    record(now, ttlMs, { flow: "device", refresh_token: undefined, ...overrides });
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

    it("an unanswered check is not a confirmation: the next call after the 1 s retry wait asks again", async () => {
      const { session, store, asked, clock } = sliding(device(T, SKEW_MS / 2), () => ({ state: "unknown" }));
      const stored = store.records.get(ORIGIN)!;
      expect((await session.credential()).value).toBe(stored.access_token);
      clock.advance(1_000);
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

    it("does not save the extended session when the user signed out while it asked: asks for a sign-in", async () => {
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
      await expect(session.credential()).rejects.toBeInstanceOf(AuthRequiredError);
      expect(store.records.has(ORIGIN)).toBe(false);
      expect(store.writes).toBe(0);
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
});
