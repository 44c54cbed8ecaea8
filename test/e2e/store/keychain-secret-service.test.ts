/**
 * The keychain store against a real Secret Service (gnome-keyring in a private D-Bus session). Its own
 * file because it drives child processes only (no mutant ever reaches them) and hangs in Stryker's
 * sandbox; the rest of the keychain tests, stubs and all, stay in keychain.test.ts and in `npm run mutation`.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { KEYCHAIN_SERVICE } from "../../../src/auth/store/keychain.js";
import { keytarEntry } from "../../helpers/dev-tools.js";
import { finished, fixtureCommand, makeRecord, removeTempDirs, REPO_ROOT, tempDir } from "../../helpers/store/harness.js";

const ORIGIN = "https://cronicorn.com";
const SECOND_ORIGIN = "http://127.0.0.1:4123";
const KEYRING_TOOLS = ["dbus-run-session", "gnome-keyring-daemon", "secret-tool"];
/** stdout of `script` run inside a private D-Bus session with an unlocked gnome-keyring, split at "@@name" markers. */
async function inSecretService(script: string, env: Record<string, string>): Promise<Record<string, string>> {
  const missing = KEYRING_TOOLS.filter((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0);
  expect(missing, `${missing.join(", ")} not found: run the project's setup, which installs gnome-keyring, dbus, dbus-x11 and libsecret-tools`).toEqual([]);
  // A throwaway HOME: the keyring lives there, never in the real user's.
  const home = await tempDir("keyring-");
  const runtime = path.join(home, "run");
  await mkdir(runtime, { mode: 0o700 });
  const session = `echo -n pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null\n${script}`;
  const child = spawn("dbus-run-session", ["--", "sh", "-c", session], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: home,
      XDG_DATA_HOME: path.join(home, "data"),
      XDG_CONFIG_HOME: path.join(home, "config"),
      XDG_RUNTIME_DIR: runtime,
      ...env,
    },
  });
  const { code, stdout, stderr } = await finished(child);
  expect(code, stderr).toBe(0);
  const sections: Record<string, string> = {};
  for (const part of stdout.split("@@").slice(1)) {
    const newline = part.indexOf("\n");
    sections[part.slice(0, newline)] = part.slice(newline + 1).trim();
  }
  return sections;
}

afterEach(removeTempDirs);

/** Writes an item the way versions ≤ 0.1 did: through real keytar (the one `npm run setup:system` keeps in .cache/). */
function keytarWrite(account: string, password: string): string {
  const script = `require(${JSON.stringify(keytarEntry())}).setPassword(${JSON.stringify(KEYCHAIN_SERVICE)}, ${JSON.stringify(account)}, ${JSON.stringify(password)}).then(() => console.log("ok"))`;
  return `"${process.execPath}" -e '${script}'`;
}

describe("keychain store in a real Secret Service", () => {
  it("writes, reads and deletes through @napi-rs/keyring, and the item is really in the keyring", async () => {
    const dir = await tempDir();
    const record = makeRecord();
    const cli = fixtureCommand("store-cli.ts");
    const out = await inSecretService(
      [
        `echo @@write; ${cli} keychain "$DIR" write "$ORIGIN" "$RECORD"`,
        `echo @@lookup; secret-tool lookup service cronicorn-mcp username "$ORIGIN"; echo`,
        `echo @@read; ${cli} keychain "$DIR" read "$ORIGIN"`,
        `echo @@auto; ${cli} auto "$DIR" roundtrip "$SECOND_ORIGIN" "$RECORD"`,
        `echo @@delete; ${cli} keychain "$DIR" delete "$ORIGIN"`,
        `echo @@gone; secret-tool lookup service cronicorn-mcp username "$ORIGIN" || echo "(none)"`,
        `echo @@after; ${cli} keychain "$DIR" read "$ORIGIN"`,
      ].join("\n"),
      { DIR: dir, ORIGIN, SECOND_ORIGIN, RECORD: JSON.stringify(record) },
    );
    expect(JSON.parse(out.write ?? "")).toMatchObject({ kind: "keychain", result: "written" });
    expect(JSON.parse(out.lookup ?? "")).toEqual(record);
    expect(JSON.parse(out.read ?? "")).toMatchObject({ result: record });
    // openTokenStore in auto mode finds the keychain working and keeps the file out of it.
    expect(JSON.parse(out.auto ?? "")).toEqual({ kind: "keychain", describe: expect.stringContaining("Secret Service"), result: record });
    await expect(stat(path.join(dir, "credentials.json"))).rejects.toThrow(/ENOENT/);
    expect(JSON.parse(out.delete ?? "")).toMatchObject({ result: true });
    expect(out.gone).toBe("(none)");
    expect(JSON.parse(out.after ?? "")).toMatchObject({ result: null });
  });

  it("moves an item an earlier version wrote with keytar into the new backend once, and sign-out removes a keytar copy too", async () => {
    const dir = await tempDir();
    const record = makeRecord();
    const cli = fixtureCommand("store-cli.ts");
    const out = await inSecretService(
      [
        `echo @@old; ${keytarWrite(ORIGIN, JSON.stringify(record))}`,
        `echo @@read; ${cli} keychain "$DIR" read "$ORIGIN"`,
        `echo @@keytarItem; secret-tool lookup service cronicorn-mcp account "$ORIGIN" || echo "(none)"`,
        `echo @@newItem; secret-tool lookup service cronicorn-mcp username "$ORIGIN"; echo`,
        `echo @@again; ${cli} keychain "$DIR" read "$ORIGIN"`,
        `echo @@old2; ${keytarWrite(SECOND_ORIGIN, JSON.stringify(record))}`,
        `echo @@delete; ${cli} keychain "$DIR" delete "$SECOND_ORIGIN"`,
        `echo @@old2gone; secret-tool lookup service cronicorn-mcp account "$SECOND_ORIGIN" || echo "(none)"`,
      ].join("\n"),
      { DIR: dir, ORIGIN, SECOND_ORIGIN },
    );
    expect(out.old).toBe("ok");
    expect(JSON.parse(out.read ?? "")).toMatchObject({ result: record });
    expect(out.keytarItem).toBe("(none)");
    expect(JSON.parse(out.newItem ?? "")).toEqual(record);
    expect(JSON.parse(out.again ?? "")).toMatchObject({ result: record });
    expect(JSON.parse(out.delete ?? "")).toMatchObject({ result: true });
    expect(out.old2gone).toBe("(none)");
  });
});
