/** One line of `cronicorn-mcp doctor`: what was checked, how it went, and what to do about it. */

/** ok: nothing to do. warn: works, but worth a look. fail: something will not work. skip: not applicable here. */
export type CheckStatus = "ok" | "warn" | "fail" | "skip";

export interface CheckResult {
  /** Stable id for scripts (`--json`), e.g. "node", "keychain", "tls". */
  id: string;
  title: string;
  status: CheckStatus;
  /** What was found (never a secret). */
  detail: string;
  /** What to do, when status is warn or fail. */
  fix?: string;
  /** How long the check took, for the parts where time is the symptom (keychain, DNS, TLS, HTTP). */
  ms?: number;
}

export function check(id: string, title: string, status: CheckStatus, detail: string, fix?: string, ms?: number): CheckResult {
  return { id, title, status, detail, ...(fix ? { fix } : {}), ...(ms !== undefined ? { ms: Math.round(ms) } : {}) };
}

/** Milliseconds spent in `fn`, with its result or its error. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number } & ({ ok: true; value: T } | { ok: false; error: unknown })> {
  const start = performance.now();
  try {
    const value = await fn();
    return { ms: performance.now() - start, ok: true, value };
  } catch (error) {
    return { ms: performance.now() - start, ok: false, error };
  }
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const cause = error.cause instanceof Error ? ` (${messageOf(error.cause)})` : "";
    return `${typeof code === "string" && !error.message.includes(code) ? `${code}: ` : ""}${error.message}${cause}`;
  }
  return String(error);
}
