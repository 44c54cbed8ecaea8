/** The credential record: validation that names what is wrong without echoing it, and the official server's record. */
import { describe, expect, it } from "vitest";
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
