import { describe, expect, it } from "vitest";
import { redact, redactDeep, registerSecret } from "../../../src/core/log.js";

const SECRET = "pkce_verifier_Nn4Bb7Vv1Cc0Xx9Zz";
registerSecret(SECRET);

describe("redaction of registered secrets", () => {
  it("masks the secret raw, percent-encoded, hex, base64 and base64url", () => {
    const bytes = Buffer.from(SECRET);
    for (const form of [
      SECRET,
      encodeURIComponent(`a b/${SECRET}`),
      bytes.toString("hex"),
      bytes.toString("hex").toUpperCase(),
      bytes.toString("base64"),
      bytes.toString("base64url"),
    ]) {
      expect(redact(`x ${form} y`)).toContain("[redacted]");
    }
  });

  it("masks it inside a longer base64 value at every alignment", () => {
    for (const prefix of ["", "a", "ab", "abc", "Basic user:"]) {
      const blob = Buffer.from(`${prefix}${SECRET}-tail`).toString("base64");
      expect(redact(blob), prefix).toContain("[redacted]");
    }
  });

  it("walks structured values deeply, keys included, and returns untouched values as they were", () => {
    const clean = { a: [1, { b: "nothing here" }], c: null };
    expect(redactDeep(clean)).toBe(clean);
    const dirty = { list: [{ deep: { deeper: [`Bearer ${SECRET}`] } }], [SECRET]: true };
    expect(JSON.stringify(redactDeep(dirty))).not.toContain(SECRET);
    expect(JSON.stringify(dirty)).toContain(SECRET); // the input is not mutated
  });

  it("leaves ordinary text alone", () => {
    expect(redact("List jobs, endpoints and runs: 12 active.")).toBe("List jobs, endpoints and runs: 12 active.");
  });
});
