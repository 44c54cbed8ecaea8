/**
 * Authorization code + PKCE (S256) with a loopback redirect (RFC 8252 §7.3, RFC 7636), through
 * openid-client. A listener on 127.0.0.1 (random port, path /callback) receives the browser's redirect,
 * openid-client checks state (and iss when the server sends it) and redeems the code, and the
 * browser gets a small page saying it can be closed.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import * as client from "openid-client";
import { registerSecret } from "../../core/log.js";
import { describeNetworkFailure } from "../../net/errors.js";
import { SignInError } from "../errors.js";
import { acceptTokens, isSafeBrowserUrl, oauthErrorCode, recordFromTokens } from "./oauth.js";
import type { PendingAuthorization } from "./pending.js";

export interface LoopbackFlowOptions {
  config: client.Configuration;
  clientId: string;
  scope: string;
  timeoutMs: number;
  now?: () => number;
}

export async function startLoopbackAuthorization(options: LoopbackFlowOptions): Promise<PendingAuthorization> {
  const now = options.now ?? Date.now;
  const metadata = options.config.serverMetadata();
  // The link is opened in the browser and carries the sign-in: never plain http to another machine.
  if (!isSafeBrowserUrl(metadata.authorization_endpoint)) {
    throw new SignInError(
      `The authorization server ${metadata.issuer} sends the browser to a sign-in page that is not https (or http on this machine), so it was not opened. Have its operator serve the authorization endpoint over https, or set CRONICORN_AUTH_FLOW=device.`,
    );
  }
  const verifier = client.randomPKCECodeVerifier();
  registerSecret(verifier);
  const state = client.randomState();
  const challenge = await client.calculatePKCECodeChallenge(verifier);

  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  const authorizationUrl = client.buildAuthorizationUrl(options.config, {
    redirect_uri: redirectUri,
    scope: options.scope,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state,
  });

  let settle!: { resolve: (v: client.TokenEndpointResponse) => void; reject: (e: SignInError) => void };
  const tokens = new Promise<client.TokenEndpointResponse>((resolve, reject) => (settle = { resolve, reject }));
  let done = false;
  const finish = () => {
    done = true;
    clearTimeout(timer);
    server.close();
    server.closeAllConnections();
  };
  const timer = setTimeout(() => {
    finish();
    settle.reject(
      new SignInError(
        `The browser sign-in was not completed within ${Math.round(options.timeoutMs / 60_000) || 1} minute(s). Try again to start a new sign-in.`,
      ),
    );
  }, options.timeoutMs);
  timer.unref();

  server.on("request", (req, res) => {
    const url = new URL(req.url ?? "/", redirectUri);
    if (url.pathname !== "/callback" || done) return page(res, 404, "Not found", "This address is only used to finish signing in to Cronicorn.");
    // A request without our state is not the redirect we are waiting for (stale tab, forged link): refuse it and keep waiting.
    if (url.searchParams.get("state") !== state) {
      return page(
        res,
        400,
        "Sign-in link not recognised",
        "This sign-in response does not match the one cronicorn-mcp started. Start the sign-in again from your AI assistant.",
      );
    }
    client
      .authorizationCodeGrant(options.config, url, { pkceCodeVerifier: verifier, expectedState: state })
      .then((result) => {
        acceptTokens(result); // before the browser hears "signed in": a refused token fails the sign-in
        page(res, 200, "Signed in to Cronicorn", "You are signed in. You can close this tab and return to your AI assistant.", finish);
        settle.resolve(result);
      })
      .catch((error: unknown) => {
        const failure = callbackError(error);
        page(res, 400, "Sign-in failed", failure.message, finish);
        settle.reject(failure);
      });
  });

  const result = tokens.then((t) =>
    recordFromTokens(t, { issuer: options.config.serverMetadata().issuer, clientId: options.clientId, flow: "pkce", now: now() }),
  );
  result.catch(() => undefined);
  return {
    prompt: { verificationUrl: authorizationUrl.href, flow: "pkce", expiresAt: new Date(now() + options.timeoutMs).toISOString() },
    result,
    cancel: () => {
      if (done) return;
      finish();
      settle.reject(new SignInError("The sign-in was cancelled."));
    },
  };
}

function callbackError(error: unknown): SignInError {
  if (error instanceof SignInError) return error;
  const code = oauthErrorCode(error);
  if (code === "access_denied") return new SignInError("The sign-in was denied in the browser. Try again if that was a mistake.");
  const detail = code ?? describeNetworkFailure(error) ?? (error instanceof Error ? error.message : String(error));
  return new SignInError(`The sign-in could not be completed (${detail}). Try again.`);
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res: http.ServerResponse, status: number, title: string, message: string, after?: () => void): void {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}</style></head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`;
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", connection: "close" });
  res.end(html, () => after?.());
}
