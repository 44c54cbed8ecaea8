/**
 * argv → command. With no command (how MCP clients start it) the server speaks MCP on stdio and
 * nothing else may write to stdout. `login`, `logout` and `status` are for a person at a terminal.
 * The process starts in src/start.ts (dist/start.cjs), which runs this bundle entry's `runCli`, or for
 * the MCP server's fast start only its `prepareServer`.
 */
import pkg from "../package.json" with { type: "json" };
import { parseArgs } from "./args.js";
import { loadConfig } from "./config/config.js";
import { redact } from "./core/log.js";
// Static: serving MCP is the hot path (every client start); the terminal commands load on demand.
import { serve } from "./mcp/serve.js";

export { prepareServer } from "./mcp/serve.js";

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
  if (parsed.command === "install-links") return void console.log((await import("./terminal/install/links.js")).installLinksText());
  if (parsed.command === "doctor") {
    const { output, exitCode } = await (await import("./terminal/doctor/command.js")).runDoctor(process.env, parsed.overrides, parsed.json);
    console.log(output);
    process.exitCode = exitCode;
    return;
  }

  const config = loadConfig(process.env, parsed.overrides);
  if (!config.ok) {
    const problem = `Configuration problem: ${config.problems.join("; ")}`;
    // `status --json` is read by scripts: it answers in JSON whatever went wrong.
    if (parsed.command === "status" && parsed.json) console.log(JSON.stringify({ signedIn: false, problem }, null, 2));
    else console.error(problem);
    process.exitCode = 2;
    return;
  }
  try {
    process.exitCode = await (
      await import("./terminal/commands.js")
    ).runTerminalCommand(parsed.command, config.config, { force: parsed.force, json: parsed.json, print: (line) => console.log(redact(line)) });
  } catch (error) {
    // Messages can carry what a server said (an error code, a URL): masked like every other output.
    console.error(redact(error instanceof Error ? error.message : String(error)));
    process.exitCode = 1;
  }
}

/** Runs the command the process was started with. */
export function runCli(): void {
  main().catch((error: unknown) => {
    process.stderr.write(`cronicorn-mcp: ${redact(error instanceof Error ? error.message : String(error))}\n`);
    process.exitCode = 1;
  });
}
