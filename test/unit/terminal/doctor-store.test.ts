/**
 * doctor's credential-store line with the keychain handed in: it says what it found once — the
 * keychain not answering, failing, or unavailable — and gives the way out once, in words that stand
 * alone in --json (no "see the line above").
 */
import { afterEach, describe, expect, it } from "vitest";
import { openTokenStore, type OpenTokenStoreOptions } from "../../../src/auth/store/index.js";
import type { KeytarLike } from "../../../src/auth/store/keychain.js";
import { loadConfig, type Config } from "../../../src/config/config.js";
import { checkStore } from "../../../src/terminal/doctor/store.js";
import { removeTempDirs, tempDir } from "../../helpers/store/harness.js";

afterEach(removeTempDirs);

const silent: KeytarLike = {
  getPassword: () => new Promise(() => undefined),
  setPassword: () => new Promise(() => undefined),
  deletePassword: () => new Promise(() => undefined),
};
const noBus: KeytarLike = { ...silent, getPassword: () => Promise.reject(new Error("Cannot autolaunch D-Bus without X11 $DISPLAY")) };

async function configFor(mode: "auto" | "keychain"): Promise<Config> {
  const loaded = loadConfig({ CRONICORN_TOKEN_STORE: mode, CRONICORN_CONFIG_DIR: await tempDir(), CRONICORN_KEYCHAIN_TIMEOUT_MS: "50" });
  if (!loaded.ok) throw new Error(loaded.problems.join());
  return loaded.config;
}

const withKeychain = (keychain: KeytarLike) => (options: OpenTokenStoreOptions) => openTokenStore({ ...options, loadBackend: async () => keychain });

/** How often the way out is given across the line's detail and fix. */
const adviceCount = (text: string) => text.match(/CRONICORN_TOKEN_STORE=file/g)?.length ?? 0;

describe("doctor's credential store line", () => {
  it("auto mode, keychain not answering: warns once that it is not answering, why, and the way out once", async () => {
    const { result } = await checkStore(await configFor("auto"), withKeychain(silent));
    expect(result.status).toBe("warn");
    expect(result.detail).toMatch(
      /^file .*credentials\.json \(OS keychain not answering\); opened in \d+ ms, read in \d+ ms\. Why: the OS keychain did not answer within 50 ms while trying to look up a test item; it may be locked or stuck\.$/,
    );
    expect(adviceCount(`${result.detail} ${result.fix}`)).toBe(1);
    expect(result.fix).toContain("without waiting 50 ms for it");
    expect(`${result.detail} ${result.fix}`).not.toMatch(/\b(above|below)\b/);
  });

  it("auto mode, no D-Bus: warns that the keychain is unavailable, with the keychain's own reason, and the way out once", async () => {
    const { result } = await checkStore(await configFor("auto"), withKeychain(noBus));
    expect(result.status).toBe("warn");
    expect(result.detail).toMatch(
      /\(OS keychain unavailable\).*Why: the OS keychain failed to look up a test item: Cannot autolaunch D-Bus without X11 \$DISPLAY\.$/,
    );
    expect(adviceCount(`${result.detail} ${result.fix}`)).toBe(1);
  });

  it("keychain mode: fails saying the keychain is not answering (or why it failed), with the way out once", async () => {
    const stuck = (await checkStore(await configFor("keychain"), withKeychain(silent))).result;
    expect(stuck).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/^CRONICORN_TOKEN_STORE=keychain: keychain not answering \(the OS keychain did not answer within 50 ms/),
    });
    expect(adviceCount(`${stuck.detail} ${stuck.fix}`)).toBe(1);
    const failing = (await checkStore(await configFor("keychain"), withKeychain(noBus))).result;
    expect(failing).toMatchObject({
      status: "fail",
      detail: "CRONICORN_TOKEN_STORE=keychain: the OS keychain failed to look up a test item: Cannot autolaunch D-Bus without X11 $DISPLAY",
    });
    expect(adviceCount(`${failing.detail} ${failing.fix}`)).toBe(1);
  });
});
