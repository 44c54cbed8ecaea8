/**
 * The device flow's timing held against a server that lies about it, in real time (tens of seconds, so
 * it runs with `npm run test:soak`): the client's own 5 s floor (RFC 8628) and slow_down's extra 5 s.
 * The same rules are tested on a fake clock in test/unit/auth/flows.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startCronicornStandIn } from "../stack/cronicorn.js";
import { startRecordingProxy } from "../helpers/proxy.js";
import { startServer } from "../helpers/mcp.js";
import { eventually, promptOf } from "../helpers/signin.js";

describe("device flow timing against a server that lies about its interval", () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it("honours slow_down: after the server says so, polls are at least 5 s further apart", async () => {
    // The proxy advertises a 1 s interval while the server enforces 7 s: the client's own 5 s floor
    // (RFC 8628) still polls too fast for it, so the first poll gets slow_down.
    const stand = await startCronicornStandIn({ deviceInterval: "7s" });
    cleanup.push(() => stand.close());
    const proxy = await startRecordingProxy(stand.webUrl);
    cleanup.push(() => proxy.close());
    const server = await startServer({
      env: {
        CRONICORN_API_URL: `${proxy.url}/api`,
        CRONICORN_WEB_URL: proxy.url,
        CRONICORN_ISSUER: proxy.url,
        CRONICORN_LOGIN_WAIT_S: "0",
        // The shipped floor, not the tests' faster one.
        CRONICORN_DEVICE_POLL_FLOOR_S: "5",
      },
    });
    cleanup.push(() => server.close());
    proxy.rewrite = { match: /\/api\/auth\/device\/code$/, change: (body) => ({ ...body, interval: 1 }) };
    promptOf(await server.call("list_jobs"));
    const polls = () => proxy.requests.filter((r) => r.path === "/api/auth/device/token");
    const slowed = await eventually(() => polls().findIndex((p) => p.error === "slow_down") + 1 || undefined, 30_000, "a slow_down answer");
    await eventually(() => polls().length > slowed || undefined, 30_000, "the poll after slow_down");
    const gap = (polls()[slowed]?.at ?? 0) - (polls()[slowed - 1]?.at ?? 0);
    expect(gap).toBeGreaterThanOrEqual(5_500);
    // The advertised 1 s was never believed: the first poll came no sooner than the 5 s floor.
    const code = proxy.requests.find((r) => r.path === "/api/auth/device/code");
    expect((polls()[0]?.at ?? 0) - (code?.at ?? 0)).toBeGreaterThanOrEqual(4_900);
  });
});
