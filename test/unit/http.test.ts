import http from "node:http";
import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { exchange } from "../../src/api/http.js";
import { listenOnLoopback, stopServer } from "../stack/loopback.js";

describe("exchange (the API client's HTTP)", () => {
  const servers: http.Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await stopServer(server);
  });

  it("sends again on a fresh connection when a reused keep-alive connection turns out to be closed", async () => {
    const sockets = new Set<Socket>();
    let requests = 0;
    const server = http.createServer((req, res) => {
      requests++;
      sockets.add(req.socket);
      // The second request arrives on the kept-alive socket: drop it, as a server does that just closed an idle connection.
      if (requests === 2) return req.socket.destroy();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ n: requests }));
    });
    servers.push(server);
    const url = new URL(`http://127.0.0.1:${await listenOnLoopback(server)}/x`);
    const post = { method: "POST", headers: { "content-type": "application/json" }, body: "{}", timeoutMs: 5000 };

    expect(JSON.parse((await exchange(url, post)).text)).toEqual({ n: 1 });
    const second = await exchange(url, post);
    expect(JSON.parse(second.text)).toEqual({ n: 3 });
    expect(sockets.size).toBe(2); // the retry used a new connection
  });

  it("does not hide a reset on a fresh connection", async () => {
    const server = http.createServer((req) => req.socket.destroy());
    servers.push(server);
    const url = new URL(`http://127.0.0.1:${await listenOnLoopback(server)}/x`);
    await expect(exchange(url, { method: "GET", headers: {}, timeoutMs: 5000 })).rejects.toMatchObject({ code: "ECONNRESET" });
  });

  it("gives up after its deadline with a TimeoutError", async () => {
    const server = http.createServer(() => undefined); // never answers
    servers.push(server);
    const url = new URL(`http://127.0.0.1:${await listenOnLoopback(server)}/x`);
    await expect(exchange(url, { method: "GET", headers: {}, timeoutMs: 200 })).rejects.toMatchObject({ name: "TimeoutError" });
  });
});
