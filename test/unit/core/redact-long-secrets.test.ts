/**
 * Redaction through its public API (`registerSecret`, `redact`, `redactDeep`) with the secrets a hostile
 * server can hand us: a 16 KiB device code, a 100 KiB value, sixty 17 KiB JWTs from sixty refreshes.
 * Masking must keep working for all of them and for every secret registered before them, and a failure
 * must never put a secret into the output.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { redact, redactDeep, registerSecret } from "../../../src/core/log.js";
import { leaksOf } from "../../helpers/leaks.js";

/** A JWT-shaped token: a shared header, `payloadBytes` of claims, an RS256-sized signature. */
function jwtLike(payloadBytes: number): string {
  const header = Buffer.from(JSON.stringify({ alg: "RS256", typ: "JWT", kid: "key-1" })).toString("base64url");
  return `${header}.${randomBytes(payloadBytes).toString("base64url")}.${randomBytes(256).toString("base64url")}`;
}

/** The secret in every form a hostile echo uses, inside ordinary text. */
function echoes(secret: string): string {
  const bytes = Buffer.from(secret);
  return [
    `raw ${secret}`,
    `url ${encodeURIComponent(secret)}`,
    `hex ${bytes.toString("hex")} HEX ${bytes.toString("hex").toUpperCase()}`,
    `b64 ${bytes.toString("base64")} b64url ${bytes.toString("base64url")}`,
    `inside ${Buffer.from(`Basic x:${secret}`).toString("base64")}`,
  ].join("\n");
}

const EARLIER = "earlier_api_key_Qw7Er4Ty1Ui8";
registerSecret(EARLIER);

describe("redaction with long secrets", () => {
  it("masks a 16 KiB device code in every form, and still masks the secrets registered before it", () => {
    const code = randomBytes(12 * 1024).toString("base64url"); // 16 KiB of text
    registerSecret(code);
    const out = redact(`${echoes(code)}\nkey ${EARLIER}`);
    expect(leaksOf(out, code)).toEqual([]);
    expect(leaksOf(out, EARLIER)).toEqual([]);
    expect(out).toContain("raw [redacted]");
  });

  it("masks a 100 KiB secret in every form", () => {
    const secret = randomBytes(75 * 1024).toString("base64"); // 100 KiB of text
    registerSecret(secret);
    const out = redact(echoes(secret));
    expect(leaksOf(out, secret)).toEqual([]);
    expect(out.length).toBeLessThan(2000); // masked, not merely mangled
  });

  it("masks every one of sixty 17 KiB JWTs (sixty refreshes) in a 1 MB text, and leaves the rest of it alone", () => {
    const tokens = Array.from({ length: 60 }, () => jwtLike(12_800));
    expect(tokens[0]!.length).toBeGreaterThan(17_000);
    for (const token of tokens) registerSecret(token);
    const filler = "ordinary job output, nothing secret here. ".repeat(20_000);
    const text = `${filler}${tokens[0]} ${echoes(tokens[59]!)} ${tokens[30]}${filler}`;
    const out = redact(text);
    for (const token of [tokens[0]!, tokens[30]!, tokens[59]!]) expect(leaksOf(out, token)).toEqual([]);
    expect(out.startsWith(filler)).toBe(true);
    expect(out.endsWith(filler)).toBe(true);
  });

  it("masks two overlapping secrets as one run, leaving no fragment of either", () => {
    const a = "overlap_left_Aa11Bb22";
    const b = "Bb22_overlap_right_Cc33Dd44";
    registerSecret(a);
    registerSecret(b);
    expect(redact(`x overlap_left_Aa11Bb22_overlap_right_Cc33Dd44 y`)).toBe("x [redacted] y");
  });

  it("masks a secret the way JSON writes it, escaped", () => {
    const secret = 'quote"and\\slash_Zz99Yy88';
    registerSecret(secret);
    expect(JSON.stringify({ token: secret })).not.toContain(secret); // the escaped form is what output carries
    expect(redact(JSON.stringify({ token: secret }))).toBe('{"token":"[redacted]"}');
  });

  it("never puts a secret into the output when walking a value fails: the whole value is withheld", () => {
    const hostile = {
      ok: "fine",
      get boom(): string {
        throw new Error(`getter failed while holding ${EARLIER}`);
      },
    };
    let out: unknown;
    expect(() => (out = redactDeep(hostile))).not.toThrow();
    expect(JSON.stringify(out)).not.toContain(EARLIER);
    expect(out).toBe("[output withheld: redaction failed]");
  });

  it("answers a value that is not text with the placeholder rather than throwing", () => {
    expect(redact(undefined as unknown as string)).toBe("[output withheld: redaction failed]");
  });
});
