/** A keychain module held in a Map, in the shape of the real ones (keychain-backends.ts), for the helper's tests. */
import type { KeychainBackend } from "../../src/auth/store/keychain-backends.js";

export interface MemoryKeychain extends KeychainBackend {
  /** `service/account` → password. */
  readonly items: Map<string, string>;
}

export function memoryKeychain(name = "memory keychain"): MemoryKeychain {
  const items = new Map<string, string>();
  const key = (service: string, account: string) => `${service}/${account}`;
  return {
    name,
    items,
    getPassword: async (service, account) => items.get(key(service, account)) ?? null,
    setPassword: async (service, account, password) => void items.set(key(service, account), password),
    deletePassword: async (service, account) => items.delete(key(service, account)),
  };
}
