/**
 * A 429's Retry-After as the user reads it: any value a server (or a proxy) sends must become a wait
 * a person can act on — never "Infinity s" or a twenty-digit number — and a long one is never waited out.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CronicornClient } from "../../../src/api/client.js";
import { silentLogger } from "../../../src/core/log.js";
import { listenOnLoopback, stopServer } from "../../stack/loopback.js";

let server: http.Server;
let base: string;
let retryAfter = "";
let requests = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests++;
    req.resume();
    res.writeHead(429, { "content-type": "application/json", "retry-after": retryAfter });
    res.end("{}");
  });
  base = `http://127.0.0.1:${await listenOnLoopback(server)}/api`;
});
afterAll(async () => stopServer(server));

/** The message of a GET answered 429 with `header`, and how many requests it sent. */
async function rateLimited(header: string): Promise<{ message: string; sent: number }> {
  retryAfter = header;
  requests = 0;
  const client = new CronicornClient({
    apiUrl: base,
    timeoutMs: 5000,
    authorizer: { credential: async () => ({ kind: "bearer", value: "bearer-abcdef-123" }), unauthorized: async () => null },
    logger: silentLogger,
  });
  const error = await client.request({ method: "GET", path: "/jobs" }).then(
    () => new Error("expected a rejection"),
    (err: unknown) => err as Error,
  );
  return { message: error.message, sent: requests };
}

describe("Retry-After in a 429's message", () => {
  it("reads an absurd wait as more than a day, never Infinity or a huge number, and does not wait it out", async () => {
    for (const header of ["1e308", "1e400", "99999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT"]) {
      expect(await rateLimited(header), header).toEqual({ message: "Cronicorn is rate-limiting requests (429). Try again in more than a day.", sent: 1 });
    }
  });

  it("says a wait of minutes or hours in minutes or hours", async () => {
    expect((await rateLimited("119")).message).toBe("Cronicorn is rate-limiting requests (429). Try again in 119 s.");
    expect((await rateLimited("600")).message).toBe("Cronicorn is rate-limiting requests (429). Try again in 10 min.");
    expect((await rateLimited("7199")).message).toBe("Cronicorn is rate-limiting requests (429). Try again in 120 min.");
    expect((await rateLimited("7200")).message).toBe("Cronicorn is rate-limiting requests (429). Try again in 2 h.");
    expect((await rateLimited("86400")).message).toBe("Cronicorn is rate-limiting requests (429). Try again in 24 h.");
    expect((await rateLimited("86401")).message).toBe("Cronicorn is rate-limiting requests (429). Try again in more than a day.");
  });
});
