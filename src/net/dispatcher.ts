/**
 * The one undici dispatcher every request of this process goes through: API calls, get-session,
 * sign-out and all of openid-client's traffic. It honours HTTPS_PROXY / HTTP_PROXY / NO_PROXY (either
 * case; lowercase wins, as in curl) and keeps connections alive. undici is loaded on the first request,
 * never at startup: a server that is only listed or initialised should not pay for it.
 */
import type * as UndiciModule from "undici";
import type { Dispatcher } from "undici";
import { registerSecret } from "../core/log.js";

type Undici = typeof UndiciModule;

let undici: Promise<Undici> | undefined;
let shared: Promise<Dispatcher> | undefined;

export function loadUndici(): Promise<Undici> {
  undici ??= import("undici");
  return undici;
}

export function dispatcher(): Promise<Dispatcher> {
  shared ??= loadUndici().then(({ EnvHttpProxyAgent }) => {
    registerProxyCredentials(process.env);
    // proxyTunnel false: plain-http targets go to the proxy in absolute form (as curl does) instead of
    // CONNECT, which many corporate proxies allow only to port 443. https targets always tunnel.
    return new EnvHttpProxyAgent({ proxyTunnel: false });
  });
  return shared;
}

/** Every variable a proxy may come from (undici reads the first four; doctor and curl also ALL_PROXY). */
const PROXY_VARIABLES = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"];

const decoded = (part: string): string => {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
};

/**
 * Proxy credentials are secrets: undici sends the userinfo of the proxy URL as
 * `Proxy-Authorization: Basic base64(user:pass)`, and a proxy's refusal page may echo it into an API
 * error that reaches a tool result. Registered as written and decoded, as the pair and the pair's base64.
 */
export function registerProxyCredentials(env: NodeJS.ProcessEnv): void {
  for (const name of PROXY_VARIABLES) {
    let url: URL;
    try {
      url = new URL(env[name] ?? "");
    } catch {
      continue; // not a URL: undici cannot use it either
    }
    if (!url.username && !url.password) continue;
    const pair = `${decoded(url.username)}:${decoded(url.password)}`;
    for (const secret of [url.username, url.password, decoded(url.username), decoded(url.password), pair, Buffer.from(pair).toString("base64")]) {
      registerSecret(secret);
    }
  }
}
