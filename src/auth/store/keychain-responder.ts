/**
 * What the keychain helper process does with each message on its IPC channel (keychain-helper.ts wires
 * it to `process`): load a keychain module, or make one call of it, and answer with the value or the
 * error's message and code. Apart from the process wiring so it runs in process too, where tests give it
 * a channel and the modules.
 */
import { loadKeytarModule, loadNapiKeyringModule, type KeychainBackend } from "./keychain-backends.js";
import type { BackendModule, HelperRequest, HelperResponse } from "./keychain-host.js";

/** The side of an IPC channel the helper uses (`process` in the helper process). */
export interface HelperPort {
  on(event: "message", listener: (message: unknown) => void): unknown;
  readonly connected?: boolean;
  send?(message: HelperResponse): unknown;
}

export type BackendModules = Record<BackendModule, () => Promise<KeychainBackend>>;

const defaultModules: BackendModules = { "@napi-rs/keyring": loadNapiKeyringModule, keytar: loadKeytarModule };

function isRequest(message: unknown): message is HelperRequest {
  const m = message as Partial<HelperRequest> | null;
  return typeof m?.id === "number" && (m.module === "@napi-rs/keyring" || m.module === "keytar") && typeof m.op === "string";
}

/** Answer every request that arrives on `port` until the channel closes. */
export function answerKeychainRequests(port: HelperPort, modules: BackendModules = defaultModules): void {
  /** Each module is loaded once; a failed load stays failed (the module will not appear later). */
  const loaded = new Map<BackendModule, Promise<KeychainBackend>>();

  function backend(module: BackendModule): Promise<KeychainBackend> {
    let found = loaded.get(module);
    if (!found) {
      found = modules[module]();
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

  function reply(response: HelperResponse): void {
    if (port.connected) port.send?.(response);
  }

  port.on("message", (message: unknown) => {
    if (!isRequest(message)) return;
    answer(message).then(
      (value) => reply({ id: message.id, ok: true, value: value ?? null }),
      (error: unknown) => {
        // A module may reject with nothing at all: that gets an answer too, not a helper that dies unanswered.
        const code = (error as { code?: unknown } | null | undefined)?.code;
        reply({
          id: message.id,
          ok: false,
          error: { message: error instanceof Error ? error.message : String(error), ...(typeof code === "string" ? { code } : {}) },
        });
      },
    );
  });
}
