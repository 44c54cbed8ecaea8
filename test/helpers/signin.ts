/** Helpers for tests that sign in through the real peers. */
import fs from "node:fs";
import path from "node:path";
import type { CredentialRecord } from "../../src/auth/store/types.js";
import type { ServerHandle } from "./mcp.js";
import { valueOf } from "./mcp.js";

export interface SignInPromptValue {
  verificationUrl: string;
  userCode?: string;
  flow: "device" | "pkce";
  expiresAt: string;
}

/** The sign-in prompt a tool result carries instead of its value. */
export function promptOf(result: Awaited<ReturnType<ServerHandle["call"]>>): SignInPromptValue {
  if (result.isError) throw new Error(`expected a sign-in prompt, got an error: ${JSON.stringify(result.content)}`);
  return valueOf<SignInPromptValue>(result, "signIn");
}

/** Collect the server's logging notifications (where sign-in URLs and codes are announced). */
export function collectLogs(server: ServerHandle): string[] {
  const lines: string[] = [];
  server.client.setNotificationHandler("notifications/message", (n) => {
    lines.push(typeof n.params.data === "string" ? n.params.data : JSON.stringify(n.params.data));
  });
  return lines;
}

/** The user code of the sign-in notification the server sends (waits for it). */
export async function noticedUserCode(logs: string[], timeoutMs = 10_000): Promise<string> {
  const line = await eventually(() => logs.find((l) => /confirm the code/.test(l)), timeoutMs, "the sign-in notification");
  const code = /code ([A-Z0-9]{8})/.exec(line)?.[1];
  if (!code) throw new Error(`no user code in the sign-in notification: ${line}`);
  return code;
}

/** Resolves when `check` returns a value; polls every 50 ms up to `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Wait until auth_status reports signed in. */
export async function untilSignedIn(server: ServerHandle): Promise<void> {
  await eventually(
    async () => {
      const status = valueOf<{ signedIn: boolean }>(await server.call("auth_status"), "status");
      return status.signedIn || undefined;
    },
    20_000,
    "signed in",
  );
}

/** The raw credentials file of a test home (file store). */
export function readCredentialsFile(home: string): Record<string, unknown> | undefined {
  const file = path.join(home, ".cronicorn", "credentials.json");
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>) : undefined;
}

/** The stored record for `origin` in a test home's credentials file. */
export function storedRecord(home: string, origin: string): Record<string, unknown> | undefined {
  const records = readCredentialsFile(home)?.records as Record<string, Record<string, unknown>> | undefined;
  return records?.[origin];
}

/**
 * A device sign-in for the API at `apiUrl` as `login` saves it (a better-auth session: no refresh token),
 * valid for `validMs` from now; `fields` on top.
 */
export function deviceRecord(apiUrl: string, accessToken: string, validMs: number, fields: Partial<CredentialRecord> = {}): CredentialRecord {
  const now = Date.now();
  return {
    access_token: accessToken,
    expires_at: now + validMs,
    token_type: "Bearer",
    issuer: `${apiUrl}/auth`,
    client_id: "cronicorn-mcp",
    obtained_at: now,
    flow: "device",
    ...fields,
  };
}

/** Writes `record` as the file store's saved sign-in for `origin` in `configDir` (private, as the server writes it). */
export function writeStoredRecord(configDir: string, origin: string, record: object): void {
  fs.mkdirSync(configDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(configDir, "credentials.json"), JSON.stringify({ records: { [origin]: record } }), { mode: 0o600 });
}
