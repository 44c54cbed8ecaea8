/**
 * `cronicorn://auth/status` in process: one server instance per connection, as the factory attaches it,
 * served by the SDK's stdio entry over an in-memory pair to a client of either era. What a client reads
 * (JSON, redacted, a failed read as a problem), who hears a change (2025 subscribers, 2026 listeners),
 * how changes are coalesced, and the expiry nobody triggers.
 */
import { InMemoryTransport, McpServer } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AuthStatus } from "../../../src/auth/types.js";
import { registerSecret } from "../../../src/core/log.js";
import { AUTH_STATUS_URI, createAuthStatusResource, type AuthStatusOptions, type AuthStatusView } from "../../../src/mcp/resources/auth-status.js";
import { clientFor, ERAS, type Era } from "../../helpers/mcp.js";

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const close of closers.splice(0)) await close();
});

const signedOut: AuthStatus = { signedIn: false, apiUrl: "https://cronicorn.com/api", source: "none", store: "file" };

async function connect(era: Era, options: Partial<AuthStatusOptions> & { read?: AuthStatusOptions["read"] } = {}) {
  const resource = createAuthStatusResource({ read: async () => signedOut, ...options });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const handle = serveStdio(
    ({ era: served }) => {
      const server = new McpServer({ name: "status-test", version: "1.0.0" });
      resource.attach(server, served);
      return server;
    },
    { transport: serverSide },
  );
  const client = clientFor(era);
  const updates: string[] = [];
  client.setNotificationHandler("notifications/resources/updated", (n) => void updates.push(n.params.uri));
  await client.connect(clientSide);
  closers.push(async () => {
    await client.close();
    await handle.close();
  });
  const read = async () => {
    const [content] = (await client.readResource({ uri: AUTH_STATUS_URI })).contents as Array<{ uri: string; mimeType?: string; text: string }>;
    return content;
  };
  return { resource, client, updates, read };
}

/** Lets in-memory messages and their handlers run. */
const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe.each(ERAS)("the auth status resource, %s era", (era) => {
  it("is listed as JSON, with subscriptions declared", async () => {
    const { client } = await connect(era);
    expect(client.getServerCapabilities()?.resources?.subscribe).toBe(true);
    expect((await client.listResources()).resources).toEqual([
      expect.objectContaining({ uri: AUTH_STATUS_URI, name: "auth-status", title: "Cronicorn sign-in status", mimeType: "application/json" }),
    ]);
  });

  it("reads the status as JSON, with every registered secret masked", async () => {
    registerSecret("status-echoed-secret-42");
    const view: AuthStatus = { ...signedOut, signedIn: true, source: "file", user: { name: "status-echoed-secret-42" } };
    const { read } = await connect(era, { read: async () => view });
    const content = await read();
    expect(content).toMatchObject({ uri: AUTH_STATUS_URI, mimeType: "application/json" });
    expect(JSON.parse(content?.text ?? "")).toEqual({ ...view, user: { name: "[redacted]" } });
  });

  it("reads a status that cannot be read as not signed in, with the problem", async () => {
    let failure: unknown = new Error("the keychain is locked");
    const { read } = await connect(era, { read: () => Promise.reject(failure) });
    expect(JSON.parse((await read())?.text ?? "")).toEqual({ signedIn: false, problem: "the keychain is locked" });
    failure = "a bare string";
    expect(JSON.parse((await read())?.text ?? "")).toEqual({ signedIn: false, problem: "a bare string" });
  });
});

describe("who hears a change", () => {
  it("a 2025-era client hears it only while subscribed", async () => {
    let now = 10_000;
    const { resource, client, updates } = await connect("legacy", { now: () => now });
    resource.changed();
    await settle();
    expect(updates).toEqual([]);
    await client.subscribeResource({ uri: AUTH_STATUS_URI });
    resource.changed();
    await settle();
    expect(updates).toEqual([AUTH_STATUS_URI]);
    await client.unsubscribeResource({ uri: AUTH_STATUS_URI });
    now += 5_000;
    resource.changed();
    await settle();
    expect(updates).toEqual([AUTH_STATUS_URI]);
  });

  it("a 2026-era client hears it on its listen stream", async () => {
    const { resource, client, updates } = await connect("modern");
    const subscription = await client.listen({ resourceSubscriptions: [AUTH_STATUS_URI] });
    resource.changed();
    await settle();
    expect(updates).toEqual([AUTH_STATUS_URI]);
    await subscription.close();
  });

  it("coalesces a burst into one notice now and one after the gap", async () => {
    let now = 10_000;
    const { resource, client, updates } = await connect("legacy", { now: () => now, minGapMs: 200 });
    await client.subscribeResource({ uri: AUTH_STATUS_URI });
    resource.changed();
    resource.changed();
    resource.changed();
    await settle();
    expect(updates).toHaveLength(1);
    now += 100;
    resource.changed();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await settle();
    expect(updates).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await settle();
    expect(updates).toHaveLength(2);
    // The gap has passed since: the next change is told at once.
    now += 1_000;
    resource.changed();
    await settle();
    expect(updates).toHaveLength(3);
  });
});

describe("expiry", () => {
  const expiring = (expiresAt: string | undefined, signedIn = true): AuthStatusView => ({
    ...signedOut,
    signedIn,
    source: "file",
    ...(expiresAt ? { expiresAt } : {}),
  });

  it("tells a subscriber when a signed-in status reaches its expiry, once it has been read", async () => {
    const at = Date.now() + 300;
    const { client, updates, read } = await connect("legacy", { read: async () => expiring(new Date(at).toISOString()) });
    await client.subscribeResource({ uri: AUTH_STATUS_URI });
    await read();
    await settle();
    expect(updates).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now()) + 100));
    await settle();
    expect(updates).toEqual([AUTH_STATUS_URI]);
  });

  it("arms nothing for a status already expired, signed out, without an expiry, or whose next read replaced it", async () => {
    let view = expiring(new Date(Date.now() - 1000).toISOString());
    const { client, updates, read } = await connect("legacy", { read: async () => view });
    await client.subscribeResource({ uri: AUTH_STATUS_URI });
    await read();
    view = expiring(new Date(Date.now() + 200).toISOString(), false);
    await read();
    view = expiring(undefined);
    await read();
    view = expiring("not a time");
    await read();
    view = expiring(new Date(Date.now() + 200).toISOString());
    await read();
    view = expiring(new Date(Date.now() + 60_000).toISOString());
    await read(); // replaces the timer of the read before
    await new Promise((resolve) => setTimeout(resolve, 400));
    await settle();
    expect(updates).toEqual([]);
  });

  it("arms nothing for an expiry that is exactly now", async () => {
    const now = Date.parse("2030-01-01T00:00:00.000Z");
    const { client, updates, read } = await connect("legacy", { now: () => now, read: async () => expiring(new Date(now).toISOString()) });
    await client.subscribeResource({ uri: AUTH_STATUS_URI });
    await read();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await settle();
    expect(updates).toEqual([]);
  });

  it("waits no longer than a timer can, for an expiry weeks ahead, and does not fire early", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { client, updates, read } = await connect("legacy", { read: async () => expiring(new Date(Date.now() + 40 * 86_400_000).toISOString()) });
    await client.subscribeResource({ uri: AUTH_STATUS_URI });
    await read();
    vi.advanceTimersByTime(60_000);
    await settle();
    expect(updates).toEqual([]);
    vi.advanceTimersByTime(2_147_483_647);
    await settle();
    expect(updates).toEqual([AUTH_STATUS_URI]);
  });
});
