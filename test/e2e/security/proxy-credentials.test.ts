/**
 * Proxy credentials are secrets: with HTTP_PROXY=http://user:pass@proxy, undici sends
 * `Proxy-Authorization: Basic base64(user:pass)`, and a proxy that refuses the request with a text page
 * echoing that header (decoded too) must not get the password into the tool result, stdout or stderr.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFake, text, type FakeServer } from "../../helpers/net/fake.js";
import { leaksOf } from "../../helpers/leaks.js";
import { startServer, textOf } from "../../helpers/mcp.js";

const USER = "corp-proxy-user";
const PASSWORD = "Pr0xy_pass_Tq8Lw3Zx5";
const PAIR = `${USER}:${PASSWORD}`;

let proxy: FakeServer;
beforeAll(async () => {
  // A corporate proxy's refusal page that shows the request's credentials back, raw and decoded.
  proxy = await startFake((req, res) => {
    const header = String(req.headers["proxy-authorization"] ?? "");
    const decoded = Buffer.from(header.replace(/^Basic /, ""), "base64").toString("utf8");
    text(res, 403, `Access denied by policy.\nProxy-Authorization: ${header}\nCredentials: ${decoded}\n`);
  });
});
afterAll(async () => {
  await proxy?.close();
});

describe("a proxy that echoes Proxy-Authorization in its 403 page", () => {
  it.each(["HTTP_PROXY", "http_proxy"])("leaves no proxy credential in the tool result (%s)", async (variable) => {
    const proxyUrl = `http://${encodeURIComponent(USER)}:${encodeURIComponent(PASSWORD)}@${new URL(proxy.origin).host}`;
    const server = await startServer({
      env: { CRONICORN_API_URL: "http://127.0.0.1:9/api", CRONICORN_API_KEY: "cron_key_ProxyCase_0k9j8h", [variable]: proxyUrl },
    });
    server.secrets.add(PASSWORD);
    server.secrets.add(PAIR);
    const result = await server.call("list_jobs");
    expect(proxy.received.some((r) => r.headers["proxy-authorization"] === `Basic ${Buffer.from(PAIR).toString("base64")}`)).toBe(true);
    expect(result.isError).toBe(true);
    const shown = JSON.stringify(result);
    expect(textOf(result)).toContain("Access denied by policy"); // the page reached the result: the mask is what saves it
    for (const secret of [PASSWORD, PAIR]) expect(leaksOf(shown, secret)).toEqual([]);
    await server.close();
  });
});
