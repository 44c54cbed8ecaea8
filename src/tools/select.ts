/**
 * Which tools a configuration exposes: the chosen groups (auth tools always), and in read-only mode
 * only the read-only ones. Shared by the start-up answer (generated metadata) and the full server.
 */
import type { ConfigResult, ToolGroup } from "../config/config.js";

export interface Selectable {
  group: ToolGroup | "auth";
  readOnly: boolean;
}

export function selectTools<T extends Selectable>(tools: readonly T[], config: ConfigResult): T[] {
  // A broken configuration still lists every tool: each call then reports the problem.
  if (!config.ok) return [...tools];
  const { readOnly, toolGroups } = config.config;
  return tools.filter((tool) => (tool.group === "auth" || !toolGroups || toolGroups.includes(tool.group)) && (!readOnly || tool.readOnly));
}
