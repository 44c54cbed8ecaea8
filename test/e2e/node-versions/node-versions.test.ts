/**
 * The packed tarball on every Node.js line users run: 20 (this machine's), 22 and 24 (prebuilt
 * binaries from the npm registry, put in .cache/node by `npm run setup:system`). Each line installs
 * the tarball with its own npm run (engine-strict: package.json's `engines` must admit it), and the
 * installed bin, started through its shebang with that Node first on PATH, is driven over stdio by
 * clients of both protocol eras.
 *
 * A subset of the stdio suite, chosen for what differs between Node lines: loading the ESM bundle
 * and its lazily imported chunks (handshake, tools/list, the first tool call), undici over the
 * network (calls against the stand-in, a write read back), the N-API keyring binary against a real
 * Secret Service (sign-in writes, status reads, sign-out deletes), and the file store's permissions
 * and atomic writes. Tool behaviour itself does not depend on the Node line; the full suite runs on 20.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import semver from "semver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { nodeBinary } from "../../helpers/dev-tools.js";
import { clientFor } from "../../helpers/mcp.js";
import { freshRecord, secretServiceSession, signInThroughTool, startInstalledServer, structured } from "../../helpers/installed.js";
import type { InstalledPackage } from "../../helpers/pack.js";
import { installTarball, makeWorkDir, packageDirs, packTarball, removeDir, ROOT } from "../../helpers/pack.js";
import { readme } from "../../helpers/readme.js";
import { startCronicornStandIn } from "../../stack/cronicorn.js";
import type { StandIn } from "../../stack/cronicorn.js";
import { writeStoredRecord } from "../../helpers/signin.js";

const execFileAsync = promisify(execFile);
const Manifest = z.object({ name: z.string(), version: z.string(), engines: z.object({ node: z.string().optional() }).optional() });
const pkg = Manifest.parse(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")));

const LINES: Array<{ line: number; node: () => string }> = [
  { line: 20, node: () => process.execPath },
  { line: 22, node: () => nodeBinary(22) },
  { line: 24, node: () => nodeBinary(24) },
];

describe("Node.js release lines", { timeout: 120_000 }, () => {
  let work: string;
  let tarball: string;
  let stand: StandIn;
  /** tools/list on the first line, which every other line must match. */
  let firstTools: string[] | undefined;

  beforeAll(async () => {
    work = makeWorkDir();
    tarball = (await packTarball(work)).path;
    stand = await startCronicornStandIn({ deviceInterval: "1s" });
  }, 60_000);

  afterAll(async () => {
    await stand?.close();
    removeDir(work);
  });

  describe("package.json engines", () => {
    const engines = pkg.engines?.node ?? "*";

    it("admits no Node.js that a production dependency refuses", async () => {
      const installed = await installTarball(tarball, { parent: work, args: ["--ignore-scripts"] });
      const refusing = packageDirs(path.join(installed.dir, "node_modules"))
        .map((dir) => Manifest.parse(JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"))))
        .filter((dep) => dep.engines?.node && !semver.subset(engines, dep.engines.node))
        .map((dep) => `${dep.name}@${dep.version} needs ${dep.engines?.node}`);
      expect(refusing).toEqual([]);
    });

    it("is the floor the README gives, and the README names the lines tested here", () => {
      expect(readme()).toContain(`You need Node.js ${semver.minVersion(engines)?.version.replace(/\.0$/, "")} or newer.`);
      const lines = LINES.map((l) => l.line);
      expect(readme()).toContain(`Tested on Node.js ${lines.slice(0, -1).join(", ")} and ${lines.at(-1)}`);
      for (const line of lines) expect(semver.intersects(engines, `${line}.x`), `engines ${engines} admits Node.js ${line}`).toBe(true);
    });
  });

  describe.each(LINES)("Node.js $line", ({ line, node }) => {
    let nodeBin: string;
    let installed: InstalledPackage;
    /** This line's node first: npm's `#!/usr/bin/env node` and the bin's shebang both resolve to it. */
    let PATH: string;

    beforeAll(async () => {
      nodeBin = fs.realpathSync(node());
      PATH = `${path.dirname(nodeBin)}:${process.env.PATH ?? "/usr/bin:/bin"}`;
      const { stdout: version } = await execFileAsync(nodeBin, ["--version"]);
      expect(version.trim()).toMatch(new RegExp(`^v${line}\\.`));
      installed = await installTarball(tarball, { parent: work, args: ["--ignore-scripts", "--engine-strict"], env: { PATH } });
    }, 60_000);

    it("installs the tarball with npm on this Node, engine-strict", () => {
      expect(installed.output).not.toMatch(/EBADENGINE|Unsupported engine/);
      expect(fs.existsSync(installed.bin)).toBe(true);
    });

    it("answers the handshake, lists the tools, and creates a job it reads back, on the file store", async () => {
      const home = fs.mkdtempSync(path.join(work, "home-"));
      const configDir = path.join(home, ".cronicorn");
      const origin = new URL(stand.apiUrl).origin;
      writeStoredRecord(configDir, origin, await freshRecord(stand));
      const server = await startInstalledServer(installed.bin, {
        PATH,
        HOME: home,
        CRONICORN_API_URL: stand.apiUrl,
        CRONICORN_CONFIG_DIR: configDir,
        CRONICORN_TOKEN_STORE: "file",
        CRONICORN_NO_BROWSER: "1",
        // Device sign-ins against the stand-in (interval 1 s) poll every second instead of every 5: faster tests.
        CRONICORN_DEVICE_POLL_FLOOR_S: "1",
      });
      try {
        // The shebang found this line's node.
        expect(fs.realpathSync(`/proc/${server.pid()}/exe`)).toBe(nodeBin);
        expect(server.serverInfo()).toMatchObject({ name: pkg.name, version: pkg.version });
        const tools = await server.toolNames();
        firstTools ??= tools;
        expect(tools).toEqual(firstTools);

        const created = structured<{ id: string }>(await server.call("create_job", { name: `Node ${line} job` }), "job");
        const jobs = structured<Array<{ id: string; name: string }>>(await server.call("list_jobs"), "jobs");
        expect(jobs).toContainEqual(expect.objectContaining({ id: created.id, name: `Node ${line} job` }));

        structured(await server.call("logout"), "logout");
        const file = JSON.parse(fs.readFileSync(path.join(configDir, "credentials.json"), "utf8")) as { records: Record<string, unknown> };
        expect(file.records[origin]).toBeUndefined();
        expect(fs.statSync(path.join(configDir, "credentials.json")).mode & 0o777).toBe(0o600);
      } finally {
        await server.close();
      }
    });

    it("serves a client pinned to revision 2026-07-28: the same tools, and a call with the API key", async () => {
      const home = fs.mkdtempSync(path.join(work, "home-"));
      const transport = new StdioClientTransport({
        command: installed.bin,
        env: { PATH, HOME: home, CRONICORN_API_URL: stand.apiUrl, CRONICORN_API_KEY: stand.apiKey, CRONICORN_TOKEN_STORE: "file" },
        stderr: "pipe",
      });
      transport.stderr?.on("data", () => undefined);
      const client = clientFor("modern");
      try {
        await client.connect(transport);
        expect(client.getNegotiatedProtocolVersion()).toBe("2026-07-28");
        expect(client.getServerVersion()).toMatchObject({ name: pkg.name, version: pkg.version });
        const tools = (await client.listTools()).tools.map((t) => t.name);
        firstTools ??= tools;
        expect(tools).toEqual(firstTools);
        const result = await client.callTool({ name: "list_jobs", arguments: {} });
        expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
        expect(result.structuredContent).toHaveProperty("jobs");
      } finally {
        await client.close();
      }
    });

    it("signs in and keeps the credential in the real Secret Service through the bundled keyring binary, and sign-out removes it", async () => {
      const session = secretServiceSession(fs.mkdtempSync(path.join(work, "home-")));
      const env = {
        PATH,
        ...session.env,
        BIN: installed.bin,
        CRONICORN_API_URL: stand.apiUrl,
        CRONICORN_WEB_URL: stand.webUrl,
        CRONICORN_ISSUER: stand.webUrl,
        CRONICORN_CONFIG_DIR: path.join(session.env.HOME as string, ".cronicorn"),
        CRONICORN_TOKEN_STORE: "keychain",
        CRONICORN_NO_BROWSER: "1",
        CRONICORN_LOGIN_WAIT_S: "1",
      };
      const server = await startInstalledServer(installed.bin, env, session.command);
      const lookup = async () => {
        const args = ["lookup", "service", "cronicorn-mcp", "username", new URL(stand.apiUrl).origin];
        return (await execFileAsync("secret-tool", args, { env: { ...env, DBUS_SESSION_BUS_ADDRESS: session.busAddress() } }).catch(() => ({ stdout: "" })))
          .stdout;
      };
      try {
        await signInThroughTool(server, stand);
        const status = structured<{ signedIn: boolean; source: string }>(await server.call("auth_status"), "status");
        expect(status).toMatchObject({ signedIn: true, source: "keychain" });
        expect(Object.keys(JSON.parse(await lookup()) as object)).toContain("access_token");

        structured(await server.call("logout"), "logout");
        expect(await lookup()).toBe("");
        expect(server.stderr()).not.toMatch(/not installed|could not be loaded/);
      } finally {
        await server.close();
      }
    });
  });
});
