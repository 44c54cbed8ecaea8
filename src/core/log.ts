/**
 * Diagnostics for a stdio MCP server: stdout carries JSON-RPC, so every line here goes to stderr,
 * and (once a client is connected) may be mirrored as an MCP logging notification.
 * Every message passes through the secret registry, so a token can never be printed by accident.
 */

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Receives each logged line after redaction (e.g. to forward it as an MCP notification). */
export type LogSink = (level: Exclude<LogLevel, "silent">, message: string) => void;

const MIN_SECRET_LENGTH = 6;
const MIN_DERIVED_LENGTH = 8;
const MASK = "[redacted]";

/** Every form of every registered secret, longest first; the pattern is rebuilt only when a secret is added. */
const forms = new Set<string>();
let pattern: RegExp | null = null;

/**
 * The forms a secret takes when something echoes it back encoded: base64 and base64url (also inside a
 * longer blob: one form per alignment, without the edge characters that depend on the neighbours),
 * percent-encoding and hex. A server that returns `btoa(token)` in a field must not get it through.
 */
function derivedForms(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const out = [secret, encodeURIComponent(secret), bytes.toString("hex"), bytes.toString("hex").toUpperCase()];
  for (let shift = 0; shift < 3; shift++) {
    // Encode after `shift` filler bytes, then keep only the characters that depend on the secret alone.
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    // Character i covers bits [6i, 6i+6): keep those that lie wholly within the secret's bits.
    const first = Math.ceil((shift * 4) / 3);
    const end = Math.floor(((shift + bytes.length) * 4) / 3);
    for (const encoding of ["base64", "base64url"] as const) {
      const inner = padded.toString(encoding).slice(first, end);
      // Shorter fragments would start matching ordinary text.
      if (inner.length >= MIN_DERIVED_LENGTH) out.push(inner);
    }
  }
  return out;
}

/** Remember a value (token, code, key, verifier) that must never appear in any output. */
export function registerSecret(value: string | undefined | null): void {
  // Very short values would mask ordinary words; real tokens and codes are longer.
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  let added = false;
  for (const form of derivedForms(value)) {
    if (form.length >= MIN_SECRET_LENGTH && !forms.has(form)) {
      forms.add(form);
      added = true;
    }
  }
  if (added) pattern = null;
}

function secretPattern(): RegExp | null {
  if (forms.size === 0) return null;
  pattern ??= new RegExp(
    [...forms]
      .sort((a, b) => b.length - a.length)
      .map((form) => form.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join("|"),
    "g",
  );
  return pattern;
}

/** Replace every registered secret (and its encodings) in `text` with a fixed mask. */
export function redact(text: string): string {
  const re = secretPattern();
  if (!re) return text;
  re.lastIndex = 0;
  return text.replace(re, MASK);
}

/**
 * `redact` over every string of a JSON-like value (keys too), in one pass; returns the value itself
 * when nothing had to change, so the common case allocates nothing.
 */
export function redactDeep<T>(value: T): T {
  const re = secretPattern();
  if (!re) return value;
  return walk(value, re) as T;
}

function walk(value: unknown, re: RegExp): unknown {
  if (typeof value === "string") {
    re.lastIndex = 0;
    return re.test(value) ? value.replace(re, MASK) : value;
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    value.forEach((item, i) => {
      const next = walk(item, re);
      if (next !== item) (copy ??= [...value])[i] = next;
    });
    return copy ?? value;
  }
  if (typeof value === "object" && value !== null) {
    // Copied only once something changes: every tool result passes here, and most have nothing to mask.
    const entries = Object.entries(value);
    let out: Record<string, unknown> | null = null;
    entries.forEach(([key, item], i) => {
      const safeKey = walk(key, re) as string;
      const next = walk(item, re);
      if (!out && (safeKey !== key || next !== item)) out = Object.fromEntries(entries.slice(0, i));
      if (out) out[safeKey] = next;
    });
    return out ?? value;
  }
  return value;
}

export function createLogger(level: LogLevel, sinks: LogSink[] = []): Logger & { addSink(sink: LogSink): void } {
  const threshold = rank[level];
  const emit = (lvl: Exclude<LogLevel, "silent">, message: string): void => {
    if (rank[lvl] < threshold) return;
    const safe = redact(message);
    process.stderr.write(`[cronicorn-mcp] ${lvl}: ${safe}\n`);
    for (const sink of sinks) sink(lvl, safe);
  };
  return {
    debug: (m) => emit("debug", m),
    info: (m) => emit("info", m),
    warn: (m) => emit("warn", m),
    error: (m) => emit("error", m),
    addSink: (sink) => {
      sinks.push(sink);
    },
  };
}

/** A logger that drops everything: for unit tests and library use. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
