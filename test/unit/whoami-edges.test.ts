/**
 * whoAmI's edges against a get-session on 127.0.0.1: only a 2xx answer is read, so an error page or a
 * redirect whose body happens to look like a session (or like better-auth's null) never names a user.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { whoAmI } from "../../src/auth/whoami.js";
import { listenOnLoopback, stopServer } from "../stack/loopback.js";

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
