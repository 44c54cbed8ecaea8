/**
 * What `cronicorn-mcp install-links` prints and what each link or command hands to its client: every
 * one decodes to the configuration src/terminal/install/config.ts makes, and a setting with spaces or
 * quotes survives the shell it is pasted into. (test/e2e/cli/install-links.test.ts holds the README to
 * the same generator; test/e2e/readme runs the `claude mcp add` lines with the real Claude Code.)
 */
import { execFileSync } from "node:child_process";
import { beforeEach, describe, expect, it } from "vitest";
import { freshly } from "../../helpers/fresh-module.js";
import type * as InstallConfig from "../../../src/terminal/install/config.js";
import type { Platform } from "../../../src/terminal/install/config.js";
import type * as Links from "../../../src/terminal/install/links.js";

// A fresh copy of the generator for each test: the package and server names are constants read when
// the module loads, so a change to them shows only in a copy loaded after the change.
let mcpServersSnippet: typeof InstallConfig.mcpServersSnippet;
let serverConfig: typeof InstallConfig.serverConfig;
let vscodeSnippet: typeof InstallConfig.vscodeSnippet;
let installLinks: typeof Links.installLinks;
let installLinksText: typeof Links.installLinksText;
let vscodeInstallJson: typeof Links.vscodeInstallJson;
beforeEach(async () => {
  ({ mcpServersSnippet, serverConfig, vscodeSnippet } = await freshly(() => import("../../../src/terminal/install/config.js")));
  ({ installLinks, installLinksText, vscodeInstallJson } = await import("../../../src/terminal/install/links.js"));
});

const PLATFORMS: Platform[] = ["posix", "windows"];

function decodeCursor(link: string): { name: string | null; config: unknown } {
  const url = new URL(link);
  expect(`${url.protocol}//${url.host}${url.pathname}`).toBe("cursor://anysphere.cursor-deeplink/mcp/install");
  return { name: url.searchParams.get("name"), config: JSON.parse(Buffer.from(url.searchParams.get("config") as string, "base64").toString("utf8")) };
}

function decodeVscode(link: string, scheme: string): unknown {
  const [head, query] = link.split("?", 2) as [string, string];
  expect(head).toBe(`${scheme}:mcp/install`);
  return JSON.parse(decodeURIComponent(query));
}

/** The words a POSIX shell makes of `line` (sh -c with printf, one word a line). */
function shellWords(line: string): string[] {
  return execFileSync("sh", ["-c", `printf '%s\\n' ${line}`], { encoding: "utf8" })
    .trimEnd()
    .split("\n");
}

describe("serverConfig", () => {
  it("starts npx directly on macOS and Linux, and through cmd /c on Windows", () => {
    expect(serverConfig()).toEqual({ command: "npx", args: ["-y", "cronicorn-mcp"] });
    expect(serverConfig("posix")).toEqual({ command: "npx", args: ["-y", "cronicorn-mcp"] });
    expect(serverConfig("windows")).toEqual({ command: "cmd", args: ["/c", "npx", "-y", "cronicorn-mcp"] });
  });

  it("carries settings as env, and leaves env out when there are none", () => {
    expect(serverConfig("posix", { CRONICORN_READ_ONLY: "1" })).toEqual({ command: "npx", args: ["-y", "cronicorn-mcp"], env: { CRONICORN_READ_ONLY: "1" } });
    expect(serverConfig("posix", {})).not.toHaveProperty("env");
  });

  it("names the server cronicorn in the Claude Desktop / Cursor and VS Code snippets", () => {
    const config = serverConfig("posix");
    expect(mcpServersSnippet(config)).toEqual({ mcpServers: { cronicorn: config } });
    expect(vscodeSnippet(config)).toEqual({ servers: { cronicorn: { type: "stdio", ...config } } });
  });
});

describe("installLinks", () => {
  for (const platform of PLATFORMS) {
    describe(platform, () => {
      it("the Cursor link carries the name and, base64-encoded, the mcp.json entry", () => {
        expect(decodeCursor(installLinks(platform).cursor)).toEqual({ name: "cronicorn", config: serverConfig(platform) });
      });

      it("the VS Code, VS Code Insiders and web links and `code --add-mcp` carry the .vscode/mcp.json entry plus its name", () => {
        const config = serverConfig(platform);
        const links = installLinks(platform);
        const entry = { name: "cronicorn", type: "stdio", ...config };
        expect(JSON.parse(vscodeInstallJson(config))).toEqual(entry);
        expect(decodeVscode(links.vscode, "vscode")).toEqual(entry);
        expect(decodeVscode(links.vscodeInsiders, "vscode-insiders")).toEqual(entry);
        const web = new URL(links.vscodeWeb);
        expect(web.origin + web.pathname).toBe("https://vscode.dev/redirect/mcp/install");
        expect({ name: web.searchParams.get("name"), config: JSON.parse(web.searchParams.get("config") as string) }).toEqual({
          name: "cronicorn",
          config: { type: "stdio", ...config },
        });
        expect(links.codeAddMcp.startsWith("code --add-mcp ")).toBe(true);
      });

      it("`claude mcp add` names the server, then runs the same command and arguments after --", () => {
        const config = serverConfig(platform);
        expect(installLinks(platform).claudeMcpAdd).toBe(`claude mcp add cronicorn -- ${[config.command, ...config.args].join(" ")}`);
      });
    });
  }

  it("defaults to the macOS and Linux form", () => {
    expect(installLinks()).toEqual(installLinks("posix"));
  });

  it("a POSIX shell reads `code --add-mcp` and `claude mcp add --env` back as the exact JSON and settings, quotes and spaces included", () => {
    const env = { CRONICORN_API_URL: "https://x.example/api", CRONICORN_TOOLS: "jobs, runs", CRONICORN_NOTE: 'it\'s "quoted"' };
    const links = installLinks("posix", env);
    const [, , json] = shellWords(links.codeAddMcp);
    expect(JSON.parse(json as string)).toEqual({ name: "cronicorn", type: "stdio", command: "npx", args: ["-y", "cronicorn-mcp"], env });
    expect(shellWords(links.claudeMcpAdd)).toEqual([
      "claude",
      "mcp",
      "add",
      "cronicorn",
      "--env",
      "CRONICORN_API_URL=https://x.example/api",
      "--env",
      "CRONICORN_TOOLS=jobs, runs",
      "--env",
      `CRONICORN_NOTE=it's "quoted"`,
      "--",
      "npx",
      "-y",
      "cronicorn-mcp",
    ]);
  });

  it("leaves a plain setting unquoted, and quotes one with a space however it starts or ends", () => {
    const plain = installLinks("posix", { CRONICORN_API_URL: "https://x.example:8443/api,v=1@a%20+b" }).claudeMcpAdd;
    expect(plain).toContain(" --env CRONICORN_API_URL=https://x.example:8443/api,v=1@a%20+b -- ");
    expect(installLinks("posix", { A: "x y" }).claudeMcpAdd).toContain(" --env 'A=x y' -- ");
    expect(installLinks("posix", { A: "x y!" }).claudeMcpAdd).toContain(" --env 'A=x y!' -- ");
  });

  it("on Windows, quotes with double quotes and escapes the double quotes inside", () => {
    expect(installLinks("windows", { A: 'say "hi"' }).claudeMcpAdd).toBe('claude mcp add cronicorn --env "A=say \\"hi\\"" -- cmd /c npx -y cronicorn-mcp');
    expect(installLinks("windows", { A: "it's" }).claudeMcpAdd).toContain(` --env "A=it's" -- `);
    expect(installLinks("windows").codeAddMcp).toBe(`code --add-mcp "${vscodeInstallJson(serverConfig("windows")).replace(/"/g, '\\"')}"`);
  });
});

describe("installLinksText (what `cronicorn-mcp install-links` prints)", () => {
  it("prints every link and command under its client's name, for macOS and Linux, then Windows", () => {
    const section = (heading: string, platform: Platform) => {
      const links = installLinks(platform);
      return [
        `${heading}:`,
        `  Cursor:            ${links.cursor}`,
        `  VS Code:           ${links.vscode}`,
        `  VS Code (web):     ${links.vscodeWeb}`,
        `  VS Code Insiders:  ${links.vscodeInsiders}`,
        `  VS Code CLI:       ${links.codeAddMcp}`,
        `  Claude Code:       ${links.claudeMcpAdd}`,
      ].join("\n");
    };
    expect(installLinksText()).toBe(
      [
        "Install cronicorn-mcp in your MCP client (open a link, or run a command):",
        "",
        section("macOS and Linux", "posix"),
        "",
        section("Windows (npx started through cmd /c)", "windows"),
      ].join("\n"),
    );
  });
});
