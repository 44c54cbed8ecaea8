/**
 * OAuth 2.0 Device Authorization Grant (RFC 8628) against Cronicorn's better-auth endpoints,
 * through openid-client (which honours `interval` and adds 5 s on `slow_down`).
 */
import * as client from "openid-client";
import { registerSecret } from "../../log.js";
import { SignInError } from "../errors.js";
import { allowHttpIfLoopback, oauthErrorCode, recordFromTokens } from "./oauth.js";
import type { PendingAuthorization } from "./pending.js";

export interface DeviceFlowOptions {
  apiUrl: string;
  clientId: string;
  scope: string;
  /** Cronicorn's own approval page (`{web}/device/approve`), preferred over the server-reported URI. */
  approvalUrl: string | undefined;
  /** Endpoints from authorization server metadata, when it publishes them. */
  endpoints?: { issuer: string; deviceAuthorization: string; token: string };
  now?: () => number;
}

export function cronicornDeviceEndpoints(apiUrl: string) {
  return { issuer: `${apiUrl}/auth`, deviceAuthorization: `${apiUrl}/auth/device/code`, token: `${apiUrl}/auth/device/token` };
}

/**
 * better-auth's device endpoints accept only JSON bodies (they answer 415 to the form encoding RFC 8628
 * and openid-client use). This adapter re-encodes the form body as JSON for those two URLs only.
 */
export function jsonBodyForDeviceEndpoints(urls: string[]): client.CustomFetch {
  const targets = new Set(urls);
  return (url, options) => {
    if (!targets.has(url) || !(options.body instanceof URLSearchParams)) return fetch(url, options);
    const headers = { ...options.headers, "content-type": "application/json" };
    return fetch(url, { ...options, headers, body: JSON.stringify(Object.fromEntries(options.body)) });
  };
}

export async function startDeviceAuthorization(options: DeviceFlowOptions): Promise<PendingAuthorization> {
  const now = options.now ?? Date.now;
  const endpoints = options.endpoints ?? cronicornDeviceEndpoints(options.apiUrl);
  const config = new client.Configuration(
    { issuer: endpoints.issuer, device_authorization_endpoint: endpoints.deviceAuthorization, token_endpoint: endpoints.token },
    options.clientId,
    undefined,
    client.None(),
  );
  allowHttpIfLoopback(config, endpoints.token);
  config[client.customFetch] = jsonBodyForDeviceEndpoints([endpoints.deviceAuthorization, endpoints.token]);

  let started: client.DeviceAuthorizationResponse;
  try {
    started = await client.initiateDeviceAuthorization(config, { scope: options.scope });
  } catch (error) {
    throw new SignInError(`Could not start the Cronicorn sign-in at ${endpoints.deviceAuthorization} (${describe(error)}). Check CRONICORN_API_URL and your connection, then try again.`);
  }
  registerSecret(started.device_code);

  const verificationUrl = options.approvalUrl
    ? `${options.approvalUrl}?user_code=${encodeURIComponent(started.user_code)}`
    : (started.verification_uri_complete ?? started.verification_uri);
  const controller = new AbortController();
  const expiresAt = now() + started.expires_in * 1000;

  const result = client
    .pollDeviceAuthorizationGrant(config, started, undefined, { signal: controller.signal })
    .then((tokens) => recordFromTokens(tokens, { issuer: endpoints.issuer, clientId: options.clientId, flow: "device", now: now() }))
    .catch((error: unknown) => {
      throw deviceError(error, controller.signal.aborted);
    });
  result.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection

  return {
    prompt: { verificationUrl, userCode: started.user_code, flow: "device", expiresAt: new Date(expiresAt).toISOString() },
    result,
    cancel: () => controller.abort(),
  };
}

function deviceError(error: unknown, cancelled: boolean): SignInError {
  if (cancelled) return new SignInError("The sign-in was cancelled.");
  switch (oauthErrorCode(error)) {
    case "access_denied":
      return new SignInError("The sign-in was denied in the browser. Try again to start a new sign-in if that was a mistake.");
    case "expired_token":
    case "invalid_grant":
      return new SignInError("The sign-in code expired before it was approved. Try again to get a new code.");
    default:
      if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
        return new SignInError("The sign-in code expired before it was approved. Try again to get a new code.");
      }
      return new SignInError(`The sign-in failed (${describe(error)}). Try again.`);
  }
}

function describe(error: unknown): string {
  const code = oauthErrorCode(error);
  if (code) return code;
  return error instanceof Error ? error.message : String(error);
}
