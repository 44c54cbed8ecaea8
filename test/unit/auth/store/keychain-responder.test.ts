/**
 * The keychain helper's side of the channel, in process: requests arrive as messages on a port, and each
 * gets one answer, with the module's value or its error's message and code (the host decides the keyring →
 * keytar fallback on that code). The modules are in-memory keychains.
 */
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { answerKeychainRequests, type BackendModules } from "../../../../src/auth/store/keychain-responder.js";
import type { HelperResponse } from "../../../../src/auth/store/keychain-host.js";
import type { KeychainBackend } from "../../../../src/auth/store/keychain-backends.js";
import { memoryKeychain } from "../../../helpers/auth-memory-keychain.js";

/** The helper's end of the IPC channel: what it sends is collected in `answers`. */
class Port extends EventEmitter {
  connected = true;
  readonly answers: HelperResponse[] = [];
  send(response: HelperResponse): void {
    this.answers.push(response);
  }
  /** Deliver `message` and let the answer (if any) arrive. */
  async ask(message: unknown): Promise<void> {
    this.emit("message", message);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function serve(modules: Partial<BackendModules> = {}) {
  const keyring = memoryKeychain("@napi-rs/keyring");
  const keytar = memoryKeychain("keytar");
  const loads = { "@napi-rs/keyring": 0, keytar: 0 };
  const port = new Port();
  answerKeychainRequests(port, {
    "@napi-rs/keyring": async () => (loads["@napi-rs/keyring"]++, keyring),
    keytar: async () => (loads.keytar++, keytar),
    ...modules,
  });
  return { port, keyring, keytar, loads };
}

describe("the keychain helper answers the host", () => {
  it("loads the module asked for and answers with its name", async () => {
    const { port } = serve();
    await port.ask({ id: 1, module: "keytar", op: "load" });
    await port.ask({ id: 2, module: "@napi-rs/keyring", op: "load" });
    expect(port.answers).toEqual([
      { id: 1, ok: true, value: "keytar" },
      { id: 2, ok: true, value: "@napi-rs/keyring" },
    ]);
  });

  it("saves, reads and deletes an item through the module asked for, and only that one", async () => {
    const { port, keyring, keytar } = serve();
    await port.ask({ id: 1, module: "@napi-rs/keyring", op: "set", service: "cronicorn-mcp", account: "https://a.test", password: "secret-1" });
    expect(keyring.items).toEqual(new Map([["cronicorn-mcp/https://a.test", "secret-1"]]));
    expect(keytar.items.size).toBe(0);
    await port.ask({ id: 2, module: "@napi-rs/keyring", op: "get", service: "cronicorn-mcp", account: "https://a.test" });
    await port.ask({ id: 3, module: "keytar", op: "get", service: "cronicorn-mcp", account: "https://a.test" });
    await port.ask({ id: 4, module: "@napi-rs/keyring", op: "delete", service: "cronicorn-mcp", account: "https://a.test" });
    await port.ask({ id: 5, module: "@napi-rs/keyring", op: "delete", service: "cronicorn-mcp", account: "https://a.test" });
    expect(port.answers).toEqual([
      { id: 1, ok: true, value: null }, // setPassword resolves with nothing: answered as null, which IPC carries
      { id: 2, ok: true, value: "secret-1" },
      { id: 3, ok: true, value: null },
      { id: 4, ok: true, value: true },
      { id: 5, ok: true, value: false },
    ]);
    expect(keyring.items.size).toBe(0);
  });

  it("ignores messages that are not requests, and answers the next real one", async () => {
    const { port, loads } = serve();
    for (const junk of [
      null,
      "load",
      {},
      { id: "1", module: "keytar", op: "load" },
      { module: "keytar", op: "load" },
      { id: 1, module: "libsecret", op: "load" },
      { id: 1, op: "load" },
      { id: 1, module: "keytar" },
      { id: 1, module: "keytar", op: 7 },
    ]) {
      await port.ask(junk);
    }
    expect(port.answers).toEqual([]);
    expect(loads).toEqual({ "@napi-rs/keyring": 0, keytar: 0 });
    await port.ask({ id: 9, module: "@napi-rs/keyring", op: "load" });
    expect(port.answers).toEqual([{ id: 9, ok: true, value: "@napi-rs/keyring" }]);
  });

  it("loads each module once, and a module that failed to load stays failed, with its message and code", async () => {
    let attempts = 0;
    const { port, loads } = serve({
      "@napi-rs/keyring": () => {
        attempts += 1;
        return Promise.reject(Object.assign(new Error("Cannot find package '@napi-rs/keyring'"), { code: "ERR_MODULE_NOT_FOUND" }));
      },
    });
    await port.ask({ id: 1, module: "keytar", op: "load" });
    await port.ask({ id: 2, module: "keytar", op: "get", service: "s", account: "a" });
    await port.ask({ id: 3, module: "@napi-rs/keyring", op: "load" });
    await port.ask({ id: 4, module: "@napi-rs/keyring", op: "get", service: "s", account: "a" });
    expect(loads.keytar).toBe(1);
    expect(attempts).toBe(1);
    const failed = { ok: false, error: { message: "Cannot find package '@napi-rs/keyring'", code: "ERR_MODULE_NOT_FOUND" } };
    expect(port.answers).toEqual([
      { id: 1, ok: true, value: "keytar" },
      { id: 2, ok: true, value: null },
      { id: 3, ...failed },
      { id: 4, ...failed },
    ]);
  });

  it("answers a failing call with the error's message, its code only when it is text, and whatever else was thrown as text", async () => {
    const failing = (reason: unknown): KeychainBackend => ({
      name: "failing",
      getPassword: () => Promise.reject(reason),
      setPassword: () => Promise.reject(reason),
      deletePassword: () => Promise.reject(reason),
    });
    const reasons: unknown[] = [
      Object.assign(new Error("Platform secure storage failure"), { code: "NoStorageAccess" }),
      Object.assign(new Error("odd code"), { code: 42 }),
      "just text",
      undefined,
    ];
    const answers: HelperResponse[] = [];
    for (const reason of reasons) {
      const { port } = serve({ keytar: async () => failing(reason) });
      await port.ask({ id: 1, module: "keytar", op: "get", service: "s", account: "a" });
      answers.push(...port.answers);
    }
    expect(answers).toEqual([
      { id: 1, ok: false, error: { message: "Platform secure storage failure", code: "NoStorageAccess" } },
      { id: 1, ok: false, error: { message: "odd code" } },
      { id: 1, ok: false, error: { message: "just text" } },
      { id: 1, ok: false, error: { message: "undefined" } },
    ]);
  });

  it("sends nothing once the channel to the host is closed", async () => {
    const { port } = serve();
    port.connected = false;
    await port.ask({ id: 1, module: "keytar", op: "load" });
    expect(port.answers).toEqual([]);
  });
});
