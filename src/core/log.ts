/**
 * Diagnostics for a stdio MCP server: stdout carries JSON-RPC, so every line here goes to stderr,
 * and (once a client is connected) may be mirrored as an MCP logging notification.
 * Every message passes through the secret registry, so a token can never be printed by accident.
 */
import { SecretIndex } from "./redact.js";

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

/** The one registry of this process: every output path (logs, tool results, terminal) masks through it. */
const secrets = new SecretIndex();

/**
 * Remember a value (token, code, key, verifier) that must never appear in any output. Throws
 * SecretRegistryError (naming no value) for a value too large to track, or when the registry is full:
 * a value that cannot be masked must not be used.
 */
export function registerSecret(value: string | undefined | null): void {
  secrets.register(value);
}

/** Replace every registered secret (and its encodings) in `text` with a fixed mask; never throws. */
export function redact(text: string): string {
  return secrets.redact(text);
}

/** `redact` over every string of a JSON-like value (keys too); the value itself when nothing changed. */
export function redactDeep<T>(value: T): T {
  return secrets.redactDeep(value);
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
