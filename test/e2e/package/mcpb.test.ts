/**
 * The MCP Bundle as Claude Desktop gets it: built by `npm run mcpb`'s builder, accepted by the official
 * `mcpb validate`, unpacked into a temp folder and started exactly as its manifest says — command,
 * args and env from mcp_config, resolved by the official getMcpConfigForManifest with ${__dirname}
 * and the user's settings substituted — then driven through the SDK client against the stand-in.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { getMcpConfigForManifest, MANIFEST_SCHEMAS } from "@anthropic-ai/mcpb/node";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import type { CallToolResult, ElicitResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { eventually } from "../../helpers/signin.js";
import { startCronicornStandIn } from "../../stack/cronicorn.js";
import type { StandIn } from "../../stack/cronicorn.js";
import { buildBundle, MCPB_CLI } from "../../../scripts/mcpb.js";
import type { BuiltBundle } from "../../../scripts/mcpb.js";
import { makeWorkDir, removeDir } from "../../helpers/pack.js";

const execFileAsync = promisify(execFile);

interface BundledServer {
  tools(): Promise<Tool[]>;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  stderr(): string;
  close(): Promise<void>;
}

const BindingPackage = z.object({ name: z.string(), version: z.string(), os: z.array(z.string()), cpu: z.array(z.string()), main: z.string() });
const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, "utf8"));

/** The OS and CPU a native library is built for, read from its header: ELF (Linux), Mach-O (macOS) or PE (Windows). */
function nativeTarget(file: string): { os: string; cpu: string } {
  const bytes = fs.readFileSync(file);
  const cpu = (table: Record<number, string>, code: number) => table[code] ?? `unknown (0x${code.toString(16)})`;
  if (bytes.readUInt32BE(0) === 0x7f454c46) return { os: "linux", cpu: cpu({ 0x3e: "x64", 0xb7: "arm64" }, bytes.readUInt16LE(18)) };
  if (bytes.readUInt32LE(0) === 0xfeedfacf) return { os: "darwin", cpu: cpu({ 0x01000007: "x64", 0x0100000c: "arm64" }, bytes.readUInt32LE(4)) };
  if (bytes.toString("latin1", 0, 2) === "MZ") {
    const pe = bytes.readUInt32LE(0x3c);
    if (bytes.toString("latin1", pe, pe + 4) === "PE\0\0") return { os: "win32", cpu: cpu({ 0x8664: "x64", 0xaa64: "arm64" }, bytes.readUInt16LE(pe + 4)) };
  }
  return { os: "unknown", cpu: "unknown" };
}

describe("the MCP Bundle (cronicorn-mcp.mcpb)", { timeout: 240_000 }, () => {
  let work: string;
  let built: BuiltBundle;
  let unpacked: string;
  let stand: StandIn;

  /** Unpack the bundle into a fresh folder with the official CLI. */
  async function unpack(name: string): Promise<string> {
    const dir = path.join(work, name);
    await execFileAsync(process.execPath, [MCPB_CLI, "unpack", built.file, dir]);
    return dir;
  }

  /**
   * Start the unpacked bundle in `dir` the way its manifest says, with these user settings; with `onElicit`,
   * the client declares form elicitation (as Claude Desktop does) and answers with it.
   */
  async function startAsManifestSays(
    dir: string,
    userConfig: Record<string, string | boolean>,
    onElicit?: (message: string) => ElicitResult,
  ): Promise<BundledServer> {
    const manifest = MANIFEST_SCHEMAS["0.3"].parse(JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")));
    const config = await getMcpConfigForManifest({ manifest, extensionPath: dir, systemDirs: {}, userConfig, pathSeparator: path.sep });
    if (!config) throw new Error("the manifest yields no MCP config for these settings");
    expect(config.args).toEqual([path.join(dir, "server/bin/cronicorn-mcp.js")]);
    const home = fs.mkdtempSync(path.join(work, "home-"));
    // What the host adds around mcp_config: its own PATH (to find `node`) and the user's HOME.
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, CRONICORN_NO_BROWSER: "1", ...config.env };
    const transport = new StdioClientTransport({ command: config.command, args: config.args ?? [], env, stderr: "pipe" });
    let stderr = "";
    transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const client = new Client({ name: "cronicorn-mcpb-tests", version: "1.0.0" }, { capabilities: onElicit ? { elicitation: {} } : {} });
    if (onElicit) client.setRequestHandler(ElicitRequestSchema, (request) => onElicit(request.params.message));
    await client.connect(transport);
    return {
      tools: async () => (await client.listTools()).tools,
      call: async (name, args = {}) => (await client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 })) as CallToolResult,
      stderr: () => stderr,
      close: () => client.close(),
    };
  }

  beforeAll(async () => {
    work = makeWorkDir();
    built = await buildBundle({ out: path.join(work, "cronicorn-mcp.mcpb"), alreadyBuilt: true });
    unpacked = await unpack("unpacked");
    stand = await startCronicornStandIn();
  }, 180_000);

  afterAll(async () => {
    await stand?.close();
    removeDir(work);
  });

  it("has a manifest that the official `mcpb validate` accepts, with its icon", async () => {
    const { stdout } = await execFileAsync(process.execPath, [MCPB_CLI, "validate", path.join(unpacked, "manifest.json")]);
    expect(stdout).toContain("Manifest schema validation passes!");
    expect(stdout).not.toContain("ERROR");
    expect(fs.readFileSync(path.join(unpacked, "icon.png")).subarray(1, 4).toString("ascii")).toBe("PNG");
  });

  it("carries the bundled server and only its runtime dependencies: no keytar, no install-time build, no dev tools", () => {
    // The MCP SDK is a runtime dependency (with its zod); the v1 SDK, openid-client and the dev tools are not.
    expect(built.packages).toEqual(
      expect.arrayContaining(["@napi-rs/keyring", "open", "undici", "@modelcontextprotocol/server", "@modelcontextprotocol/core"]),
    );
    expect(
      built.packages.filter((p) => /^(keytar|@modelcontextprotocol\/(sdk|client)|openid-client|typescript|vitest|tsup|prebuild-install|node-gyp)/.test(p)),
    ).toEqual([]);
    // Six keyring binaries (one per OS and CPU) are most of it.
    expect(built.bytes).toBeLessThan(8 * 1024 * 1024);
  });

  it("carries the keyring binary of every platform its manifest names: macOS and Windows on both CPUs Claude Desktop runs on, Linux on x64 and arm64", () => {
    const scope = path.join(unpacked, "node_modules/@napi-rs");
    const loader = fs.readFileSync(path.join(scope, "keyring/index.js"), "utf8");
    const keyringVersion = BindingPackage.pick({ version: true }).parse(readJson(path.join(scope, "keyring/package.json"))).version;
    const binaries = fs
      .readdirSync(scope)
      .filter((name) => name.startsWith("keyring-"))
      .map((name) => {
        const binding = BindingPackage.parse(readJson(path.join(scope, name, "package.json")));
        // The name and version @napi-rs/keyring's loader asks for, and a library built for the OS and CPU the package declares.
        expect(loader).toContain(`require('${binding.name}')`);
        expect(binding.version).toBe(keyringVersion);
        const target = nativeTarget(path.join(scope, name, binding.main));
        expect(target, binding.name).toEqual({ os: binding.os[0], cpu: binding.cpu[0] });
        return `${target.os}-${target.cpu}`;
      });
    expect(binaries.sort()).toEqual(["darwin-arm64", "darwin-x64", "linux-arm64", "linux-x64", "win32-arm64", "win32-x64"]);
    const manifest = MANIFEST_SCHEMAS["0.3"].parse(readJson(path.join(unpacked, "manifest.json")));
    expect([...(manifest.compatibility?.platforms ?? [])].sort()).toEqual([...new Set(binaries.map((b) => b.split("-")[0]))].sort());
  });

  it("runs from the unpacked folder as the manifest says: handshake, the tools the manifest lists, and list_jobs with the API key setting", async () => {
    const server = await startAsManifestSays(unpacked, { api_url: stand.apiUrl, api_key: stand.apiKey });
    try {
      const names = (await server.tools()).map((t) => t.name);
      expect(names).toEqual(built.manifest.tools.map((t) => t.name));
      const result = await server.call("list_jobs");
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      expect(Array.isArray((result.structuredContent as { jobs?: unknown })?.jobs)).toBe(true);
      expect(stand.requests.filter((r) => r.path === "/api/jobs").map((r) => r.auth)).toEqual(["api-key"]);
      expect(server.stderr()).not.toContain(stand.apiKey);
    } finally {
      await server.close();
    }
  });

  it("maps the read-only and tool-group settings onto the server", async () => {
    const server = await startAsManifestSays(unpacked, { api_url: stand.apiUrl, api_key: stand.apiKey, read_only: true, tool_groups: "jobs" });
    try {
      const names = (await server.tools()).map((t) => t.name);
      expect(names).toContain("list_jobs");
      expect(names).not.toContain("create_job"); // read-only
      expect(names).not.toContain("list_endpoints"); // not in the "jobs" group
    } finally {
      await server.close();
    }
  });

  it.each([
    [{}, 1],
    [{ confirm: "never" }, 0],
  ] as const)("maps the confirmation setting %j onto the server: %i question(s) before an archive", async (setting, questions) => {
    const asked: string[] = [];
    const server = await startAsManifestSays(unpacked, { api_url: stand.apiUrl, api_key: stand.apiKey, ...setting }, (message) => {
      asked.push(message);
      return { action: "accept", content: { confirm: true } };
    });
    try {
      const created = await server.call("create_job", { name: "bundle confirm" });
      const jobId = (created.structuredContent as { job: { id: string } }).job.id;
      const archived = await server.call("archive_job", { jobId });
      expect(archived.structuredContent).toMatchObject({ job: { id: jobId, status: "archived" } });
      expect(asked).toHaveLength(questions);
    } finally {
      await server.close();
    }
  });

  it("loads its bundled keychain module: with no Secret Service here, the notice names the keychain's answer, not a missing module", async () => {
    const server = await startAsManifestSays(unpacked, { api_url: stand.apiUrl });
    try {
      await server.call("auth_status");
      await eventually(() => /the OS keychain failed to look up a test item/.test(server.stderr()) || undefined, 10_000, "the keychain notice");
      expect(server.stderr()).not.toMatch(/not installed/);
    } finally {
      await server.close();
    }
  });

  it("falls back to the private file, saying why, where the keychain module cannot load (no binary for this platform)", async () => {
    const stripped = await unpack("no-keyring");
    fs.rmSync(path.join(stripped, "node_modules/@napi-rs"), { recursive: true });
    const server = await startAsManifestSays(stripped, { api_url: stand.apiUrl });
    try {
      const status = (await server.call("auth_status")).structuredContent as { status: { signedIn: boolean; store: string } };
      expect(status.status).toMatchObject({ signedIn: false, store: expect.stringContaining("OS keychain unavailable") });
      await eventually(
        () => /the OS keychain is not available: @napi-rs\/keyring is not installed, and keytar is not installed either/.test(server.stderr()) || undefined,
        10_000,
        "the fallback notice",
      );
    } finally {
      await server.close();
    }
  });
});
