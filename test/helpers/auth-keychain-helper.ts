/**
 * A keychain helper process for the host's tests: the real answering code (keychain-responder.ts) over
 * this process's IPC channel, with in-memory keychains instead of the native modules. Run it with
 * `--import tsx`; AUTH_FAKE_KEYCHAIN picks how it misbehaves:
 * - (unset): answers; the account "pid" reads as this process's pid, "odd" as a number (not a password);
 * - "noisy": sends stray messages (not answers, and answers to no call) around each answer;
 * - "no-keyring": @napi-rs/keyring is not installed, keytar is;
 * - "exits": exits right after answering a read of the account "exit";
 * - "hangs-up": closes the channel after answering its first call, and lives on for a while.
 */
import type { KeychainBackend } from "../../src/auth/store/keychain-backends.js";
import type { HelperResponse } from "../../src/auth/store/keychain-host.js";
import { answerKeychainRequests, type HelperPort } from "../../src/auth/store/keychain-responder.js";
import { memoryKeychain } from "./auth-memory-keychain.js";

const mode = process.env.AUTH_FAKE_KEYCHAIN ?? "";

function keychain(name: string): KeychainBackend {
  const memory = memoryKeychain(name);
  return {
    ...memory,
    getPassword: async (service, account) => {
      if (account === "pid") return String(process.pid);
      if (account === "odd") return 42 as unknown as string;
      if (account === "never") return new Promise<string | null>(() => undefined);
      return memory.getPassword(service, account);
    },
  };
}

const send = (message: unknown, then?: () => void) => process.send?.(message, undefined, {}, () => then?.());

let answered = 0;
const port: HelperPort = {
  on: (event, listener) => process.on(event, listener),
  get connected() {
    return process.connected;
  },
  send(response: HelperResponse) {
    answered += 1;
    if (mode === "noisy") for (const stray of [null, "answer", { id: "1", ok: true }, { id: response.id }, { ok: true, value: "x" }]) send(stray);
    send(response, () => {
      if (mode === "hangs-up" && answered === 1) process.disconnect();
      if (mode === "exits" && response.ok && response.value === "leaving") process.exit(0);
    });
    if (mode === "noisy") send({ ...response, value: "a second answer" }); // its call is settled by now: an answer to nothing
  },
};

const keyring = keychain("memory keyring");
if (mode === "exits") void keyring.setPassword("cronicorn-mcp", "exit", "leaving");
answerKeychainRequests(port, {
  "@napi-rs/keyring": async () => {
    if (mode === "no-keyring") throw Object.assign(new Error("Cannot find package '@napi-rs/keyring'"), { code: "ERR_MODULE_NOT_FOUND" });
    return keyring;
  },
  keytar: async () => keychain("keytar"),
});
process.on("disconnect", () => {
  if (mode === "hangs-up") setTimeout(() => process.exit(0), 5_000);
  else process.exit(0);
});
