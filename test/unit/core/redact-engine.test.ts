/**
 * The matcher behind `redact`, measured by the work it counts (characters hashed, candidate forms
 * checked) rather than by the clock: adding a secret costs work in proportion to its size and never
 * rebuilds the rest, a scan hashes each character of the text once, the registry refuses what it
 * cannot track instead of forgetting a secret, and a failure inside yields the placeholder.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SecretIndex, SecretRegistryError, WITHHELD } from "../../../src/core/redact.js";

function jwtLike(payloadBytes: number): string {
  const header = Buffer.from(JSON.stringify({ alg: "RS256", typ: "JWT", kid: "key-1" })).toString("base64url");
  return `${header}.${randomBytes(payloadBytes).toString("base64url")}.${randomBytes(256).toString("base64url")}`;
}

/** Work one call adds to the index's counters. */
function workOf(index: SecretIndex, run: () => void): { hashed: number; verified: number } {
  const before = { ...index.work };
  run();
  return { hashed: index.work.hashed - before.hashed, verified: index.work.verified - before.verified };
}

describe("the secret index", () => {
  it("adds a JWT-sized token with work in proportion to its size: the 60th costs what the first did", () => {
    const index = new SecretIndex();
    const tokens = Array.from({ length: 60 }, () => jwtLike(12_800));
    const costs = tokens.map((token) => workOf(index, () => index.register(token)).hashed);
    const size = tokens[0]!.length;
    // Its forms (raw, hex twice, base64 and base64url at three alignments) total about 13 times its size.
    for (const cost of costs) expect(cost).toBeLessThan(16 * size);
    expect(Math.max(...costs) - Math.min(...costs)).toBeLessThan(size); // no rebuild of what is there
  });

  it("scans a 1 MB text after sixty JWT-sized registrations hashing each character once, checking few candidates", () => {
    const index = new SecretIndex();
    const tokens = Array.from({ length: 60 }, () => jwtLike(12_800));
    for (const token of tokens) index.register(token);
    // Worst realistic input: the header all sixty tokens share, over and over, plus the tokens themselves.
    const header = `${tokens[0]!.split(".")[0]!}.`;
    const text = `${tokens.join(" ")} ${header.repeat(10_000)}`;
    expect(text.length).toBeGreaterThan(1_000_000);
    let out = "";
    const work = workOf(index, () => (out = index.redact(text)));
    expect(work.hashed).toBe(text.length);
    // About one check per repeated header (a window one token is anchored on), not one per token per position.
    expect(work.verified).toBeLessThan(20_000);
    for (const token of tokens) expect(out).not.toContain(token);
    expect(out.match(/\[redacted\]/g)).toHaveLength(60);
  });

  it("registering the same secret again adds nothing and costs one pass over it", () => {
    const index = new SecretIndex();
    const token = jwtLike(1000);
    index.register(token);
    const again = workOf(index, () => index.register(token));
    expect(again.hashed).toBe(token.length);
    expect(index.size).toBe(1);
  });

  it("returns the placeholder, not its input, when the matcher fails inside", () => {
    const secret = "forced_failure_secret_Pp0Oo9";
    class BrokenIndex extends SecretIndex {
      protected override matches(): number[] {
        throw new Error(`matcher broke on ${secret}`);
      }
    }
    const index = new BrokenIndex();
    index.register(secret);
    expect(index.redact(`here: ${secret}`)).toBe(WITHHELD);
    // Keys are output too: with the matcher broken, they are withheld as well.
    expect(index.redactDeep({ nested: [`here: ${secret}`] })).toEqual({ [WITHHELD]: [WITHHELD] });
  });

  it("refuses a secret larger than it can track, naming the size and never the value", () => {
    const index = new SecretIndex({ maxSecretBytes: 1024 });
    const huge = "h".repeat(4096);
    expect(() => index.register(huge)).toThrow(SecretRegistryError);
    expect(() => index.register(huge)).toThrow(/4 KiB is larger than the 1 KiB/);
    expect(() => index.register(huge)).not.toThrow(/hhhhhh/);
    expect(index.size).toBe(0);
  });

  it("at capacity refuses a new secret with an error, and keeps masking every secret it holds", () => {
    const index = new SecretIndex({ maxSecrets: 3 });
    const held = ["held_secret_one_111", "held_secret_two_222", "held_secret_three_333"];
    for (const secret of held) index.register(secret);
    expect(() => index.register("one_secret_too_many_444")).toThrow(/cannot keep more out of its output\. Restart it/);
    index.register(held[0]); // already held: not a new secret
    expect(index.redact(held.join(" "))).toBe("[redacted] [redacted] [redacted]");
  });
});
