/**
 * The built server against a hostile sign-in server on 127.0.0.1 that hands out long secrets: a
 * 16 KiB device code and a 17 KiB JWT access token (which used to break redaction and make every
 * result print every secret), and a 100 KiB device code (refused at the door). Results stay usable,
 * masked, and nothing reaches stdout or stderr.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { echoCredential, type Handler, type SeenRequest } from "../../helpers/hostile-server.js";
import { listenOnLoopback, stopServer } from "../../stack/loopback.js";
import { leaksOf } from "../../helpers/leaks.js";
import { startServer, textOf } from "../../helpers/mcp.js";
import { eventually, storedRecord } from "../../helpers/signin.js";

const jwt17k = () =>
  `${Buffer.from('{"alg":"RS256","typ":"JWT"}').toString("base64url")}.${randomBytes(12_800).toString("base64url")}.${randomBytes(256).toString("base64url")}`;

/** Cronicorn's device endpoints handing out `deviceCode` and then `accessToken`; everything else echoes the credential. */
function deviceServer(deviceCode: string, accessToken: string): Handler {
  return (request) => {
    const route = request.url.split("?")[0];
    if (route === "/api/auth/device/code") {
      return { json: { device_code: deviceCode, user_code: "ABCD1234", verification_uri: "http://127.0.0.1/device", expires_in: 120, interval: 1 } };
    }
    if (route === "/api/auth/device/token") return { json: { access_token: accessToken, token_type: "Bearer", expires_in: 3600 } };
    return echoCredential(request);
  };
}

interface Hostile {
  origin: string;
  apiUrl: string;
  requests: SeenRequest[];
}

/** Like startHostileServer, but taking headers up to 64 KiB: a 17 KiB bearer is over Node's default 16 KiB. */
async function startHostile(handler: Handler): Promise<Hostile & { close(): Promise<void> }> {
  const requests: SeenRequest[] = [];
  const server = http.createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const seen = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(seen);
      const reply = handler(seen);
      res.writeHead(reply.status ?? 200, { "content-type": "application/json" }).end(JSON.stringify(reply.json ?? null));
    });
  });
  const origin = `http://127.0.0.1:${await listenOnLoopback(server)}`;
  return { origin, apiUrl: `${origin}/api`, requests, close: () => stopServer(server) };
}

describe("long secrets from a hostile sign-in server", () => {
  let hostile: (Hostile & { close(): Promise<void> }) | undefined;
  afterEach(async () => {
    await hostile?.close();
  });

  it("a 16 KiB device code and a 17 KiB JWT: sign-in completes, results stay usable and masked, nothing leaks", async () => {
    const deviceCode = randomBytes(12 * 1024).toString("base64url");
    const token = jwt17k();
    hostile = await startHostile(deviceServer(deviceCode, token));
    const server = await startServer({ env: { CRONICORN_API_URL: hostile.apiUrl, CRONICORN_LOGIN_WAIT_S: "0" } });
    server.secrets.add(deviceCode);
    server.secrets.add(token);

    const login = await server.call("login");
    expect(textOf(login)).toContain("ABCD1234");
    expect(textOf(login)).not.toMatch(/regular expression|withheld/i);
    await eventually(() => storedRecord(server.home, hostile!.origin), 20_000, "the stored 17 KiB token");

    const job = await server.call("get_job", { jobId: "job-echo" });
    expect(job.isError, textOf(job).slice(0, 500)).toBeFalsy();
    expect(JSON.stringify(job.structuredContent)).toContain("[redacted]");
    expect(leaksOf(JSON.stringify(job), token)).toEqual([]);
    expect(leaksOf(server.stdout() + server.stderr(), token)).toEqual([]);
    expect(leaksOf(server.stdout() + server.stderr(), deviceCode)).toEqual([]);
    await server.close();
  });

  it("a 100 KiB device code is refused with an error that names its size, and nothing leaks", async () => {
    const deviceCode = randomBytes(75 * 1024).toString("base64url");
    hostile = await startHostile(deviceServer(deviceCode, "unused-access-token"));
    const server = await startServer({ env: { CRONICORN_API_URL: hostile.apiUrl, CRONICORN_LOGIN_WAIT_S: "0" } });
    server.secrets.add(deviceCode);
    const login = await server.call("login");
    expect(login.isError).toBe(true);
    expect(textOf(login)).toContain("sent a device code of 100 KiB; cronicorn-mcp accepts at most 64 KiB");
    expect(hostile.requests.some((r) => r.url.startsWith("/api/auth/device/token"))).toBe(false);
    expect(leaksOf(JSON.stringify(login) + server.stdout() + server.stderr(), deviceCode)).toEqual([]);
    await server.close();
  });
});
