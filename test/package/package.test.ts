/**
 * The package as it is published: what `npm pack` puts in the tarball, what publint says of it, and
 * whether an install of that tarball into an empty folder (production dependencies only) serves MCP,
 * with and without the optional native keytar addon.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { loadConfig } from "../../src/config.js";
import { startCronicornStandIn } from "../stack/cronicorn.js";
import type { StandIn } from "../stack/cronicorn.js";
import { BIN_NAME, installTarball, makeWorkDir, npmEnv, packTarball, removeDir, ROOT } from "./pack.js";
import type { PackedTarball } from "./pack.js";

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
        z.object({ name: z.string(), description: z.string(), isSecret: z.boolean().optional(), default: z.string().optional(), choices: z.array(z.string()).optional() }),
      ),
    }),
  ),
});

interface InstalledServer {
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  toolNames(): Promise<string[]>;
  stderr(): string;
  close(): Promise<void>;
}

/** Spawn the installed bin (shebang + npm's bin link, as `npx` runs it) and complete the MCP handshake. */
async function startInstalledServer(bin: string, env: Record<string, string>): Promise<InstalledServer> {
  const transport = new StdioClientTransport({ command: bin, args: [], env, stderr: "pipe" });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const client = new Client({ name: "cronicorn-mcp-package-tests", version: "1.0.0" }, { capabilities: {} });
  await client.connect(transport);
  return {
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 })) as CallToolResult,
    toolNames: async () => (await client.listTools()).tools.map((t) => t.name),
    stderr: () => stderr,
    close: () => client.close(),
  };
}

function structured<T>(result: CallToolResult, key: string): T {
  const text = result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
  expect(result.isError, text).toBeFalsy();
  const value = (result.structuredContent as Record<string, unknown> | undefined)?.[key];
  expect(value, `structuredContent.${key} of ${text}`).toBeDefined();
  return value as T;
}

/** What a user sees from `npx cronicorn-mcp --version` in the folder it was installed into. */
async function npxVersion(dir: string): Promise<string> {
  const { stdout } = await execFileAsync("npx", ["--no-install", BIN_NAME, "--version"], { cwd: dir, env: npmEnv() });
  return stdout.trim();
}

describe("the published package", { timeout: 240_000 }, () => {
  let work: string;
  let tarball: PackedTarball;
  let stand: StandIn;

  beforeAll(async () => {
    work = makeWorkDir();
    tarball = await packTarball(work);
    stand = await startCronicornStandIn();
  }, 120_000);

  afterAll(async () => {
    await stand?.close();
    removeDir(work);
  });

  it("passes publint with no errors and no warnings", async () => {
    const bytes = fs.readFileSync(tarball.path);
    // Lint the very tarball the other tests install, not a second pack.
    const { messages, pkg: linted } = await publint({ level: "warning", pack: { tarball: new Uint8Array(bytes).buffer } });
    expect(messages.map((m) => `${m.type}: ${formatMessage(m, linted, { color: false }) ?? m.code}`)).toEqual([]);
  });

  it("ships the bin shim, the bundle, README, CHANGELOG, LICENSE and package.json, and no sources, tests or source maps", () => {
    expect(tarball.files).toEqual(expect.arrayContaining(["bin/cronicorn-mcp.js", "dist/cli.js", "README.md", "CHANGELOG.md", "LICENSE", "package.json"]));
    const unexpected = tarball.files.filter((f) => /^(src|test)\//.test(f) || /\.(ts|tsx|mts|cts|map)$/.test(f));
    expect(unexpected).toEqual([]);
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

  it("installs into an empty folder with production dependencies only, and the installed bin serves MCP", async () => {
    const installed = await installTarball(tarball.path, { parent: work });
    expect(await npxVersion(installed.dir)).toBe(pkg.version);

    const home = fs.mkdtempSync(path.join(work, "home-"));
    const server = await startInstalledServer(installed.bin, {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      CRONICORN_API_URL: stand.apiUrl,
      CRONICORN_API_KEY: stand.apiKey,
      CRONICORN_CONFIG_DIR: path.join(home, ".cronicorn"),
      CRONICORN_NO_BROWSER: "1",
    });
    try {
      expect((await server.toolNames()).length).toBeGreaterThanOrEqual(30);
      expect(Array.isArray(structured<unknown[]>(await server.call("list_jobs"), "jobs"))).toBe(true);
    } finally {
      await server.close();
    }
  });

  it("still installs and serves MCP when keytar cannot be built, keeping credentials in the private file", async () => {
    // As on a Linux machine without libsecret-1-dev: keytar's binding.gyp asks pkg-config for
    // libsecret-1, and an empty pkg-config search path makes that lookup (so node-gyp) fail.
    // build_from_source stops prebuild-install fetching a prebuilt addon where there is internet,
    // so the failure is the same everywhere. npm then drops the failed optional dependency.
    const installed = await installTarball(tarball.path, {
      parent: work,
      env: { PKG_CONFIG_LIBDIR: path.join(work, "no-pkg-config"), PKG_CONFIG_PATH: "", npm_config_build_from_source: "true" },
      args: ["--foreground-scripts"],
    });
    expect(installed.output).toMatch(/pkg-config --cflags libsecret-1/);
    expect(fs.existsSync(path.join(installed.dir, "node_modules/keytar"))).toBe(false);
    expect(await npxVersion(installed.dir)).toBe(pkg.version);

    // A credential in the file (our format: the official server's record would count for the cloud only).
    const home = fs.mkdtempSync(path.join(work, "home-"));
    const configDir = path.join(home, ".cronicorn");
    fs.mkdirSync(configDir, { mode: 0o700 });
    const token = await stand.signIn();
    const now = Date.now();
    const record = { access_token: token, expires_at: now + 30 * 86_400_000, token_type: "Bearer", issuer: stand.apiUrl, client_id: "cronicorn-mcp", obtained_at: now, flow: "device" };
    fs.writeFileSync(path.join(configDir, "credentials.json"), JSON.stringify({ records: { [new URL(stand.apiUrl).origin]: record } }), { mode: 0o600 });

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
        /warn: Credentials are kept in file ~\/\.cronicorn\/credentials\.json, readable only by you, because the OS keychain is not available: keytar, an optional dependency, is not installed\./,
      );
    } finally {
      await server.close();
    }
  });
});
