/**
 * The package as it is published from a clean clone of the committed HEAD: what `npm pack` puts in
 * the tarball (prepack builds dist/), what publint says of it, and whether an install of that tarball
 * with install scripts off (as npm now defaults to for dependencies) serves MCP and keeps its sign-in
 * in a real OS keychain — or, with no keychain, in the private file.
 */
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { loadConfig } from "../../../src/config/config.js";
import { startCronicornStandIn } from "../../stack/cronicorn.js";
import type { StandIn } from "../../stack/cronicorn.js";
import { keytarDir, keytarEntry } from "../../helpers/dev-tools.js";
import { freshRecord, secretServiceSession, signInThroughTool, startInstalledServer, structured } from "../../helpers/installed.js";
import { BIN_NAME, installTarball, makeWorkDir, npmEnv, packCleanClone, removeDir, ROOT } from "../../helpers/pack.js";
import type { CleanClonePack } from "../../helpers/pack.js";
import { writeStoredRecord } from "../../helpers/signin.js";

const execFileAsync = promisify(execFile);

const PackageJson = z.object({ name: z.string(), version: z.string(), mcpName: z.string() });
const pkg = PackageJson.parse(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")));

const ServerJson = z.object({
  $schema: z.string().url(),
  name: z.string(),
  description: z.string(),
  version: z.string(),
  packages: z.array(
    z.object({
      registryType: z.string(),
      identifier: z.string(),
      version: z.string(),
      transport: z.object({ type: z.string() }),
      environmentVariables: z.array(
        z.object({
          name: z.string(),
          description: z.string(),
          isSecret: z.boolean().optional(),
          default: z.string().optional(),
          choices: z.array(z.string()).optional(),
        }),
      ),
    }),
  ),
});

/** What a user sees from `npx cronicorn-mcp --version` in the folder it was installed into. */
async function npxVersion(dir: string): Promise<string> {
  const { stdout } = await execFileAsync("npx", ["--no-install", BIN_NAME, "--version"], { cwd: dir, env: npmEnv() });
  return stdout.trim();
}

describe("the published package", { timeout: 240_000 }, () => {
  let work: string;
  let tarball: CleanClonePack;
  let stand: StandIn;

  beforeAll(async () => {
    work = makeWorkDir();
    tarball = await packCleanClone(work);
    stand = await startCronicornStandIn();
  }, 120_000);

  afterAll(async () => {
    await stand?.close();
    removeDir(work);
  });

  it("packs from a fresh clone of HEAD, where only prepack can build the dist/ the bin imports", async () => {
    const { stdout } = await execFileAsync("git", ["-C", ROOT, "rev-parse", "HEAD"]);
    expect(tarball.commit).toBe(stdout.trim());
    expect(tarball.hadDist).toBe(false);
    expect(tarball.files).toContain("dist/cli.js");
  });

  it("passes publint with no errors and no warnings", async () => {
    const bytes = fs.readFileSync(tarball.path);
    // Lint the very tarball the other tests install, not a second pack.
    const { messages, pkg: linted } = await publint({ level: "warning", pack: { tarball: new Uint8Array(bytes).buffer } });
    expect(messages.map((m) => `${m.type}: ${formatMessage(m, linted, { color: false }) ?? m.code}`)).toEqual([]);
  });

  it("ships the bin shim, the bundle with source maps of our own code (no source text), README, CHANGELOG, LICENSE and package.json, and no sources or tests", () => {
    expect(tarball.files).toEqual(expect.arrayContaining(["bin/cronicorn-mcp.js", "dist/cli.js", "README.md", "CHANGELOG.md", "LICENSE", "package.json"]));
    const unexpected = tarball.files.filter((f) => /^(src|test)\//.test(f) || /\.(ts|tsx|mts|cts)$/.test(f));
    expect(unexpected).toEqual([]);
    // A bug's stack is mapped to src/ (src/mcp/stack.ts): the maps name only our sources and carry none of their text.
    const maps = tarball.files.filter((f) => f.endsWith(".map"));
    expect(maps).toContain("dist/cli.js.map");
    const unpacked = fs.mkdtempSync(path.join(os.tmpdir(), "cronicorn-tarball-"));
    execFileSync("tar", ["-xzf", tarball.path, "-C", unpacked]);
    for (const map of maps) {
      const parsed = JSON.parse(fs.readFileSync(path.join(unpacked, "package", map), "utf8")) as {
        sources: string[];
        sourcesContent?: unknown;
        names: unknown[];
      };
      expect(parsed.sourcesContent, map).toBeUndefined();
      expect(parsed.names, map).toEqual([]);
      for (const source of parsed.sources) expect(source, map).toMatch(/^(\.\.\/)+src\//);
    }
    const outsideWhitelist = tarball.files.filter((f) => !/^(bin\/|dist\/)/.test(f) && !["README.md", "CHANGELOG.md", "LICENSE", "package.json"].includes(f));
    expect(outsideWhitelist).toEqual([]);
  });

  it("server.json names the package.json mcpName, version and npm package, and documents only settings the server accepts", () => {
    const server = ServerJson.parse(JSON.parse(fs.readFileSync(path.join(ROOT, "server.json"), "utf8")));
    expect(server.name).toBe(pkg.mcpName);
    expect(server.version).toBe(pkg.version);
    expect(server.description.length).toBeLessThanOrEqual(100); // the registry's limit
    const npmPackage = server.packages.find((p) => p.registryType === "npm");
    expect(npmPackage).toMatchObject({ identifier: pkg.name, version: pkg.version, transport: { type: "stdio" } });

    const variables = npmPackage?.environmentVariables ?? [];
    expect(variables.filter((v) => v.isSecret).map((v) => v.name)).toEqual(["CRONICORN_API_KEY"]);
    for (const v of variables) {
      for (const value of [...(v.choices ?? []), ...(v.default === undefined ? [] : [v.default])]) {
        expect(loadConfig({ [v.name]: value }), `${v.name}=${value}`).toMatchObject({ ok: true });
      }
    }
  });

  it("installs into an empty folder with production dependencies only and no install scripts, and the installed bin serves MCP", async () => {
    const installed = await installTarball(tarball.path, { parent: work, args: ["--ignore-scripts"] });
    expect(fs.existsSync(path.join(installed.dir, "node_modules/keytar"))).toBe(false);
    expect(await npxVersion(installed.dir)).toBe(pkg.version);

    const home = fs.mkdtempSync(path.join(work, "home-"));
    const server = await startInstalledServer(installed.bin, {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      CRONICORN_API_URL: stand.apiUrl,
      CRONICORN_API_KEY: stand.apiKey,
      CRONICORN_CONFIG_DIR: path.join(home, ".cronicorn"),
      CRONICORN_NO_BROWSER: "1",
      // Device sign-ins against the stand-in (interval 1 s) poll every second instead of every 5: faster tests.
      CRONICORN_DEVICE_POLL_FLOOR_S: "1",
    });
    try {
      expect((await server.toolNames()).length).toBeGreaterThanOrEqual(30);
      expect(Array.isArray(structured<unknown[]>(await server.call("list_jobs"), "jobs"))).toBe(true);
    } finally {
      await server.close();
    }
  });

  it("installed with --ignore-scripts, signs in and keeps the credential in the real Secret Service, visible to secret-tool and read back by `status`", async () => {
    const installed = await installTarball(tarball.path, { parent: work, args: ["--ignore-scripts"] });
    expect(installed.output).not.toMatch(/install script/i);

    const home = fs.mkdtempSync(path.join(work, "home-"));
    const session = secretServiceSession(home);
    const env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      ...session.env,
      BIN: installed.bin,
      CRONICORN_API_URL: stand.apiUrl,
      CRONICORN_WEB_URL: stand.webUrl,
      CRONICORN_ISSUER: stand.webUrl,
      CRONICORN_CONFIG_DIR: path.join(home, ".cronicorn"),
      CRONICORN_TOKEN_STORE: "auto",
      CRONICORN_NO_BROWSER: "1",
      CRONICORN_LOGIN_WAIT_S: "1",
    };
    const server = await startInstalledServer(installed.bin, env, session.command);
    try {
      await signInThroughTool(server, stand);
      const status = structured<{ signedIn: boolean; source: string; store: string }>(await server.call("auth_status"), "status");
      expect(status).toMatchObject({ signedIn: true, source: "keychain", store: expect.stringContaining("OS keychain (Secret Service)") });

      const inSession = { ...env, DBUS_SESSION_BUS_ADDRESS: session.busAddress() };
      const origin = new URL(stand.apiUrl).origin;
      const { stdout: item } = await execFileAsync("secret-tool", ["lookup", "service", "cronicorn-mcp", "username", origin], { env: inSession });
      expect(Object.keys(JSON.parse(item) as Record<string, unknown>)).toEqual(expect.arrayContaining(["access_token", "expires_at", "flow"]));
      expect(fs.existsSync(path.join(home, ".cronicorn", "credentials.json"))).toBe(false);

      // A second process reads the credential back from the keyring.
      const { stdout: statusLine } = await execFileAsync(installed.bin, ["status"], { env: inSession });
      expect(statusLine).toMatch(/^Signed in to .* \(OS keychain \(Secret Service\)/);
      expect(server.stderr()).not.toMatch(/Credentials are kept in file/);
    } finally {
      await server.close();
    }
  });

  it("with keytar installed beside it (the optional peer), moves an item an earlier version saved with keytar into the keyring at the first read", async () => {
    const installed = await installTarball(tarball.path, { parent: work, args: ["--ignore-scripts"] });
    // What `npm install keytar` beside cronicorn-mcp leaves: the package with its built binary (taken from .cache/, built by setup).
    fs.cpSync(keytarDir(), path.join(installed.dir, "node_modules/keytar"), { recursive: true });

    const origin = new URL(stand.apiUrl).origin;
    const record = await freshRecord(stand);
    const session = secretServiceSession(
      fs.mkdtempSync(path.join(work, "home-")),
      [
        // How versions ≤ 0.1 saved a sign-in.
        `"$NODE" -e 'require(process.argv[1]).setPassword("cronicorn-mcp", process.argv[2], process.argv[3])' "$KEYTAR" "$ORIGIN" "$RECORD"`,
        'echo @@status; "$BIN" status',
        'echo @@keytarItem; secret-tool lookup service cronicorn-mcp account "$ORIGIN" || echo "(none)"',
        'echo @@newItem; secret-tool lookup service cronicorn-mcp username "$ORIGIN"; echo',
      ].join("\n"),
    );
    const { stdout } = await execFileAsync(session.command.command, session.command.args, {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        ...session.env,
        CRONICORN_API_URL: stand.apiUrl,
        CRONICORN_CONFIG_DIR: path.join(session.env.HOME as string, ".cronicorn"),
        CRONICORN_NO_BROWSER: "1",
        NODE: process.execPath,
        KEYTAR: keytarEntry(),
        ORIGIN: origin,
        RECORD: JSON.stringify(record),
        BIN: installed.bin,
      },
    });
    const out = Object.fromEntries(
      stdout
        .split("@@")
        .slice(1)
        .map((part) => [part.slice(0, part.indexOf("\n")), part.slice(part.indexOf("\n") + 1).trim()]),
    );
    expect(out.status).toMatch(/^Signed in to .* \(OS keychain \(Secret Service\)/);
    expect(out.keytarItem).toBe("(none)");
    expect(JSON.parse(out.newItem ?? "")).toEqual(record);
  });

  it("with no Secret Service reachable, serves MCP and keeps credentials in the private file, saying why", async () => {
    const installed = await installTarball(tarball.path, { parent: work, args: ["--ignore-scripts"] });
    // A credential in the file (our format: the official server's record would count for the cloud only).
    const home = fs.mkdtempSync(path.join(work, "home-"));
    const configDir = path.join(home, ".cronicorn");
    const record = await freshRecord(stand);
    writeStoredRecord(configDir, new URL(stand.apiUrl).origin, record);

    const server = await startInstalledServer(installed.bin, {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      CRONICORN_API_URL: stand.apiUrl,
      CRONICORN_CONFIG_DIR: configDir,
      CRONICORN_TOKEN_STORE: "auto",
      CRONICORN_NO_BROWSER: "1",
    });
    try {
      const status = structured<{ signedIn: boolean; source: string }>(await server.call("auth_status"), "status");
      expect(status).toMatchObject({ signedIn: true, source: "file" });
      expect(Array.isArray(structured<unknown[]>(await server.call("list_jobs"), "jobs"))).toBe(true);
      const logout = structured<{ deletedLocal: string[] }>(await server.call("logout"), "logout");
      expect(logout.deletedLocal).toEqual([expect.stringContaining("credentials.json")]);
      expect(server.stderr()).toMatch(
        /warn: Credentials are kept in file ~\/\.cronicorn\/credentials\.json, readable only by you, because the OS keychain failed to look up a test item: .*DBus.*\./,
      );
    } finally {
      await server.close();
    }
  });
});
