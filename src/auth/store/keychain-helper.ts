/**
 * The keychain helper process (started by keychain-host.ts): it owns the native keychain modules, so
 * a keychain that blocks a thread blocks this process, never the server, which can kill it. It answers
 * one message per call over its IPC channel and ends when that channel closes.
 */
import { loadKeytarModule, loadNapiKeyringModule, type KeychainBackend } from "./keychain-backends.js";
import type { BackendModule, HelperRequest, HelperResponse } from "./keychain-host.js";

const loaders: Record<BackendModule, () => Promise<KeychainBackend>> = { "@napi-rs/keyring": loadNapiKeyringModule, keytar: loadKeytarModule };
/** Each module is loaded once; a failed load stays failed (the module will not appear later). */
const loaded = new Map<BackendModule, Promise<KeychainBackend>>();

function backend(module: BackendModule): Promise<KeychainBackend> {
  let found = loaded.get(module);
  if (!found) {
    found = loaders[module]();
    loaded.set(module, found);
  }
  return found;
}

async function answer(request: HelperRequest): Promise<unknown> {
  const keychain = await backend(request.module);
  switch (request.op) {
    case "load":
      return keychain.name;
    case "get":
      return keychain.getPassword(request.service, request.account);
    case "set":
      return keychain.setPassword(request.service, request.account, request.password);
    case "delete":
      return keychain.deletePassword(request.service, request.account);
  }
}

function isRequest(message: unknown): message is HelperRequest {
  const m = message as Partial<HelperRequest> | null;
  return typeof m?.id === "number" && (m.module === "@napi-rs/keyring" || m.module === "keytar") && typeof m.op === "string";
}

function reply(response: HelperResponse): void {
  if (process.connected) process.send?.(response);
}

process.on("message", (message: unknown) => {
  if (!isRequest(message)) return;
  answer(message).then(
    (value) => reply({ id: message.id, ok: true, value: value ?? null }),
    (error: unknown) => {
      const code = (error as { code?: unknown }).code;
      reply({
        id: message.id,
        ok: false,
        error: { message: error instanceof Error ? error.message : String(error), ...(typeof code === "string" ? { code } : {}) },
      });
    },
  );
});
process.on("disconnect", () => process.exit(0));
