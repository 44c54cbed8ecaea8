import http from "node:http";
import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { CronicornClient } from "../../../src/api/client.js";

import { silentLogger } from "../../../src/core/log.js";
import { netFetch, send } from "../../../src/net/fetch.js";
import pkg from "../../../package.json" with { type: "json" };
import { listenOnLoopback, stopServer } from "../../stack/loopback.js";
import type { Authorizer } from "../../../src/auth/credential.js";

const apiKey: Authorizer = { credential: async () => ({ kind: "api-key", value: "test-key-123456" }), unauthorized: async () => null };

describe("the API client's HTTP (undici through the shared dispatcher)", () => {
  const servers: http.Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await stopServer(server);
  });

  /** A server that answers on a kept-alive socket, and drops the connection of request number `drop`. */
  async function droppingServer(drop: number) {
    const sockets = new Set<Socket>();
    const received: string[] = [];
    const server = http.createServer((req, res) => {
      received.push(`${req.method} ${req.url}`);
      sockets.add(req.socket);
      // The request arrived (the server read it), then the connection broke before any answer.
      if (received.length === drop) return req.socket.destroy();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ n: received.length }));
    });
    servers.push(server);
    const port = await listenOnLoopback(server);
    const client = new CronicornClient({ apiUrl: `http://127.0.0.1:${port}/api`, timeoutMs: 5000, authorizer: apiKey, logger: silentLogger });
    return { client, received, sockets };
  }

  it("never sends a POST twice when the connection breaks after the server received it, and says it may have been applied", async () => {
    const { client, received } = await droppingServer(2);
    await client.request({ method: "POST", path: "/jobs", body: { name: "a" } });
    const second = client.request({ method: "POST", path: "/jobs", body: { name: "b" } });
    await expect(second).rejects.toThrow(/may or may not have been applied; check with list_jobs before retrying/);
    expect(received).toEqual(["POST /api/jobs", "POST /api/jobs"]); // not a third
  });

  it("sends an idempotent GET once more on a fresh connection when the connection breaks", async () => {
    const { client, received, sockets } = await droppingServer(2);
    await client.request({ method: "GET", path: "/jobs" });
    await client.request({ method: "GET", path: "/jobs" });
    expect(received).toEqual(["GET /api/jobs", "GET /api/jobs", "GET /api/jobs"]);
    expect(sockets.size).toBe(2); // the resend used a new connection
  });

  it("does not hide a reset on a fresh connection", async () => {
    const server = http.createServer((req) => req.socket.destroy());
    servers.push(server);
    const url = new URL(`http://127.0.0.1:${await listenOnLoopback(server)}/x`);
    await expect(send(url, { method: "GET", headers: {}, timeoutMs: 5000 })).rejects.toMatchObject({
      code: expect.stringMatching(/ECONNRESET|UND_ERR_SOCKET/),
    });
  });

  it("names itself cronicorn-mcp/<version> in one User-Agent on every exchange, in place of any a caller set (openid-client sets its own)", async () => {
    const agents: string[][] = [];
    const server = http.createServer((req, res) => {
      const values: string[] = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]?.toLowerCase() === "user-agent") values.push(req.rawHeaders[i + 1] ?? "");
      agents.push(values);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
    servers.push(server);
    const url = `http://127.0.0.1:${await listenOnLoopback(server)}/x`;
    await send(url, { method: "GET", headers: {}, timeoutMs: 5000 });
    await send(url, { method: "GET", headers: { "User-Agent": "someone-else/1.0", "user-agent": "another/2.0" }, timeoutMs: 5000 });
    await netFetch(url, {
      method: "POST",
      headers: { "user-agent": "openid-client/v6.9.0", "content-type": "application/json" },
      body: "{}",
      redirect: "manual",
    });
    const agent = `cronicorn-mcp/${pkg.version}`;
    expect(agents).toEqual([[agent], [agent], [agent]]);
  });

  it("gives up after its deadline with a TimeoutError", async () => {
    const server = http.createServer(() => undefined); // never answers
    servers.push(server);
    const url = new URL(`http://127.0.0.1:${await listenOnLoopback(server)}/x`);
    await expect(send(url, { method: "GET", headers: {}, timeoutMs: 200 })).rejects.toMatchObject({ name: "TimeoutError" });
  });
});
