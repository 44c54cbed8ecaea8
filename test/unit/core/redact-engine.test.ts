/**
 * The matcher behind `redact`, measured by the work it counts (characters hashed, candidate forms
 * checked) rather than by the clock: adding a secret costs work in proportion to its size and never
 * rebuilds the rest, a scan hashes each character of the text once, the registry refuses what it
 * cannot track instead of forgetting a secret, and a failure inside yields the placeholder.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { reduce, SecretIndex, SecretRegistryError, WITHHELD } from "../../../src/core/redact.js";

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

  it("counts a secret's size in UTF-8 bytes, up to its limit exactly", () => {
    const index = new SecretIndex({ maxSecretBytes: 64 });
    expect(() => index.register("a".repeat(64))).not.toThrow();
    expect(() => index.register("b".repeat(65))).toThrow(SecretRegistryError);
    // 40 characters, 80 bytes: over the limit although its length is not.
    expect(() => index.register("é".repeat(40))).toThrow(/80 bytes is larger than the 64 bytes/);
    expect(index.size).toBe(1);
  });

  it("tracks no value shorter than six characters (it would mask ordinary words), and masks a six-character one in base64", () => {
    const index = new SecretIndex();
    index.register("abcde");
    expect(index.size).toBe(0);
    expect(index.redact(`abcde ${Buffer.from("abcde").toString("hex")}`)).toBe(`abcde ${Buffer.from("abcde").toString("hex")}`);
    index.register("Zq7#pX");
    expect(index.redact(Buffer.from("Zq7#pX").toString("base64"))).toBe("[redacted]");
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

describe("where a secret can stand in the text", () => {
  // The shortest secret has one window, its anchor: the scan must reach the text's last window.
  it.each([
    ["the whole text", "Zq7#pX", "[redacted]"],
    ["its end", "token Zq7#pX", "token [redacted]"],
    ["its start", "Zq7#pX is the token", "[redacted] is the token"],
  ])("masks the shortest secret when it is %s", (_where, text, masked) => {
    const index = new SecretIndex();
    index.register("Zq7#pX");
    expect(index.redact(text)).toBe(masked);
  });

  it("masks a long secret that ends the text, and counts the candidates it checked", () => {
    const index = new SecretIndex();
    const token = jwtLike(2000);
    index.register(token);
    const work = workOf(index, () => expect(index.redact(`Bearer ${token}`)).toBe("Bearer [redacted]"));
    expect(work.verified).toBeGreaterThan(0);
  });
});

describe("the residues the hashes are made of", () => {
  // The primes the index uses, and every size of integer it reduces: products of two residues plus a character code.
  const primes = [67_108_859, 67_108_837];

  /** x below 2^53 where a quotient from a rounded 1/p is most likely off: around multiples of p, across the range, and products of residues. */
  const valuesFor = (p: number) => {
    const values = [0, 1, p - 1, p, p + 1, 2 * p - 1, 2 * p, (p - 1) * (p - 1), (p - 1) * (p - 1) + 0xffff, 2 ** 52, 2 ** 53 - 1];
    for (let q = 1; q < 2 ** 27; q = Math.floor(q * 1.7) + 1) values.push(q * p - 1, q * p, q * p + 1);
    for (let q = 2 ** 27 - 5000; q * p < 2 ** 53; q++) values.push(q * p - 1, q * p);
    for (let i = 0; i < 20_000; i++)
      values.push(Math.floor(Math.random() * (p - 1)) * Math.floor(Math.random() * (p - 1)) + Math.floor(Math.random() * 0x10000));
    return values;
  };

  it.each(primes)("are x %% p, exactly, for every kind of x below 2^53 (p = %i)", (p) => {
    expect(valuesFor(p).filter((x) => reduce(x, p, 1 / p) !== x % p)).toEqual([]);
  });

  it.each(primes)("stay exact when the inverse is rounded either way, which puts the quotient off by one (p = %i)", (p) => {
    for (const inverse of [(1 / p) * (1 + 2 ** -40), (1 / p) * (1 - 2 ** -40)]) {
      const values = valuesFor(p);
      const offByOne = values.filter((x) => {
        const r = x - Math.floor(x * inverse) * p;
        return r < 0 || r >= p;
      });
      expect(offByOne.length).toBeGreaterThan(0);
      expect(values.filter((x) => reduce(x, p, inverse) !== x % p)).toEqual([]);
    }
  });
});
