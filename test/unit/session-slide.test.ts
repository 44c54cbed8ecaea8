import { describe, expect, it } from "vitest";
import { AuthRequiredError } from "../../src/api/errors.js";
import { Session, type SessionCheck } from "../../src/auth/session.js";
import type { CredentialRecord, TokenStore } from "../../src/auth/store/types.js";
import { silentLogger } from "../../src/log.js";

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
  const record: CredentialRecord = { access_token: "device-session-token", expires_at: expiresAt, token_type: "Bearer", issuer: "x", client_id: "cronicorn-mcp", obtained_at: T0 - 29 * DAY, flow: "device" };
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
