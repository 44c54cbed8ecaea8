/**
 * The secrets a test run knows about, so every spawned server can be checked for leaks at teardown
 * without each test listing them. Peers that issue tokens register a source here (each test file runs
 * in its own worker, so this registry is per file); a server handle adds what it saw itself.
 */
import fs from "node:fs";
import path from "node:path";

type SecretSource = () => Iterable<string | undefined>;

const sources = new Set<SecretSource>();

/** Register a peer's issued tokens; returns the function that unregisters it (call it when the peer closes). */
export function trackIssuer(source: SecretSource): () => void {
  sources.add(source);
  return () => {
    // Keep what it issued: a server closed after the peer must still be checked against it.
    const last = [...source()];
    sources.delete(source);
    sources.add(() => last);
  };
}

/** Every token any registered peer has issued so far. */
export function issuedSecrets(): string[] {
  return [...sources].flatMap((source) => [...source()]).filter((s): s is string => typeof s === "string");
}

/** Settings whose names match the pattern below but whose values are words the server prints ("keychain", a timeout). */
const NOT_SECRETS = new Set(["CRONICORN_TOKEN_STORE", "CRONICORN_KEYCHAIN_TIMEOUT_MS"]);

/** Environment variables whose values are credentials. */
export function secretsInEnv(env: Record<string, string | undefined>): string[] {
  return Object.entries(env)
    .filter(([key, value]) => !NOT_SECRETS.has(key) && /(KEY|TOKEN|SECRET|PASSWORD)/i.test(key) && typeof value === "string")
    .map(([, value]) => value as string);
}

/** The tokens in a file-store credentials.json (our records and the official server's top-level one). */
export function secretsInCredentialsFile(configDir: string): string[] {
  let doc: unknown;
  const file = path.join(configDir, "credentials.json");
  try {
    // Only a regular file: reading a FIFO (a test puts one there) would block this process for good.
    if (!fs.statSync(file).isFile()) return [];
    doc = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return [];
  }
  if (typeof doc !== "object" || doc === null) return [];
  const top = doc as Record<string, unknown>;
  const records = typeof top.records === "object" && top.records !== null ? Object.values(top.records as Record<string, unknown>) : [];
  return [top, ...records].flatMap((record) => {
    if (typeof record !== "object" || record === null) return [];
    const fields = record as Record<string, unknown>;
    return ["access_token", "refresh_token"].flatMap((key) => (typeof fields[key] === "string" ? [fields[key] as string] : []));
  });
}
