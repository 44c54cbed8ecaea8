/**
 * argv → the command and its options. Shared by the process entry (src/start.ts), which must tell the
 * MCP server from the terminal commands before anything else loads, and by the commands (src/cli.ts).
 */
import type { ConfigOverrides } from "./config/config.js";

export interface Parsed {
  command: "serve" | "login" | "logout" | "status" | "doctor" | "install-links" | "help" | "version";
  overrides: ConfigOverrides;
  force: boolean;
  json: boolean;
}

const COMMANDS = new Set(["serve", "login", "logout", "status", "doctor", "install-links"]);

/** The parsed command line, or the message for an argument it does not take. */
export function parseArgs(argv: readonly string[]): Parsed | string {
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
