/**
 * argv → command. With no command (how MCP clients start it) the server speaks MCP on stdio and
 * nothing else may write to stdout. `login`, `logout` and `status` are for a person at a terminal.
 * src/cli.ts hands in this process and the MCP server; the tests hand in their own.
 */
import { Console } from "node:console";
import pkg from "../../package.json" with { type: "json" };
import { loadConfig } from "../config/config.js";
import { redact } from "../core/log.js";
import type { ConfigOverrides } from "../config/config.js";
import { parseArgs } from "../args.js";

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

/** What of `process` the CLI uses: its arguments, environment, output streams and exit code. */
export interface CliProcess {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  exitCode?: number | string | null | undefined;
}

/** The MCP server on stdio (src/mcp/serve.ts): static in src/cli.ts, since serving is the hot path (every client start). */
export type Serve = (overrides: ConfigOverrides) => Promise<void>;

/** Runs the command `proc.argv` names, sets `proc.exitCode` (left alone while serving MCP), and never rejects. */
export async function main(proc: CliProcess, serve: Serve): Promise<void> {
  try {
    await run(proc, serve);
  } catch (error) {
    proc.stderr.write(`cronicorn-mcp: ${redact(error instanceof Error ? error.message : String(error))}\n`);
    proc.exitCode = 1;
  }
}

async function run(proc: CliProcess, serve: Serve): Promise<void> {
  // A console of its own on these streams: like the global one, it ignores a closed pipe (`status | head -1`).
  const terminal = new Console({ stdout: proc.stdout, stderr: proc.stderr });
  const out = (text: string) => terminal.log(text);
  const err = (text: string) => terminal.error(text);
  const parsed = parseArgs(proc.argv.slice(2));
  if (typeof parsed === "string") {
    err(parsed);
    proc.exitCode = 2;
    return;
  }
  if (parsed.command === "help") return void out(HELP);
  if (parsed.command === "version") return void out(pkg.version);
  if (parsed.command === "serve") return serve(parsed.overrides);
  // The terminal commands load on demand: the MCP server never needs them.
  if (parsed.command === "install-links") return void out((await import("./install/links.js")).installLinksText());
  if (parsed.command === "doctor") {
    const { output, exitCode } = await (await import("./doctor/command.js")).runDoctor(proc.env, parsed.overrides, parsed.json);
    out(output);
    proc.exitCode = exitCode;
    return;
  }

  const config = loadConfig(proc.env, parsed.overrides);
  if (!config.ok) {
    const problem = `Configuration problem: ${config.problems.join("; ")}`;
    // `status --json` is read by scripts: it answers in JSON whatever went wrong.
    if (parsed.command === "status" && parsed.json) out(JSON.stringify({ signedIn: false, problem }, null, 2));
    else err(problem);
    proc.exitCode = 2;
    return;
  }
  try {
    proc.exitCode = await (
      await import("./commands.js")
    ).runTerminalCommand(parsed.command, config.config, { force: parsed.force, json: parsed.json, print: (line) => out(redact(line)) });
  } catch (error) {
    // Messages can carry what a server said (an error code, a URL): masked like every other output.
    err(redact(error instanceof Error ? error.message : String(error)));
    proc.exitCode = 1;
  }
}
