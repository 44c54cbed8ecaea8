/**
 * OAuth 2.0 Device Authorization Grant (RFC 8628) against Cronicorn's better-auth endpoints,
 * through openid-client (which honours `interval` and adds 5 s on `slow_down`).
 */
import * as client from "openid-client";

import { registerSecret } from "../../core/log.js";
import { describeNetworkFailure } from "../../net/errors.js";
import { netFetch } from "../../net/fetch.js";
import { SignInError } from "../errors.js";
import { allowHttpIfLoopback, isSafeBrowserUrl, oauthErrorCode, recordFromTokens, refuseOversize } from "./oauth.js";
import type { PendingAuthorization, PollOutcome } from "./pending.js";

export interface DeviceFlowOptions {
  apiUrl: string;
  clientId: string;
  scope: string;
  /** Cronicorn's own approval page (`{web}/device/approve`), preferred over the server-reported URI. */
  approvalUrl: string | undefined;
  /** Endpoints from authorization server metadata, when it publishes them. */
  endpoints?: { issuer: string; deviceAuthorization: string; token: string };
  now?: () => number;
  /** Shortest wait between polls, in seconds, whatever the server says: RFC 8628's default, 5, unless
   *  CRONICORN_DEVICE_POLL_FLOOR_S lowers it (never below 1) for a Cronicorn the user runs. */
  minIntervalS?: number;
  /** The range a code's lifetime is clamped to, in seconds; [60, 3600] in the shipped server. */
  expiresRangeS?: readonly [number, number];
}

/** RFC 8628 §3.5: clients wait 5 s between polls unless told otherwise; a server may not make us hammer it. */
const MIN_INTERVAL_S = 5;
/** A code lives at least this long (a shorter claim leaves no time to approve) and at most an hour, so a
 *  poller never outlives a forgotten sign-in and a huge `expires_in` never reaches a Date. */
const MIN_EXPIRES_S = 60;
const MAX_EXPIRES_S = 3600;
const MAX_USER_CODE_LENGTH = 32;

export function cronicornDeviceEndpoints(apiUrl: string) {
  return { issuer: `${apiUrl}/auth`, deviceAuthorization: `${apiUrl}/auth/device/code`, token: `${apiUrl}/auth/device/token` };
}

/**
 * better-auth's device endpoints accept only JSON bodies (they answer 415 to the form encoding RFC 8628
 * and openid-client use). This adapter re-encodes the form body as JSON for those two URLs only.
 */
export function jsonBodyForDeviceEndpoints(urls: string[], base: client.CustomFetch = netFetch): client.CustomFetch {
  const targets = new Set(urls);
  return (url, options) => {
    if (!targets.has(url) || !(options.body instanceof URLSearchParams)) return base(url, options);
    const headers = { ...options.headers, "content-type": "application/json" };
    return base(url, { ...options, headers, body: JSON.stringify(Object.fromEntries(options.body)) });
  };
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/** The server's timing, made safe: polls never closer than the floor, and a finite, sane lifetime. */
export function saneTiming(
  started: client.DeviceAuthorizationResponse,
  minIntervalS: number,
  [minExpiresS, maxExpiresS]: readonly [number, number] = [MIN_EXPIRES_S, MAX_EXPIRES_S],
): { intervalS: number; expiresS: number } {
  const interval = typeof started.interval === "number" && Number.isFinite(started.interval) ? started.interval : MIN_INTERVAL_S;
  const expires = typeof started.expires_in === "number" && Number.isFinite(started.expires_in) ? started.expires_in : maxExpiresS;
  return { intervalS: Math.max(minIntervalS, interval), expiresS: clamp(expires, minExpiresS, maxExpiresS) };
}

/** Why the server's user code or URIs must not be shown or opened, or undefined when they are safe. */
export function unsafePrompt(started: client.DeviceAuthorizationResponse): string | undefined {
  const code = started.user_code;
  // Printable ASCII only: a control character could rewrite the user's terminal; a long code is no code.
  if (typeof code !== "string" || code.length === 0 || code.length > MAX_USER_CODE_LENGTH || !/^[\x20-\x7e]+$/.test(code)) {
    return "its user code is not a short printable code";
  }
  for (const uri of [started.verification_uri, started.verification_uri_complete]) {
    if (uri !== undefined && !isSafeBrowserUrl(uri)) return "its verification address is not an https address (or http on this machine)";
  }
  return undefined;
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
  // Every request through the shared dispatcher (proxy, cap, deadline), JSON-encoded for better-auth.
  const polls = pollWatcher(endpoints.token, jsonBodyForDeviceEndpoints([endpoints.deviceAuthorization, endpoints.token]));
  config[client.customFetch] = polls.fetch;

  let started: client.DeviceAuthorizationResponse;
  try {
    started = await client.initiateDeviceAuthorization(config, { scope: options.scope });
  } catch (error) {
    throw new SignInError(
      `Could not start the Cronicorn sign-in at ${endpoints.deviceAuthorization} (${describe(error)}). Check CRONICORN_API_URL and your connection, then try again.`,
    );
  }
  refuseOversize(
    started.device_code,
    `The sign-in server at ${endpoints.deviceAuthorization} sent a device code`,
    "the sign-in was stopped",
    "Check CRONICORN_API_URL; if it is right, report this to the server's operator.",
  );
  registerSecret(started.device_code);
  const unsafe = unsafePrompt(started);
  if (unsafe) {
    throw new SignInError(
      `The sign-in server at ${endpoints.deviceAuthorization} answered with something that is not shown or opened: ${unsafe}. Check CRONICORN_API_URL; if it is right, report this to the server's operator.`,
    );
  }
  const { intervalS, expiresS } = saneTiming(started, options.minIntervalS ?? MIN_INTERVAL_S, options.expiresRangeS);

  const verificationUrl = options.approvalUrl
    ? `${options.approvalUrl}?user_code=${encodeURIComponent(started.user_code)}`
    : (started.verification_uri_complete ?? started.verification_uri);
  const controller = new AbortController();
  const expiresAt = now() + expiresS * 1000;
  // The poller always stops: at the (clamped) expiry, or when the sign-in is cancelled.
  const expiry = AbortSignal.timeout(expiresS * 1000);
  const signal = AbortSignal.any([controller.signal, expiry]);

  const result = client
    .pollDeviceAuthorizationGrant(config, { ...started, interval: intervalS, expires_in: expiresS }, undefined, { signal })
    .then((tokens) => recordFromTokens(tokens, { issuer: endpoints.issuer, clientId: options.clientId, flow: "device", now: now() }))
    .catch((error: unknown) => {
      throw deviceError(error, controller.signal.aborted, expiry.aborted);
    });
  result.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
  result.then(
    () => polls.end("approved"),
    () => polls.end("ended"),
  );

  return {
    prompt: { verificationUrl, userCode: started.user_code, flow: "device", expiresAt: new Date(expiresAt).toISOString() },
    result,
    cancel: () => controller.abort(),
    nextPoll: polls.next,
  };
}

/**
 * Watches the token endpoint's answers so a caller can wait for the next poll openid-client makes on its
 * own schedule (never an extra request): 200 means approved; anything else, still pending. Once the
 * polling is over, every wait answers at once with how it ended.
 */
export function pollWatcher(tokenUrl: string, base: client.CustomFetch) {
  let waiters: Array<(outcome: PollOutcome) => void> = [];
  let final: PollOutcome | undefined;
  const settle = (outcome: PollOutcome) => {
    const ready = waiters;
    waiters = [];
    for (const waiter of ready) waiter(outcome);
  };
  const fetch: client.CustomFetch = async (url, options) => {
    if (url !== tokenUrl) return base(url, options);
    try {
      const response = await base(url, options);
      settle(response.status === 200 ? "approved" : "pending");
      return response;
    } catch (error) {
      settle("pending");
      throw error;
    }
  };
  return {
    fetch,
    next: (): Promise<PollOutcome> => (final ? Promise.resolve(final) : new Promise((resolve) => waiters.push(resolve))),
    end(outcome: PollOutcome) {
      final = outcome;
      settle(outcome);
    },
  };
}

function deviceError(error: unknown, cancelled: boolean, expired: boolean): SignInError {
  if (error instanceof SignInError) return error; // ours already says what happened (a refused token)
  if (cancelled) return new SignInError("The sign-in was cancelled.");
  if (expired) return new SignInError("The sign-in code expired before it was approved. Try again to get a new code.");
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
  const network = describeNetworkFailure(error);
  if (network) return network;
  return error instanceof Error ? error.message : String(error);
}
