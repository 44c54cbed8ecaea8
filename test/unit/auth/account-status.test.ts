/**
 * `status` says only what it knows: Cronicorn's verdict when it can be asked (get-session, and for an API
 * key or another issuer's token the API itself), `verified: false` with the reason when it cannot, never
 * "signed in" with an expiry in the past, and the store as it is now, not as this process loaded it.
 * In process: a real Session over an in-memory store, and a Cronicorn double on 127.0.0.1.
 */
import http from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAccountService } from "../../../src/auth/account-service.js";
import type { SessionDeps } from "../../../src/auth/session.js";
import type { SignInCoordinator } from "../../../src/auth/signin.js";
import type { CredentialStore } from "../../../src/auth/store/index.js";
import type { CredentialRecord } from "../../../src/auth/store/types.js";
import { listenOnLoopback, stopServer } from "../../stack/loopback.js";
import { MemoryStore, ORIGIN, manualClock, record, sessionFor } from "../../helpers/session-parts.js";

const DAY = 86_400_000;
const ADA = { id: "u1", email: "ada@example.com" };
const KEY = "the-api-key-0123456789";

let server: http.Server;
let apiUrl: string;
/** Closed port: nothing answers there. */
let downUrl: string;
/** get-session's users by bearer token; any other credential gets better-auth's `null`. */
let users: Map<string, typeof ADA>;
let getSessionStatus: number;
/** The API's answer to a credential get-session cannot name (an API key, another issuer's token). */
let apiAnswer: number;
let hits: string[];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    hits.push(`${req.method} ${req.url}`);
    if (req.url === "/api/auth/get-session") {
      const user = users.get(req.headers.authorization?.replace(/^Bearer /, "") ?? "");
      return res.writeHead(getSessionStatus, { "content-type": "application/json" }).end(JSON.stringify(user ? { user } : null));
    }
    if (req.url === "/api/subscriptions/usage") return res.writeHead(apiAnswer, { "content-type": "application/json" }).end('{"endpointsUsed":0}');
    res.writeHead(404).end();
  });
  apiUrl = `http://127.0.0.1:${await listenOnLoopback(server)}/api`;
  const closed = http.createServer();
  downUrl = `http://127.0.0.1:${await listenOnLoopback(closed)}/api`;
  await stopServer(closed);
});
afterAll(async () => stopServer(server));
beforeEach(() => {
  users = new Map();
  getSessionStatus = 200;
  apiAnswer = 200;
  hits = [];
});

const clock = manualClock();

function statusOf(stored: CredentialRecord | null, options: { url?: string; apiKey?: string; session?: Partial<SessionDeps> } = {}) {
  const memory = new MemoryStore();
  if (stored) memory.records.set(ORIGIN, stored);
  const store: CredentialStore = {
    kind: "file",
    describe: () => "file store",
    read: (o) => memory.read(o),
    write: (o, r) => memory.write(o, r),
    delete: (o) => memory.delete(o),
  };
  const session = sessionFor(memory, { refreshSkewMs: 60_000, now: clock.now, apiKey: options.apiKey, ...options.session });
  const signIn = { prompt: undefined } as unknown as SignInCoordinator;
  const account = createAccountService({ apiUrl: options.url ?? apiUrl, session, signIn, store: async () => store, timeoutMs: 5000, now: clock.now });
  return { status: () => account.status(), memory, session };
}

describe("status of an expired sign-in that cannot be renewed right now", () => {
  const offlineRefresh = { refresh: async (): Promise<CredentialRecord> => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:9")) };

  it("is not signed in (never signed in with a past expiry), unverified, and says why and that the sign-in is kept", async () => {
    const expired = record(clock.now(), -DAY);
    const { status, memory } = statusOf(expired, { session: offlineRefresh });
    const now = await status();
    expect(now).toMatchObject({ signedIn: false, verified: false, hasRefreshToken: true, expiresAt: new Date(expired.expires_at).toISOString() });
    expect(now.reason).toMatch(/ECONNREFUSED/);
    expect(now.problem).toMatch(/expired and could not be renewed.*kept/);
    expect(memory.records.get(ORIGIN)).toEqual(expired);
  });

  it("asks the authorization server once for 50 status reads in the same second", async () => {
    let attempts = 0;
    const { status } = statusOf(record(clock.now(), -DAY), {
      session: { refresh: async () => (attempts++, Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:9"))) },
    });
    for (let i = 0; i < 50; i++) expect((await status()).signedIn).toBe(false);
    expect(attempts).toBe(1);
  });

  it("a session past its local expiry that Cronicorn cannot be asked about is not signed in, unverified, with why", async () => {
    const device = record(clock.now(), -1, { flow: "device", refresh_token: undefined });
    const { status } = statusOf(device, { url: downUrl, session: { checkSession: async () => ({ state: "unknown", reason: "connect ECONNREFUSED" }) } });
    const now = await status();
    expect(now).toMatchObject({ signedIn: false, verified: false, flow: "device" });
    expect(now.reason).toMatch(/ECONNREFUSED/);
  });
});

describe("status reads the store as it is now", () => {
  it("shows a sign-out another process made after this one loaded the sign-in", async () => {
    const current = record(clock.now(), 5 * DAY);
    users.set(current.access_token, ADA);
    const { status, memory, session } = statusOf(current);
    expect((await session.credential()).value).toBe(current.access_token);
    memory.records.delete(ORIGIN); // `cronicorn-mcp logout` in a terminal
    expect(await status()).toMatchObject({ signedIn: false, source: "none" });
  });

  it("shows the account another process switched to", async () => {
    const old = record(clock.now(), 5 * DAY);
    users.set(old.access_token, ADA);
    const { status, memory, session } = statusOf(old);
    await session.credential();
    const switched = record(clock.now(), 5 * DAY);
    users.set(switched.access_token, { id: "u2", email: "new@example.com" });
    memory.records.set(ORIGIN, switched); // `cronicorn-mcp login --force` in a terminal
    expect((await status()).user).toEqual({ id: "u2", email: "new@example.com" });
    expect((await session.credential()).value).toBe(switched.access_token);
  });
});

describe("status: Cronicorn's verdict, or why there is none", () => {
  it("a sign-in get-session names is signed in and verified", async () => {
    const current = record(clock.now(), 5 * DAY, { flow: "device", refresh_token: undefined });
    users.set(current.access_token, ADA);
    expect(await statusOf(current).status()).toMatchObject({ signedIn: true, verified: true, user: ADA });
  });

  it("Cronicorn unreachable: signed in as far as this server knows, not verified, and why", async () => {
    const { status } = statusOf(record(clock.now(), 5 * DAY), { url: downUrl });
    const now = await status();
    expect(now).toMatchObject({ signedIn: true, verified: false });
    expect(now.reason).toMatch(/could not be reached \(ECONNREFUSED\)/);
    expect(now.user).toBeUndefined();
  });

  it("odd answers from Cronicorn: not verified, naming the answer", async () => {
    getSessionStatus = 500;
    apiAnswer = 502;
    const now = await statusOf(record(clock.now(), 5 * DAY)).status();
    expect(now).toMatchObject({ signedIn: true, verified: false });
    expect(now.reason).toBe("Cronicorn's API answered HTTP 502");
  });

  it("get-session out of order but the API takes the token: signed in, verified, and why the user is not named", async () => {
    getSessionStatus = 500;
    const now = await statusOf(record(clock.now(), 5 * DAY, { flow: "device", refresh_token: undefined })).status();
    expect(now).toMatchObject({
      signedIn: true,
      verified: true,
      userUnknownReason: "Cronicorn's get-session, which names the user, did not answer as expected",
    });
  });

  it("get-session out of order and the API refuses the token: not signed in, verified", async () => {
    getSessionStatus = 500;
    apiAnswer = 401;
    expect(await statusOf(record(clock.now(), 5 * DAY)).status()).toMatchObject({
      signedIn: false,
      verified: true,
      problem: "Cronicorn no longer accepts the saved sign-in.",
    });
  });

  it("another issuer's token the API accepts: signed in, verified, and why the user cannot be named", async () => {
    const pkce = record(clock.now(), 5 * DAY, { flow: "pkce", issuer: "https://auth.example.com" });
    const now = await statusOf(pkce).status();
    expect(now).toMatchObject({ signedIn: true, verified: true });
    expect(now.userUnknownReason).toMatch(/https:\/\/auth\.example\.com/);
    expect(hits).toEqual(["GET /api/auth/get-session", "GET /api/subscriptions/usage"]);
  });

  it("another issuer's token the API refuses: not signed in, verified", async () => {
    apiAnswer = 401;
    const now = await statusOf(record(clock.now(), 5 * DAY, { flow: "pkce" })).status();
    expect(now).toMatchObject({ signedIn: false, verified: true, problem: "Cronicorn no longer accepts the saved sign-in." });
  });
});

describe("status with CRONICORN_API_KEY", () => {
  it("a key the API refuses (get-session answers null for any key) is not signed in, verified, and says so", async () => {
    apiAnswer = 401;
    const now = await statusOf(null, { apiKey: KEY }).status();
    expect(now).toMatchObject({ signedIn: false, verified: true, source: "api-key" });
    expect(now.problem).toMatch(/^Cronicorn rejected CRONICORN_API_KEY/);
  });

  it("a key the API takes is signed in, verified, and says why the user is not named", async () => {
    const now = await statusOf(null, { apiKey: KEY }).status();
    expect(now).toMatchObject({ signedIn: true, verified: true, source: "api-key" });
    expect(now.userUnknownReason).toMatch(/get-session answers null for x-api-key/);
    expect(hits).toEqual(["GET /api/auth/get-session", "GET /api/subscriptions/usage"]);
  });

  it("Cronicorn unreachable: not verified, and why", async () => {
    const now = await statusOf(null, { apiKey: KEY, url: downUrl }).status();
    expect(now).toMatchObject({ signedIn: true, verified: false, source: "api-key" });
    expect(now.reason).toMatch(/ECONNREFUSED/);
  });
});
