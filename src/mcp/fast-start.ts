/**
 * The fast start of the MCP server (run by src/start.ts, the CommonJS entry): the front answers the
 * opening exchange from the generated answers while nothing else is loaded, and the rest of the server
 * (configuration, logging, the exits, then the SDK) loads right after it — once the first `tools/list`
 * is answered, or at the first message the front does not answer, whichever comes first. Until then the
 * process reads and writes stdio with blocking calls where it can (src/mcp/blocking-stdio.ts): it has
 * nothing else to do, and the streams cost more than the answers.
 */
import type { Readable, Writable } from "node:stream";
import { isSystemError, type BlockingStdio } from "./blocking-stdio.js";
import type { ConfigOverrides } from "../config/config.js";
import { openFront } from "./front.js";
import type { PreparedServer } from "./serve.js";
import type { OpeningAnswers } from "./static-answers.js";

/**
 * Whether the command line or the environment asks for a subset of the tools. When neither does, every
 * configuration lists every tool (a broken one too: each call then reports the problem, src/tools/select.ts),
 * so `tools/list` can be answered before the configuration is read. An empty variable is not set (as in loadConfig).
 */
export function asksForToolSubset(env: NodeJS.ProcessEnv, overrides: ConfigOverrides): boolean {
  const set = (name: string) => (env[name] ?? "").trim() !== "";
  return overrides.readOnly === true || overrides.toolGroups !== undefined || set("CRONICORN_READ_ONLY") || set("CRONICORN_TOOLS");
}

export interface FastStartOptions {
  /** process.stdin and process.stdout: created only when needed, since creating them costs more than the answers. */
  input(): Readable;
  output(): Writable;
  /** Blocking reads and writes of the same stdin and stdout, where they can be used (src/mcp/blocking-stdio.ts). */
  blocking: BlockingStdio | undefined;
  /** Generated for this version; every tool is exposed (`asksForToolSubset` is false). */
  answers: OpeningAnswers;
  /** Loads the rest of the server and prepares it (src/mcp/serve.ts `prepareServer`). */
  load(): Promise<PreparedServer>;
  /** Nothing can be served: say why and end. */
  fail(error: unknown): void;
}

export function serveBeforeLoading(options: FastStartOptions): void {
  let prepared: Promise<PreparedServer> | undefined;
  /** Loads and prepares the server once, then runs `then` with it (a failure to load has been reported by then). */
  const withServer = (then: (server: PreparedServer) => void) => {
    if (!prepared) {
      prepared = options.load();
      prepared.catch(options.fail);
    }
    prepared.then(then, () => undefined);
  };
  let blocking = options.blocking;
  let closed = false;
  // Until the exits are installed, a closed stdout still ends the process their way. (Nothing else can
  // happen here that they handle: no credential is touched before the server loads.)
  // Reached once: a blocking write that fails (then nothing more is written), or the stream's first error.
  const stdoutClosed = () => {
    blocking = undefined;
    closed = true;
    withServer((server) => server.stop("stdout closed"));
  };
  let output: Writable | undefined;
  const stream = () => {
    if (!output) {
      output = options.output();
      output.once("error", stdoutClosed);
    }
    return output;
  };
  const write = (text: string) => {
    if (closed) return;
    if (!blocking) return void stream().write(text);
    try {
      const unwritten = blocking.write(text);
      if (unwritten.length === 0) return;
      // A non-blocking stdout that is full: the stream writes the rest, and from now on everything (a
      // blocking read would keep its writes from ever draining).
      blocking = undefined;
      stream().write(unwritten);
    } catch (error) {
      if (!isSystemError(error)) throw error;
      stdoutClosed();
    }
  };
  const front = openFront({
    input: options.input,
    write,
    answers: options.answers,
    toolsJson: options.answers.toolsJson,
    opened: () => withServer(() => undefined),
    handOff: (handed) => withServer((server) => server.start(handed)),
  });
  // The opening exchange, read blocking: there is nothing else to do until it ends, when the server loads.
  while (blocking && front.inOpening()) {
    const chunk = blocking.read();
    if (!chunk) break;
    // stdin ended: nothing will ask for anything, and the process ends as it would with the streams.
    if (chunk.length === 0) return;
    front.feed(chunk);
  }
  // From here on, streams: the server loads while stdin is read.
  blocking = undefined;
  front.listen();
}
