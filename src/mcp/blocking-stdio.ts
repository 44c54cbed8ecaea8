/**
 * Blocking reads of fd 0 and writes of fd 1, for the opening exchange of the stdio server (src/mcp/fast-start.ts).
 * Creating `process.stdin` and `process.stdout` loads Node's net and stream modules: about 2.5 ms, a seventh
 * of a bare Node start, before the first answer (`npm run bench` shows a script answering either way). While
 * the opening is all there is to do, waiting in read(2) costs nothing the client could notice; the streams are
 * created once something else must run (loading the server), or where blocking calls cannot be used.
 */
import { fstatSync, readSync, writeSync } from "node:fs";

export interface BlockingStdio {
  /** The next bytes of stdin, waiting for them; empty at its end; undefined when stdin cannot be read this way (read the stream). */
  read(): Buffer | undefined;
  /**
   * Writes all of `text` to stdout, waiting for the reader. Returns what a non-blocking stdout did not take
   * (to be written through the stream: empty when all was written); throws the system error when stdout is gone.
   */
  write(text: string): Buffer;
}

/** The file descriptor calls used here (the process's own in use; a test's stand-ins otherwise). */
export interface Descriptors {
  platform: NodeJS.Platform;
  fstat(fd: number): { isFIFO(): boolean; isSocket(): boolean };
  read(fd: number, buffer: Buffer): number;
  write(fd: number, buffer: Buffer, offset: number): number;
}

const processDescriptors: Descriptors = {
  platform: process.platform,
  fstat: (fd) => fstatSync(fd),
  read: (fd, buffer) => readSync(fd, buffer, 0, buffer.length, null),
  write: (fd, buffer, offset) => writeSync(fd, buffer, offset),
};

const READ_BYTES = 64 * 1024;

/** A system call's error code (EAGAIN, EPIPE…); undefined for anything else, which is a bug to let through. */
function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Whether `error` came from a system call (stdout gone, say) rather than from a bug. */
export const isSystemError = (error: unknown): boolean => codeOf(error) !== undefined;

/**
 * Blocking stdio when stdin is a pipe or a socket, as every MCP client starts a server; undefined on Windows
 * (its pipes are read through libuv's own threads) and for a terminal or a file, which keep the streams.
 */
export function blockingStdio(fds: Descriptors = processDescriptors): BlockingStdio | undefined {
  if (fds.platform === "win32") return undefined;
  try {
    const stdin = fds.fstat(0);
    if (!stdin.isFIFO() && !stdin.isSocket()) return undefined;
  } catch (error) {
    if (codeOf(error) === undefined) throw error;
    return undefined;
  }
  const buffer = Buffer.allocUnsafe(READ_BYTES);
  return {
    read() {
      for (;;) {
        try {
          // A copy: the buffer is read into again, and a pending line keeps only the bytes it holds.
          return Buffer.from(buffer.subarray(0, fds.read(0, buffer)));
        } catch (error) {
          const code = codeOf(error);
          if (code === undefined) throw error;
          if (code === "EINTR") continue;
          // EAGAIN (a non-blocking stdin), or a fault the stream will meet and report its own way.
          return undefined;
        }
      }
    },
    write(text) {
      const bytes = Buffer.from(text, "utf8");
      let offset = 0;
      while (offset < bytes.length) {
        try {
          offset += fds.write(1, bytes, offset);
        } catch (error) {
          const code = codeOf(error);
          if (code === "EINTR") continue;
          if (code === "EAGAIN") break;
          throw error;
        }
      }
      return bytes.subarray(offset);
    },
  };
}
