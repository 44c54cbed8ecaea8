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

  it("masks it inside a longer base64 value at every alignment, every character that depends on it alone", () => {
    for (const prefix of ["", "a", "ab", "abc", "Basic user:"]) {
      for (const encoding of ["base64", "base64url"] as const) {
        const blob = Buffer.from(`${prefix}${SECRET}-tail`).toString(encoding);
        // Character i of the blob covers bits [6i, 6i+6): those wholly within the secret's bytes are masked, the edges kept.
        const start = Buffer.byteLength(prefix);
        const first = Math.ceil((start * 4) / 3);
        const end = Math.floor(((start + Buffer.byteLength(SECRET)) * 4) / 3);
        expect(redact(blob), `${encoding} after ${JSON.stringify(prefix)}`).toBe(`${blob.slice(0, first)}[redacted]${blob.slice(end)}`);
      }
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
