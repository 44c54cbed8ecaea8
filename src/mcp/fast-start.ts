/**
 * The fast start of the MCP server (run by src/start.ts, the CommonJS entry): the front answers the
 * opening exchange from the generated answers while nothing else is loaded, and the rest of the server
 * (configuration, logging, the exits, then the SDK) loads right after it — once the first `tools/list`
 * is answered, or at the first message the front does not answer, whichever comes first.
 */
import type { Readable, Writable } from "node:stream";
import type { ConfigOverrides } from "../config/config.js";
import { serveFront } from "./front.js";
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
  input: Readable;
  output: Writable;
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
  // Until the exits are installed, a closed stdout still ends the process their way. (Nothing else can
  // happen here that they handle: no credential is touched before the server loads.)
  options.output.once("error", () => withServer((server) => server.stop("stdout closed")));
  serveFront({
    input: options.input,
    output: options.output,
    answers: options.answers,
    toolsJson: options.answers.toolsJson,
    opened: () => withServer(() => undefined),
    handOff: (input, replayIds) => withServer((server) => server.start(input, replayIds)),
  });
}
