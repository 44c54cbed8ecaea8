/**
 * Install links and commands decode to exactly the configuration the README's JSON snippets show:
 * both are generated from src/terminal/install/config.ts, and the README is checked against the generator
 * (test/e2e/readme/claude-code.test.ts runs the `claude mcp add` lines with the real Claude Code).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { loadConfig } from "../../../src/config/config.js";
import { mcpServersSnippet, serverConfig, vscodeSnippet, type Platform } from "../../../src/terminal/install/config.js";
import { installLinks } from "../../../src/terminal/install/links.js";
import { ROOT, SERVER_ENTRY } from "../../helpers/mcp.js";
import { blockAfter, readmeCommands } from "../../helpers/readme.js";

const PLATFORMS: Platform[] = ["posix", "windows"];

function decodeCursor(link: string): { name: string | null; config: unknown } {
  const url = new URL(link);
  expect(`${url.protocol}//${url.host}${url.pathname}`).toBe("cursor://anysphere.cursor-deeplink/mcp/install");
  return { name: url.searchParams.get("name"), config: JSON.parse(Buffer.from(url.searchParams.get("config") as string, "base64").toString("utf8")) };
}

function decodeVscode(link: string): unknown {
  const [scheme, query] = link.split("?", 2) as [string, string];
  expect(["vscode:mcp/install", "vscode-insiders:mcp/install"]).toContain(scheme);
  return JSON.parse(decodeURIComponent(query));
}

/** The argument of `code --add-mcp '<json>'` (POSIX quoting) or `"<json>"` (cmd quoting). */
function codeAddMcpJson(command: string): unknown {
  const arg = command.slice("code --add-mcp ".length);
  return JSON.parse(arg.startsWith("'") ? arg.slice(1, -1).replace(/'\\''/g, "'") : arg.slice(1, -1).replace(/\\"/g, '"'));
}

describe("install links", () => {
  for (const platform of PLATFORMS) {
    describe(platform, () => {
      const links = installLinks(platform);
      const cursorEntry = mcpServersSnippet(serverConfig(platform)).mcpServers.cronicorn;
      const vscodeEntry = vscodeSnippet(serverConfig(platform)).servers.cronicorn;

      it("the Cursor link carries the name and, base64-encoded, the mcp.json entry", () => {
        expect(decodeCursor(links.cursor)).toEqual({ name: "cronicorn", config: cursorEntry });
      });

      it("the VS Code links and `code --add-mcp` carry the .vscode/mcp.json entry plus its name", () => {
        for (const link of [links.vscode, links.vscodeInsiders]) expect(decodeVscode(link)).toEqual({ name: "cronicorn", ...vscodeEntry });
        expect(codeAddMcpJson(links.codeAddMcp)).toEqual({ name: "cronicorn", ...vscodeEntry });
        const web = new URL(links.vscodeWeb);
        expect(web.origin + web.pathname).toBe("https://vscode.dev/redirect/mcp/install");
        expect({ name: web.searchParams.get("name"), config: JSON.parse(web.searchParams.get("config") as string) }).toEqual({
          name: "cronicorn",
          config: vscodeEntry,
        });
      });

      it("`claude mcp add` runs the same command and arguments", () => {
        const [before, after] = links.claudeMcpAdd.split(" -- ") as [string, string];
        expect(before).toBe("claude mcp add cronicorn");
        expect(after.split(" ")).toEqual([cursorEntry.command, ...cursorEntry.args]);
      });
    });
  }

  it("on Windows, npx is started through cmd /c; elsewhere directly", () => {
    expect(serverConfig("windows")).toEqual({ command: "cmd", args: ["/c", "npx", "-y", "cronicorn-mcp"] });
    expect(serverConfig("posix")).toEqual({ command: "npx", args: ["-y", "cronicorn-mcp"] });
  });

  it("settings become env in the config and --env options after the name in `claude mcp add` (test/e2e/readme runs it)", () => {
    const links = installLinks("posix", { CRONICORN_READ_ONLY: "1" });
    expect(decodeCursor(links.cursor).config).toEqual({ command: "npx", args: ["-y", "cronicorn-mcp"], env: { CRONICORN_READ_ONLY: "1" } });
    expect(links.claudeMcpAdd).toBe("claude mcp add cronicorn --env CRONICORN_READ_ONLY=1 -- npx -y cronicorn-mcp");
  });
});

describe("the README agrees with the generator", () => {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const generated = PLATFORMS.flatMap((p) => [mcpServersSnippet(serverConfig(p)), vscodeSnippet(serverConfig(p))]);

  it("every full client config in a ```json block is one the generator makes", () => {
    const blocks = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1] as string).filter((b) => b.trim().startsWith("{"));
    const configs = blocks.map((b) => JSON.parse(b) as Record<string, unknown>).filter((c) => "mcpServers" in c || "servers" in c);
    expect(configs.length).toBeGreaterThanOrEqual(2);
    for (const config of configs) expect(generated).toContainEqual(config);
  });

  it("the Claude Desktop, Cursor and VS Code sections each show exactly the generator's config for that client", () => {
    expect(JSON.parse(blockAfter("### Claude Desktop", "json"))).toEqual(mcpServersSnippet(serverConfig("posix")));
    expect(JSON.parse(blockAfter("### Cursor", "json"))).toEqual(mcpServersSnippet(serverConfig("posix")));
    expect(JSON.parse(blockAfter("### VS Code", "json"))).toEqual(vscodeSnippet(serverConfig("posix")));
  });

  it("the `code --add-mcp` line is the generator's, and the Windows form is the generator's Windows config", () => {
    expect(readmeCommands().filter((c) => c.startsWith("code --add-mcp "))).toEqual([installLinks("posix").codeAddMcp]);
    const windows = /`("command": "cmd", "args": \[[^\]]*\])`/.exec(readme)?.[1];
    expect(JSON.parse(`{${windows ?? ""}}`)).toEqual(serverConfig("windows"));
  });

  it("the self-hosted `env` example is a configuration the server accepts", () => {
    const fragment = blockAfter("### Self-hosted Cronicorn", "json");
    const { env } = z.object({ env: z.record(z.string(), z.string()) }).parse(JSON.parse(`{${fragment}}`));
    expect(loadConfig(env)).toMatchObject({ ok: true });
  });

  it("every install link in the README decodes to a generated config", () => {
    const entries = PLATFORMS.flatMap((p) => [mcpServersSnippet(serverConfig(p)).mcpServers.cronicorn, vscodeSnippet(serverConfig(p)).servers.cronicorn]);
    for (const [link] of readme.matchAll(/cursor:\/\/anysphere\.cursor-deeplink\/mcp\/install\?[^\s)"'>]+/g))
      expect(entries).toContainEqual(decodeCursor(link).config);
    for (const [link] of readme.matchAll(/vscode(?:-insiders)?:mcp\/install\?[^\s)"'>]+/g)) {
      const { name, ...entry } = decodeVscode(link) as { name: string };
      expect(name).toBe("cronicorn");
      expect(entries).toContainEqual(entry);
    }
  });
});

describe("cronicorn-mcp install-links", () => {
  it("prints the generated links and commands for both platforms", () => {
    const out = execFileSync(process.execPath, [SERVER_ENTRY, "install-links"], { encoding: "utf8" });
    for (const platform of PLATFORMS) {
      const links = installLinks(platform);
      for (const value of [links.cursor, links.vscode, links.vscodeWeb, links.codeAddMcp, links.claudeMcpAdd]) expect(out).toContain(value);
    }
  });
});
