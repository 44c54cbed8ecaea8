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

/** What to do about a refusal, by the service's own wording (Cronicorn's free-tier texts, docs/real-api-notes.md). */
const REFUSALS: Array<{ pattern: RegExp; advice: (match: RegExpExecArray) => string }> = [
  {
    pattern: /^Endpoint limit reached/i,
    advice: () =>
      "get_usage shows your plan's quotas and use; archive an endpoint you no longer need (archive_endpoint: archived endpoints do not count) or upgrade the plan, then try again.",
  },
  {
    pattern: /interval too short(?:.*?requires minimum (\d+)\s*ms)?/i,
    advice: ([, minimum]) =>
      `Use ${minimum ? `an interval of at least ${minimum} ms` : "a longer interval"}, or upgrade the plan for shorter ones (get_usage shows your plan).`,
  },
  { pattern: /\b(free|pro) tier\b|\bupgrade to\b/i, advice: () => "get_usage shows your plan's quotas and use; stay within them or upgrade the plan." },
];

/** The next step for a refusal's reason; undefined when the reason is not one Cronicorn's plan limits give. */
export function refusalAdvice(reason: string): string | undefined {
  for (const rule of REFUSALS) {
    const match = rule.pattern.exec(reason);
    if (match) return rule.advice(match);
  }
  return undefined;
}
