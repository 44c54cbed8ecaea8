/**
 * What differs between the protocol eras, from the built server over stdio: which era each kind of
 * client lands on, the errors each era defines, a destructive tool's confirmation in both, log messages
 * at the level a 2026 request asks for, and a bug in a tool as the user and an engineer see it.
 */
import { spawn } from "node:child_process";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modernMeta } from "../../../src/build/generate-answers.js";
import { startCronicornStandIn } from "../../stack/cronicorn.js";
import type { StandIn } from "../../stack/cronicorn.js";
import { assertNoSecrets, ERAS, makeHome, SERVER_ENTRY, startServer, textOf, valueOf } from "../../helpers/mcp.js";

type Obj = Record<string, unknown>;

describe("which era a client lands on", () => {
  it("a client in `auto` mode probes with server/discover and lands on 2026-07-28; the default client speaks 2025", async () => {
    const env = { PATH: process.env.PATH ?? "", HOME: makeHome(), CRONICORN_API_URL: "http://127.0.0.1:9/api", CRONICORN_TOKEN_STORE: "file" };
    for (const [mode, era] of [
      ["auto", "modern"],
      ["legacy", "legacy"],
    ] as const) {
      const client = new Client({ name: "era-probe", version: "1" }, { versionNegotiation: { mode } });
      await client.connect(new StdioClientTransport({ command: process.execPath, args: [SERVER_ENTRY], env, stderr: "ignore" }));
      try {
        expect(client.getProtocolEra()).toBe(era);
        expect((await client.listTools()).tools.length).toBeGreaterThan(30);
      } finally {
        await client.close();
      }
    }
  });
});

describe("the errors each era defines, answered before anything reaches Cronicorn", () => {
  let stand: StandIn;
  beforeAll(async () => {
    stand = await startCronicornStandIn();
  });
  afterAll(async () => {
    await stand?.close();
  });

  /** Sends `lines` to a fresh server and returns its answers by id, once `count` have come. */
  async function raw(lines: object[], count: number): Promise<Map<unknown, Obj>> {
    const child = spawn(process.execPath, [SERVER_ENTRY], {
      stdio: ["pipe", "pipe", "ignore"],
      env: { PATH: process.env.PATH ?? "", HOME: makeHome(), CRONICORN_API_URL: stand.apiUrl, CRONICORN_API_KEY: stand.apiKey, CRONICORN_TOKEN_STORE: "file" },
    });
    const answers = new Map<unknown, Obj>();
    try {
      await new Promise<void>((resolve) => {
        let buffered = "";
        child.stdout.on("data", (chunk: Buffer) => {
          buffered += chunk.toString("utf8");
          for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
            const message = JSON.parse(buffered.slice(0, nl)) as Obj;
            buffered = buffered.slice(nl + 1);
            if ("id" in message && !("method" in message)) answers.set(message.id, message);
            if (answers.size === count) resolve();
          }
        });
        child.stdin.write(lines.map((l) => `${JSON.stringify({ jsonrpc: "2.0", ...l })}\n`).join(""));
      });
      return answers;
    } finally {
      child.kill();
    }
  }

  it("a revision the server does not speak: the unsupported-version error with the list it does speak", async () => {
    const meta = { ...modernMeta(), "io.modelcontextprotocol/protocolVersion": "2099-01-01" };
    const answers = await raw([{ id: 1, method: "tools/call", params: { name: "list_jobs", arguments: {}, _meta: meta } }], 1);
    expect(answers.get(1)).toMatchObject({ error: { code: -32022, data: { supported: ["2026-07-28"], requested: "2099-01-01" } } });
    expect(stand.requests).toEqual([]);
  });

  it("a 2026 request without its client capabilities, or with a malformed _meta: invalid params, naming the key", async () => {
    const answers = await raw(
      [
        { id: 1, method: "tools/call", params: { name: "list_jobs", arguments: {}, _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28" } } },
        { id: 2, method: "tools/call", params: { name: "list_jobs", arguments: {}, _meta: { ...modernMeta(), "io.modelcontextprotocol/clientInfo": "me" } } },
      ],
      2,
    );
    expect(answers.get(1)).toMatchObject({ error: { code: -32602, message: expect.stringContaining("clientCapabilities") } });
    expect(answers.get(2)).toMatchObject({ error: { code: -32602, message: expect.stringContaining("clientInfo") } });
    expect(stand.requests).toEqual([]);
  });

  it("a 2025 request on a 2026 connection: the envelope it lacks is named", async () => {
    const answers = await raw(
      [
        { id: 1, method: "tools/list", params: { _meta: modernMeta() } },
        { id: 2, method: "tools/call", params: { name: "list_jobs", arguments: {} } },
      ],
      2,
    );
    expect(answers.get(2)).toMatchObject({ error: { code: -32602, message: expect.stringMatching(/missing the required _meta envelope/) } });
    expect(stand.requests).toEqual([]);
  });
});

describe.each(ERAS)("confirming a destructive tool (%s era)", (era) => {
  let stand: StandIn;
  beforeAll(async () => {
    stand = await startCronicornStandIn();
  });
  afterAll(async () => {
    await stand?.close();
  });

  async function serverAnswering(answer: "accept" | "decline" | "cancel") {
    const asked: string[] = [];
    const server = await startServer({
      era,
      env: { CRONICORN_API_URL: stand.apiUrl, CRONICORN_API_KEY: stand.apiKey },
      capabilities: { elicitation: { form: {} } },
      onElicit: (params) => {
        asked.push(params.message);
        return answer === "accept" ? { action: "accept", content: { confirm: true } } : { action: answer };
      },
    });
    return { server, asked };
  }
  const deletes = () => stand.requests.filter((r) => r.method === "DELETE" && r.path.startsWith("/api/jobs/"));

  it("sends the request exactly once after the user confirms", async () => {
    const { server, asked } = await serverAnswering("accept");
    const jobId = valueOf<Obj>(await server.call("create_job", { name: "to archive" }), "job").id as string;
    const before = deletes().length;
    const archived = valueOf<Obj>(await server.call("archive_job", { jobId }), "job");
    expect(archived).toMatchObject({ id: jobId, status: "archived" });
    expect(asked).toEqual([`Archive job ${jobId}? Its endpoints stop running; their history is kept.`]);
    expect(deletes().length - before).toBe(1);
  });

  it.each(["decline", "cancel"] as const)("sends nothing when the user answers %s, and says so", async (answer) => {
    const { server, asked } = await serverAnswering(answer);
    const jobId = valueOf<Obj>(await server.call("create_job", { name: "kept" }), "job").id as string;
    const logged = stand.requests.length;
    const result = await server.call("archive_job", { jobId });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ notConfirmed: { answer } });
    expect(textOf(result)).toMatch(/nothing was sent to Cronicorn/);
    expect(asked).toHaveLength(1);
    expect(stand.requests.slice(logged)).toEqual([]);
    expect(valueOf<Obj>(await server.call("get_job", { jobId }), "job")).toMatchObject({ status: "active" });
  });
});

describe("log messages of a 2026-07-28 request", () => {
  /** The `notifications/message` a list_jobs call gets when the keychain cannot be reached (a warning), at `logLevel`. */
  async function messages(logLevel?: string): Promise<Obj[]> {
    const child = spawn(process.execPath, [SERVER_ENTRY], {
      stdio: ["pipe", "pipe", "ignore"],
      env: {
        PATH: process.env.PATH ?? "",
        HOME: makeHome(),
        CRONICORN_API_URL: "http://127.0.0.1:9/api",
        CRONICORN_TOKEN_STORE: "auto",
        DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus",
      },
    });
    const seen: Obj[] = [];
    try {
      await new Promise<void>((resolve) => {
        let buffered = "";
        child.stdout.on("data", (chunk: Buffer) => {
          buffered += chunk.toString("utf8");
          for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
            const message = JSON.parse(buffered.slice(0, nl)) as Obj;
            buffered = buffered.slice(nl + 1);
            if (message.method === "notifications/message") seen.push(message.params as Obj);
            if (message.id === 1) resolve();
          }
        });
        const meta = { ...modernMeta(), ...(logLevel ? { "io.modelcontextprotocol/logLevel": logLevel } : {}) };
        child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "list_jobs", arguments: {}, _meta: meta } })}\n`);
      });
    } finally {
      child.kill();
    }
    return seen;
  }

  it("come at the level the request's _meta asks for, and not at all without one", async () => {
    const [none, warnings, errors] = await Promise.all([messages(), messages("warning"), messages("error")]);
    expect(none).toEqual([]);
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.every((m) => m.level === "warning" || m.level === "error")).toBe(true);
    expect(warnings.some((m) => /keychain/i.test(String(m.data)))).toBe(true);
    expect(errors.every((m) => m.level === "error")).toBe(true);
  });
});

describe.each(ERAS)("a bug in a tool (%s era)", (era) => {
  it("answers 'internal error' with no internals, and puts the stack, mapped to src/, on stderr, with no secret anywhere", async () => {
    const key = "k-bug-secret-1234567";
    const server = await startServer({ era, env: { CRONICORN_API_URL: "http://127.0.0.1:9/api", CRONICORN_API_KEY: key, CRONICORN_TEST_INJECT_BUG: "1" } });
    const result = await server.call("list_jobs");
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe("internal error in list_jobs — details on the server's stderr. This is a bug in cronicorn-mcp, not in your request.");
    const stderr = server.stderr();
    expect(stderr).toMatch(
      /error: internal error in list_jobs \(a bug in cronicorn-mcp; please report it with this line\): TypeError: Cannot read properties of undefined/,
    );
    // The frame of the bug names its source file and line, not a minified chunk.
    expect(stderr).toMatch(/src\/runtime\.ts:\d+:\d+/);
    assertNoSecrets(server.stdout() + stderr, [key], "the server's output");
  });
});
