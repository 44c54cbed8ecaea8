/**
 * Builds cronicorn-mcp.mcpb, the MCP Bundle Claude Desktop installs with a click (`npm run mcpb`).
 *
 * The bundle is the package as npm users get it — `npm pack` (prepack builds dist/), installed with
 * production dependencies only and no install scripts — laid out as server/ + node_modules/, plus
 * a manifest whose tools list comes from the built server's own tools/list, and a generated icon.
 * The official packer (`mcpb pack`) validates the manifest and zips the folder.
 *
 * Native code: only @napi-rs/keyring, whose per-platform binary packages npm installs for the
 * building machine alone. The bundle is built once for every user, so the binaries of the other
 * platforms Claude Desktop runs on are fetched with `npm pack` (KEYRING_TARGETS), and the manifest
 * names the platforms whose binaries are inside. Elsewhere (musl, 32-bit Windows) the keyring module
 * cannot load and the server keeps credentials in the private file.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { deflateSync } from "node:zlib";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { z } from "zod";
import { TOOL_GROUPS } from "../src/config/config.js";
import { installTarball, makeWorkDir, npmEnv, packFrom, packTarball, removeDir, ROOT } from "../test/helpers/pack.js";

const execFileAsync = promisify(execFile);

export const BUNDLE_FILE = path.join(ROOT, "cronicorn-mcp.mcpb");
export const MCPB_CLI = path.join(ROOT, "node_modules/@anthropic-ai/mcpb/dist/cli/cli.js");
/** The entry, relative to the bundle root; the same shim npm links as the bin. */
const ENTRY = "server/bin/cronicorn-mcp.js";
/** @napi-rs/keyring binary packages the bundle carries: macOS and Windows on the CPUs Claude Desktop ships for, and glibc Linux. */
const KEYRING_TARGETS = ["darwin-arm64", "darwin-x64", "win32-x64-msvc", "win32-arm64-msvc", "linux-x64-gnu", "linux-arm64-gnu"];
/** The order of `compatibility.platforms`. */
const PLATFORMS = ["darwin", "win32", "linux"] as const;

const Pkg = z.object({
  name: z.string(),
  version: z.string(),
  description: z.string(),
  keywords: z.array(z.string()),
  license: z.string(),
  engines: z.object({ node: z.string() }),
});
const ServerJson = z.object({ title: z.string(), description: z.string() });

export interface BuiltBundle {
  file: string;
  bytes: number;
  manifest: Manifest;
  /** Top-level packages under the bundle's node_modules (scoped ones as "@scope/name"). */
  packages: string[];
}

export interface BuildOptions {
  /** Where the .mcpb goes; defaults to cronicorn-mcp.mcpb at the repository root. */
  out?: string;
  /**
   * Pack the dist/ already built here instead of letting prepack rebuild it. Tests need this: a
   * rebuild cleans dist/ under the other test files that are running the built server meanwhile.
   */
  alreadyBuilt?: boolean;
}

export type Manifest = ReturnType<typeof manifestFor>;

/** Settings Claude Desktop asks for in its own UI, mapped onto the server's environment variables. */
function manifestFor(tools: Array<{ name: string; description: string }>, platforms: Array<(typeof PLATFORMS)[number]>) {
  const pkg = Pkg.parse(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")));
  const server = ServerJson.parse(JSON.parse(fs.readFileSync(path.join(ROOT, "server.json"), "utf8")));
  return {
    manifest_version: "0.3",
    name: pkg.name,
    display_name: server.title,
    version: pkg.version,
    description: server.description,
    long_description: pkg.description,
    author: { name: "Cronicorn" },
    icon: "icon.png",
    keywords: pkg.keywords,
    license: pkg.license,
    server: {
      type: "node",
      entry_point: ENTRY,
      mcp_config: {
        command: "node",
        args: [`\${__dirname}/${ENTRY}`],
        env: {
          CRONICORN_API_URL: "${user_config.api_url}",
          CRONICORN_API_KEY: "${user_config.api_key}",
          CRONICORN_READ_ONLY: "${user_config.read_only}",
          CRONICORN_TOOLS: "${user_config.tool_groups}",
          CRONICORN_CONFIRM: "${user_config.confirm}",
        },
      },
    },
    tools,
    user_config: {
      api_url: {
        type: "string",
        title: "Cronicorn API URL",
        description: "Change it only for a self-hosted Cronicorn (https, or http on localhost).",
        default: "https://cronicorn.com/api",
        required: false,
      },
      // Empty defaults matter: an unset variable would otherwise reach the server as the literal "${user_config.…}".
      api_key: {
        type: "string",
        title: "API key (optional)",
        description: "A Cronicorn API key. Leave it empty to sign in with your browser on first use instead.",
        sensitive: true,
        default: "",
        required: false,
      },
      read_only: {
        type: "boolean",
        title: "Read-only mode",
        description: "Offer only the tools that read; nothing can be created, changed or deleted.",
        default: false,
        required: false,
      },
      tool_groups: {
        type: "string",
        title: "Tool groups",
        description: `Comma-separated groups of tools to offer (${TOOL_GROUPS.join(", ")}); empty offers all.`,
        default: "",
        required: false,
      },
      // A string, not a boolean: the value is the server's own setting word, so nothing translates it.
      confirm: {
        type: "string",
        title: "Confirm destructive actions",
        description:
          "destructive: ask you once before archiving, deleting, revoking a device or rotating a signing key (when the app can ask). never: act without asking.",
        default: "destructive",
        required: false,
      },
    },
    compatibility: { platforms, runtimes: { node: pkg.engines.node } },
  };
}

/** The first sentence of a tool description: the manifest lists tools for people, the server describes them for the model. */
function summary(description: string): string {
  const sentence = /^(.+?[.!?])(\s|$)/s.exec(description.trim())?.[1] ?? description.trim();
  return sentence.replace(/\s+/g, " ");
}

/** Ask the built server in `bundleDir` for its tools, as a client would (no credentials needed to list them). */
async function listTools(bundleDir: string, home: string): Promise<Array<{ name: string; description: string }>> {
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    CRONICORN_CONFIG_DIR: path.join(home, ".cronicorn"),
    CRONICORN_TOKEN_STORE: "file",
    CRONICORN_NO_BROWSER: "1",
  };
  const transport = new StdioClientTransport({ command: process.execPath, args: [path.join(bundleDir, ENTRY)], env, stderr: "pipe" });
  transport.stderr?.on("data", () => undefined);
  const client = new Client({ name: "cronicorn-mcpb-builder", version: "1.0.0" }, { capabilities: {} });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    return tools.map((t) => ({ name: t.name, description: summary(t.description ?? t.title ?? t.name) }));
  } finally {
    await client.close();
  }
}

/** Copy node_modules without this package itself and npm's bookkeeping. */
function copyDependencies(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from)) {
    if (entry === "cronicorn-mcp" || entry.startsWith(".")) continue;
    fs.cpSync(path.join(from, entry), path.join(to, entry), { recursive: true });
  }
}

function topLevelPackages(nodeModules: string): string[] {
  return fs
    .readdirSync(nodeModules)
    .flatMap((entry) => (entry.startsWith("@") ? fs.readdirSync(path.join(nodeModules, entry)).map((n) => `${entry}/${n}`) : [entry]))
    .sort();
}

/** Add the @napi-rs/keyring-<target> binaries of the other platforms (npm installs only the building machine's). */
async function addKeyringTargets(nodeModules: string, targets: string[], work: string): Promise<void> {
  const { version } = z.object({ version: z.string() }).parse(JSON.parse(fs.readFileSync(path.join(nodeModules, "@napi-rs/keyring/package.json"), "utf8")));
  for (const target of targets) {
    const dest = path.join(nodeModules, `@napi-rs/keyring-${target}`);
    if (fs.existsSync(dest)) continue;
    const { stdout } = await execFileAsync("npm", ["pack", "--json", "--prefer-offline", "--pack-destination", work, `@napi-rs/keyring-${target}@${version}`], {
      cwd: work,
      env: npmEnv(),
    });
    const [packed] = z.array(z.object({ filename: z.string() })).parse(JSON.parse(stdout));
    if (!packed) throw new Error(`npm pack found no @napi-rs/keyring-${target}@${version}`);
    fs.mkdirSync(dest, { recursive: true });
    await execFileAsync("tar", ["-xzf", path.join(work, packed.filename), "--strip-components=1", "-C", dest]);
  }
}

const BindingOs = z.object({ os: z.array(z.enum(["darwin", "win32", "linux", "freebsd", "android"])) });

/** The platforms whose keyring binary is in the bundle: what the manifest may promise. */
function keyringPlatforms(nodeModules: string): Array<(typeof PLATFORMS)[number]> {
  const scope = path.join(nodeModules, "@napi-rs");
  const present = new Set(
    fs
      .readdirSync(scope)
      .filter((name) => name.startsWith("keyring-"))
      .flatMap((name) => BindingOs.parse(JSON.parse(fs.readFileSync(path.join(scope, name, "package.json"), "utf8"))).os),
  );
  return PLATFORMS.filter((platform) => present.has(platform));
}

/** A 512×512 PNG drawn in code (no binary in the repository): a clock face, for a scheduler. */
export function drawIcon(size = 512): Buffer {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  const c = (size - 1) / 2;
  const onHand = (x: number, y: number, angle: number, length: number, width: number): boolean => {
    const dx = Math.sin(angle);
    const dy = -Math.cos(angle);
    const along = (x - c) * dx + (y - c) * dy;
    const across = Math.abs((x - c) * dy - (y - c) * dx);
    return along >= -width && along <= length && across <= width;
  };
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const r = Math.hypot(x - c, y - c);
      const o = y * (size * 4 + 1) + 1 + x * 4;
      let rgba: [number, number, number, number] = [0, 0, 0, 0];
      if (r <= c) rgba = [109, 40, 217, 255]; // violet disc
      if (r <= c * 0.8) rgba = [255, 255, 255, 255]; // white face
      if (onHand(x, y, 0, c * 0.55, size * 0.035) || onHand(x, y, (2 * Math.PI) / 3, c * 0.4, size * 0.035) || r <= size * 0.05) rgba = [109, 40, 217, 255];
      raw.set(rgba, o);
    }
  }
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let v = n;
    for (let k = 0; k < 8; k++) v = v & 1 ? 0xedb88320 ^ (v >>> 1) : v >>> 1;
    return v >>> 0;
  });
  const crc = (buf: Buffer): number => {
    let v = 0xffffffff;
    for (const byte of buf) v = (crcTable[(v ^ byte) & 0xff] as number) ^ (v >>> 8);
    return (v ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** Files the server never reads at run time, left out to keep the bundle small. */
const MCPB_IGNORE = [
  "node_modules/**/*.md",
  "node_modules/**/docs/",
  "node_modules/**/types/",
  "node_modules/**/*.ts",
  "server/README.md",
  "server/CHANGELOG.md",
];

export async function buildBundle(options: BuildOptions = {}): Promise<BuiltBundle> {
  const out = options.out ?? BUNDLE_FILE;
  const work = makeWorkDir();
  try {
    const tarball = options.alreadyBuilt ? await packTarball(work) : await packFrom(ROOT, work);
    const installed = await installTarball(tarball.path, { parent: work, args: ["--ignore-scripts"] });
    const bundle = path.join(work, "bundle");
    fs.cpSync(path.join(installed.dir, "node_modules/cronicorn-mcp"), path.join(bundle, "server"), { recursive: true });
    copyDependencies(path.join(installed.dir, "node_modules"), path.join(bundle, "node_modules"));
    await addKeyringTargets(path.join(bundle, "node_modules"), KEYRING_TARGETS, work);
    const packages = topLevelPackages(path.join(bundle, "node_modules"));

    const home = fs.mkdtempSync(path.join(work, "home-"));
    const manifest = manifestFor(await listTools(bundle, home), keyringPlatforms(path.join(bundle, "node_modules")));
    fs.writeFileSync(path.join(bundle, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    fs.writeFileSync(path.join(bundle, "icon.png"), drawIcon());
    fs.writeFileSync(path.join(bundle, ".mcpbignore"), `${MCPB_IGNORE.join("\n")}\n`);

    fs.rmSync(out, { force: true });
    await execFileAsync(process.execPath, [MCPB_CLI, "pack", bundle, out], { maxBuffer: 16 * 1024 * 1024 });
    return { file: out, bytes: fs.statSync(out).size, manifest, packages };
  } finally {
    removeDir(work);
  }
}

/** `npm run mcpb`: the bundle to ship. */
async function main(): Promise<void> {
  const built = await buildBundle();
  process.stdout.write(
    `${path.relative(process.cwd(), built.file)}: ${(built.bytes / 1024).toFixed(0)} kB, ${built.manifest.tools.length} tools, packages: ${built.packages.join(", ")}\n`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
