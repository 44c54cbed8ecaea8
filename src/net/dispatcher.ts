/**
 * The one undici dispatcher every request of this process goes through: API calls, get-session,
 * sign-out and all of openid-client's traffic. It honours HTTPS_PROXY / HTTP_PROXY / NO_PROXY (either
 * case; lowercase wins, as in curl) and keeps connections alive. undici is loaded on the first request,
 * never at startup: a server that is only listed or initialised should not pay for it.
 */
import type * as UndiciModule from "undici";
import type { Dispatcher } from "undici";

type Undici = typeof UndiciModule;

let undici: Promise<Undici> | undefined;
let shared: Promise<Dispatcher> | undefined;

export function loadUndici(): Promise<Undici> {
  undici ??= import("undici");
  return undici;
}

export function dispatcher(): Promise<Dispatcher> {
  shared ??= loadUndici().then(
    ({ EnvHttpProxyAgent }) =>
      // proxyTunnel false: plain-http targets go to the proxy in absolute form (as curl does) instead of
      // CONNECT, which many corporate proxies allow only to port 443. https targets always tunnel.
      new EnvHttpProxyAgent({ proxyTunnel: false }),
  );
  return shared;
}
