/**
 * The keychain modules behind one keytar-shaped interface: @napi-rs/keyring (prebuilt per platform, no
 * install script), else keytar where the keyring module cannot load but keytar is installed. Both are
 * native and may block the thread that calls them, so the server runs this module in the keychain
 * helper process (keychain-helper.ts), never on its own event loop.
 */

/** The three keychain calls we use, in keytar's shape (which @napi-rs/keyring also offers). */
export interface KeytarLike {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

/** A loaded backend and the name `status`/`doctor` can show. */
export interface KeychainBackend extends KeytarLike {
  readonly name: string;
}

function isKeytarLike(value: unknown): value is KeytarLike {
  const candidate = value as Partial<KeytarLike> | null;
  return typeof candidate?.getPassword === "function" && typeof candidate.setPassword === "function" && typeof candidate.deletePassword === "function";
}

/** An optional peer this project does not install: a variable, so TypeScript does not look for its types. */
const KEYTAR_MODULE = "keytar";

/** keytar is CommonJS: its functions arrive on `default` (and, depending on the loader, also as named exports). Tests hand in the module. */
export async function loadKeytarModule(importModule: () => Promise<unknown> = () => import(KEYTAR_MODULE)): Promise<KeychainBackend> {
  const mod = await importModule();
  const keytar = (mod as { default?: unknown }).default ?? mod;
  if (!isKeytarLike(keytar)) throw new Error("the keytar module does not have the expected functions");
  return { name: "keytar", getPassword: keytar.getPassword, setPassword: keytar.setPassword, deletePassword: keytar.deletePassword };
}

/** The part of @napi-rs/keyring's AsyncEntry we use. */
interface AsyncEntryLike {
  getPassword(): Promise<string | null>;
  setPassword(password: string): Promise<void>;
  deletePassword(): Promise<boolean>;
}
type AsyncEntryClass = new (service: string, account: string, options?: { linux?: { store?: "secret-service" | "keyutils" } }) => AsyncEntryLike;

/**
 * @napi-rs/keyring through its AsyncEntry. On Linux it is pinned to the Secret Service: its default
 * falls back to the kernel keyring, which forgets everything at reboot, where the private file would
 * have kept the sign-in. Its constructor connects to D-Bus on the calling thread (and a bus that never
 * answers blocks that thread for good), which is why the server calls it only in the keychain helper
 * process (keychain-host.ts). Tests hand in the module.
 */
export async function loadNapiKeyringModule(importModule: () => Promise<unknown> = () => import("@napi-rs/keyring")): Promise<KeychainBackend> {
  const mod = await importModule();
  const AsyncEntry = ((mod as { default?: { AsyncEntry?: unknown } }).default?.AsyncEntry ?? (mod as { AsyncEntry?: unknown }).AsyncEntry) as
    AsyncEntryClass | undefined;
  if (typeof AsyncEntry !== "function") throw new Error("the @napi-rs/keyring module does not have AsyncEntry");
  // The constructor may already talk to D-Bus (and throw); inside an async function that becomes a rejection.
  const entry = async (service: string, account: string) => new AsyncEntry(service, account, { linux: { store: "secret-service" } });
  return {
    name: "@napi-rs/keyring",
    getPassword: async (service, account) => (await entry(service, account)).getPassword(),
    setPassword: async (service, account, password) => (await entry(service, account)).setPassword(password),
    deletePassword: async (service, account) => (await entry(service, account)).deletePassword(),
  };
}

export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const isMissingModule = (err: unknown): boolean => ["ERR_MODULE_NOT_FOUND", "MODULE_NOT_FOUND"].includes((err as { code?: string }).code ?? "");

export interface BackendLoaders {
  keyring: () => Promise<KeychainBackend>;
  keytar: () => Promise<KeychainBackend>;
}

/** @napi-rs/keyring first; keytar where the keyring's binary for this platform is absent but keytar is installed. */
export async function loadDefaultBackend(loaders: BackendLoaders = { keyring: loadNapiKeyringModule, keytar: loadKeytarModule }): Promise<KeychainBackend> {
  let keyringProblem: string;
  try {
    return await loaders.keyring();
  } catch (err) {
    keyringProblem = isMissingModule(err) ? "@napi-rs/keyring is not installed" : `@napi-rs/keyring could not be loaded (${messageOf(err)})`;
  }
  try {
    return await loaders.keytar();
  } catch (err) {
    const keytarProblem = isMissingModule(err) ? "keytar is not installed either" : `keytar could not be loaded either (${messageOf(err)})`;
    throw new Error(`${keyringProblem}, and ${keytarProblem}`, { cause: err });
  }
}
