/** Which list tool shows the valid ids for the resource a path names (for 404 messages). */

const RULES: Array<{ pattern: RegExp; tool: string; what: string }> = [
  { pattern: /^\/jobs\/[^/]+\/endpoints\/[^/]+/, tool: "list_endpoints", what: "endpoint ids of that job" },
  { pattern: /^\/jobs\/[^/]+/, tool: "list_jobs", what: "job ids" },
  { pattern: /^\/endpoints\/[^/]+/, tool: "list_endpoints", what: "endpoint ids" },
  { pattern: /^\/runs\/[^/]+/, tool: "list_runs", what: "run ids" },
  { pattern: /^\/sessions\/[^/]+/, tool: "list_ai_sessions", what: "AI session ids" },
  { pattern: /^\/devices\/[^/]+/, tool: "list_devices", what: "device ids" },
];

/** e.g. "list_endpoints shows valid endpoint ids" for `/endpoints/abc/runs`; undefined when no tool lists it. */
export function listToolHint(path: string): string | undefined {
  const rule = RULES.find((r) => r.pattern.test(path));
  return rule ? `${rule.tool} shows valid ${rule.what}` : undefined;
}
