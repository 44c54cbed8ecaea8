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

const secrets = new Set<string>();

/** Remember a value (token, code, key) that must never appear in any output. */
export function registerSecret(value: string | undefined | null): void {
  // Very short values would mask ordinary words; real tokens and codes are longer.
  if (value && value.length >= 6) secrets.add(value);
}

/** Replace every registered secret in `text` with a fixed mask. */
export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join("[redacted]");
  }
  return out;
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
