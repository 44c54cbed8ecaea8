/**
 * Credentials in a private file, `<dir>/credentials.json`: folder 0700, file 0600, replaced
 * atomically. Format: `{"records": {"<origin>": CredentialRecord}}` plus any keys we do not own —
 * notably the single top-level record of the official Cronicorn MCP server, which we read as the
 * record of Cronicorn's cloud (LEGACY_ORIGIN) when it has none of its own — never of another
 * origin — and keep intact when we write.
 */
import { constants, type Stats } from "node:fs";
import { lstat, open, readdir, rename, rm, stat } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { holdExit } from "../../core/lifecycle.js";
import type { Logger } from "../../core/log.js";
import { checkPrivateDir, errorCode, isProcessAlive, storeIoError, withNamedLock, type LockOptions } from "./lock.js";
import { LEGACY_KEYS, LEGACY_ORIGIN, assertStorable, hasLegacyFields, parseCredentialRecord, parseLegacyRecord } from "./record.js";
import { StoreError, type CredentialRecord, type TokenStore } from "./types.js";

export const CREDENTIALS_FILE = "credentials.json";
const TEMP_PREFIX = `${CREDENTIALS_FILE}.tmp-`;
/** A temp file this old is abandoned even if its pid is alive again (pids are reused). */
const STALE_TEMP_MS = 60_000;

export interface FileStoreOptions {
  dir: string;
  logger: Logger;
  now?: () => number;
  lock?: Omit<LockOptions, "logger">;
}

export interface LegacyOption {
  /** Whether the official server's top-level record counts as the origin's record (default true). */
  legacy?: boolean;
}

export interface FileStore extends TokenStore {
  readonly kind: "file";
  readonly path: string;
  read(origin: string, opts?: LegacyOption): Promise<CredentialRecord | null>;
  delete(origin: string, opts?: LegacyOption): Promise<boolean>;
}

type JsonObject = Record<string, unknown>;

interface Contents {
  /** The whole document without its corrupt parts; keys we do not own are kept as they were. */
  doc: JsonObject;
  records: Map<string, CredentialRecord>;
  legacy: CredentialRecord | null;
}

type Parsed = { ok: true; contents: Contents; dropped: string[] } | { ok: false; reason: string };

interface Snapshot {
  bytes: Buffer;
  mtimeMs: number;
}

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

const emptyContents = (): Contents => ({ doc: {}, records: new Map(), legacy: null });

function parseContents(snapshot: Snapshot): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(snapshot.bytes.toString("utf8"));
  } catch {
    return { ok: false, reason: "it is not valid JSON" };
  }
  if (!isObject(value)) return { ok: false, reason: "it is not a JSON object" };
  const doc: JsonObject = { ...value };
  const records = new Map<string, CredentialRecord>();
  const dropped: string[] = [];
  if (doc.records !== undefined) {
    if (!isObject(doc.records)) return { ok: false, reason: `its "records" entry is not an object` };
    const kept: JsonObject = {};
    for (const [origin, raw] of Object.entries(doc.records)) {
      const parsed = parseCredentialRecord(raw);
      if (parsed.ok) {
        records.set(origin, parsed.value);
        kept[origin] = raw;
      } else {
        dropped.push(`the record for ${origin} (${parsed.reason})`);
      }
    }
    doc.records = kept;
  }
  let legacy: CredentialRecord | null = null;
  if (hasLegacyFields(doc)) {
    const parsed = parseLegacyRecord(doc, snapshot.mtimeMs);
    if (parsed.ok) legacy = parsed.value;
    else {
      dropped.push(`the top-level record (${parsed.reason})`);
      for (const key of LEGACY_KEYS) delete doc[key];
    }
  }
  return { ok: true, contents: { doc, records, legacy }, dropped };
}

function pick(contents: Contents, origin: string, legacy: boolean): CredentialRecord | null {
  return contents.records.get(origin) ?? (legacy && origin === LEGACY_ORIGIN ? contents.legacy : null);
}

function setRecord(contents: Contents, origin: string, record: CredentialRecord): void {
  const records = isObject(contents.doc.records) ? contents.doc.records : {};
  contents.doc.records = { ...records, [origin]: record };
  contents.records.set(origin, record);
}

/** Remove what `read(origin)` would return; true when something was removed. */
function removeRecord(contents: Contents, origin: string, legacy: boolean): boolean {
  if (contents.records.has(origin) && isObject(contents.doc.records)) {
    delete contents.doc.records[origin];
    contents.records.delete(origin);
    return true;
  }
  if (!legacy || origin !== LEGACY_ORIGIN || !contents.legacy) return false;
  for (const key of LEGACY_KEYS) delete contents.doc[key];
  contents.legacy = null;
  return true;
}

export function createFileStore(opts: FileStoreOptions): FileStore {
  const { dir, logger } = opts;
  const now = opts.now ?? Date.now;
  const file = path.join(dir, CREDENTIALS_FILE);

  async function readSnapshot(): Promise<Snapshot | null> {
    if (!(await checkPrivateDir(dir))) return null;
    let handle;
    try {
      // O_NOFOLLOW: a link planted at this name would make us read (and chmod) whatever it points to.
      if (
        !constants.O_NOFOLLOW &&
        (await lstat(file).then(
          (i) => i.isSymbolicLink(),
          () => false,
        ))
      )
        throw Object.assign(new Error("symbolic link"), { code: "ELOOP" });
      // O_NONBLOCK: a FIFO planted at this name would block the open until a writer comes (every call would hang).
      handle = await open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
    } catch (err) {
      if (errorCode(err) === "ENOENT") return null;
      if (errorCode(err) === "ELOOP") {
        throw new StoreError(
          `${file} is a symbolic link, and credentials are never read through a link: replace it with the file itself (or delete it and sign in again).`,
        );
      }
      throw storeIoError("open", file, err);
    }
    try {
      const info = await handle.stat();
      if (info.isDirectory()) throw Object.assign(new Error("not a file"), { code: "EISDIR" });
      if (!info.isFile()) {
        throw new StoreError(
          `${file} is not a regular file (${kindOf(info)}), so it cannot hold credentials: move it away (or delete it) and sign in again, or set CRONICORN_CONFIG_DIR to another folder.`,
        );
      }
      const uid = process.getuid?.();
      if (process.platform !== "win32" && uid !== undefined && info.uid !== uid) {
        throw new StoreError(
          `${file} belongs to another user (uid ${info.uid}); credentials that are not yours are never used: delete or move it, or set CRONICORN_CONFIG_DIR to a folder of your own.`,
        );
      }
      const bytes = await handle.readFile();
      if (process.platform !== "win32" && (info.mode & 0o077) !== 0) {
        // Another program (or an older version) left our own file readable by others: the handle is the file itself, never a link.
        await handle.chmod(0o600).then(
          () => logger.warn(`${file} was readable by other users; made it private (0600).`),
          () => logger.warn(`${file} is readable by other users and could not be changed: run chmod 600 "${file}".`),
        );
      }
      return { bytes, mtimeMs: info.mtimeMs };
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw storeIoError("read", file, err);
    } finally {
      await handle.close();
    }
  }

  /** `credentials.json.corrupt-<time>`, numbered when several land in the same millisecond. */
  async function asideName(): Promise<string> {
    const stamp = new Date(now()).toISOString().replace(/[:.]/g, "-");
    for (let n = 1; ; n++) {
      const candidate = `${file}.corrupt-${stamp}${n === 1 ? "" : `-${n}`}`;
      const taken = await lstat(candidate).then(
        () => true,
        () => false,
      );
      if (!taken) return candidate;
    }
  }

  async function moveAside(reason: string): Promise<void> {
    const aside = await asideName();
    try {
      await rename(file, aside);
    } catch (err) {
      throw storeIoError("move aside the corrupt file", file, err);
    }
    logger.warn(`${file} could not be read as credentials (${reason}). Moved it to ${aside}; nothing was deleted. You are signed out: sign in again.`);
  }

  async function keepCopy(bytes: Buffer, dropped: string[]): Promise<void> {
    const aside = await asideName();
    await writeNew(aside, bytes).catch((err: unknown) => {
      throw storeIoError("keep a copy of", file, err);
    });
    logger.warn(`Dropped ${dropped.join(" and ")} from ${file}: corrupt. The file as it was is kept at ${aside}. Sign in again to that server.`);
  }

  /** Temp files of writers that died (e.g. killed mid-write); ours are never in flight here. */
  async function removeAbandonedTemps(): Promise<void> {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.startsWith(TEMP_PREFIX)) continue;
      const full = path.join(dir, name);
      const pid = Number(name.slice(TEMP_PREFIX.length).split("-")[0]);
      let abandoned = pid === process.pid || !isProcessAlive(pid);
      if (!abandoned) {
        const info = await stat(full).catch(() => null);
        abandoned = !info || now() - info.mtimeMs > STALE_TEMP_MS;
      }
      if (abandoned) await rm(full, { force: true }).catch(() => undefined);
    }
  }

  async function replaceFile(doc: JsonObject): Promise<void> {
    const temp = path.join(dir, `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString("hex")}`);
    try {
      await writeNew(temp, Buffer.from(`${JSON.stringify(doc, null, 2)}\n`));
      await rename(temp, file);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw storeIoError("write", file, err);
    }
    await syncDir(dir);
  }

  /**
   * Read-modify-write under the file lock. Corrupt parts are dealt with here, once: a corrupt file
   * is moved aside, a corrupt record dropped after a copy of the file is kept.
   */
  function update(change: (contents: Contents) => boolean): Promise<Contents> {
    // Held: the stdio server's exit waits for a write in progress (src/core/lifecycle.ts).
    const locked = withNamedLock(
      dir,
      CREDENTIALS_FILE,
      async () => {
        await removeAbandonedTemps();
        const snapshot = await readSnapshot();
        let contents = emptyContents();
        let repaired = false;
        if (snapshot) {
          const parsed = parseContents(snapshot);
          if (!parsed.ok) await moveAside(parsed.reason);
          else {
            contents = parsed.contents;
            if (parsed.dropped.length > 0) {
              await keepCopy(snapshot.bytes, parsed.dropped);
              repaired = true;
            }
          }
        }
        if (change(contents) || repaired) await replaceFile(contents.doc);
        return contents;
      },
      { ...opts.lock, logger },
    );
    return holdExit(locked);
  }

  async function read(origin: string, { legacy = true }: LegacyOption = {}): Promise<CredentialRecord | null> {
    const snapshot = await readSnapshot();
    if (!snapshot) return null;
    const parsed = parseContents(snapshot);
    const contents = parsed.ok && parsed.dropped.length === 0 ? parsed.contents : await update(() => false);
    return pick(contents, origin, legacy);
  }

  return {
    kind: "file",
    path: file,
    read,
    async write(origin, record) {
      const valid = assertStorable(origin, record);
      await update((contents) => {
        setRecord(contents, origin, valid);
        return true;
      });
    },
    async delete(origin, { legacy = true }: LegacyOption = {}) {
      // Nothing to delete is common (logout twice, keychain-first writes): skip the lock then.
      if (!(await read(origin, { legacy }))) return false;
      let removed = false;
      await update((contents) => (removed = removeRecord(contents, origin, legacy)));
      return removed;
    },
  };
}

/** What a non-regular file is, for the message that refuses it. */
function kindOf(info: Stats): string {
  if (info.isFIFO()) return "a FIFO";
  if (info.isSocket()) return "a socket";
  if (info.isCharacterDevice() || info.isBlockDevice()) return "a device";
  return "not a file";
}

/** Create `target` with mode 0600 from the first byte (O_EXCL: never through a planted link) and flush it. */
async function writeNew(target: string, bytes: Buffer): Promise<void> {
  const handle = await open(target, "wx", 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Make the rename itself durable. Best effort: some platforms cannot open a folder. */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The data is already renamed into place; only its durability across a power cut is less certain.
  }
}
