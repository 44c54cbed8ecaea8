/**
 * Blocking stdio for the opening exchange (src/mcp/blocking-stdio.ts): used only where stdin is a pipe or a
 * socket outside Windows; reads wait, survive an interrupted call, and give way to the stream when stdin
 * will not wait; writes go out whole, give back what a full non-blocking stdout refused, and report a
 * stdout that is gone. The process's real descriptors are driven by the e2e tests (test/e2e/mcp/tools-list.test.ts).
 */
import { describe, expect, it } from "vitest";
import { blockingStdio, isSystemError, type Descriptors } from "../../../src/mcp/blocking-stdio.js";

const systemError = (code: string) => Object.assign(new Error(code), { code });
const kind = (what: "fifo" | "socket" | "file" | "tty") => ({ isFIFO: () => what === "fifo", isSocket: () => what === "socket" });

/** Descriptors whose reads and writes follow a script: a function per call, in order. */
function descriptors(options: {
  platform?: NodeJS.Platform;
  stdin?: "fifo" | "socket" | "file" | "tty" | Error;
  reads?: Array<(buffer: Buffer) => number>;
  writes?: Array<(buffer: Buffer, offset: number) => number>;
}): Descriptors & { calls: { reads: number; writes: number; fds: number[] } } {
  const calls = { reads: 0, writes: 0, fds: [] as number[] };
  return {
    calls,
    platform: options.platform ?? "linux",
    fstat: (fd) => {
      calls.fds.push(fd);
      const stdin = options.stdin ?? "socket";
      if (stdin instanceof Error) throw stdin;
      return kind(stdin);
    },
    read: (fd, buffer) => {
      calls.fds.push(fd);
      const step = options.reads?.[calls.reads++];
      if (!step) throw new Error("no more reads in the script");
      return step(buffer);
    },
    write: (fd, buffer, offset) => {
      calls.fds.push(fd);
      const step = options.writes?.[calls.writes++];
      if (!step) throw new Error("no more writes in the script");
      return step(buffer, offset);
    },
  };
}

const fill = (text: string) => (buffer: Buffer) => buffer.write(text);
/** A scripted read or write that fails with `error`. */
const fails = (error: Error) => () => {
  throw error;
};

describe("where blocking stdio is used", () => {
  it.each(["fifo", "socket"] as const)("on a %s stdin", (stdin) => {
    expect(blockingStdio(descriptors({ stdin }))).toBeDefined();
  });

  it.each(["file", "tty"] as const)("not on a %s stdin, which keeps the stream", (stdin) => {
    expect(blockingStdio(descriptors({ stdin }))).toBeUndefined();
  });

  it("not on Windows, nor when stdin cannot even be examined", () => {
    expect(blockingStdio(descriptors({ platform: "win32" }))).toBeUndefined();
    expect(blockingStdio(descriptors({ stdin: systemError("EBADF") }))).toBeUndefined();
  });

  it("lets a bug through rather than taking it for a stdin it cannot use", () => {
    expect(() => blockingStdio(descriptors({ stdin: new TypeError("a bug") }))).toThrow("a bug");
  });
});

describe("reading", () => {
  it("gives each read's bytes as a copy of their own, and an empty buffer at the end of stdin", () => {
    const fds = descriptors({ reads: [fill("first"), fill("2nd"), () => 0] });
    const stdio = blockingStdio(fds);
    const first = stdio?.read();
    const second = stdio?.read();
    expect(first?.toString()).toBe("first");
    expect(second?.toString()).toBe("2nd");
    expect(stdio?.read()).toEqual(Buffer.alloc(0));
    expect(fds.calls.fds.slice(1)).toEqual([0, 0, 0]);
  });

  it("reads again after an interrupted call", () => {
    const stdio = blockingStdio(
      descriptors({
        reads: [fails(systemError("EINTR")), fill("after")],
      }),
    );
    expect(stdio?.read()?.toString()).toBe("after");
  });

  it.each(["EAGAIN", "EIO"])("gives way to the stream on %s", (code) => {
    const stdio = blockingStdio(
      descriptors({
        reads: [fails(systemError(code))],
      }),
    );
    expect(stdio?.read()).toBeUndefined();
  });

  it("lets a bug through", () => {
    const stdio = blockingStdio(
      descriptors({
        reads: [fails(new RangeError("a bug"))],
      }),
    );
    expect(() => stdio?.read()).toThrow("a bug");
  });
});

describe("writing", () => {
  it("writes all of the text to stdout, however many calls it takes", () => {
    const seen: string[] = [];
    const fds = descriptors({
      writes: [
        (buffer, offset) => (seen.push(buffer.subarray(offset, offset + 4).toString()), 4),
        fails(systemError("EINTR")),
        (buffer, offset) => (seen.push(buffer.subarray(offset).toString()), buffer.length - offset),
      ],
    });
    const left = blockingStdio(fds)?.write("héllo world\n");
    expect(left).toEqual(Buffer.alloc(0));
    expect(seen.join("")).toBe("héllo world\n");
    expect(fds.calls.fds.slice(1)).toEqual([1, 1, 1]);
  });

  it("gives back exactly what a full non-blocking stdout did not take", () => {
    const stdio = blockingStdio(
      descriptors({
        writes: [() => 3, fails(systemError("EAGAIN"))],
      }),
    );
    expect(stdio?.write("abcdef")?.toString()).toBe("def");
  });

  it("throws the system error when stdout is gone", () => {
    const stdio = blockingStdio(
      descriptors({
        writes: [fails(systemError("EPIPE"))],
      }),
    );
    let thrown: unknown;
    try {
      stdio?.write("x");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: "EPIPE" });
    expect(isSystemError(thrown)).toBe(true);
    expect(isSystemError(new TypeError("a bug"))).toBe(false);
    expect(isSystemError(Object.assign(new Error("a code that is no errno name"), { code: 5 }))).toBe(false);
  });
});
