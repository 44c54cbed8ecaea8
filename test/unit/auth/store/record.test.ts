/** The credential record: validation that names what is wrong without echoing it, and the official server's record. */
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  assertStorable,
  hasLegacyFields,
  LEGACY_KEYS,
  parseCredentialJson,
  parseCredentialRecord,
  parseLegacyRecord,
  registerRecordSecrets,
} from "../../../../src/auth/store/record.js";
import { StoreError } from "../../../../src/auth/store/types.js";
import type { CredentialRecord } from "../../../../src/auth/store/types.js";
import { redact } from "../../../../src/core/log.js";
import { createKeychainStore, KEYCHAIN_SERVICE } from "../../../../src/auth/store/keychain.js";
import type { KeytarLike } from "../../../../src/auth/store/keychain.js";
import { createFileStore } from "../../../../src/auth/store/file.js";
import { captureLogger, makeRecord, removeTempDirs, tempDir } from "../../../helpers/store/harness.js";

const valid: CredentialRecord = {
  access_token: "record-access-0123456789",
  refresh_token: "record-refresh-0123456789",
  expires_at: 1_900_000_000_000,
  token_type: "Bearer",
  scope: "openid",
  issuer: "https://cronicorn.com/api/auth",
  client_id: "cronicorn-mcp",
  obtained_at: 1_800_000_000_000,
  flow: "device",
};

describe("parseCredentialRecord", () => {
  it("accepts a complete record, and one without the optional fields", () => {
    expect(parseCredentialRecord(valid)).toEqual({ ok: true, value: valid });
    const { refresh_token: _r, scope: _s, flow: _f, ...minimal } = valid;
    expect(parseCredentialRecord(minimal)).toEqual({ ok: true, value: minimal });
  });

  it("names each bad field by path, never its value", () => {
    const parsed = parseCredentialRecord({ ...valid, access_token: "", expires_at: "soon", flow: "magic" });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.reason).toMatch(/^access_token: .+; expires_at: .+; flow: .+$/);
    expect(parsed.reason).not.toContain("soon");
    expect(parsed.reason).not.toContain("magic");
  });

  it("names the record itself when it is not an object", () => {
    const parsed = parseCredentialRecord("a string");
    expect(parsed).toMatchObject({ ok: false, reason: expect.stringMatching(/^record: /) });
  });

  it("rejects an empty refresh token", () => {
    expect(parseCredentialRecord({ ...valid, refresh_token: "" })).toMatchObject({ ok: false, reason: expect.stringMatching(/^refresh_token: /) });
  });

  it("registers the tokens of even an invalid record, so they are redacted from any output", () => {
    parseCredentialRecord({ access_token: "leaky-access-token-1", refresh_token: "leaky-refresh-token-1", expires_at: "bad" });
    expect(redact("a leaky-access-token-1 b leaky-refresh-token-1")).toBe("a [redacted] b [redacted]");
  });
});

describe("registerRecordSecrets", () => {
  it("ignores values that are not objects and fields that are not strings", () => {
    expect(() => registerRecordSecrets(null)).not.toThrow();
    expect(() => registerRecordSecrets(undefined)).not.toThrow();
    expect(() => registerRecordSecrets("access_token")).not.toThrow();
    registerRecordSecrets({ access_token: 1234567890, refresh_token: ["registered-nothing"] });
    expect(redact("1234567890 registered-nothing")).toBe("1234567890 registered-nothing");
    registerRecordSecrets({ refresh_token: "only-the-refresh-token" });
    expect(redact("only-the-refresh-token")).toBe("[redacted]");
  });
});

describe("parseCredentialJson", () => {
  it("parses a JSON record and reports text that is not JSON", () => {
    expect(parseCredentialJson(JSON.stringify(valid))).toEqual({ ok: true, value: valid });
    expect(parseCredentialJson("{not json")).toEqual({ ok: false, reason: "not valid JSON" });
    expect(parseCredentialJson("{}")).toMatchObject({ ok: false });
  });
});

describe("assertStorable", () => {
  it("returns a valid record and refuses an invalid one with a StoreError naming the origin and the field", () => {
    expect(assertStorable("https://cronicorn.com", valid)).toEqual(valid);
    const bad = { ...valid, issuer: 42 } as unknown as CredentialRecord;
    expect(() => assertStorable("https://cronicorn.com", bad)).toThrow(StoreError);
    expect(() => assertStorable("https://cronicorn.com", bad)).toThrow(
      /^Refusing to store an invalid credential record for https:\/\/cronicorn\.com \(issuer: .+\)\.$/,
    );
  });
});

describe("the official server's record", () => {
  it("is recognised by any of its three top-level keys", () => {
    expect(LEGACY_KEYS).toEqual(["access_token", "refresh_token", "expires_at"]);
    expect(hasLegacyFields({ access_token: "x" })).toBe(true);
    expect(hasLegacyFields({ refresh_token: "x" })).toBe(true);
    expect(hasLegacyFields({ expires_at: 1 })).toBe(true);
    expect(hasLegacyFields({ records: {} })).toBe(false);
  });

  it("becomes one of ours: milliseconds kept, Bearer, its client id, no issuer, flow legacy", () => {
    const parsed = parseLegacyRecord(
      { access_token: "legacy-access-0123456789", refresh_token: "legacy-refresh-0123456789", expires_at: 1_900_000_000_000 },
      1_800_000_000_000,
    );
    expect(parsed).toEqual({
      ok: true,
      value: {
        access_token: "legacy-access-0123456789",
        refresh_token: "legacy-refresh-0123456789",
        expires_at: 1_900_000_000_000,
        token_type: "Bearer",
        issuer: "",
        client_id: "cronicorn-mcp",
        obtained_at: 1_800_000_000_000,
        flow: "legacy",
      },
    });
  });

  it("reads expires_at below 1e12 as seconds and at 1e12 as milliseconds", () => {
    const at = (expires_at: number) => {
      const parsed = parseLegacyRecord({ access_token: "legacy-access-0123456789", expires_at }, 0);
      return parsed.ok ? parsed.value.expires_at : undefined;
    };
    expect(at(1_900_000_000)).toBe(1_900_000_000_000);
    expect(at(999_999_999_999)).toBe(999_999_999_999_000);
    expect(at(1_000_000_000_000)).toBe(1_000_000_000_000);
  });

  it("drops an empty or null refresh token (the device flow issued none)", () => {
    for (const refresh_token of ["", null, undefined]) {
      const parsed = parseLegacyRecord({ access_token: "legacy-access-0123456789", refresh_token, expires_at: 1_900_000_000_000 }, 0);
      expect(parsed.ok && "refresh_token" in parsed.value).toBe(false);
    }
  });

  it("reports a missing token or an expiry that is not a positive number, by field", () => {
    expect(parseLegacyRecord({ expires_at: 1 }, 0)).toMatchObject({ ok: false, reason: expect.stringMatching(/^access_token: /) });
    expect(parseLegacyRecord({ access_token: "", expires_at: 1 }, 0)).toMatchObject({ ok: false, reason: expect.stringMatching(/^access_token: /) });
    expect(parseLegacyRecord({ access_token: "legacy-access-0123456789", expires_at: 0 }, 0)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^expires_at: /),
    });
  });

  it("registers its tokens even when it is invalid", () => {
    parseLegacyRecord({ access_token: "legacy-leaky-access-1", refresh_token: "legacy-leaky-refresh-1", expires_at: -1 }, 0);
    expect(redact("legacy-leaky-access-1 legacy-leaky-refresh-1")).toBe("[redacted] [redacted]");
  });
});

/** A value no token may be: larger than the 64 KiB cap, and (at 4 MiB) than any record. */
const HUGE = "H".repeat(100 * 1024);

describe("a record too large to be a sign-in is refused when read", () => {
  afterEach(removeTempDirs);

  it("names an access or refresh token over 64 KiB by field and size, never by value", () => {
    for (const field of ["access_token", "refresh_token"] as const) {
      const parsed = parseCredentialRecord({ ...valid, [field]: HUGE });
      expect(parsed).toEqual({ ok: false, reason: `${field}: 100 KiB, more than the 64 KiB a token may be` });
    }
    expect(parseLegacyRecord({ access_token: HUGE, expires_at: 1_900_000_000_000 }, 0)).toEqual({
      ok: false,
      reason: "access_token: 100 KiB, more than the 64 KiB a token may be",
    });
  });

  it("refuses a 4 MiB keychain item without reading it as JSON", () => {
    const item = JSON.stringify({ ...valid, access_token: "H".repeat(4 * 1024 * 1024) });
    expect(parseCredentialJson(item)).toEqual({ ok: false, reason: "it is 4.0 MiB, more than the 1.0 MiB a saved sign-in can be" });
  });

  it("a 4 MiB keychain item reads as signed out: kept aside, never deleted, and the warning names its size, not its value", async () => {
    const items = new Map<string, string>([["https://cronicorn.com", JSON.stringify({ ...valid, access_token: "H".repeat(4 * 1024 * 1024) })]]);
    const backend: KeytarLike = {
      getPassword: async (_service, account) => items.get(account) ?? null,
      setPassword: async (_service, account, password) => void items.set(account, password),
      deletePassword: async (_service, account) => items.delete(account),
    };
    const logger = captureLogger();
    const store = createKeychainStore({ timeoutMs: 5_000, logger, loadBackend: async () => backend });
    expect(await store.read("https://cronicorn.com")).toBeNull();
    expect(items.has("https://cronicorn.com")).toBe(false);
    expect([...items.keys()]).toEqual([expect.stringMatching(/^https:\/\/cronicorn\.com corrupt-/)]);
    expect(logger.warnings()).toEqual([expect.stringContaining("(it is 4.0 MiB, more than the 1.0 MiB a saved sign-in can be)")]);
    expect(logger.lines.map((l) => l.message).join("\n")).not.toContain("HHHHHH");
    expect(KEYCHAIN_SERVICE).toBe("cronicorn-mcp");
  });

  it("a file record with a 100 KiB token is dropped with a copy kept, and the warning names the field, not the value", async () => {
    const dir = await tempDir();
    fs.chmodSync(dir, 0o700);
    const file = path.join(dir, "credentials.json");
    fs.writeFileSync(file, JSON.stringify({ records: { "https://cronicorn.com": makeRecord({ access_token: HUGE }) } }), { mode: 0o600 });
    const logger = captureLogger();
    const store = createFileStore({ dir, logger });
    expect(await store.read("https://cronicorn.com")).toBeNull();
    expect(logger.warnings().join("\n")).toContain("access_token: 100 KiB, more than the 64 KiB a token may be");
    expect(logger.lines.map((l) => l.message).join("\n")).not.toContain("HHHHHH");
    expect(fs.readdirSync(dir).some((name) => name.startsWith("credentials.json.corrupt-"))).toBe(true);
  });
});
