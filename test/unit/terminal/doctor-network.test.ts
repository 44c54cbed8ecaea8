/**
 * doctor's way to the API, step by step, against peers started here: an API root whose answers and
 * Date header the test sets, https servers with certificates made by openssl (trusted through the
 * check's `ca`, or not), a port that accepts and never speaks, one where nothing listens, and a host
 * name that cannot resolve. Each failing step must name itself and say what to do.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import path from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { freshly } from "../../helpers/fresh-module.js";
import { loadConfig, type Config } from "../../../src/config/config.js";
import type * as NetworkChecks from "../../../src/terminal/doctor/network.js";
import type { CheckResult } from "../../../src/terminal/doctor/types.js";
import { listenOnLoopback, stopServer } from "../../stack/loopback.js";
import { removeTempDirs, tempDir } from "../../helpers/store/harness.js";
import { startFakeApi, type FakeApi } from "../../helpers/terminal-fake-api.js";

const CA_FIX =
  "The certificate is not signed by a CA this Node.js trusts. If your network inspects TLS (a corporate proxy or antivirus), get its CA certificate and set NODE_EXTRA_CA_CERTS=/path/to/ca.pem in the server's environment; otherwise check CRONICORN_API_URL.";
const CLOCK_FIX = "Turn on automatic time sync (macOS: Date & Time settings; Windows: Settings → Time → Sync now; Linux: timedatectl set-ntp true).";

function configFor(apiUrl: string): Config {
  const loaded = loadConfig({ CRONICORN_API_URL: apiUrl });
  if (!loaded.ok) throw new Error(loaded.problems.join("; "));
  return loaded.config;
}

const byId = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [r.id, r]));

let api: FakeApi;
/** How to stop each server started here, open connections included. */
const closers: Array<() => Promise<void>> = [];
let certs: string;

/** A self-signed certificate for 127.0.0.1 with the given subject (and so issuer). */
function selfSigned(name: string, subject: string, altName = "IP:127.0.0.1"): { key: string; cert: string } {
  const key = path.join(certs, `${name}.key`);
  const cert = path.join(certs, `${name}.pem`);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "2",
      "-subj",
      subject,
      "-addext",
      `subjectAltName=${altName}`,
    ],
    { stdio: "ignore" },
  );
  return { key: fs.readFileSync(key, "utf8"), cert: fs.readFileSync(cert, "utf8") };
}

interface HttpsApi {
  url: string;
  /** The protocols each TLS client offered by ALPN (those that offered some). */
  alpn: string[][];
}

/** An https API root on `host` (127.0.0.1, ::1, or localhost on 127.0.0.1). */
async function httpsApi(options: https.ServerOptions, host = "127.0.0.1"): Promise<HttpsApi> {
  const alpn: string[][] = [];
  const ALPNCallback = ({ protocols }: { protocols: string[] }) => {
    alpn.push(protocols);
    return protocols[0];
  };
  const server = https.createServer({ ALPNCallback, ...options }, (_req, res) => res.end("{}"));
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const address = host === "localhost" ? "127.0.0.1" : host;
  const port = await new Promise<number>((resolve) => server.listen(0, address, () => resolve((server.address() as net.AddressInfo).port)));
  return { url: `https://${host.includes(":") ? `[${host}]` : host}:${port}/api`, alpn };
}

beforeAll(async () => {
  api = await startFakeApi();
  certs = await tempDir("certs-");
});
afterAll(async () => {
  await api?.close();
  for (const close of closers) await close();
  await removeTempDirs();
});
// A fresh copy of the checks for each test: their constants (the liveness path, the certificate error
// codes, the advice, the clock threshold) are read when the module loads, so a change to them shows
// only in a copy loaded after the change.
let checkClock: typeof NetworkChecks.checkClock;
let checkNetwork: typeof NetworkChecks.checkNetwork;
let networkFix: typeof NetworkChecks.networkFix;
let proxyRoute: typeof NetworkChecks.proxyRoute;
beforeEach(async () => {
  ({ checkClock, checkNetwork, networkFix, proxyRoute } = await freshly(() => import("../../../src/terminal/doctor/network.js")));
  api.asked.length = 0;
  api.answer("/api/auth/ok", { status: 200, body: { ok: true } });
});

describe("checkNetwork over plain http to this machine", () => {
  it("every step in order: the URL and where it came from, no proxy, an IP needs no lookup, no TLS, a 200, the clock", async () => {
    const results = await checkNetwork({ config: configFor(api.apiUrl), env: { CRONICORN_API_URL: api.apiUrl }, timeoutMs: 5_000 });
    expect(results).toEqual([
      { id: "api-url", title: "API URL", status: "ok", detail: `${api.apiUrl} (CRONICORN_API_URL)` },
      { id: "proxy", title: "proxy", status: "ok", detail: "none" },
      { id: "dns", title: "DNS", status: "ok", detail: "127.0.0.1 is an IP address (no lookup)" },
      { id: "tls", title: "TLS", status: "skip", detail: "plain http (allowed only for this machine)" },
      { id: "api", title: "API reachable", status: "ok", detail: `GET ${api.apiUrl}/auth/ok → 200`, ms: expect.any(Number) },
      { id: "clock", title: "clock", status: "ok", detail: "in step with the server's" },
    ]);
    expect(api.asked).toEqual([{ method: "GET", url: "/api/auth/ok", headers: expect.objectContaining({ accept: "application/json" }) }]);
  });

  it("says the URL is the default when CRONICORN_API_URL is not set", async () => {
    const [line] = await checkNetwork({ config: configFor(api.apiUrl), env: {}, timeoutMs: 5_000 });
    expect(line?.detail).toBe(`${api.apiUrl} (default)`);
  });

  it("looks a host name up, naming the addresses", async () => {
    const url = api.apiUrl.replace("127.0.0.1", "localhost");
    const dns = byId(await checkNetwork({ config: configFor(url), env: {}, timeoutMs: 5_000 })).dns;
    expect(dns).toEqual({ id: "dns", title: "DNS", status: "ok", detail: expect.stringMatching(/^localhost → (127\.0\.0\.1|::1)/), ms: expect.any(Number) });
  });

  it("an IPv6 address needs no lookup either", async () => {
    const dns = byId(await checkNetwork({ config: configFor("http://[::1]:9/api"), env: {}, timeoutMs: 2_000 })).dns;
    expect(dns).toEqual({ id: "dns", title: "DNS", status: "ok", detail: "::1 is an IP address (no lookup)" });
  });

  it("an answer other than 200 warns that this is not Cronicorn's API root", async () => {
    api.answer("/api/auth/ok", { status: 404 });
    const reach = byId(await checkNetwork({ config: configFor(api.apiUrl), env: {}, timeoutMs: 5_000 })).api;
    expect(reach).toEqual({
      id: "api",
      title: "API reachable",
      status: "warn",
      detail: `GET ${api.apiUrl}/auth/ok → 404`,
      fix: "The server answers, but not like Cronicorn's API: CRONICORN_API_URL should be the API's base URL, ending in /api.",
      ms: expect.any(Number),
    });
  });

  it("a dropped connection fails the request with the general advice, and skips the clock", async () => {
    api.answer("/api/auth/ok", { drop: true });
    const results = await checkNetwork({ config: configFor(api.apiUrl), env: {}, timeoutMs: 5_000 });
    expect(results.slice(-2)).toEqual([
      {
        id: "api",
        title: "API reachable",
        status: "fail",
        detail: expect.stringMatching(new RegExp(`^GET ${api.apiUrl.replace(/[.]/g, "\\.")}/auth/ok failed: `)),
        fix: "Check CRONICORN_API_URL, your network and proxy settings.",
        ms: expect.any(Number),
      },
      { id: "clock", title: "clock", status: "skip", detail: "no answer from the server to compare with" },
    ]);
  });

  it("an API that does not answer in time: says so", async () => {
    api.answer("/api/auth/ok", { status: 200, delayMs: 2_000 });
    const reach = byId(await checkNetwork({ config: configFor(api.apiUrl), env: {}, timeoutMs: 200 })).api;
    expect(reach).toMatchObject({
      status: "fail",
      fix: "The API did not answer in time: check your network, firewall or proxy (HTTPS_PROXY / NO_PROXY).",
    });
  });

  it("nothing listening: the API is down or the URL wrong", async () => {
    const closed = http.createServer();
    const port = await listenOnLoopback(closed);
    await stopServer(closed);
    const reach = byId(await checkNetwork({ config: configFor(`http://127.0.0.1:${port}/api`), env: {}, timeoutMs: 2_000 })).api;
    expect(reach).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("ECONNREFUSED"),
      fix: `Nothing answers at 127.0.0.1:${port}: the API is down, or CRONICORN_API_URL is wrong.`,
    });
  });
});

describe("the clock line, from the server's Date header and the time of the request", () => {
  const serverAt = Date.parse("2026-11-27T12:00:00Z");
  const clockWith = async (times: number[], answer = {}) => {
    api.answer("/api/auth/ok", { status: 200, headers: { date: new Date(serverAt).toUTCString() }, ...answer });
    const now = () => times.shift() ?? NaN;
    return byId(await checkNetwork({ config: configFor(api.apiUrl), env: {}, timeoutMs: 5_000, now })).clock;
  };

  it("compares the server's time with the middle of the request", async () => {
    expect(await clockWith([serverAt - 1_000, serverAt + 1_000])).toMatchObject({ status: "ok", detail: "in step with the server's" });
    expect(await clockWith([serverAt + 118_000, serverAt + 122_000])).toMatchObject({
      status: "warn",
      detail: "this machine's clock is 120 s ahead of the server's",
    });
  });

  it("skips when the server sends no Date header", async () => {
    expect(await clockWith([serverAt, serverAt], { headers: {}, sendDate: false })).toEqual({
      id: "clock",
      title: "clock",
      status: "skip",
      detail: "the server sent no Date header",
    });
  });
});

describe("checkClock", () => {
  const at = Date.parse("2026-11-27T12:00:00Z");
  const header = (offsetMs: number) => new Date(at + offsetMs).toUTCString();

  it("is in step within 2 s, names a skew of 3 s to 59 s, warns from 60 s, and fails from the refresh skew", () => {
    expect(checkClock(header(-2_000), at, 300_000)).toEqual({ id: "clock", title: "clock", status: "ok", detail: "in step with the server's" });
    expect(checkClock(header(2_000), at, 300_000).detail).toBe("in step with the server's");
    expect(checkClock(header(-3_000), at, 300_000)).toEqual({
      id: "clock",
      title: "clock",
      status: "ok",
      detail: "this machine's clock is 3 s ahead of the server's",
    });
    expect(checkClock(header(-59_000), at, 300_000).status).toBe("ok");
    expect(checkClock(header(60_000), at, 300_000)).toEqual({
      id: "clock",
      title: "clock",
      status: "warn",
      detail: "this machine's clock is 60 s behind the server's",
      fix: CLOCK_FIX,
    });
    expect(checkClock(header(-299_000), at, 300_000).status).toBe("warn");
    expect(checkClock(header(-300_000), at, 300_000)).toEqual({
      id: "clock",
      title: "clock",
      status: "fail",
      detail: "this machine's clock is 300 s ahead of the server's: token expiry is judged wrongly",
      fix: CLOCK_FIX,
    });
  });

  it("never fails under a minute, whatever the refresh skew; takes the first of several Date headers", () => {
    expect(checkClock(header(-30_000), at, 10_000).status).toBe("ok");
    expect(checkClock(header(-60_000), at, 10_000).status).toBe("fail");
    expect(checkClock([header(-120_000), header(0)], at, 300_000).status).toBe("warn");
    expect(checkClock("not a date", at, 300_000).status).toBe("skip");
  });
});

describe("checkNetwork through a proxy", () => {
  it("names the proxy without its password, and leaves DNS and TLS to it", async () => {
    const results = byId(
      await checkNetwork({ config: configFor("https://127.0.0.1:9/api"), env: { HTTPS_PROXY: "http://user:secret@127.0.0.1:3128/" }, timeoutMs: 1_000 }),
    );
    expect(results.proxy).toEqual({ id: "proxy", title: "proxy", status: "ok", detail: "http://127.0.0.1:3128 (from HTTPS_PROXY)" });
    expect(results.dns).toEqual({ id: "dns", title: "DNS", status: "skip", detail: "the proxy resolves the name" });
    expect(results.tls).toEqual({ id: "tls", title: "TLS", status: "skip", detail: 'through the proxy: checked by the "API reachable" request instead' });
  });

  it("plain http has no TLS step, proxy or not", async () => {
    const tlsLine = byId(await checkNetwork({ config: configFor(api.apiUrl), env: { HTTP_PROXY: "http://127.0.0.1:3128" }, timeoutMs: 1_000 })).tls;
    expect(tlsLine?.detail).toBe("plain http (allowed only for this machine)");
  });

  it("says when the proxy variable is not a URL, and when an empty lowercase variable hides the uppercase one", async () => {
    const proxy = async (env: NodeJS.ProcessEnv) => byId(await checkNetwork({ config: configFor(api.apiUrl), env, timeoutMs: 1_000 })).proxy;
    expect((await proxy({ HTTP_PROXY: "not a url" }))?.detail).toBe("(not a valid URL) (from HTTP_PROXY)");
    expect((await proxy({ http_proxy: "", HTTP_PROXY: "http://127.0.0.1:3128" }))?.detail).toBe(
      "none (http_proxy is set but empty, so HTTP_PROXY is not used)",
    );
    expect((await proxy({ http_proxy: "", HTTP_PROXY: "http://127.0.0.1:3128", no_proxy: "", NO_PROXY: "127.0.0.1" }))?.detail).toBe(
      "none (http_proxy is set but empty, so HTTP_PROXY is not used; no_proxy is set but empty, so NO_PROXY is not used)",
    );
  });

  it("names the variable that sends the API direct although a proxy is set", async () => {
    const line = byId(
      await checkNetwork({ config: configFor(api.apiUrl), env: { HTTP_PROXY: "http://127.0.0.1:3128", no_proxy: "127.0.0.1" }, timeoutMs: 1_000 }),
    ).proxy;
    expect(line).toEqual({ id: "proxy", title: "proxy", status: "ok", detail: "none for this URL (no_proxy)" });
  });

  it("warns that all_proxy (lowercase too) is not read", async () => {
    const line = byId(await checkNetwork({ config: configFor(api.apiUrl), env: { all_proxy: "http://127.0.0.1:3128" }, timeoutMs: 1_000 })).proxy;
    expect(line).toMatchObject({ status: "warn", detail: "none: all_proxy is set, but this server does not read it" });
  });
});

describe("proxyRoute", () => {
  const env = { HTTPS_PROXY: "http://proxy:8080", HTTP_PROXY: "http://proxy:8080" };

  it("matches a NO_PROXY host:port against the scheme's default port", () => {
    expect(proxyRoute(new URL("https://cronicorn.com/api"), { ...env, NO_PROXY: "cronicorn.com:443" })).toMatchObject({
      proxy: undefined,
      bypassedBy: "NO_PROXY",
    });
    expect(proxyRoute(new URL("http://cronicorn.com/api"), { ...env, NO_PROXY: "cronicorn.com:80" })).toMatchObject({
      proxy: undefined,
      bypassedBy: "NO_PROXY",
    });
    expect(proxyRoute(new URL("http://cronicorn.com/api"), { ...env, NO_PROXY: "cronicorn.com:443" }).proxy).toBeDefined();
  });

  it("ignores empty NO_PROXY entries", () => {
    expect(proxyRoute(new URL("https://cronicorn.com./api"), { ...env, NO_PROXY: "a.example,,b.example" }).proxy).toEqual({
      url: "http://proxy:8080",
      from: "HTTPS_PROXY",
    });
  });
});

describe("checkNetwork over https", () => {
  it("TLS OK: the protocol, whom the certificate is for, its issuer (organisation, else name, else unknown) and its expiry", async () => {
    const tlsLine = async (subject: string) => {
      const pair = selfSigned(subject.replace(/\W/g, "") || "empty", subject);
      const { url } = await httpsApi(pair);
      return byId(await checkNetwork({ config: configFor(url), env: {}, timeoutMs: 5_000, ca: pair.cert })).tls;
    };
    const full = await tlsLine("/CN=127.0.0.1/O=Doctor Test CA");
    expect(full).toEqual({
      id: "tls",
      title: "TLS",
      status: "ok",
      detail: expect.stringMatching(/^TLSv1\.[23], certificate for 127\.0\.0\.1 by Doctor Test CA, valid until \w{3} +\d+ [\d:]+ \d{4} GMT$/),
      ms: expect.any(Number),
    });
    expect(full?.ms).toBeLessThan(5_000);
    expect((await tlsLine("/CN=Doctor Test Name"))?.detail).toMatch(/, certificate for Doctor Test Name by Doctor Test Name, /);
    expect((await tlsLine("/O=Doctor Test Org"))?.detail).toMatch(/, certificate for 127\.0\.0\.1 by Doctor Test Org, /);
    expect((await tlsLine("/"))?.detail).toMatch(/, certificate for 127\.0\.0\.1 by unknown issuer, /);
  });

  it("offers HTTP/1.1 by ALPN, as the request to the API does", async () => {
    const pair = selfSigned("alpn", "/CN=127.0.0.1");
    const api = await httpsApi(pair);
    await checkNetwork({ config: configFor(api.url), env: {}, timeoutMs: 5_000, ca: pair.cert });
    expect(api.alpn[0]).toEqual(["http/1.1"]);
  });

  it("an IPv6 address: the handshake goes to the address itself", async () => {
    const pair = selfSigned("ipv6", "/CN=::1", "IP:::1");
    const { url } = await httpsApi(pair, "::1");
    const tlsLine = byId(await checkNetwork({ config: configFor(url), env: {}, timeoutMs: 5_000, ca: pair.cert })).tls;
    expect(tlsLine).toMatchObject({ status: "ok", detail: expect.stringContaining("certificate for ::1") });
  });

  it("a host name: names it in the handshake (SNI), so a server with several certificates shows the right one", async () => {
    const other = selfSigned("other", "/CN=other.example", "DNS:other.example");
    const mine = selfSigned("localhost", "/CN=localhost", "DNS:localhost");
    const { url } = await httpsApi(
      { ...other, SNICallback: (name, done) => done(null, name === "localhost" ? tls.createSecureContext(mine) : undefined) },
      "localhost",
    );
    const tlsLine = byId(await checkNetwork({ config: configFor(url), env: {}, timeoutMs: 5_000, ca: `${other.cert}${mine.cert}` })).tls;
    expect(tlsLine).toMatchObject({ status: "ok", detail: expect.stringContaining("certificate for localhost by localhost") });
  });

  it("a certificate from a CA Node.js does not trust: TLS and the request fail, both naming NODE_EXTRA_CA_CERTS", async () => {
    const { url } = await httpsApi(selfSigned("untrusted", "/CN=127.0.0.1/O=Doctor Untrusted CA"));
    const host = new URL(url).host;
    const results = byId(await checkNetwork({ config: configFor(url), env: {}, timeoutMs: 5_000 }));
    expect(results.tls).toEqual({
      id: "tls",
      title: "TLS",
      status: "fail",
      detail: expect.stringMatching(new RegExp(`^handshake with ${host.replace(/[.]/g, "\\.")} failed: .*self[- ]signed`, "i")),
      fix: CA_FIX,
      ms: expect.any(Number),
    });
    expect(results.tls?.ms).toBeLessThan(5_000);
    expect(results.api).toMatchObject({ status: "fail", fix: CA_FIX });
  });

  it("a port that takes the connection and never speaks TLS: fails after the time limit", async () => {
    const sockets: net.Socket[] = [];
    // Silent for a second, then hangs up: longer than the check waits, and short enough for the request after it.
    const silent = net.createServer((socket) => {
      sockets.push(socket);
      setTimeout(() => socket.destroy(), 1_000);
    });
    closers.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });
    const port = await new Promise<number>((resolve) => silent.listen(0, "127.0.0.1", () => resolve((silent.address() as net.AddressInfo).port)));
    const tlsLine = byId(await checkNetwork({ config: configFor(`https://127.0.0.1:${port}/api`), env: {}, timeoutMs: 300 })).tls;
    expect(tlsLine).toEqual({
      id: "tls",
      title: "TLS",
      status: "fail",
      detail: `no TLS handshake with 127.0.0.1:${port} within 300 ms`,
      fix: "Check your network, firewall or proxy (HTTPS_PROXY).",
      ms: expect.any(Number),
    });
    expect(tlsLine?.ms).toBeGreaterThanOrEqual(250);
    expect(tlsLine?.ms).toBeLessThan(5_000);
  });

  it("nothing listening: TLS fails with the general advice", async () => {
    const closed = http.createServer();
    const port = await listenOnLoopback(closed);
    await stopServer(closed);
    const tlsLine = byId(await checkNetwork({ config: configFor(`https://127.0.0.1:${port}/api`), env: {}, timeoutMs: 2_000 })).tls;
    expect(tlsLine).toMatchObject({ status: "fail", detail: expect.stringContaining("ECONNREFUSED"), fix: "Check CRONICORN_API_URL and your network." });
  });

  it("a host name that does not resolve: DNS fails, TLS is skipped, the request fails saying why", async () => {
    const results = await checkNetwork({ config: configFor("https://doctor-test.invalid/api"), env: {}, timeoutMs: 5_000 });
    const lines = byId(results);
    expect(lines.dns).toEqual({
      id: "dns",
      title: "DNS",
      status: "fail",
      detail: expect.stringMatching(/^doctor-test\.invalid does not resolve: .*ENOTFOUND/),
      fix: "Check the host name in CRONICORN_API_URL and your DNS / VPN.",
      ms: expect.any(Number),
    });
    expect(lines.tls).toEqual({ id: "tls", title: "TLS", status: "skip", detail: "the host name does not resolve" });
    expect(lines.api?.fix).toBe("The host name does not resolve: check CRONICORN_API_URL and your DNS / VPN.");
  });
});

describe("networkFix (the advice for each failure)", () => {
  const api = new URL("https://api.example:8443/api");
  it.each([
    ["ECONNREFUSED", "Nothing answers at api.example:8443: the API is down, or CRONICORN_API_URL is wrong."],
    ["ENOTFOUND", "The host name does not resolve: check CRONICORN_API_URL and your DNS / VPN."],
    ["EAI_AGAIN", "The host name does not resolve: check CRONICORN_API_URL and your DNS / VPN."],
    ["UND_ERR_CONNECT_TIMEOUT", "The API did not answer in time: check your network, firewall or proxy (HTTPS_PROXY / NO_PROXY)."],
    ["UND_ERR_HEADERS_TIMEOUT", "The API did not answer in time: check your network, firewall or proxy (HTTPS_PROXY / NO_PROXY)."],
    ["SELF_SIGNED_CERT_IN_CHAIN", CA_FIX],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", CA_FIX],
    ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", CA_FIX],
    ["UNABLE_TO_GET_ISSUER_CERT_LOCALLY", CA_FIX],
    ["UNABLE_TO_GET_ISSUER_CERT", CA_FIX],
    ["CERT_UNTRUSTED", CA_FIX],
    ["CERT_HAS_EXPIRED", "The server's certificate has expired (or this machine's clock is far off): check the clock, then tell the server's operator."],
    ["ERR_TLS_CERT_ALTNAME_INVALID", "The certificate is for another host name: check CRONICORN_API_URL."],
    ["CERT_REVOKED", "Check CRONICORN_API_URL and your network."],
    ["ERR_TLS_HANDSHAKE_TIMEOUT", "Check CRONICORN_API_URL and your network."],
    ["UND_ERR_SOCKET", "Check CRONICORN_API_URL, your network and proxy settings."],
    ["MY_CERT_", "Check CRONICORN_API_URL, your network and proxy settings."],
    [undefined, "Check CRONICORN_API_URL, your network and proxy settings."],
  ])("%s", (code, fix) => {
    expect(networkFix(code, api)).toBe(fix);
  });
});
