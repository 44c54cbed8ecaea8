/**
 * One store operation with the real keychain backend, printed as a JSON line:
 *   store-cli <keychain|auto|file> <dir> <write|read|delete|roundtrip> <origin> [record-json] [timeout-ms]
 * "keychain" uses createKeychainStore directly; "auto" and "file" go through openTokenStore. Items of
 * earlier versions are looked for with the real keytar that `npm run setup:system` keeps in .cache/
 * (the project does not install it), loaded by path.
 */
import { openTokenStore } from "../../../src/auth/store/index.js";
import { createKeychainStore, loadKeytarModule } from "../../../src/auth/store/keychain.js";
import type { CredentialRecord, TokenStore } from "../../../src/auth/store/types.js";
import { createLogger } from "../../../src/core/log.js";
import { importKeytar } from "../dev-tools.js";

const [which, dir, command, origin, json, timeout] = process.argv.slice(2);
if (!which || !dir || !command || !origin) throw new Error("usage: store-cli <keychain|auto|file> <dir> <command> <origin> [json]");
const logger = createLogger("info");
const timeoutMs = timeout ? Number(timeout) : 5_000;
const loadLegacy = () => loadKeytarModule(importKeytar);

const store: TokenStore & { describe?: () => string } =
  which === "keychain"
    ? createKeychainStore({ timeoutMs, logger, loadLegacy })
    : await openTokenStore({ mode: which === "auto" ? "auto" : "file", dir, timeoutMs, logger, loadLegacy });

const record = (): CredentialRecord => JSON.parse(json ?? "null") as CredentialRecord;
let result: unknown;
if (command === "write") result = await store.write(origin, record()).then(() => "written");
else if (command === "read") result = await store.read(origin);
else if (command === "delete") result = await store.delete(origin);
else if (command === "roundtrip") {
  await store.write(origin, record());
  await store.read(origin);
  result = await store.read(origin);
} else throw new Error(`unknown command ${command}`);

process.stdout.write(`${JSON.stringify({ kind: store.kind, describe: store.describe?.(), result })}\n`);
