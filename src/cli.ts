/**
 * argv → command. With no command (how MCP clients start it) the server speaks MCP on stdio and
 * nothing else may write to stdout. `login`, `logout` and `status` are for a person at a terminal.
 */
import type { Readable } from "node:stream";
import pkg from "../package.json" with { type: "json" };
import { loadConfig } from "./config.js";
import type { Config, ConfigOverrides } from "./config.js";
import { serveFront } from "./front.js";
import { installShutdown } from "./lifecycle.js";
import { createLogger } from "./log.js";
import { readStaticAnswers } from "./static-answers.js";
import { selectTools } from "./tools/select.js";

const HELP = `cronicorn-mcp ${pkg.version} — MCP server for Cronicorn, the adaptive HTTP job scheduler

Usage:
  cronicorn-mcp [serve] [--read-only] [--tools jobs,endpoints,…]   run the MCP server on stdio (what MCP clients start)
  cronicorn-mcp login [--force]    sign in from a terminal (opens the browser, waits for approval)
  cronicorn-mcp status [--json]    show who is signed in, to which API, and where the credential is kept
  cronicorn-mcp logout             revoke the session on the server and delete the saved credential
  cronicorn-mcp doctor [--json]    check Node, the keychain, the config folder, the network path to the API, the clock and the sign-in
  cronicorn-mcp install-links      print the one-click install links and commands for Cursor, VS Code and Claude Code
  cronicorn-mcp --help | --version

Environment: CRONICORN_API_URL, CRONICORN_WEB_URL, CRONICORN_API_KEY, CRONICORN_AUTH_FLOW, CRONICORN_TOKEN_STORE,
CRONICORN_CONFIG_DIR, CRONICORN_READ_ONLY, CRONICORN_TOOLS, CRONICORN_LOG_LEVEL … (see the README).`;

interface Parsed {
  command: "serve" | "login" | "logout" | "status" | "doctor" | "install-links" | "help" | "version";
  overrides: ConfigOverrides;
  force: boolean;
  json: boolean;
}

const COMMANDS = new Set(["serve", "login", "logout", "status", "doctor", "install-links"]);

export function parseArgs(argv: string[]): Parsed | string {
  const parsed: Parsed = { command: "serve", overrides: {}, force: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--help" || arg === "-h") parsed.command = "help";
    else if (arg === "--version" || arg === "-v") parsed.command = "version";
    else if (arg === "--read-only") parsed.overrides.readOnly = true;
    else if (arg === "--force") parsed.force = true;
    else if (arg === "--json") parsed.json = true;
    else if (arg === "--tools" || arg.startsWith("--tools=")) {
      const value = arg === "--tools" ? argv[++i] : arg.slice("--tools=".length);
      if (!value) return "--tools needs a comma-separated list of groups, e.g. --tools jobs,endpoints";
      parsed.overrides.toolGroups = value;
    } else if (COMMANDS.has(arg)) parsed.command = arg as Parsed["command"];
    else return `Unknown argument: ${arg}. Run cronicorn-mcp --help.`;
  }
  return parsed;
}

async function serve(overrides: ConfigOverrides): Promise<void> {
  const config = loadConfig(process.env, overrides);
  const logger = createLogger(config.ok ? config.config.logLevel : "info");
  if (!config.ok) logger.error(`Configuration problem: ${config.problems.join("; ")}. Every tool call will report it until it is fixed.`);
  // Every way out (stdin closed, signals, a transport fault) first finishes saving credentials.
  const shutdown = installShutdown({ logger });

  const answers = readStaticAnswers(pkg.version);
  const tools = answers ? selectTools(answers.tools, config) : undefined;
  // The MCP SDK, zod and the tools load here: at the first message the start-up answers do not cover.
  const startServer = async (input?: Readable) => {
    const { connectServer } = await import("./server.js");
    await connectServer(
      {
        version: pkg.version,
        config,
        logger,
        loadRuntime: async (ui) => {
          if (!config.ok) throw new Error("unreachable: tools report configuration problems before loading the runtime");
          return (await import("./runtime.js")).loadRuntime(config.config, logger, ui);
        },
        ...(tools ? { toolsList: tools.map((t) => t.tool) } : {}),
      },
      input,
      (transport) => shutdown.watch(transport),
    );
  };
  // Without generated answers (running from source), the SDK server answers everything.
  if (!answers || !tools) return startServer();
  serveFront({
    input: process.stdin,
    output: process.stdout,
    answers,
    tools,
    handOff: (input) => {
      startServer(input).catch((error: unknown) => {
        logger.error(`Could not start the MCP server: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      });
    },
  });
}

/** The terminal commands share the server's auth code; the "UI" is this terminal. */
async function terminal(command: "login" | "logout" | "status", config: Config, force: boolean, json: boolean): Promise<number> {
  const { createAuthParts } = await import("./runtime.js");
  const { describeStatus } = await import("./tools/auth.js");
  // At a terminal the command's own output says what happened; the logger adds only errors (or debug on request).
  const logger = createLogger(config.logLevel === "debug" ? "debug" : "error");
  // A terminal prints the link where the user reads it, so `login` waits for the approval.
  const ui = {
    supportsUrlElicitation: () => false,
    elicitUrl: async () => "cancel" as const,
    completeElicitation: async () => {},
    notify: (m: string) => console.log(m),
    noticesReachUser: true,
  };
  const { runtime } = createAuthParts(config, logger, ui, { waitMs: config.signInTimeoutMs, thenWhat: "and this command continues by itself" });
  const call = { signal: new AbortController().signal, progress: async () => {} };
  if (command === "status") {
    const status = await runtime.account.status();
    console.log(json ? JSON.stringify(status, null, 2) : describeStatus(status, "terminal"));
    return status.signedIn ? 0 : 1;
  }
  if (command === "logout") {
    console.log((await runtime.account.logout()).message);
    return 0;
  }
  const outcome = await runtime.account.login(call, force);
  if (outcome.state === "pending") {
    console.log("The sign-in was not approved in time. Run `cronicorn-mcp login` again.");
    return 1;
  }
  console.log(describeStatus(outcome.status ?? (await runtime.account.status()), "terminal"));
  return 0;
}

async function main(): Promise<void> {
  const parsed = parseArgs(process.argv.slice(2));
  if (typeof parsed === "string") {
    console.error(parsed);
    process.exitCode = 2;
    return;
  }
  if (parsed.command === "help") return void console.log(HELP);
  if (parsed.command === "version") return void console.log(pkg.version);
  if (parsed.command === "serve") return serve(parsed.overrides);
  if (parsed.command === "install-links") return void console.log((await import("./install/links.js")).installLinksText());
  if (parsed.command === "doctor") {
    const { output, exitCode } = await (await import("./doctor/command.js")).runDoctor(process.env, parsed.overrides, parsed.json);
    console.log(output);
    process.exitCode = exitCode;
    return;
  }

  const config = loadConfig(process.env, parsed.overrides);
  if (!config.ok) {
    console.error(`Configuration problem: ${config.problems.join("; ")}`);
    process.exitCode = 2;
    return;
  }
  try {
    process.exitCode = await terminal(parsed.command, config.config, parsed.force, parsed.json);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`cronicorn-mcp: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
