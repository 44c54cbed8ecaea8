/**
 * The stand-in's authorization server: better-auth 1.4.4, configured like Cronicorn's own
 * (bearer + deviceAuthorization + apiKey, 30-day sessions, basePath /api/auth), on a memory adapter.
 */
import { randomBytes } from "node:crypto";
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { apiKey, bearer, deviceAuthorization } from "better-auth/plugins";

export interface AuthSettings {
  /** Origin of the stand-in, e.g. http://127.0.0.1:3333 (better-auth's baseURL and trusted origin). */
  webUrl: string;
  deviceCodeExpiresIn: string;
  deviceInterval: string;
  /** better-auth's per-key limit; over it, verification fails and the API answers 401 (as Cronicorn does). */
  apiKeyRateLimit: { maxRequests: number; timeWindowMs: number };
  /** Session lifetime and sliding age in seconds (tests of sliding sessions); default 30 days and better-auth's default. */
  sessionExpiresInS?: number;
  sessionUpdateAgeS?: number;
}

const THIRTY_DAYS_S = 60 * 60 * 24 * 30;

export function createStandInAuth(settings: AuthSettings) {
  // One array per model: the memory adapter throws on models it has no table for.
  const tables = { user: [], session: [], account: [], verification: [], deviceCode: [], apikey: [] };
  return betterAuth({
    database: memoryAdapter(tables),
    basePath: "/api/auth",
    baseURL: settings.webUrl,
    // A fresh secret per start: tokens of one stand-in never validate on another.
    secret: randomBytes(32).toString("hex"),
    trustedOrigins: [settings.webUrl],
    emailAndPassword: { enabled: true },
    // Cronicorn issues 30-day sessions; better-auth's default is 7 days (expires_in would differ).
    session: {
      expiresIn: settings.sessionExpiresInS ?? THIRTY_DAYS_S,
      ...(settings.sessionUpdateAgeS !== undefined ? { updateAge: settings.sessionUpdateAgeS } : {}),
    },
    // better-auth's IP rate limiter is on only when NODE_ENV=production; pin it off so the stand-in
    // behaves the same under vitest and `npm run stack`. Rate limiting is the `rateLimit` fault's job.
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    plugins: [
      bearer(),
      // `schema: {}` works around 1.4.4 rejecting the options with a ZodError when schema is absent.
      deviceAuthorization({ expiresIn: settings.deviceCodeExpiresIn, interval: settings.deviceInterval, schema: {} }),
      // apiKey() alone limits every key to 10 verifications per day; Cronicorn allows about 100 a minute.
      apiKey({
        apiKeyHeaders: "x-api-key",
        rateLimit: { enabled: true, maxRequests: settings.apiKeyRateLimit.maxRequests, timeWindow: settings.apiKeyRateLimit.timeWindowMs },
      }),
    ],
  });
}

export type StandInAuth = ReturnType<typeof createStandInAuth>;
