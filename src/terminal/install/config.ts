/**
 * The one server configuration every install snippet, link and command is built from, so the
 * README's JSON, the Cursor and VS Code links and the CLI commands can never disagree.
 */

export const SERVER_NAME = "cronicorn" as const;
export const PACKAGE_NAME = "cronicorn-mcp";

/**
 * "posix": clients start `npx` directly (macOS, Linux). "windows": `npx` is a `.cmd` script that
 * clients spawning without a shell cannot start, so `cmd /c` starts it.
 */
export type Platform = "posix" | "windows";

export interface StdioServerConfig {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

export function serverConfig(platform: Platform = "posix", env?: Record<string, string>): StdioServerConfig {
  const npx = ["npx", "-y", PACKAGE_NAME];
  const [command, ...args] = platform === "windows" ? ["cmd", "/c", ...npx] : npx;
  return { command: command as string, args, ...(env && Object.keys(env).length > 0 ? { env } : {}) };
}

/** Claude Desktop (`claude_desktop_config.json`) and Cursor (`mcp.json`). */
export function mcpServersSnippet(config: StdioServerConfig): { mcpServers: Record<typeof SERVER_NAME, StdioServerConfig> } {
  return { mcpServers: { [SERVER_NAME]: config } };
}

/** VS Code (`.vscode/mcp.json`): servers carry an explicit transport type. */
export function vscodeSnippet(config: StdioServerConfig): { servers: Record<typeof SERVER_NAME, { type: "stdio" } & StdioServerConfig> } {
  return { servers: { [SERVER_NAME]: { type: "stdio", ...config } } };
}
