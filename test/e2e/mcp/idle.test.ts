/**
 * "No network at startup" held over time, not only at the instant tools/list returns: after the
 * handshake the client idles and pings for a few seconds while every peer the server knows of listens.
 * A request fired by a timer one second after start-up (a warm-up, a token check, a proactive refresh
 * of the stored, expired record) would land in the stand-in's request log or at the fake issuer.
 */
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCronicornStandIn } from "../../stack/cronicorn.js";
import type { StandIn } from "../../stack/cronicorn.js";
import { makeHome, startServer } from "../../helpers/mcp.js";
import { writeStoredRecord } from "../../helpers/signin.js";

/** Long enough to cover timers set at start-up for "a moment later"; the window is waited out on purpose. */
const IDLE_MS = 3_000;
const PING_EVERY_MS = 250;

/** A TCP listener that only counts who connects: any byte sent to the issuer or web app is a failure. */
async function startConnectionCounter(): Promise<{ url: string; connections: () => number; close(): Promise<void> }> {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    count += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => count,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe("no network at startup, over an idle window", () => {
  let stand: StandIn;
  let issuer: Awaited<ReturnType<typeof startConnectionCounter>>;
  beforeAll(async () => {
    stand = await startCronicornStandIn();
    issuer = await startConnectionCounter();
  });
  afterAll(async () => {
    await issuer?.close();
    await stand?.close();
  });

  it("sends no request to any peer while the client idles and pings for 3 s after the handshake, even with an expired stored sign-in", async () => {
    const home = makeHome();
    // An expired record with a refresh token: a refresh at start-up would call the issuer.
    const now = Date.now();
    const record = {
      access_token: "idle-access-token-0123456789",
      refresh_token: "idle-refresh-token-0123456789",
      expires_at: now - 60_000,
      token_type: "Bearer",
      issuer: issuer.url,
      client_id: "cronicorn-mcp",
      obtained_at: now - 3_600_000,
      flow: "pkce",
    };
    writeStoredRecord(path.join(home, ".cronicorn"), stand.webUrl, record);
    stand.resetRequests();

    const server = await startServer({ home, env: { CRONICORN_API_URL: stand.apiUrl, CRONICORN_WEB_URL: issuer.url, CRONICORN_ISSUER: issuer.url } });
    server.secrets.add(record.access_token).add(record.refresh_token);
    await server.client.listTools();
    const deadline = Date.now() + IDLE_MS;
    let pings = 0;
    while (Date.now() < deadline) {
      await server.client.ping();
      pings += 1;
      await new Promise((resolve) => setTimeout(resolve, PING_EVERY_MS));
    }

    expect(pings).toBeGreaterThan(1);
    expect(stand.requests).toEqual([]);
    expect(issuer.connections()).toBe(0);
    // The stored record is as it was: nothing refreshed it or moved it aside.
    expect(JSON.parse(fs.readFileSync(path.join(home, ".cronicorn", "credentials.json"), "utf8")).records[stand.webUrl]).toEqual(record);
    await server.close();
  });
});
