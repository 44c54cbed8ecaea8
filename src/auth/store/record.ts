/**
 * The credential record as both stores keep it: one zod schema, parsing that reports what was wrong
 * (without echoing values), and the reading of the official Cronicorn MCP server's single record.
 */
import * as z from "zod";
import { registerSecret } from "../../core/log.js";
import { formatBytes, MAX_SECRET_BYTES, oversizeSecret } from "../../core/redact.js";
import { StoreError, type CredentialRecord } from "./types.js";

export const credentialRecordSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_at: z.number(),
  token_type: z.string(),
  scope: z.string().optional(),
  issuer: z.string(),
  client_id: z.string(),
  obtained_at: z.number(),
  flow: z.enum(["device", "pkce", "legacy"]).optional(),
}) satisfies z.ZodType<CredentialRecord>;

/** What the official Cronicorn MCP server writes at the top level of credentials.json. */
const legacyRecordSchema = z.object({
  access_token: z.string().min(1),
  // It writes "" when better-auth's device flow issued no refresh token.
  refresh_token: z.string().nullish(),
  // Documented as ms; older builds and hand-written files use seconds.
  expires_at: z.number().positive(),
});

/**
 * The only origin the official server's record belongs to: it names no origin, and the official
 * server talks to Cronicorn's cloud. Using it for any other API would hand a cloud token to that server.
 */
export const LEGACY_ORIGIN = "https://cronicorn.com";

/** The top-level keys that make up the official server's record. */
export const LEGACY_KEYS = ["access_token", "refresh_token", "expires_at"] as const;

/** Values below this are seconds since the epoch (1e12 ms is in 2001; 1e12 s is in year 33658). */
const SECONDS_LIMIT = 1e12;

/** Client id and token type the official server used; its file records neither, nor the issuer. */
const LEGACY_CLIENT_ID = "cronicorn-mcp";
const LEGACY_TOKEN_TYPE = "Bearer";

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Issue paths and messages only: zod's messages name expected types, never the input values. */
function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".") || "record"}: ${issue.message}`).join("; ");
}

/** Larger items are no sign-in we wrote (two tokens at the cap, with room to spare): not even parsed. */
const MAX_RECORD_BYTES = 1024 * 1024;

const TOKEN_FIELDS = ["access_token", "refresh_token"] as const;

/** Why a token field is too large to be used (and tracked for redaction), or undefined. Never the value. */
function oversizeToken(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  for (const field of TOKEN_FIELDS) {
    const token = (value as Record<string, unknown>)[field];
    const bytes = typeof token === "string" ? oversizeSecret(token) : undefined;
    if (bytes !== undefined) return `${field}: ${formatBytes(bytes)}, more than the ${formatBytes(MAX_SECRET_BYTES)} a token may be`;
  }
  return undefined;
}

/** Register any token-looking fields of an unknown value, even one that fails validation (but not one too large to use). */
export function registerRecordSecrets(value: unknown): void {
  if (typeof value !== "object" || value === null) return;
  for (const field of TOKEN_FIELDS) {
    const token = (value as Record<string, unknown>)[field];
    if (typeof token === "string" && oversizeSecret(token) === undefined) registerSecret(token);
  }
}

export function parseCredentialRecord(value: unknown): Parsed<CredentialRecord> {
  registerRecordSecrets(value);
  const tooLarge = oversizeToken(value);
  if (tooLarge) return { ok: false, reason: tooLarge };
  const result = credentialRecordSchema.safeParse(value);
  return result.success ? { ok: true, value: result.data } : { ok: false, reason: describeIssues(result.error) };
}

/** For the keychain, where a record is stored as a JSON string. */
export function parseCredentialJson(text: string): Parsed<CredentialRecord> {
  const bytes = text.length * 3 > MAX_RECORD_BYTES ? Buffer.byteLength(text, "utf8") : 0;
  if (bytes > MAX_RECORD_BYTES)
    return { ok: false, reason: `it is ${formatBytes(bytes)}, more than the ${formatBytes(MAX_RECORD_BYTES)} a saved sign-in can be` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: "not valid JSON" };
  }
  return parseCredentialRecord(value);
}

/** Validate a record before persisting it: a bad record is a bug in the caller, stop it here. */
export function assertStorable(origin: string, record: CredentialRecord): CredentialRecord {
  const parsed = parseCredentialRecord(record);
  if (!parsed.ok) throw new StoreError(`Refusing to store an invalid credential record for ${origin} (${parsed.reason}).`);
  return parsed.value;
}

export function hasLegacyFields(doc: Record<string, unknown>): boolean {
  return LEGACY_KEYS.some((key) => key in doc);
}

/**
 * The official server's record as one of ours. Its file has no issuer and no time of issue:
 * `obtainedAt` is the file's modification time, the best estimate there is.
 */
export function parseLegacyRecord(doc: Record<string, unknown>, obtainedAt: number): Parsed<CredentialRecord> {
  registerRecordSecrets(doc);
  const tooLarge = oversizeToken(doc);
  if (tooLarge) return { ok: false, reason: tooLarge };
  const result = legacyRecordSchema.safeParse(doc);
  if (!result.success) return { ok: false, reason: describeIssues(result.error) };
  const { access_token, refresh_token, expires_at } = result.data;
  return {
    ok: true,
    value: {
      access_token,
      ...(refresh_token ? { refresh_token } : {}),
      expires_at: expires_at < SECONDS_LIMIT ? expires_at * 1000 : expires_at,
      token_type: LEGACY_TOKEN_TYPE,
      issuer: "",
      client_id: LEGACY_CLIENT_ID,
      obtained_at: obtainedAt,
      flow: "legacy",
    },
  };
}
