/**
 * Starts a stand-in: listen on 127.0.0.1 first (better-auth needs the real origin as baseURL),
 * then build auth, seed the test user and serve. close() drops every socket at once, because
 * suites start and stop many stand-ins and must not wait for keep-alive connections to idle out.
 */
import { createServer } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { standInApp } from "./app.js";
import { createStandInAuth } from "./auth.js";
import { Store, newId } from "./data.js";
import { Faults } from "./faults.js";
import { newSigningKey } from "./routes-account.js";
import type { RequestRecord, StandIn, StandInOptions } from "./types.js";
import { seedUser, userActions } from "./user-actions.js";
import { listenOnLoopback, stopServer } from "../loopback.js";

/** Cronicorn's per-key limit: about 100 requests a minute, answered with 401 (not 429). */
const DEFAULT_API_KEY_RATE_LIMIT = { maxRequests: 100, timeWindowMs: 60_000 };

export async function startStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const server = createServer();
  const port = await listenOnLoopback(server, options.port ?? 0);
  const stop = new AbortController();
  const close = async (): Promise<void> => {
    stop.abort();
    await stopServer(server);
  };
  try {
    const webUrl = `http://127.0.0.1:${port}`;
    const auth = createStandInAuth({
      webUrl,
      deviceCodeExpiresIn: options.deviceCodeExpiresIn ?? "30m",
      deviceInterval: options.deviceInterval ?? "5s",
      apiKeyRateLimit: options.apiKeyRateLimit ?? DEFAULT_API_KEY_RATE_LIMIT,
      ...(options.sessionExpiresInS !== undefined ? { sessionExpiresInS: options.sessionExpiresInS } : {}),
      ...(options.sessionUpdateAgeS !== undefined ? { sessionUpdateAgeS: options.sessionUpdateAgeS } : {}),
    });
    const { user, apiKey } = await seedUser(auth, webUrl);
    const actions = userActions(auth, webUrl, user);
    const faults = new Faults();
    const store = new Store();
    // Sign-up creates the webhook signing key, so POST /signing-keys answers 409 from the start.
    store.setSigningKey(newSigningKey(user.id).record);
    const standIn: StandIn = {
      apiUrl: `${webUrl}/api`,
      webUrl,
      user,
      apiKey,
      signIn: actions.signIn,
      approveDevice: actions.approveDevice,
      denyDevice: actions.denyDevice,
      seedAiSession: (endpointId, fields = {}) =>
        store.addAiSession({
          id: `session_${newId()}`,
          endpointId,
          userId: user.id,
          analyzedAt: fields.analyzedAt ?? new Date(),
          toolCalls: [{ tool: "propose_interval", args: { intervalMs: 300_000 }, result: { applied: true } }],
          reasoning: fields.reasoning ?? "Failures are rare; keeping the baseline.",
          tokenUsage: fields.tokenUsage ?? 1200,
          durationMs: 2100,
        }).id,
      faults: { set: (rule) => faults.set(rule), clear: () => faults.clear() },
      requests: [] as RequestRecord[],
      resetRequests: () => void (standIn.requests.length = 0),
      close,
    };
    const app = standInApp({
      auth,
      store,
      webUrl,
      verifyExternalToken: options.verifyExternalToken,
      stop: stop.signal,
      faults,
      requests: () => standIn.requests,
      actions,
      userEmail: user.email,
    });
    // overrideGlobalObjects: false — the default swaps the process-wide Request/Response, which
    // would leak into the test process that hosts the stand-in.
    server.on("request", getRequestListener(app.fetch, { overrideGlobalObjects: false }));
    return standIn;
  } catch (error) {
    await close();
    throw error;
  }
}
