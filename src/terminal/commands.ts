/** `login`, `logout` and `status` for a person at a terminal: the server's own auth code, with this terminal as the UI. */
import type { AuthStatus } from "../auth/types.js";
import type { Config } from "../config/config.js";
import { finishHeldWorkOnSignals } from "../core/lifecycle.js";
import { createLogger, type Logger, type LogSink } from "../core/log.js";

/**
 * Runs one command; `print` writes a line where the user reads it (the CLI passes stdout). Returns the exit code.
 * The log goes to stderr, and to `logSinks` too (tests read it there).
 */
export async function runTerminalCommand(
  command: "login" | "logout" | "status",
  config: Config,
  options: { force: boolean; json: boolean; print: (line: string) => void; logSinks?: LogSink[] },
): Promise<number> {
  const { force, json, print } = options;
  // At a terminal the command's own output says what happened; the logger adds only errors (or debug on request).
  const logger = createLogger(config.logLevel === "debug" ? "debug" : "error", options.logSinks);
  // Ctrl-C or a closed terminal while a refresh rotates the token: save the new one before exiting, or the next refresh is a reuse.
  const removeSignalHandlers = finishHeldWorkOnSignals({ logger });
  try {
    return await run(command, config, { force, json, print }, logger);
  } finally {
    removeSignalHandlers();
  }
}

async function run(
  command: "login" | "logout" | "status",
  config: Config,
  { force, json, print }: { force: boolean; json: boolean; print: (line: string) => void },
  logger: Logger,
): Promise<number> {
  const { createAuthParts } = await import("../runtime.js");
  const { describeStatus } = await import("../tools/auth.js");
  // A terminal prints the link where the user reads it, so `login` waits for the approval.
  const ui = { notify: (m: string) => print(m), noticesReachUser: true };
  const { runtime } = createAuthParts(config, logger, ui, { waitMs: config.signInTimeoutMs, whileWaiting: "and this command continues by itself" });
  const call = { signal: new AbortController().signal, progress: async () => {} };
  if (command === "status") {
    let status: AuthStatus;
    try {
      status = await runtime.account.status();
    } catch (error) {
      if (!json) throw error;
      // Scripts read `--json`: a status that could not be read (e.g. the store refused) is still JSON.
      print(JSON.stringify({ signedIn: false, apiUrl: config.apiUrl, problem: error instanceof Error ? error.message : String(error) }, null, 2));
      return 1;
    }
    print(json ? JSON.stringify(status, null, 2) : describeStatus(status, "terminal"));
    return status.signedIn ? 0 : 1;
  }
  if (command === "logout") {
    print((await runtime.account.logout()).message);
    return 0;
  }
  const outcome = await runtime.account.login(call, force);
  if (outcome.state === "pending") {
    print("The sign-in was not approved in time. Run `cronicorn-mcp login` again.");
    return 1;
  }
  print(describeStatus(outcome.status ?? (await runtime.account.status()), "terminal"));
  return 0;
}
