/**
 * Behind a corporate proxy: with HTTP_PROXY (or http_proxy) set, the whole device sign-in and a tool
 * call go through a real forward proxy (Debian's tinyproxy) and its log shows them; with NO_PROXY
 * matching the API host, the proxy sees nothing. undici's EnvHttpProxyAgent proxies loopback too
 * unless NO_PROXY names it, so 127.0.0.1 peers are a fair stand-in for a remote API.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startCronicornStandIn } from "../../stack/cronicorn.js";
import { startServer } from "../../helpers/mcp.js";
import { eventually, promptOf, storedRecord } from "../../helpers/signin.js";
import { startTinyproxy } from "../../helpers/net/forward-proxy.js";

describe("proxies from the environment", () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  /** Sign in with the device flow and call list_jobs, with `env(proxyUrl)` added to the server's environment. */
  async function signInAndList(env: (proxyUrl: string) => Record<string, string>) {
    const stand = await startCronicornStandIn({ deviceInterval: "1s" });
    cleanup.push(() => stand.close());
    const proxy = await startTinyproxy();
    cleanup.push(() => proxy.close());
    const server = await startServer({
      env: { CRONICORN_API_URL: stand.apiUrl, CRONICORN_WEB_URL: stand.webUrl, CRONICORN_ISSUER: stand.webUrl, CRONICORN_LOGIN_WAIT_S: "0", ...env(proxy.url) },
    });
    cleanup.push(() => server.close());
    const prompt = promptOf(await server.call("login"));
    await stand.approveDevice(prompt.userCode as string);
    await eventually(() => storedRecord(server.home, stand.webUrl), 20_000, "the stored sign-in");
    // The background poll stores the record a moment before the pending sign-in is settled.
    const jobs = await eventually(
      async () => ((await server.call("list_jobs")).structuredContent as { jobs?: unknown } | undefined)?.jobs,
      20_000,
      "list_jobs after sign-in",
    );
    expect(jobs).toBeInstanceOf(Array);
    return { stand, proxy };
  }

  it("sends the device sign-in and the tool call through HTTP_PROXY", async () => {
    const { stand, proxy } = await signInAndList((url) => ({ HTTP_PROXY: url }));
    const lines = proxy.requests();
    expect(lines).toContain(`POST ${stand.apiUrl}/auth/device/code`);
    expect(lines).toContain(`POST ${stand.apiUrl}/auth/device/token`);
    expect(lines).toContain(`GET ${stand.apiUrl}/jobs`);
  });

  it("goes direct when NO_PROXY names the API host (lowercase http_proxy and no_proxy honoured too)", async () => {
    const { stand, proxy } = await signInAndList((url) => ({ http_proxy: url, no_proxy: "localhost,127.0.0.1" }));
    expect(stand.requests.some((r) => r.path === "/api/jobs" && r.status === 200)).toBe(true);
    expect(proxy.requests()).toEqual([]);
  });
});
