/**
 * doctor's proxy line against the route requests really take. For each case the proxy variables are
 * set, a fresh copy of the network modules is loaded (so the shared dispatcher is built from them, as
 * at a process start), and doctor's own network check runs: its request to the API goes through the
 * real dispatcher to fake proxies and targets on loopback, which record who was asked. The route they
 * saw must be the one doctor prints.
 */
import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { freshly } from "../../helpers/fresh-module.js";
import { loadConfig } from "../../../src/config/config.js";
import type { CheckResult } from "../../../src/terminal/doctor/types.js";

type Route = "A" | "B" | "direct";

/** A TCP peer that records each connection's first line (a proxy request, or "TLS"), then answers and hangs up. */
interface Peer {
  host: string;
  port: number;
  seen: string[];
  close(): Promise<void>;
}

async function startPeer(host: string, answer: string | null): Promise<Peer> {
  const seen: string[] = [];
  const server = net.createServer((socket) => {
    socket.on("error", () => undefined);
    socket.once("data", (chunk: Buffer) => {
      seen.push(chunk[0] === 0x16 ? "TLS" : (chunk.toString("latin1").split("\r\n")[0] ?? ""));
      if (answer === null) socket.destroy();
      else socket.end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    host,
    port: (server.address() as net.AddressInfo).port,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const BAD_GATEWAY = "HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
const NOT_FOUND = "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";

const VARIABLES = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"];

let proxyA: Peer;
let proxyB: Peer;
let plain: Peer;
let tls: Peer;
let plainV6: Peer;
const peers = () => [proxyA, proxyB, plain, tls, plainV6];

beforeAll(async () => {
  proxyA = await startPeer("127.0.0.1", BAD_GATEWAY);
  proxyB = await startPeer("127.0.0.1", BAD_GATEWAY);
  plain = await startPeer("127.0.0.1", NOT_FOUND);
  tls = await startPeer("127.0.0.1", null); // a TLS handshake that fails at once: only who was asked matters
  plainV6 = await startPeer("::1", NOT_FOUND);
});
afterAll(async () => {
  for (const peer of peers()) await peer?.close();
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

const A = () => `http://127.0.0.1:${proxyA.port}`;
const B = () => `http://127.0.0.1:${proxyB.port}`;

interface Case {
  name: string;
  target: "http" | "https" | "http-v6";
  env: () => Record<string, string>;
  route: Route;
}

const cases: Case[] = [
  { name: "no proxy variable", target: "http", env: () => ({}), route: "direct" },
  { name: "HTTP_PROXY, http API", target: "http", env: () => ({ HTTP_PROXY: A() }), route: "A" },
  { name: "http_proxy wins over HTTP_PROXY", target: "http", env: () => ({ http_proxy: A(), HTTP_PROXY: B() }), route: "A" },
  { name: "an empty http_proxy hides HTTP_PROXY", target: "http", env: () => ({ http_proxy: "", HTTP_PROXY: A() }), route: "direct" },
  { name: "HTTPS_PROXY, https API", target: "https", env: () => ({ HTTPS_PROXY: A() }), route: "A" },
  { name: "https_proxy wins over HTTPS_PROXY", target: "https", env: () => ({ https_proxy: A(), HTTPS_PROXY: B() }), route: "A" },
  { name: "an empty https_proxy hides HTTPS_PROXY", target: "https", env: () => ({ https_proxy: "", HTTPS_PROXY: B() }), route: "direct" },
  { name: "HTTP_PROXY only, https API", target: "https", env: () => ({ HTTP_PROXY: A() }), route: "A" },
  { name: "HTTPS_PROXY before HTTP_PROXY, https API", target: "https", env: () => ({ HTTPS_PROXY: A(), HTTP_PROXY: B() }), route: "A" },
  { name: "HTTPS_PROXY only, http API", target: "http", env: () => ({ HTTPS_PROXY: A() }), route: "direct" },
  { name: "ALL_PROXY is not read", target: "https", env: () => ({ ALL_PROXY: A(), all_proxy: A() }), route: "direct" },
  { name: "NO_PROXY names the host", target: "http", env: () => ({ HTTP_PROXY: A(), NO_PROXY: "127.0.0.1" }), route: "direct" },
  { name: "NO_PROXY=*", target: "http", env: () => ({ HTTP_PROXY: A(), NO_PROXY: "*" }), route: "direct" },
  { name: "NO_PROXY=*,x: * counts only alone", target: "http", env: () => ({ HTTP_PROXY: A(), NO_PROXY: "*,example.com" }), route: "A" },
  { name: "NO_PROXY=[::1], IPv6 API", target: "http-v6", env: () => ({ HTTP_PROXY: A(), NO_PROXY: "[::1]" }), route: "direct" },
  { name: "NO_PROXY=::1, IPv6 API", target: "http-v6", env: () => ({ HTTP_PROXY: A(), NO_PROXY: "::1" }), route: "A" },
  { name: "NO_PROXY host:port, the API's port", target: "http", env: () => ({ HTTP_PROXY: A(), NO_PROXY: `127.0.0.1:${plain.port}` }), route: "direct" },
  { name: "NO_PROXY host:port, another port", target: "http", env: () => ({ HTTP_PROXY: A(), NO_PROXY: "127.0.0.1:1" }), route: "A" },
  { name: "an empty no_proxy hides NO_PROXY", target: "http", env: () => ({ HTTP_PROXY: A(), no_proxy: "", NO_PROXY: "127.0.0.1" }), route: "A" },
  { name: "no_proxy wins over NO_PROXY", target: "http", env: () => ({ HTTP_PROXY: A(), no_proxy: "example.com", NO_PROXY: "127.0.0.1" }), route: "A" },
  { name: "NO_PROXY suffix .0.0.1", target: "http", env: () => ({ HTTP_PROXY: A(), NO_PROXY: ".0.0.1" }), route: "direct" },
  { name: "NO_PROXY with spaces and an IPv4 in a list", target: "http", env: () => ({ HTTP_PROXY: A(), NO_PROXY: "example.com  127.0.0.1" }), route: "direct" },
];

function apiUrl(target: Case["target"]): string {
  if (target === "https") return `https://127.0.0.1:${tls.port}/api`;
  if (target === "http-v6") return `http://[::1]:${plainV6.port}/api`;
  return `http://127.0.0.1:${plain.port}/api`;
}

/** Who the request reached first: one of the proxies, or the API itself. */
function routeTaken(): Route | "nothing" {
  if (proxyA.seen.length > 0) return "A";
  if (proxyB.seen.length > 0) return "B";
  return [plain, tls, plainV6].some((p) => p.seen.length > 0) ? "direct" : "nothing";
}

function routePrinted(detail: string): Route | string {
  if (detail.startsWith(A())) return "A";
  if (detail.startsWith(B())) return "B";
  return detail.startsWith("none") ? "direct" : detail;
}

/** doctor's network check with exactly these proxy variables, its request sent through a freshly built shared dispatcher. */
async function doctorWith(env: Record<string, string>, target: Case["target"]): Promise<CheckResult> {
  for (const name of VARIABLES) vi.stubEnv(name, undefined);
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  for (const peer of peers()) peer.seen.length = 0;
  // A fresh shared dispatcher, built from these variables.
  const { checkNetwork } = await freshly(() => import("../../../src/terminal/doctor/network.js"));
  const loaded = loadConfig({ CRONICORN_API_URL: apiUrl(target) });
  if (!loaded.ok) throw new Error(loaded.problems.join());
  const results = await checkNetwork({ config: loaded.config, env: process.env, timeoutMs: 5_000 });
  const line = results.find((r) => r.id === "proxy");
  if (!line) throw new Error("doctor printed no proxy line");
  return line;
}

describe("doctor's proxy line and the route undici takes", () => {
  it.each(cases)("$name → $route", async ({ env, target, route }) => {
    const printed = (await doctorWith(env(), target)).detail;
    expect(routeTaken(), "the route the request took").toBe(route);
    expect(routePrinted(printed), `doctor printed "${printed}"`).toBe(route);
  });

  it("warns that ALL_PROXY is not read, saying what to set instead", async () => {
    expect(await doctorWith({ ALL_PROXY: A() }, "https")).toEqual({
      id: "proxy",
      title: "proxy",
      status: "warn",
      detail: "none: ALL_PROXY is set, but this server does not read it",
      fix: "If requests must go through that proxy, set HTTPS_PROXY (and HTTP_PROXY) to it in the server's environment.",
    });
  });

  it("says when an empty lowercase variable hides the uppercase one", async () => {
    expect((await doctorWith({ https_proxy: "", HTTPS_PROXY: B() }, "https")).detail).toBe("none (https_proxy is set but empty, so HTTPS_PROXY is not used)");
    expect((await doctorWith({ HTTP_PROXY: A(), no_proxy: "", NO_PROXY: "127.0.0.1" }, "http")).detail).toBe(
      `${A()} (from HTTP_PROXY) (no_proxy is set but empty, so NO_PROXY is not used)`,
    );
    expect((await doctorWith({ HTTP_PROXY: A(), NO_PROXY: "127.0.0.1" }, "http")).detail).toBe("none for this URL (NO_PROXY)");
  });
});
