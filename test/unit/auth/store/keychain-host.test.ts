/**
 * The keychain helper process as the store sees it: the real helper (from source, under tsx) with the
 * real keyring module, against no D-Bus at all and against a D-Bus that accepts and never answers.
 */
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createKeychainHost, KeychainHelperError, type KeychainHost } from "../../../../src/auth/store/keychain-host.js";
import { KEYCHAIN_SERVICE, loadDefaultBackend, type KeychainBackend } from "../../../../src/auth/store/keychain.js";
import { isProcessAlive } from "../../../../src/auth/store/lock.js";
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

/** The fixture helper: the real answering code over IPC, with in-memory keychains (test/helpers/auth-keychain-helper.ts). */
function fakeHelper(mode = ""): Pick<Required<Parameters<typeof createKeychainHost>[0]>, "helper" | "env"> {
  return {
    helper: { path: path.join(REPO_ROOT, "test/helpers/auth-keychain-helper.ts"), execArgv: ["--import", "tsx"] },
    env: { ...process.env, AUTH_FAKE_KEYCHAIN: mode },
  };
}

/** The pid of the helper answering now (the fixture's keychain reads it as the account "pid"). */
async function helperPid(keychain: KeychainBackend): Promise<number> {
  return Number(await keychain.getPassword(KEYCHAIN_SERVICE, "pid"));
}

describe("the keychain host and its helper process", () => {
  it("names the module the helper loaded, and saves, reads and deletes items through it", async () => {
    host = createKeychainHost({ timeoutMs: 20_000, ...fakeHelper() });
    const keychain = await host.load("@napi-rs/keyring");
    expect(keychain.name).toBe("memory keyring");
    await keychain.setPassword(KEYCHAIN_SERVICE, "https://a.test", "secret-1");
    expect(await keychain.getPassword(KEYCHAIN_SERVICE, "https://a.test")).toBe("secret-1");
    expect(await keychain.getPassword(KEYCHAIN_SERVICE, "https://b.test")).toBeNull();
    expect(await keychain.deletePassword(KEYCHAIN_SERVICE, "https://a.test")).toBe(true);
    expect(await keychain.deletePassword(KEYCHAIN_SERVICE, "https://a.test")).toBe(false);
    expect(await keychain.getPassword(KEYCHAIN_SERVICE, "https://a.test")).toBeNull();
  });

  it("reads a value that is not text as no password", async () => {
    host = createKeychainHost({ timeoutMs: 20_000, ...fakeHelper() });
    const keychain = await host.load("keytar");
    expect(await keychain.getPassword(KEYCHAIN_SERVICE, "odd")).toBeNull();
  });

  it("ignores stray messages from the helper: what is not an answer, and answers to no call in flight", async () => {
    host = createKeychainHost({ timeoutMs: 20_000, ...fakeHelper("noisy") });
    const keychain = await host.load("@napi-rs/keyring");
    expect(keychain.name).toBe("memory keyring");
    await keychain.setPassword(KEYCHAIN_SERVICE, "https://a.test", "secret-1");
    expect(await keychain.getPassword(KEYCHAIN_SERVICE, "https://a.test")).toBe("secret-1");
    expect(await keychain.deletePassword(KEYCHAIN_SERVICE, "https://a.test")).toBe(true);
  });

  it("falls back to keytar when the helper cannot find @napi-rs/keyring (the error's code travels back)", async () => {
    const started = createKeychainHost({ timeoutMs: 20_000, ...fakeHelper("no-keyring") });
    host = started;
    const backend = await loadDefaultBackend({ keyring: () => started.load("@napi-rs/keyring"), keytar: () => started.load("keytar") });
    expect(backend.name).toBe("keytar");
  });

  it("fails the calls in flight when stopped, and the next call starts a fresh helper", async () => {
    host = createKeychainHost({ timeoutMs: 20_000, ...fakeHelper() });
    const keychain = await host.load("keytar");
    const first = await helperPid(keychain);
    const waiting = keychain.getPassword(KEYCHAIN_SERVICE, "never");
    host.stop();
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toEqual(new KeychainHelperError("the keychain helper was stopped"));
    expect((error as Error).name).toBe("KeychainHelperError");
    // The killed helper's exit arrives while the next one starts: it fails nothing of the new one's.
    const second = await helperPid(keychain);
    expect(second).not.toBe(first);
    await until(() => !isProcessAlive(first));
    expect(await keychain.getPassword(KEYCHAIN_SERVICE, "https://a.test")).toBeNull();
  });

  it("lets an idle helper go after idleMs, and the next call starts a new one", async () => {
    host = createKeychainHost({ timeoutMs: 20_000, idleMs: 200, ...fakeHelper() });
    const keychain = await host.load("keytar");
    const first = await helperPid(keychain);
    await until(() => !isProcessAlive(first));
    const second = await helperPid(keychain);
    expect(second).not.toBe(first);
  });

  it("keeps a helper that is asked again within idleMs", async () => {
    host = createKeychainHost({ timeoutMs: 20_000, idleMs: 60_000, ...fakeHelper() });
    const keychain = await host.load("keytar");
    const first = await helperPid(keychain);
    await keychain.setPassword(KEYCHAIN_SERVICE, "https://a.test", "secret-1");
    expect(await helperPid(keychain)).toBe(first);
    expect(await keychain.getPassword(KEYCHAIN_SERVICE, "https://a.test")).toBe("secret-1");
  });

  it("starts a new helper after one exited by itself, even once the idle time has passed", async () => {
    host = createKeychainHost({ timeoutMs: 20_000, idleMs: 300, ...fakeHelper("exits") });
    const keychain = await host.load("@napi-rs/keyring");
    const first = await helperPid(keychain);
    const idleOver = new Promise((resolve) => setTimeout(resolve, 600));
    expect(await keychain.getPassword(KEYCHAIN_SERVICE, "exit")).toBe("leaving");
    await until(() => !isProcessAlive(first));
    await idleOver; // its idle timer has gone off with no helper to let go
    const second = await helperPid(keychain);
    expect(second).not.toBe(first);
  });

  it("fails a call at once when the helper has closed its channel", async () => {
    host = createKeychainHost({ timeoutMs: 10_000, ...fakeHelper("hangs-up") });
    const keychain = await host.load("keytar");
    await new Promise((resolve) => setTimeout(resolve, 500)); // the helper hangs up after that first answer
    const asked = Date.now();
    await expect(keychain.getPassword(KEYCHAIN_SERVICE, "pid")).rejects.toThrow(
      new KeychainHelperError("the keychain helper process could not be asked: Channel closed"),
    );
    expect(Date.now() - asked).toBeLessThan(5_000);
  });

  it("hooks the exit of this process to kill its helper, and unhooks once that helper has ended (a leak would warn after ten)", async () => {
    const others = new Set(process.listeners("exit"));
    host = createKeychainHost({ timeoutMs: 20_000, ...fakeHelper() });
    const keychain = await host.load("keytar");
    const first = await helperPid(keychain);
    const ours = process.listeners("exit").filter((listener) => !others.has(listener));
    expect(ours).toHaveLength(1);
    host.stop();
    await until(() => !isProcessAlive(first) && !process.listeners("exit").includes(ours[0]!));
  });
});
