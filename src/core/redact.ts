/**
 * The secret registry behind `redact`: every registered value (token, code, key, verifier, proxy
 * password) and the forms it takes when something echoes it back encoded, found in any text in time
 * linear in the text, whatever the number and size of the secrets.
 *
 * Why not one RegExp of all forms (what this replaced): V8 refuses to compile one from about 15 KB of
 * alternatives, so a single long token broke every log line and tool result, and the error message
 * carried the pattern, i.e. every secret. Why not Aho–Corasick: its failure links must be recomputed
 * for the whole automaton when a pattern is added, and it keeps a node per pattern character.
 *
 * What it does instead (Rabin–Karp with one anchor per form): each form is indexed by the polynomial
 * hash of one 6-character window of it (its anchor), and remembered only by its length, its offset
 * and two hashes of the whole form. A scan hashes the text once, left to right; where a window's hash
 * is an anchor, the candidate forms are checked against the text by their whole-form hashes, in O(1)
 * each, from prefix hashes kept in a ring. So:
 * - a true occurrence always matches (the same characters give the same hashes): never a miss;
 * - two independent hashes modulo primes near 2^26, with bases drawn at random per process, make a
 *   false match about 2^-52 per check, and a false match only masks harmless text (over-masking);
 * - memory is a few numbers per form, whatever the secret's size, and no copy of a secret is kept;
 * - adding a secret costs O(its size) and touches only its own buckets: nothing is rebuilt;
 * - each form's anchor is the window (of several sampled) whose bucket is emptiest, so tokens that
 *   share a prefix (JWT headers) do not pile into one bucket. The work per text position is the
 *   number of forms in the bucket hit: about one for real tokens; for secrets made to repeat one
 *   character (every window alike) up to all of their forms, which the registry's capacity bounds.
 * Anything that fails inside yields a fixed placeholder, never the input.
 */
import { randomInt } from "node:crypto";

export const MASK = "[redacted]";
/** What a redaction that failed returns instead of its input: the input may be the secret. */
export const WITHHELD = "[output withheld: redaction failed]";

/** Very short values would mask ordinary words; real tokens and codes are longer. */
const MIN_SECRET_LENGTH = 6;
/** Shorter encoded fragments would start matching ordinary text. */
const MIN_DERIVED_LENGTH = 8;
/** Anchor window length; no form is shorter. */
const WINDOW = MIN_SECRET_LENGTH;
/** Windows sampled per form when choosing its anchor. */
const ANCHOR_CHOICES = 16;
/** Numbers kept per form in a bucket: offset of the anchor, length, two hashes, base^length for both. */
const STRIDE = 6;

/** Primes below 2^26: a residue times a residue stays below 2^52, exact in a double. */
const P1 = 67_108_859;
const P2 = 67_108_837;
/** Bits of the prefilter in front of the bucket map (most windows of a text are no anchor). */
const FILTER_BITS = 20;

/**
 * The largest secret tracked: any environment variable fits (Linux caps one at 128 KiB). Values from
 * the network or a store are refused well before this, at `MAX_SECRET_BYTES`.
 */
const MAX_TRACKED_BYTES = 256 * 1024;
/**
 * Distinct secrets one process tracks (each costs about 1 KB). Reached only after thousands of token
 * refreshes; then a new secret is refused with an error, never tracked by forgetting an older one.
 */
const MAX_SECRETS = 8192;

/**
 * The largest token, code or stored credential accepted from a server or a store: a JWT with many
 * claims (17 KiB) fits; a 4 MiB keychain item does not. Checked where values enter, with an error that
 * says what was refused; the registry itself refuses only beyond `MAX_TRACKED_BYTES`.
 */
export const MAX_SECRET_BYTES = 64 * 1024;

/** The registry refused a secret (too large, or too many): the caller must not use that value. */
export class SecretRegistryError extends Error {
  override readonly name = "SecretRegistryError";
}

/** "64 KiB", "4.0 MiB": sizes for messages (never the value). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.ceil(bytes / 1024)} KiB`; // rounded up: just over the cap never reads as the cap
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** The UTF-8 size of `value` when it is larger than `MAX_SECRET_BYTES`, else undefined. */
export function oversizeSecret(value: string): number | undefined {
  // A string of n UTF-16 units is at most 3n UTF-8 bytes and at least n: skip the count when it cannot matter.
  if (value.length * 3 <= MAX_SECRET_BYTES) return undefined;
  const bytes = Buffer.byteLength(value, "utf8");
  return bytes > MAX_SECRET_BYTES ? bytes : undefined;
}

/**
 * The forms a secret takes when something echoes it back encoded: base64 and base64url (also inside a
 * longer blob: one form per alignment, without the edge characters that depend on the neighbours),
 * percent-encoding, hex, and JSON string escaping. A server that returns `btoa(token)` in a field must
 * not get it through.
 */
export function derivedForms(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const hex = bytes.toString("hex");
  const out = new Set([secret, hex, hex.toUpperCase(), JSON.stringify(secret).slice(1, -1)]);
  try {
    out.add(encodeURIComponent(secret));
  } catch {
    // A lone surrogate has no percent-encoding: nothing can echo one.
  }
  for (let shift = 0; shift < 3; shift++) {
    // Encode after `shift` filler bytes, then keep only the characters that depend on the secret alone.
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    // Character i covers bits [6i, 6i+6): keep those that lie wholly within the secret's bits.
    const first = Math.ceil((shift * 4) / 3);
    const end = Math.floor(((shift + bytes.length) * 4) / 3);
    for (const encoding of ["base64", "base64url"] as const) {
      const inner = padded.toString(encoding).slice(first, end);
      if (inner.length >= MIN_DERIVED_LENGTH) out.add(inner);
    }
  }
  return [...out].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

/** 1/p for each prime: `reduce` multiplies by it. */
const INVERSE1 = 1 / P1;
const INVERSE2 = 1 / P2;

/**
 * x mod p for an integer 0 ≤ x < 2^53 held exactly in a double, given `inverse` ≈ 1/p. The same value as
 * `x % p`, which V8 computes with a library call: the scan's two hashes per character of every tool
 * result spent most of their time there. With p near 2^26 and an inverse within 2^-40 of 1/p (relative),
 * the quotient is off by at most one and q·p < 2^53 is exact, so one correction step gives the exact residue.
 */
export function reduce(x: number, p: number, inverse: number): number {
  const r = x - Math.floor(x * inverse) * p;
  return r < 0 ? r + p : r >= p ? r - p : r;
}

/** (a·b + c) mod p for residues below 2^26 and a character code c. */
const mulAdd = (a: number, b: number, c: number, p: number, inverse: number) => reduce(a * b + c, p, inverse);
/** (x − y·w) mod p, non-negative: the hash of a slice from two prefix hashes. */
const slice = (x: number, y: number, w: number, p: number, inverse: number) => {
  const r = x - reduce(y * w, p, inverse);
  return r < 0 ? r + p : r;
};

function nextPowerOfTwo(n: number): number {
  let size = 1024;
  while (size < n) size *= 2;
  return size;
}

export interface SecretIndexOptions {
  maxSecrets?: number;
  maxSecretBytes?: number;
}

export class SecretIndex {
  /** Work done so far, for tests that bound it: characters hashed, candidate forms checked. */
  readonly work = { hashed: 0, verified: 0 };

  private readonly base1 = randomInt(256, P1 - 1);
  private readonly base2 = randomInt(256, P2 - 1);
  private readonly windowPow1: number;
  /** Anchor hash → the forms anchored there, STRIDE numbers each. */
  private readonly buckets = new Map<number, number[]>();
  private readonly filter = new Uint32Array(1 << (FILTER_BITS - 5));
  /** `length:hash1:hash2` of every secret registered, so a repeat costs one hash and adds nothing. */
  private readonly known = new Set<string>();
  private longest = 0;
  /** Prefix hashes of the text being scanned, in rings (reused between scans). */
  private ring1 = new Int32Array(0);
  private ring2 = new Int32Array(0);
  private readonly maxSecrets: number;
  private readonly maxSecretBytes: number;

  constructor(options: SecretIndexOptions = {}) {
    this.maxSecrets = options.maxSecrets ?? MAX_SECRETS;
    this.maxSecretBytes = options.maxSecretBytes ?? MAX_TRACKED_BYTES;
    let pow = 1;
    for (let i = 0; i < WINDOW; i++) pow = (pow * this.base1) % P1;
    this.windowPow1 = pow;
  }

  get size(): number {
    return this.known.size;
  }

  /** Remember `value` and its encoded forms. Throws SecretRegistryError (naming no value) when it cannot. */
  register(value: string | undefined | null): void {
    if (typeof value !== "string" || value.length < MIN_SECRET_LENGTH) return;
    const bytes = value.length * 3 > this.maxSecretBytes ? Buffer.byteLength(value, "utf8") : 0;
    if (bytes > this.maxSecretBytes) {
      throw new SecretRegistryError(
        `A secret of ${formatBytes(bytes)} is larger than the ${formatBytes(this.maxSecretBytes)} cronicorn-mcp can keep out of its output, so it is not used.`,
      );
    }
    const whole = this.hashOf(value);
    const key = `${value.length}:${whole.h1}:${whole.h2}`;
    if (this.known.has(key)) return;
    if (this.known.size >= this.maxSecrets) {
      throw new SecretRegistryError(
        `cronicorn-mcp has met ${this.maxSecrets} different secrets since it started and cannot keep more out of its output. Restart it (reloading the MCP client does).`,
      );
    }
    this.known.add(key);
    for (const form of derivedForms(value)) this.addForm(form);
  }

  /** `text` with every registered form masked; the placeholder when anything fails. */
  redact(text: string): string {
    try {
      if (typeof text !== "string") return WITHHELD;
      return this.mask(text, this.matches(text));
    } catch {
      return WITHHELD;
    }
  }

  /**
   * `redact` over every string of a JSON-like value (keys too), in one pass; returns the value itself
   * when nothing had to change, so the common case allocates nothing. A value that cannot be walked
   * (a throwing getter, a cycle) becomes the placeholder.
   */
  redactDeep<T>(value: T): T {
    if (this.buckets.size === 0) return value;
    try {
      return this.walk(value) as T;
    } catch {
      return WITHHELD as T;
    }
  }

  /** Sorted-by-nothing [start, end) pairs of every occurrence of a registered form in `text`. */
  protected matches(text: string): number[] {
    const n = text.length;
    const found: number[] = [];
    if (this.buckets.size === 0 || n < WINDOW) return found;
    // The ring must hold prefix hashes from `longest` behind the window to `longest` ahead of it.
    const needed = Math.min(n + 1, 2 * this.longest + WINDOW + 2);
    if (this.ring1.length < needed) {
      this.ring1 = new Int32Array(nextPowerOfTwo(needed));
      this.ring2 = new Int32Array(this.ring1.length);
    }
    const r1 = this.ring1;
    const r2 = this.ring2;
    const m = r1.length - 1;
    const { base1, base2, windowPow1, buckets, filter, longest } = this;
    r1[0] = 0;
    r2[0] = 0;
    let computed = 0; // prefix hashes 0..computed are in the rings
    for (let t = 0; t + WINDOW <= n; t++) {
      const ahead = Math.min(n, t + Math.max(longest, WINDOW));
      for (; computed < ahead; computed++) {
        const c = text.charCodeAt(computed);
        r1[(computed + 1) & m] = mulAdd(r1[computed & m] as number, base1, c, P1, INVERSE1);
        r2[(computed + 1) & m] = mulAdd(r2[computed & m] as number, base2, c, P2, INVERSE2);
      }
      const anchor = slice(r1[(t + WINDOW) & m] as number, r1[t & m] as number, windowPow1, P1, INVERSE1);
      const bit = anchor & ((1 << FILTER_BITS) - 1);
      if (((filter[bit >>> 5] as number) & (1 << (bit & 31))) === 0) continue;
      const bucket = buckets.get(anchor);
      if (!bucket) continue;
      for (let k = 0; k < bucket.length; k += STRIDE) {
        const start = t - (bucket[k] as number);
        const end = start + (bucket[k + 1] as number);
        if (start < 0 || end > n) continue;
        this.work.verified++;
        if (slice(r1[end & m] as number, r1[start & m] as number, bucket[k + 4] as number, P1, INVERSE1) !== bucket[k + 2]) continue;
        if (slice(r2[end & m] as number, r2[start & m] as number, bucket[k + 5] as number, P2, INVERSE2) !== bucket[k + 3]) continue;
        found.push(start, end);
      }
    }
    this.work.hashed += computed;
    return found;
  }

  /** Replace each run of overlapping matches with one mask. */
  private mask(text: string, found: number[]): string {
    if (found.length === 0) return text;
    const order = Array.from({ length: found.length / 2 }, (_, i) => i).sort((a, b) => (found[2 * a] as number) - (found[2 * b] as number));
    let out = "";
    let kept = 0; // text before this index is already in `out`
    let runStart = -1;
    let runEnd = -1;
    for (const i of order) {
      const start = found[2 * i] as number;
      const end = found[2 * i + 1] as number;
      if (runStart >= 0 && start < runEnd) {
        runEnd = Math.max(runEnd, end);
        continue;
      }
      if (runStart >= 0) {
        out += text.slice(kept, runStart) + MASK;
        kept = runEnd;
      }
      runStart = start;
      runEnd = end;
    }
    return out + text.slice(kept, runStart) + MASK + text.slice(runEnd);
  }

  private walk(value: unknown): unknown {
    if (typeof value === "string") {
      const safe = this.redact(value);
      return safe === value ? value : safe;
    }
    if (Array.isArray(value)) {
      let copy: unknown[] | null = null;
      value.forEach((item, i) => {
        const next = this.walk(item);
        if (next !== item) (copy ??= [...value])[i] = next;
      });
      return copy ?? value;
    }
    if (typeof value === "object" && value !== null) {
      // Copied only once something changes: every tool result passes here, and most have nothing to mask.
      const entries = Object.entries(value);
      let out: Record<string, unknown> | null = null;
      entries.forEach(([key, item], i) => {
        const safeKey = this.walk(key) as string;
        const next = this.walk(item);
        if (!out && (safeKey !== key || next !== item)) out = Object.fromEntries(entries.slice(0, i));
        if (out) out[safeKey] = next;
      });
      return out ?? value;
    }
    return value;
  }

  /** Both hashes of `text` and base^length for both. */
  private hashOf(text: string): { h1: number; h2: number; pow1: number; pow2: number } {
    let h1 = 0;
    let h2 = 0;
    let pow1 = 1;
    let pow2 = 1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = mulAdd(h1, this.base1, c, P1, INVERSE1);
      h2 = mulAdd(h2, this.base2, c, P2, INVERSE2);
      pow1 = (pow1 * this.base1) % P1;
      pow2 = (pow2 * this.base2) % P2;
    }
    this.work.hashed += text.length;
    return { h1, h2, pow1, pow2 };
  }

  private addForm(form: string): void {
    const { h1, h2, pow1, pow2 } = this.hashOf(form);
    // The anchor: of a few windows spread over the form, the one whose bucket holds the fewest forms.
    const last = form.length - WINDOW;
    let best = { offset: 0, hash: 0, load: Infinity };
    for (let k = 0, previous = -1; k < ANCHOR_CHOICES; k++) {
      const offset = Math.round((k * last) / (ANCHOR_CHOICES - 1));
      if (offset === previous) continue;
      previous = offset;
      const hash = this.hashOf(form.slice(offset, offset + WINDOW)).h1;
      const load = this.buckets.get(hash)?.length ?? 0;
      if (load < best.load) best = { offset, hash, load };
      if (load === 0) break;
    }
    let bucket = this.buckets.get(best.hash);
    if (!bucket) this.buckets.set(best.hash, (bucket = []));
    bucket.push(best.offset, form.length, h1, h2, pow1, pow2);
    const bit = best.hash & ((1 << FILTER_BITS) - 1);
    this.filter[bit >>> 5] = (this.filter[bit >>> 5] as number) | (1 << (bit & 31));
    this.longest = Math.max(this.longest, form.length);
  }
}
