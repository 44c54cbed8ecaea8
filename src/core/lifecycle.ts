/**
 * How the stdio server ends. Work that must not be cut off — a refresh whose rotated token is not
 * saved yet, a store write — is registered with `holdExit`; every way out (stdin closed, SIGTERM,
 * SIGINT, stdout gone, the SDK closing the transport) waits for it, bounded, before exiting.
 * With refresh-token rotation, exiting between "token issued" and "token saved" loses the sign-in.
 */
import type { Logger } from "./log.js";

const pending = new Set<Promise<unknown>>();

/** Keep the process alive (up to the shutdown grace) until `work` settles; returns `work`. */
export function holdExit<T>(work: Promise<T>): Promise<T> {
  pending.add(work);
  const done = (): void => void pending.delete(work);
  work.then(done, done);
  return work;
}

/** Wait until no held work is left (work started meanwhile included), or `timeoutMs`; true when all finished. */
export async function drainHeldWork(timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    while (pending.size > 0) {
      const settled = Promise.allSettled([...pending]).then(() => true as const);
      if (!(await Promise.race([settled, timeout]))) return false;
    }
    return true;
  } finally {
    clearTimeout(timer);
  }
}

/** Where exit signals arrive: the process, or a stand-in a test emits them on. */
export interface SignalSource {
  on(signal: ExitSignal, listener: () => void): unknown;
  off(signal: ExitSignal, listener: () => void): unknown;
}

export interface ShutdownOptions {
  logger: Logger;
  /** How long held work may delay the exit. */
  graceMs?: number;
  exit?: (code: number) => void;
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  signals?: SignalSource;
}

const DEFAULT_GRACE_MS = 5_000;

/** The signals that end a process: a closed terminal (SIGHUP) ends it as surely as SIGTERM or Ctrl-C (SIGINT). */
export const EXIT_SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP"] as const;
export type ExitSignal = (typeof EXIT_SIGNALS)[number];
const SIGNAL_NUMBERS: Record<ExitSignal, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

const CUT_OFF = "Stopped before a credential update finished; if a sign-in is lost, sign in again.";

export interface SignalExitOptions {
  logger: Logger;
  graceMs?: number;
  exit?: (code: number) => void;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  signals?: SignalSource;
}

/**
 * For a command run at a terminal: on SIGINT, SIGHUP or SIGTERM, finish the held work (bounded), then
 * exit 128 + the signal's number, as shells expect. Returns a function that removes the handlers.
 */
export function finishHeldWorkOnSignals(options: SignalExitOptions): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const signals = options.signals ?? process;
  let stopping = false;
  const handlers = EXIT_SIGNALS.map((signal) => {
    const handler = (): void => {
      if (stopping) return;
      stopping = true;
      // After SIGHUP the terminal is gone: a failed write to it must not end the process before the save.
      stdout.on("error", () => undefined);
      stderr.on("error", () => undefined);
      if (pending.size > 0) stderr.write("cronicorn-mcp: finishing saving the sign-in before exiting…\n");
      void drainHeldWork(options.graceMs ?? DEFAULT_GRACE_MS).then((finished) => {
        if (!finished) options.logger.error(CUT_OFF);
        exit(128 + SIGNAL_NUMBERS[signal]);
      });
    };
    signals.on(signal, handler);
    return { signal, handler };
  });
  return () => {
    for (const { signal, handler } of handlers) signals.off(signal, handler);
  };
}

export interface Shutdown {
  /** Stop: wait (bounded) for held work, then exit with `code`. */
  stop(reason: string, code?: number): Promise<void>;
  /**
   * The MCP transport closed (it exists once the SDK takes over from the start-up answers): with the
   * error that made the SDK close it (e.g. a line over its buffer limit), if any. Says why on stderr and ends.
   */
  transportClosed(error?: Error): void;
}

/** Install the exits of the stdio server: stdin closed, stdout gone, SIGTERM, SIGINT, SIGHUP, and (through `transportClosed`) the transport. */
export function installShutdown(options: ShutdownOptions): Shutdown {
  const { logger } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const signals = options.signals ?? process;
  let stopping: Promise<void> | null = null;

  const stop = (reason: string, code = 0): Promise<void> => {
    stopping ??= (async () => {
      logger.info(`Stopping: ${reason}.`);
      const finished = await drainHeldWork(options.graceMs ?? DEFAULT_GRACE_MS);
      if (!finished) logger.warn(CUT_OFF);
      exit(code);
    })();
    return stopping;
  };

  stdin.on("end", () => void stop("stdin closed"));
  stdin.on("close", () => void stop("stdin closed"));
  stdout.on("error", () => void stop("stdout closed"));
  for (const signal of EXIT_SIGNALS) signals.on(signal, () => void stop(signal));

  return {
    stop,
    transportClosed(error) {
      if (!error) return void stop("the MCP connection closed");
      // The SDK closes the transport on a fault (e.g. a line over its buffer limit) and the process would
      // otherwise linger, deaf: say why on stderr (whatever the log level) and end.
      stderr.write(`[cronicorn-mcp] error: the MCP connection ended (${error.message}); exiting.\n`);
      void stop(`MCP connection closed (${error.message})`, 1);
    },
  };
}
