/** Public types of the Cronicorn stand-in (re-exported by test/stack/cronicorn.ts). */

export interface StandInOptions {
  /** Port on 127.0.0.1; default 0 (random). */
  port?: number;
  /** Device-code lifetime in better-auth syntax; default "30m" (Cronicorn's). Tests use e.g. "3s". */
  deviceCodeExpiresIn?: string;
  /** Minimum device-token polling interval; default "5s" (Cronicorn's). Tests use "1s". */
  deviceInterval?: string;
  /** better-auth's per-API-key limit (default 100 per 60 s, as on Cronicorn); over it the API answers 401. Tests lower it to hit it cheaply. */
  apiKeyRateLimit?: { maxRequests: number; timeWindowMs: number };
  /** Session lifetime in seconds (default 30 days, Cronicorn's) and the age after which a use slides it (better-auth's updateAge). */
  sessionExpiresInS?: number;
  sessionUpdateAgeS?: number;
  /** Accept bearer tokens issued by another authorization server (e.g. an oidc-provider in tests).
   *  Called when a bearer is not a better-auth session; return the stand-in user id it belongs to. */
  verifyExternalToken?: (token: string) => Promise<{ userId: string } | null>;
}

export interface StandInUser {
  id: string;
  email: string;
  name: string;
  password: string;
}

export interface RequestRecord {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Final HTTP status; 0 when a `drop` fault destroyed the socket without a response. */
  status: number;
  /** Which credential header the request carried (x-api-key wins when both are present). */
  auth: "bearer" | "api-key" | "none";
  /** The User-Agent header, if any: Cronicorn names each session in its device list after the one that created it. */
  userAgent?: string;
  /** Arrival time, ms since the epoch. */
  at: number;
}

export type FaultRule =
  | { kind: "delay"; ms: number; match?: RegExp; times?: number }
  | { kind: "status"; status: 500 | 502 | 503 | 504; match?: RegExp; times?: number }
  /** Destroy the socket without any response. */
  | { kind: "drop"; match?: RegExp; times?: number }
  /** 429 + Retry-After + X-RateLimit-* headers, body {"error": "Too many requests", "status": 429}. */
  | { kind: "rateLimit"; retryAfterS: number; match?: RegExp; times?: number }
  /** 200 with content-type application/json and a truncated body. */
  | { kind: "malformedJson"; match?: RegExp; times?: number };

export interface StandIn {
  /** "http://127.0.0.1:<port>/api" */
  apiUrl: string;
  /** "http://127.0.0.1:<port>" */
  webUrl: string;
  /** Seeded on start (email+password sign-up through better-auth). */
  user: StandInUser;
  /** A real API key of `user`, created through better-auth's apiKey plugin. */
  apiKey: string;
  /** A fresh bearer session token for `user` (email/password sign-in through better-auth; the `set-auth-token` header of the bearer plugin). */
  signIn(): Promise<string>;
  /** What the web approval page does, as `user`: claim the code (GET /api/auth/device?user_code=…) then POST /api/auth/device/approve {userCode}. Throws with the server's message on failure. */
  approveDevice(userCode: string): Promise<void>;
  denyDevice(userCode: string): Promise<void>;
  /** Records an AI planner session on one of `user`'s endpoints (the stand-in has no planner); returns its id. */
  seedAiSession(endpointId: string, fields?: { reasoning?: string; analyzedAt?: Date; tokenUsage?: number }): string;
  /** Fault switches. `match` is tested against the path (e.g. /\/api\/jobs/); default: every /api route except /api/auth. `times` default: unlimited until cleared. */
  faults: { set(rule: FaultRule): void; clear(): void };
  /** Every HTTP request the server received (auth routes included), in order of arrival. */
  requests: RequestRecord[];
  resetRequests(): void;
  close(): Promise<void>;
}
