/**
 * The README's `claude mcp add` lines, and the ones `install-links` prints, run with the real Claude
 * Code CLI (installed by `npm run setup:system` into .cache/claude-code) in a scratch HOME. Adding and
 * `claude mcp get` need no model and no login.
 *
 * The command each line registers is the README's own, `npx -y cronicorn-mcp`, unchanged. It reaches
 * the packed tarball of this checkout, not the published package: Claude Code starts servers in the
 * folder it runs in, and that folder is an npm project with the tarball installed, where `npx` runs
 * the local bin. The npm registry is set to a closed port and npm to offline, so nothing else can
 * answer; with a registry reachable, the same line would fetch the published release instead.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { serverConfig, type Platform } from "../../../src/terminal/install/config.js";
import { installLinks } from "../../../src/terminal/install/links.js";
import { claudeBinary } from "../../helpers/dev-tools.js";
import { installTarball, makeWorkDir, packTarball, removeDir } from "../../helpers/pack.js";
import { readmeCommands, shellWords } from "../../helpers/readme.js";

const execFileAsync = promisify(execFile);

const StoredServer = z.object({ type: z.literal("stdio"), command: z.string(), args: z.array(z.string()), env: z.record(z.string(), z.string()) });
const ClaudeJson = z.object({ projects: z.record(z.string(), z.object({ mcpServers: z.record(z.string(), StoredServer).optional() })) });

interface Claude {
  /** The scratch HOME this Claude Code keeps its settings in. */
  home: string;
  run(args: string[]): Promise<{ code: number; output: string }>;
  /** The cronicorn entry `claude mcp add` stored for the project folder. */
  stored(): z.infer<typeof StoredServer> | undefined;
}

describe("Claude Code: the README's `claude mcp add` lines", { timeout: 180_000 }, () => {
  let work: string;
  /** The folder Claude Code runs in: an npm project with this checkout's tarball installed. */
  let project: string;

  beforeAll(async () => {
    work = makeWorkDir();
    const tarball = await packTarball(work);
    project = fs.realpathSync((await installTarball(tarball.path, { parent: work, args: ["--ignore-scripts"] })).dir);
  }, 120_000);

  afterAll(() => removeDir(work));

  /** A Claude Code with a HOME of its own, so each line starts from no servers. */
  function newClaude(): Claude {
    const home = fs.mkdtempSync(path.join(work, "home-"));
    const env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      // For the `npx` Claude Code starts: only the local project can answer.
      npm_config_registry: "http://127.0.0.1:9/",
      npm_config_offline: "true",
      npm_config_update_notifier: "false",
      CRONICORN_NO_BROWSER: "1",
      DISABLE_AUTOUPDATER: "1",
      DISABLE_TELEMETRY: "1",
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    };
    return {
      home,
      async run(args) {
        try {
          const { stdout, stderr } = await execFileAsync(claudeBinary(), args, { cwd: project, env, timeout: 60_000 });
          return { code: 0, output: stdout + stderr };
        } catch (err) {
          const { code, stdout = "", stderr = "" } = err as { code?: number; stdout?: string; stderr?: string };
          return { code: typeof code === "number" ? code : -1, output: stdout + stderr };
        }
      },
      stored() {
        const file = path.join(home, ".claude.json");
        if (!fs.existsSync(file)) return undefined;
        return ClaudeJson.parse(JSON.parse(fs.readFileSync(file, "utf8"))).projects[project]?.mcpServers?.cronicorn;
      },
    };
  }

  /** Run one `claude mcp add …` line as written (with the CLI from .cache/), and fail with Claude's words if it refuses. */
  async function add(claude: Claude, line: string): Promise<void> {
    const [program, ...args] = shellWords(line);
    expect(program).toBe("claude");
    const added = await claude.run(args);
    expect(added.code, `${line}\n${added.output}`).toBe(0);
    expect(added.output).toContain("Added stdio MCP server cronicorn");
  }

  /** What the line should store: the generator's config for the platform, with its --env settings. */
  function expected(platform: Platform, env: Record<string, string> = {}): z.infer<typeof StoredServer> {
    return { type: "stdio", ...serverConfig(platform), env };
  }

  const readmeLines = readmeCommands().filter((c) => c.startsWith("claude mcp add "));

  it("the README shows the plain line, the line with a setting, and the Windows line", () => {
    expect(readmeLines).toHaveLength(3);
    expect(readmeLines.filter((l) => l.includes("--env"))).toHaveLength(1);
    expect(readmeLines.filter((l) => l.includes(" cmd /c "))).toHaveLength(1);
  });

  for (const line of readmeCommands().filter((c) => c.startsWith("claude mcp add ") && !c.includes(" cmd /c "))) {
    it(`\`${line}\` adds the server, and \`claude mcp get cronicorn\` shows it connected`, async () => {
      const claude = newClaude();
      await add(claude, line);
      const env = Object.fromEntries([...line.matchAll(/--env[= ](\w+)=(\S+)/g)].map(([, key, value]) => [key as string, value as string]));
      expect(claude.stored()).toEqual(expected("posix", env));
      const got = await claude.run(["mcp", "get", "cronicorn"]);
      expect(got.output).toContain("✔ Connected");
    });
  }

  it("the setting of the `--env` line reaches the server Claude Code starts: only read-only tools", async () => {
    const line = readmeLines.find((l) => l.includes("--env")) as string;
    expect(line).toContain("CRONICORN_READ_ONLY=1");
    const claude = newClaude();
    await add(claude, line);
    const stored = claude.stored();
    if (!stored) throw new Error("nothing stored");
    // Started as Claude Code starts it: the stored command, args and env, in the project folder.
    const transport = new StdioClientTransport({
      command: stored.command,
      args: stored.args,
      cwd: project,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: claude.home,
        npm_config_registry: "http://127.0.0.1:9/",
        npm_config_offline: "true",
        ...stored.env,
      },
      stderr: "pipe",
    });
    transport.stderr?.on("data", () => undefined);
    const client = new Client({ name: "cronicorn-readme-tests", version: "1.0.0" }, { capabilities: {} });
    await client.connect(transport);
    try {
      const tools = (await client.listTools()).tools;
      expect(tools.map((t) => t.name)).toContain("list_jobs");
      expect(tools.filter((t) => t.annotations?.readOnlyHint !== true).map((t) => t.name)).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it("the Windows line stores `cmd /c npx -y cronicorn-mcp`, as the Windows JSON snippet says", async () => {
    const line = readmeLines.find((l) => l.includes(" cmd /c ")) as string;
    const claude = newClaude();
    await add(claude, line);
    expect(claude.stored()).toEqual(expected("windows"));
  });

  for (const platform of ["posix", "windows"] as const) {
    it(`the ${platform} commands \`install-links\` prints, with and without a setting, are accepted and store the generator's config`, async () => {
      for (const env of [undefined, { CRONICORN_READ_ONLY: "1", CRONICORN_TOOLS: "jobs,runs" }]) {
        const claude = newClaude();
        await add(claude, installLinks(platform, env).claudeMcpAdd);
        expect(claude.stored()).toEqual(expected(platform, env));
      }
    });
  }
});
