/**
 * How doctor's results read in a terminal, and as JSON for scripts. Details can carry what a server
 * said (the user get-session names, an error text): both are masked as a whole before they are printed
 * (JSON-escaped secrets included), and a failed redaction prints its placeholder, never the report.
 */
import { redact } from "../../core/log.js";
import type { CheckResult } from "./types.js";

const LABEL = { ok: "OK  ", warn: "WARN", fail: "FAIL", skip: "SKIP" } as const;

export function failed(results: readonly CheckResult[]): boolean {
  return results.some((r) => r.status === "fail");
}

export function formatText(results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.title.length));
  const lines = results.map((r) => {
    const time = r.ms !== undefined ? ` [${r.ms} ms]` : "";
    const head = `${LABEL[r.status]}  ${r.title.padEnd(width)}  ${r.detail}${time}`;
    return r.fix ? `${head}\n${" ".repeat(width + 8)}→ ${r.fix}` : head;
  });
  const summary = failed(results)
    ? "Something needs fixing: follow the → lines above, then run `cronicorn-mcp doctor` again."
    : results.some((r) => r.status === "warn")
      ? "No failures; the WARN lines are worth a look."
      : "Everything looks fine.";
  return redact(`${lines.join("\n")}\n\n${summary}`);
}

export function formatJson(results: readonly CheckResult[]): string {
  return redact(JSON.stringify({ ok: !failed(results), checks: results }, null, 2));
}
