/**
 * whoAmI against a better-auth-shaped get-session on 127.0.0.1: each answer the server can give maps to
 * one state, and a failure of any kind is "unknown" (never a reason to drop a sign-in).
 */
import http from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { whoAmI } from "../../../src/auth/whoami.js";
import { listenOnLoopback, stopServer } from "../../stack/loopback.js";

let server: http.Server;
let apiUrl: string;
let answer: { status: number; body: string; type?: string };
let seen: http.IncomingHttpHeaders[] = [];
let paths: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.headers);
    paths.push(`${req.method} ${req.url}`);
    res.writeHead(answer.status, { "content-type": answer.type ?? "application/json" }).end(answer.body);
  });
  apiUrl = `http://127.0.0.1:${await listenOnLoopback(server)}/api`;
});
afterAll(async () => stopServer(server));
beforeEach(() => {
  seen = [];
  paths = [];
});

const bearer = { kind: "bearer", value: "session-token-abc" } as const;
const key = { kind: "api-key", value: "api-key-abcdef" } as const;
const reply = (status: number, body: unknown) => {
  answer = { status, body: typeof body === "string" ? body : JSON.stringify(body) };
};

describe("whoAmI", () => {
  it("sends a bearer token to get-session and reads the user and the session's expiry", async () => {
    reply(200, { user: { id: "u1", email: "a@b.c", name: "Ada", extra: 1 }, session: { expiresAt: "2030-01-01T00:00:00.000Z" } });
    expect(await whoAmI(apiUrl, bearer, 5000)).toEqual({
      state: "known",
      user: { id: "u1", email: "a@b.c", name: "Ada" },
      expiresAt: Date.parse("2030-01-01T00:00:00.000Z"),
    });
    expect(paths).toEqual(["GET /api/auth/get-session"]);
    expect(seen[0]!.authorization).toBe("Bearer session-token-abc");
    expect(seen[0]!["x-api-key"]).toBeUndefined();
    expect(seen[0]!.accept).toBe("application/json");
  });

  it("sends an API key as x-api-key", async () => {
    reply(200, { user: { email: "k@b.c" } });
    expect(await whoAmI(apiUrl, key, 5000)).toEqual({ state: "known", user: { email: "k@b.c" } });
    expect(seen[0]!["x-api-key"]).toBe("api-key-abcdef");
    expect(seen[0]!.authorization).toBeUndefined();
  });

  it("leaves out empty user fields and an expiry that is not a positive time", async () => {
    reply(200, { user: { id: "", email: "", name: "" }, session: { expiresAt: 0 } });
    expect(await whoAmI(apiUrl, bearer, 5000)).toEqual({ state: "known", user: {} });
    reply(200, { user: { id: "u" }, session: { expiresAt: "not a date" } });
    expect(await whoAmI(apiUrl, bearer, 5000)).toEqual({ state: "known", user: { id: "u" } });
    reply(200, { user: { id: "u" }, session: { expiresAt: -5 } });
    expect(await whoAmI(apiUrl, bearer, 5000)).toEqual({ state: "known", user: { id: "u" } });
    reply(200, { user: { name: "N" }, session: null });
    expect(await whoAmI(apiUrl, bearer, 5000)).toEqual({ state: "known", user: { name: "N" } });
  });

  it("reads a numeric expiry as milliseconds", async () => {
    reply(200, { user: {}, session: { expiresAt: 1_900_000_000_000 } });
    expect(await whoAmI(apiUrl, bearer, 5000)).toEqual({ state: "known", user: {}, expiresAt: 1_900_000_000_000 });
  });

  it("null is a credential without a session of its own", async () => {
    reply(200, "null");
    expect(await whoAmI(apiUrl, bearer, 5000)).toEqual({ state: "no-session" });
  });

  it("401 is rejected", async () => {
    reply(401, { error: "Unauthorized" });
    expect(await whoAmI(apiUrl, bearer, 5000)).toEqual({ state: "rejected" });
  });

  it("any other status, an odd body, or no answer at all is unknown", async () => {
    for (const status of [199, 300, 403, 500]) {
      reply(status === 199 ? 200 : status, status === 199 ? "{" : {});
      expect(await whoAmI(apiUrl, bearer, 5000)).toEqual({ state: "unknown" });
    }
    reply(200, { user: "not an object" });
    expect(await whoAmI(apiUrl, bearer, 5000)).toEqual({ state: "unknown" });
    reply(200, "[]");
    expect(await whoAmI(apiUrl, bearer, 5000)).toEqual({ state: "unknown" });
    reply(204, "");
    expect(await whoAmI(apiUrl, bearer, 5000)).toEqual({ state: "unknown" });
    const closed = http.createServer();
    const port = await listenOnLoopback(closed);
    await stopServer(closed);
    expect(await whoAmI(`http://127.0.0.1:${port}/api`, bearer, 5000)).toEqual({ state: "unknown" });
  });

  it("a 2xx other than 200 with a session body is read", async () => {
    reply(203, { user: { id: "u2" } });
    expect(await whoAmI(apiUrl, bearer, 5000)).toEqual({ state: "known", user: { id: "u2" } });
    reply(299, { user: { id: "u3" } });
    expect(await whoAmI(apiUrl, bearer, 5000)).toEqual({ state: "known", user: { id: "u3" } });
  });
});

/**
 * whoAmI's edges against a get-session on 127.0.0.1: only a 2xx answer is read, so an error page or a
 * redirect whose body happens to look like a session (or like better-auth's null) never names a user.
 */
describe("whoAmI at its edges", () => {
  let server: http.Server;
  let apiUrl: string;
  let answer: { status: number; body: string } = { status: 200, body: "null" };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body);
    });
    apiUrl = `http://127.0.0.1:${await listenOnLoopback(server)}/api`;
  });
  afterAll(async () => stopServer(server));

  const bearer = { kind: "bearer", value: "session-token-edges" } as const;
  const SESSION_BODY = JSON.stringify({ user: { id: "u9", email: "eve@example.com" }, session: { expiresAt: 1_900_000_000_000 } });

  describe("whoAmI outside 2xx", () => {
    it.each([300, 302, 404, 500, 503])("a %i answer is unknown even when its body looks like a session", async (status) => {
      answer = { status, body: SESSION_BODY };
      expect(await whoAmI(apiUrl, bearer, 5000)).toEqual({ state: "unknown" });
    });

    it.each([300, 500])("a %i answer of null is unknown, not a session that ended", async (status) => {
      answer = { status, body: "null" };
      expect(await whoAmI(apiUrl, bearer, 5000)).toEqual({ state: "unknown" });
    });
  });
});
