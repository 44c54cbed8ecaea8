/**
 * How the server and the terminal commands end: every way out first waits (bounded) for held work —
 * a refresh whose rotated token is not saved yet — then exits with the code a shell or client expects.
 * Signals are emitted on a stand-in source and the streams are real in-memory streams, so nothing here
 * touches the test process's own signals or stdio.
 */
import { EventEmitter } from "node:events";
import { PassThrough, Writable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { drainHeldWork, finishHeldWorkOnSignals, holdExit, installShutdown } from "../../../src/core/lifecycle.js";
import { captureLogger } from "../../helpers/store/harness.js";

const CUT_OFF = "Stopped before a credential update finished; if a sign-in is lost, sign in again.";

/** A promise the test settles by hand. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A stream that keeps what was written to it. */
function sink() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join("") };
}

/** Exit codes as they are asked for, and a promise of the first. */
function exits() {
  const codes: number[] = [];
  const first = deferred<number>();
  return {
    codes,
    first: first.promise,
    exit: (code: number) => {
      codes.push(code);
      first.resolve(code);
    },
  };
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 20));

afterEach(() => void vi.useRealTimers());

describe("held work", () => {
  it("passes the work through unchanged, value or rejection", async () => {
    const work = Promise.resolve(42);
    expect(holdExit(work)).toBe(work);
    await expect(holdExit(Promise.reject(new Error("save failed")))).rejects.toThrow("save failed");
    expect(await drainHeldWork(1000)).toBe(true);
  });

  it("drains at once when nothing is held", async () => {
    const started = Date.now();
    expect(await drainHeldWork(5000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("waits for held work, and for work held while it waits", async () => {
    const first = deferred();
    const second = deferred();
    holdExit(first.promise);
    let drained: boolean | undefined;
    const draining = drainHeldWork(5000).then((done) => (drained = done));
    await tick();
    expect(drained).toBeUndefined();
    holdExit(second.promise);
    first.resolve();
    await tick();
    expect(drained).toBeUndefined();
    second.resolve();
    await draining;
    expect(drained).toBe(true);
  });

  it("no longer waits for work that failed", async () => {
    const failing = deferred();
    holdExit(failing.promise).catch(() => undefined);
    failing.reject(new Error("disk full"));
    expect(await drainHeldWork(200)).toBe(true);
  });

  it("gives up after the timeout when held work does not finish, and says so", async () => {
    const stuck = deferred();
    holdExit(stuck.promise);
    const started = Date.now();
    expect(await drainHeldWork(150)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    stuck.resolve();
    expect(await drainHeldWork(1000)).toBe(true);
  });

  it("leaves no timer behind once drained, so the process can end", async () => {
    vi.useFakeTimers();
    const work = deferred();
    holdExit(work.promise);
    const draining = drainHeldWork(60_000);
    work.resolve();
    expect(await draining).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("a terminal command's signals", () => {
  function setup(graceMs?: number) {
    const signals = new EventEmitter();
    const stdout = new PassThrough();
    const err = sink();
    const logger = captureLogger();
    const ended = exits();
    const remove = finishHeldWorkOnSignals({ logger, exit: ended.exit, stdout, stderr: err.stream, signals, ...(graceMs === undefined ? {} : { graceMs }) });
    return { signals, stdout, err, logger, ended, remove };
  }

  it.each([
    ["SIGHUP", 129],
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("on %s exits 128 + the signal's number", async (signal, code) => {
    const { signals, ended, err, remove } = setup();
    signals.emit(signal);
    expect(await ended.first).toBe(code);
    expect(err.text()).toBe("");
    remove();
  });

  it("first finishes saving the sign-in, and says so", async () => {
    const { signals, ended, err, logger, remove } = setup();
    const save = deferred();
    holdExit(save.promise);
    signals.emit("SIGINT");
    await tick();
    expect(ended.codes).toEqual([]);
    expect(err.text()).toBe("cronicorn-mcp: finishing saving the sign-in before exiting…\n");
    save.resolve();
    expect(await ended.first).toBe(130);
    expect(logger.lines).toEqual([]);
    remove();
  });

  it("waits up to five seconds by default", async () => {
    const { signals, ended, logger, remove } = setup();
    holdExit(new Promise((resolve) => setTimeout(resolve, 300)));
    signals.emit("SIGTERM");
    expect(await ended.first).toBe(143);
    expect(logger.lines).toEqual([]);
    remove();
  });

  it("exits anyway once the grace has passed, and logs that the save was cut off", async () => {
    const { signals, ended, logger, remove } = setup(100);
    const stuck = deferred();
    holdExit(stuck.promise);
    signals.emit("SIGHUP");
    expect(await ended.first).toBe(129);
    expect(logger.lines).toEqual([{ level: "error", message: CUT_OFF }]);
    stuck.resolve();
    remove();
  });

  it("answers only the first signal: a second Ctrl-C does not exit twice", async () => {
    const { signals, ended, err, remove } = setup();
    const save = deferred();
    holdExit(save.promise);
    signals.emit("SIGINT");
    signals.emit("SIGTERM");
    save.resolve();
    await ended.first;
    await tick();
    expect(ended.codes).toEqual([130]);
    expect(err.text().match(/finishing saving/g)).toHaveLength(1);
    remove();
  });

  it("survives a failed write to the closed terminal after SIGHUP", async () => {
    const { signals, ended, stdout, err, remove } = setup();
    const save = deferred();
    holdExit(save.promise);
    signals.emit("SIGHUP");
    // An "error" event without a listener would be thrown.
    expect(() => stdout.emit("error", new Error("EIO"))).not.toThrow();
    expect(() => err.stream.emit("error", new Error("EIO"))).not.toThrow();
    save.resolve();
    expect(await ended.first).toBe(129);
    remove();
  });

  it("stops listening once its handlers are removed", async () => {
    const { signals, ended, remove } = setup();
    remove();
    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) expect(signals.listenerCount(signal)).toBe(0);
    signals.emit("SIGINT");
    await tick();
    expect(ended.codes).toEqual([]);
  });
});

describe("the stdio server's exits", () => {
  function setup(graceMs?: number) {
    const signals = new EventEmitter();
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const err = sink();
    const logger = captureLogger();
    const ended = exits();
    const shutdown = installShutdown({
      logger,
      exit: ended.exit,
      stdin,
      stdout,
      stderr: err.stream,
      signals,
      ...(graceMs === undefined ? {} : { graceMs }),
    });
    const said = () => logger.lines.map((l) => `${l.level}: ${l.message}`);
    return { signals, stdin, stdout, err, said, ended, shutdown };
  }

  it("stops with 0 when stdin ends", async () => {
    const { stdin, ended, said } = setup();
    stdin.emit("end");
    expect(await ended.first).toBe(0);
    expect(said()).toEqual(["info: Stopping: stdin closed."]);
  });

  it("stops with 0 when stdin is closed", async () => {
    const { stdin, ended, said } = setup();
    stdin.emit("close");
    expect(await ended.first).toBe(0);
    expect(said()).toEqual(["info: Stopping: stdin closed."]);
  });

  it("stops when stdout is gone", async () => {
    const { stdout, ended, said } = setup();
    stdout.emit("error", new Error("EPIPE"));
    expect(await ended.first).toBe(0);
    expect(said()).toEqual(["info: Stopping: stdout closed."]);
  });

  it.each(["SIGTERM", "SIGINT", "SIGHUP"])("stops on %s, naming it", async (signal) => {
    const { signals, ended, said } = setup();
    signals.emit(signal);
    expect(await ended.first).toBe(0);
    expect(said()).toEqual([`info: Stopping: ${signal}.`]);
  });

  it("stops once, whichever ways out fire", async () => {
    const { stdin, signals, ended, said, shutdown } = setup();
    const save = deferred();
    holdExit(save.promise);
    const first = shutdown.stop("asked", 3);
    expect(shutdown.stop("asked again", 4)).toBe(first);
    stdin.emit("end");
    signals.emit("SIGTERM");
    save.resolve();
    await first;
    await tick();
    expect(ended.codes).toEqual([3]);
    expect(said()).toEqual(["info: Stopping: asked."]);
  });

  it("finishes held work before exiting", async () => {
    const { ended, shutdown, said } = setup();
    const save = deferred();
    holdExit(save.promise);
    const stopping = shutdown.stop("test");
    await tick();
    expect(ended.codes).toEqual([]);
    save.resolve();
    await stopping;
    expect(ended.codes).toEqual([0]);
    expect(said()).toEqual(["info: Stopping: test."]);
  });

  it("waits up to five seconds by default", async () => {
    const { ended, shutdown, said } = setup();
    holdExit(new Promise((resolve) => setTimeout(resolve, 300)));
    await shutdown.stop("test");
    expect(ended.codes).toEqual([0]);
    expect(said()).toEqual(["info: Stopping: test."]);
  });

  it("exits anyway once the grace has passed, with a warning that the save was cut off", async () => {
    const { ended, shutdown, said } = setup(100);
    const stuck = deferred();
    holdExit(stuck.promise);
    await shutdown.stop("test");
    expect(ended.codes).toEqual([0]);
    expect(said()).toEqual(["info: Stopping: test.", `warn: ${CUT_OFF}`]);
    stuck.resolve();
  });

  it("a transport closed by the client stops quietly with 0", async () => {
    const { ended, shutdown, said, err } = setup();
    shutdown.transportClosed();
    expect(await ended.first).toBe(0);
    expect(said()).toEqual(["info: Stopping: the MCP connection closed."]);
    expect(err.text()).toBe("");
  });

  it("a transport closed on a fault says why on stderr, whatever the log level, and exits 1", async () => {
    const { ended, shutdown, said, err } = setup();
    shutdown.transportClosed(new Error("line over the buffer limit"));
    expect(await ended.first).toBe(1);
    expect(err.text()).toBe("[cronicorn-mcp] error: the MCP connection ended (line over the buffer limit); exiting.\n");
    expect(said()).toEqual(["info: Stopping: MCP connection closed (line over the buffer limit)."]);
  });
});
