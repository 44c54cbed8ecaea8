/**
 * Moving a stored token's clock instead of waiting for it: the server under test decides when to
 * refresh from the record's `expires_at`, so a test rewrites that field while no server holds the
 * record in memory, then starts one. The token itself stays valid at the authorization server.
 */
import fs from "node:fs";
import path from "node:path";

/** Set `expires_at` (ms since the epoch) of the record for `origin` in a test home's file store. */
export function setStoredExpiry(home: string, origin: string, expiresAt: number): void {
  const file = path.join(home, ".cronicorn", "credentials.json");
  const doc = JSON.parse(fs.readFileSync(file, "utf8")) as { records?: Record<string, { expires_at: number }> };
  const record = doc.records?.[origin];
  if (!record) throw new Error(`no stored record for ${origin} in ${file}`);
  record.expires_at = expiresAt;
  fs.writeFileSync(file, JSON.stringify(doc), { mode: 0o600 });
}
