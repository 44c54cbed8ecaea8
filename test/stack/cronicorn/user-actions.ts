/**
 * What a person does in Cronicorn's web app, done as the seeded user: sign up, sign in, create an
 * API key, approve or deny a device. Every step goes through better-auth's own request handler
 * in-process, so the wire behaviour is better-auth's, yet these calls never show up in the
 * stand-in's request log and faults never hit them (tests assert on what the client under test did).
 */
import { randomBytes } from "node:crypto";
import type { StandInAuth } from "./auth.js";
import type { StandInUser } from "./types.js";

export interface UserActions {
  signIn(): Promise<string>;
  approveDevice(userCode: string): Promise<void>;
  denyDevice(userCode: string): Promise<void>;
}

export async function seedUser(auth: StandInAuth, webUrl: string): Promise<{ user: StandInUser; apiKey: string }> {
  const email = "test-user@cronicorn.test";
  const name = "Stand-in Test User";
  const password = randomBytes(12).toString("base64url");
  const response = await callAuth(auth, webUrl, "POST", "/sign-up/email", { body: { email, password, name } });
  const body = (await readJson(response)) as { user?: { id?: string } };
  if (!response.ok || !body.user?.id) throw new Error(`seeding the test user failed: ${describeFailure(response.status, body)}`);
  const user: StandInUser = { id: body.user.id, email, name, password };
  // Server-side call (no headers): better-auth takes the user id from the body, as the dashboard would.
  const key = await auth.api.createApiKey({ body: { userId: user.id, name: "stand-in" } });
  return { user, apiKey: key.key };
}

export function userActions(auth: StandInAuth, webUrl: string, user: StandInUser): UserActions {
  async function signIn(): Promise<string> {
    const response = await callAuth(auth, webUrl, "POST", "/sign-in/email", { body: { email: user.email, password: user.password } });
    const token = response.headers.get("set-auth-token");
    if (!response.ok || !token) throw new Error(`sign-in as ${user.email} failed: ${describeFailure(response.status, await readJson(response))}`);
    return token;
  }

  async function decide(userCode: string, decision: "approve" | "deny"): Promise<void> {
    const bearer = await signIn();
    // The web page first looks the code up (Cronicorn calls this claiming it), then posts the decision.
    const claimed = await callAuth(auth, webUrl, "GET", `/device?user_code=${encodeURIComponent(userCode)}`, { bearer });
    if (!claimed.ok) throw new Error(`device code ${userCode}: ${describeFailure(claimed.status, await readJson(claimed))}`);
    const decided = await callAuth(auth, webUrl, "POST", `/device/${decision}`, { bearer, body: { userCode } });
    if (!decided.ok) throw new Error(`device ${decision} ${userCode}: ${describeFailure(decided.status, await readJson(decided))}`);
  }

  return {
    signIn,
    approveDevice: (userCode) => decide(userCode, "approve"),
    denyDevice: (userCode) => decide(userCode, "deny"),
  };
}

async function callAuth(
  auth: StandInAuth,
  webUrl: string,
  method: "GET" | "POST",
  path: string,
  options: { body?: unknown; bearer?: string },
): Promise<Response> {
  const headers = new Headers();
  if (options.bearer) headers.set("authorization", `Bearer ${options.bearer}`);
  if (options.body !== undefined) headers.set("content-type", "application/json");
  const init: RequestInit = { method, headers };
  if (options.body !== undefined) init.body = JSON.stringify(options.body);
  return auth.handler(new Request(`${webUrl}/api/auth${path}`, init));
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** better-auth errors carry `error_description` (device endpoints) or `message` (the rest). */
function describeFailure(status: number, body: unknown): string {
  if (body && typeof body === "object") {
    const record = body as Record<string, unknown>;
    const detail = record.error_description ?? record.message ?? record.error;
    if (typeof detail === "string") return `${detail} (HTTP ${status})`;
  }
  return `HTTP ${status}${typeof body === "string" && body ? `: ${body}` : ""}`;
}
