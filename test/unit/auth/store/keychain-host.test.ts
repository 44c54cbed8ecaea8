/**
 * The keychain helper process as the store sees it: the real helper (from source, under tsx) with the
 * real keyring module, against no D-Bus at all and against a D-Bus that accepts and never answers.
 */
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createKeychainHost, KeychainHelperError, type KeychainHost } from "../../../../src/auth/store/keychain-host.js";
import { KEYCHAIN_SERVICE } from "../../../../src/auth/store/keychain.js";
import { REPO_ROOT } from "../../../helpers/store/harness.js";
import { startSilentBus, type SilentBus } from "../../../helpers/store/silent-bus.js";
import { until } from "../../../helpers/until.js";

const HELPER = { path: path.join(REPO_ROOT, "src/auth/store/keychain-helper.ts"), execArgv: ["--import", "tsx"] };

/** This process's environment without any way to a D-Bus session. */
function withoutBus(): NodeJS.ProcessEnv {
  const { DBUS_SESSION_BUS_ADDRESS: _bus, DISPLAY: _display, WAYLAND_DISPLAY: _wayland, ...env } = process.env;
  return env;
}

let host: KeychainHost | undefined;
let bus: SilentBus | undefined;
afterEach(async () => {
  host?.stop();
  host = undefined;
  await bus?.close();
  bus = undefined;
});

describe("the keychain helper process", () => {
  it("loads @napi-rs/keyring there, and passes the keyring's own error back when there is no D-Bus", async () => {
    host = createKeychainHost({ timeoutMs: 20_000, helper: HELPER, env: withoutBus() });
    const keyring = await host.load("@napi-rs/keyring");
    expect(keyring.name).toBe("@napi-rs/keyring");
    await expect(keyring.getPassword(KEYCHAIN_SERVICE, "cronicorn-mcp-probe")).rejects.toThrow(/D-?Bus/i);
  });

  it("kills a helper stuck on a silent D-Bus at the deadline, and the next call starts a fresh one", async () => {
    bus = await startSilentBus();
    // The deadline also covers starting the next helper (under tsx here): long enough for that on a busy machine.
    host = createKeychainHost({ timeoutMs: 2_500, helper: HELPER, env: { ...withoutBus(), DBUS_SESSION_BUS_ADDRESS: bus.address } });
    const keyring = await host.load("@napi-rs/keyring");
    const first = keyring.getPassword(KEYCHAIN_SERVICE, "cronicorn-mcp-probe");
    await expect(first).rejects.toThrow(new KeychainHelperError("the keychain did not answer within 2500 ms (the helper process was stopped)"));
    expect(bus.accepted()).toBe(1);
    await until(() => bus?.open() === 0); // the stuck helper is gone, not left on the bus

    await expect(keyring.getPassword(KEYCHAIN_SERVICE, "cronicorn-mcp-probe")).rejects.toThrow(KeychainHelperError);
    expect(bus.accepted()).toBe(2);
  });

  it("fails a call at once when the helper ends without answering", async () => {
    host = createKeychainHost({ timeoutMs: 60_000, helper: { path: path.join(REPO_ROOT, "no-such-helper.js"), execArgv: [] } });
    await expect(host.load("keytar")).rejects.toThrow(new KeychainHelperError("the keychain helper process ended (exit code 1)"));
  });
});
