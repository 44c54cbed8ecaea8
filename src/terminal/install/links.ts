/** Install links and commands for Cursor, VS Code and Claude Code, built from src/terminal/install/config.ts. */
import { SERVER_NAME, serverConfig, type Platform, type StdioServerConfig } from "./config.js";

export interface InstallLinks {
  /** Opens Cursor's "install MCP server" prompt. */
  cursor: string;
  /** Opens VS Code's install prompt (`vscode-insiders:` for Insiders). */
  vscode: string;
  vscodeInsiders: string;
  /** A web page that hands the link to VS Code: GitHub renders https links but drops `vscode:` ones. */
  vscodeWeb: string;
  /** `code --add-mcp '<json>'` for a terminal. */
  codeAddMcp: string;
  /** `claude mcp add …` for Claude Code. */
  claudeMcpAdd: string;
}

/** The JSON VS Code takes in `vscode:mcp/install` and `code --add-mcp`: the server entry plus its name. */
export function vscodeInstallJson(config: StdioServerConfig): string {
  return JSON.stringify({ name: SERVER_NAME, type: "stdio", ...config });
}

/** Quote one argument for a POSIX shell (and for cmd where it has no quotes or specials of its own). */
function shellQuote(arg: string, platform: Platform): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return platform === "windows" ? `"${arg.replace(/"/g, '\\"')}"` : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function installLinks(platform: Platform = "posix", env?: Record<string, string>): InstallLinks {
  const config = serverConfig(platform, env);
  const json = vscodeInstallJson(config);
  const entry = { type: "stdio", ...config };
  const envFlags = Object.entries(config.env ?? {}).map(([key, value]) => `--env ${shellQuote(`${key}=${value}`, platform)}`);
  return {
    cursor: `cursor://anysphere.cursor-deeplink/mcp/install?name=${encodeURIComponent(SERVER_NAME)}&config=${Buffer.from(JSON.stringify(config)).toString("base64")}`,
    vscode: `vscode:mcp/install?${encodeURIComponent(json)}`,
    vscodeInsiders: `vscode-insiders:mcp/install?${encodeURIComponent(json)}`,
    vscodeWeb: `https://vscode.dev/redirect/mcp/install?name=${encodeURIComponent(SERVER_NAME)}&config=${encodeURIComponent(JSON.stringify(entry))}`,
    codeAddMcp: `code --add-mcp ${shellQuote(json, platform)}`,
    // The name goes first: --env takes several values and would swallow a name after it. Everything after `--` is the command.
    claudeMcpAdd: ["claude mcp add", SERVER_NAME, ...envFlags, "--", config.command, ...config.args].join(" "),
  };
}

/** What `cronicorn-mcp install-links` prints. */
export function installLinksText(): string {
  const sections = (["posix", "windows"] as const).map((platform) => {
    const links = installLinks(platform);
    return `${platform === "posix" ? "macOS and Linux" : "Windows (npx started through cmd /c)"}:
  Cursor:            ${links.cursor}
  VS Code:           ${links.vscode}
  VS Code (web):     ${links.vscodeWeb}
  VS Code Insiders:  ${links.vscodeInsiders}
  VS Code CLI:       ${links.codeAddMcp}
  Claude Code:       ${links.claudeMcpAdd}`;
  });
  return `Install cronicorn-mcp in your MCP client (open a link, or run a command):\n\n${sections.join("\n\n")}`;
}
