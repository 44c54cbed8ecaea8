/**
 * The way from here to the API, step by step, so a failure names its step: which proxy applies,
 * DNS, the TLS handshake (and the certificate's issuer), an HTTP answer from the API, and the
 * server's clock compared with ours (a skewed clock makes tokens look expired, or valid too long).
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import tls from "node:tls";
import { DeadlineError, errorCode } from "../../net/errors.js";
import { send } from "../../net/fetch.js";
import type { Config } from "../../config/config.js";
import { check, messageOf, timed, type CheckResult } from "./types.js";

/** better-auth's liveness route, mounted under the API on every Cronicorn (no credential, no side effect). */
export const REACHABILITY_PATH = "/auth/ok";

export interface ProxyChoice {
  url: string;
  from: string;
}

/** A variable as undici reads it: `lower ?? UPPER`, so a set-but-empty lowercase one hides the uppercase one. */
function readVariable(env: NodeJS.ProcessEnv, lower: string, upper: string): { name: string; value: string } | undefined {
  if (env[lower] !== undefined) return { name: lower, value: env[lower] };
  if (env[upper] !== undefined) return { name: upper, value: env[upper] };
  return undefined;
}

/** undici's `#shouldProxy`: NO_PROXY entries split at commas and whitespace, `*` only as the whole value, `host[:port]` suffixes. */
function bypassedBy(noProxy: string, hostname: string, port: number): boolean {
  const entries = noProxy
    .split(/[,\s]/)
    .filter(Boolean)
    .map((entry) => {
      const parsed = /^(.+):(\d+)$/.exec(entry);
      return {
        hostname: (parsed ? (parsed[1] as string) : entry).replace(/^\*?\./, "").toLowerCase(),
        port: parsed ? Number.parseInt(parsed[2] as string, 10) : 0,
      };
    });
  if (entries.length === 0) return false;
  if (noProxy === "*") return true;
  return entries.some(
    (entry) => (!entry.port || entry.port === port) && (hostname === entry.hostname || hostname.slice(-(entry.hostname.length + 1)) === `.${entry.hostname}`),
  );
}

export interface ProxyRoute {
  /** The proxy requests to `target` go through, or undefined for a direct connection. */
  proxy: ProxyChoice | undefined;
  /** The variable whose entry sends `target` direct although a proxy is set. */
  bypassedBy?: string;
  /** Set-but-empty lowercase variables that hide a non-empty uppercase one. */
  hidden: string[];
}

/**
 * The route the shared dispatcher (undici 7's EnvHttpProxyAgent, lib/dispatcher/env-http-proxy-agent.js)
 * takes to `target`, rule for rule: http_proxy ?? HTTP_PROXY for http; https_proxy ?? HTTPS_PROXY for
 * https, else the http proxy; ALL_PROXY is not read; no_proxy ?? NO_PROXY as in `bypassedBy`.
 * The table test in test/unit/terminal/doctor-proxy.test.ts holds this to the real dispatcher.
 */
export function proxyRoute(target: URL, env: NodeJS.ProcessEnv): ProxyRoute {
  const http = readVariable(env, "http_proxy", "HTTP_PROXY");
  const https = readVariable(env, "https_proxy", "HTTPS_PROXY");
  const hidden = [
    ["http_proxy", "HTTP_PROXY"],
    ["https_proxy", "HTTPS_PROXY"],
    ["no_proxy", "NO_PROXY"],
  ]
    .filter(([lower, upper]) => env[lower as string] === "" && env[upper as string])
    .map(([lower, upper]) => `${lower} is set but empty, so ${upper} is not used`);
  const chosen = target.protocol === "https:" && https?.value ? https : http?.value ? http : undefined;
  if (!chosen) return { proxy: undefined, hidden };
  // undici strips the port from `host` itself, keeping an IPv6 address's brackets.
  const hostname = target.host.replace(/:\d*$/, "").toLowerCase();
  const port = Number.parseInt(target.port, 10) || (target.protocol === "https:" ? 443 : target.protocol === "http:" ? 80 : 0);
  const noProxy = readVariable(env, "no_proxy", "NO_PROXY");
  if (noProxy && bypassedBy(noProxy.value, hostname, port)) return { proxy: undefined, bypassedBy: noProxy.name, hidden };
  return { proxy: { url: chosen.value, from: chosen.name }, hidden };
}

/** The proxy requests to `target` go through, or undefined for a direct connection. */
export function proxyFor(target: URL, env: NodeJS.ProcessEnv): ProxyChoice | undefined {
  return proxyRoute(target, env).proxy;
}

/** A proxy URL without any user:password in it, for display. */
function safeProxy(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return "(not a valid URL)";
  }
}

export interface NetworkOptions {
  config: Config;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  now?: () => number;
  /** CA certificates the TLS check trusts instead of Node's own (tests: NODE_EXTRA_CA_CERTS is read only at start-up). */
  ca?: string;
}

export async function checkNetwork(options: NetworkOptions): Promise<CheckResult[]> {
  const { config, env, timeoutMs } = options;
  const api = new URL(config.apiUrl);
  const route = proxyRoute(api, env);
  const proxy = route.proxy;
  const results: CheckResult[] = [
    check("api-url", "API URL", "ok", `${config.apiUrl} (${env.CRONICORN_API_URL ? "CRONICORN_API_URL" : "default"})`),
    proxyCheck(route, env),
  ];
  const dns = proxy ? check("dns", "DNS", "skip", "the proxy resolves the name") : await checkDns(api.hostname);
  results.push(dns);
  if (api.protocol !== "https:") results.push(check("tls", "TLS", "skip", "plain http (allowed only for this machine)"));
  else if (proxy) results.push(check("tls", "TLS", "skip", 'through the proxy: checked by the "API reachable" request instead'));
  else if (dns.status === "fail") results.push(check("tls", "TLS", "skip", "the host name does not resolve"));
  else results.push(await checkTls(api, timeoutMs, options.ca));
  results.push(...(await checkReachability(config, timeoutMs, options.now ?? Date.now)));
  return results;
}

function proxyCheck(route: ProxyRoute, env: NodeJS.ProcessEnv): CheckResult {
  const notes = route.hidden.length > 0 ? ` (${route.hidden.join("; ")})` : "";
  if (route.proxy) return check("proxy", "proxy", "ok", `${safeProxy(route.proxy.url)} (from ${route.proxy.from})${notes}`);
  if (route.bypassedBy) return check("proxy", "proxy", "ok", `none for this URL (${route.bypassedBy})${notes}`);
  const allProxy = ["ALL_PROXY", "all_proxy"].find((name) => env[name]);
  if (allProxy) {
    return check(
      "proxy",
      "proxy",
      "warn",
      `none: ${allProxy} is set, but this server does not read it${notes}`,
      "If requests must go through that proxy, set HTTPS_PROXY (and HTTP_PROXY) to it in the server's environment.",
    );
  }
  return check("proxy", "proxy", "ok", `none${notes}`);
}

async function checkDns(hostname: string): Promise<CheckResult> {
  const host = hostname.replace(/^\[|\]$/g, "");
  if (isIP(host)) return check("dns", "DNS", "ok", `${host} is an IP address (no lookup)`);
  const found = await timed(() => lookup(host, { all: true }));
  if (!found.ok)
    return check(
      "dns",
      "DNS",
      "fail",
      `${host} does not resolve: ${messageOf(found.error)}`,
      "Check the host name in CRONICORN_API_URL and your DNS / VPN.",
      found.ms,
    );
  return check("dns", "DNS", "ok", `${host} → ${found.value.map((a) => a.address).join(", ")}`, undefined, found.ms);
}

const CERT_CODES = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "CERT_UNTRUSTED",
]);

const CA_FIX =
  "The certificate is not signed by a CA this Node.js trusts. If your network inspects TLS (a corporate proxy or antivirus), get its CA certificate and set NODE_EXTRA_CA_CERTS=/path/to/ca.pem in the server's environment; otherwise check CRONICORN_API_URL.";

function tlsFix(code: string | undefined): string {
  if (code && CERT_CODES.has(code)) return CA_FIX;
  if (code === "CERT_HAS_EXPIRED")
    return "The server's certificate has expired (or this machine's clock is far off): check the clock, then tell the server's operator.";
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return "The certificate is for another host name: check CRONICORN_API_URL.";
  return "Check CRONICORN_API_URL and your network.";
}

function checkTls(api: URL, timeoutMs: number, ca: string | undefined): Promise<CheckResult> {
  const host = api.hostname.replace(/^\[|\]$/g, "");
  const start = performance.now();
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port: Number(api.port || 443),
      ...(isIP(host) ? {} : { servername: host }),
      ALPNProtocols: ["http/1.1"],
      ...(ca ? { ca } : {}),
    });
    const done = (result: CheckResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () =>
      done(
        check(
          "tls",
          "TLS",
          "fail",
          `no TLS handshake with ${api.host} within ${timeoutMs} ms`,
          "Check your network, firewall or proxy (HTTPS_PROXY).",
          performance.now() - start,
        ),
      ),
    );
    socket.once("secureConnect", () => {
      const cert = socket.getPeerCertificate();
      const issuer = cert.issuer?.O ?? cert.issuer?.CN ?? "unknown issuer";
      done(
        check(
          "tls",
          "TLS",
          "ok",
          `${socket.getProtocol() ?? "TLS"}, certificate for ${cert.subject?.CN ?? host} by ${issuer}, valid until ${cert.valid_to}`,
          undefined,
          performance.now() - start,
        ),
      );
    });
    socket.once("error", (error) => {
      const code = errorCode(error);
      done(check("tls", "TLS", "fail", `handshake with ${api.host} failed: ${messageOf(error)}`, tlsFix(code), performance.now() - start));
    });
  });
}

/** What to do about a request to the API that failed with `code` (undici's, Node's or OpenSSL's). */
export function networkFix(code: string | undefined, api: URL): string {
  switch (code) {
    case "ECONNREFUSED":
      return `Nothing answers at ${api.host}: the API is down, or CRONICORN_API_URL is wrong.`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "The host name does not resolve: check CRONICORN_API_URL and your DNS / VPN.";
    case "UND_ERR_CONNECT_TIMEOUT":
    case "UND_ERR_HEADERS_TIMEOUT":
      return "The API did not answer in time: check your network, firewall or proxy (HTTPS_PROXY / NO_PROXY).";
    default:
      return code && (CERT_CODES.has(code) || code.startsWith("CERT_") || code.startsWith("ERR_TLS"))
        ? tlsFix(code)
        : "Check CRONICORN_API_URL, your network and proxy settings.";
  }
}

async function checkReachability(config: Config, timeoutMs: number, now: () => number): Promise<CheckResult[]> {
  const api = new URL(config.apiUrl);
  const target = `${config.apiUrl}${REACHABILITY_PATH}`;
  // The server's own transport (the shared dispatcher: same proxy, CA and size rules as every tool call).
  const sentAt = now();
  const answer = await timed(() => send(target, { method: "GET", headers: { accept: "application/json" }, timeoutMs }));
  const receivedAt = now();
  if (!answer.ok) {
    const code = answer.error instanceof DeadlineError ? "UND_ERR_HEADERS_TIMEOUT" : errorCode(answer.error);
    return [
      check("api", "API reachable", "fail", `GET ${target} failed: ${messageOf(answer.error)}`, networkFix(code, api), answer.ms),
      check("clock", "clock", "skip", "no answer from the server to compare with"),
    ];
  }
  const { status: statusCode, headers } = answer.value;
  const reach =
    statusCode === 200
      ? check("api", "API reachable", "ok", `GET ${target} → 200`, undefined, answer.ms)
      : check(
          "api",
          "API reachable",
          "warn",
          `GET ${target} → ${statusCode}`,
          "The server answers, but not like Cronicorn's API: CRONICORN_API_URL should be the API's base URL, ending in /api.",
          answer.ms,
        );
  return [reach, checkClock(headers.date, (sentAt + receivedAt) / 2, config.refreshSkewMs)];
}

/** `Date` has one-second resolution, so a skew under a few seconds is noise. */
const CLOCK_WARN_MS = 60_000;

export function checkClock(dateHeader: string | string[] | undefined, localAt: number, failAtMs: number): CheckResult {
  const header = Array.isArray(dateHeader) ? dateHeader[0] : dateHeader;
  const serverAt = header ? Date.parse(header) : NaN;
  if (Number.isNaN(serverAt)) return check("clock", "clock", "skip", "the server sent no Date header");
  const skew = Math.round((localAt - serverAt) / 1000);
  const words = `this machine's clock is ${Math.abs(skew)} s ${skew >= 0 ? "ahead of" : "behind"} the server's`;
  const fix = "Turn on automatic time sync (macOS: Date & Time settings; Windows: Settings → Time → Sync now; Linux: timedatectl set-ntp true).";
  if (Math.abs(skew) * 1000 >= Math.max(failAtMs, CLOCK_WARN_MS)) return check("clock", "clock", "fail", `${words}: token expiry is judged wrongly`, fix);
  if (Math.abs(skew) * 1000 >= CLOCK_WARN_MS) return check("clock", "clock", "warn", words, fix);
  return check("clock", "clock", "ok", Math.abs(skew) <= 2 ? "in step with the server's" : words);
}
