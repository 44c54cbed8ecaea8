/** Finds a secret in output, raw or in any encoding a hostile server could echo it back in. */
import { encodingsOf } from "./hostile-server.js";

/** Decodes every base64/base64url run in `haystack` at every alignment and looks for `secret` in it. */
function inBase64(haystack: string, secret: string): boolean {
  for (const run of haystack.match(/[A-Za-z0-9+/_-]{8,}/g) ?? []) {
    for (let skip = 0; skip < 4; skip++) {
      const body = run.slice(skip);
      if (Buffer.from(body, "base64").toString("latin1").includes(secret) || Buffer.from(body, "base64url").toString("latin1").includes(secret)) return true;
    }
  }
  return false;
}

/** The forms of `secret` found in `haystack` (empty when none leaked). */
export function leaksOf(haystack: string, secret: string): string[] {
  const found = encodingsOf(secret)
    .filter((form) => haystack.includes(form))
    .map((form) => (form === secret ? "raw" : `encoded (${form.slice(0, 4)}…)`));
  if (inBase64(haystack, secret)) found.push("base64 inside a longer value");
  return found;
}
