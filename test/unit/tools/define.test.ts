/**
 * defineTool, in process and in both protocol eras: a real McpServer served by the SDK's own stdio entry
 * over an in-memory pair, a real SDK client (2025 handshake, or pinned to 2026-07-28), the server's own
 * tool host, and a Runtime whose sign-in gate the test scripts. What the model sees for success,
 * failure, a bug, a confirmation and a sign-in; what reaches Cronicorn and what does not.
 */
import { randomBytes } from "node:crypto";
import type { CallToolResult, ElicitRequest, ElicitResult } from "@modelcontextprotocol/client";
import { InMemoryTransport, McpServer, createRequestStateCodec } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as z from "zod";
import { ConfigError } from "../../../src/api/errors.js";
import { AuthRequiredError } from "../../../src/auth/errors.js";
import type { CallContext, LinkChannel, SignInOutcome, SignInPrompt } from "../../../src/auth/types.js";
import type * as LogModule from "../../../src/core/log.js";
import type { Logger } from "../../../src/core/log.js";
import { registerSecret } from "../../../src/core/log.js";
import { toolHost, type Era } from "../../../src/mcp/server.js";
import { CREATES, READS, REMOVES } from "../../../src/tools/annotations.js";
import type { Runtime } from "../../../src/tools/context.js";
import { callDigest, defineTool, errorResult, pendingResult, SignInPendingError } from "../../../src/tools/define.js";
import type { RoundState, ToolSpec } from "../../../src/tools/define.js";
import { clientFor, defaultElicitAnswer, ERAS } from "../../helpers/mcp.js";

const PROMPT: SignInPrompt = {
  verificationUrl: "http://127.0.0.1:1/device/approve",
  userCode: "ABCD1234",
  flow: "device",
  expiresAt: "2030-01-01T00:00:00.000Z",
};

type In = z.ZodObject<{ name: z.ZodString }>;
type Out = z.ZodObject<{ greeting: z.ZodString }>;
type Run = (args: { name: string }, call: CallContext, api: Runtime["api"]) => Promise<{ greeting: string }>;

function spec(run: Run, overrides: Partial<ToolSpec<In, Out>> = {}): ToolSpec<In, Out> {
  return {
    name: "greet",
    title: "Greet",
    description: "Says hello.",
    group: "jobs",
    input: z.object({ name: z.string() }),
    output: { key: "hello", schema: z.object({ greeting: z.string() }) },
    annotations: READS,
    run: (args, ctx, call) => run(args, call, ctx.api as Runtime["api"]),
    summary: (result, args) => `Greeted ${args.name}: ${result.greeting}`,
    ...overrides,
  };
}

/** A gate the test scripts: each awaitSignIn takes the next outcome; begin() names the link. */
function gateWith(outcomes: SignInOutcome[], seen: Array<{ call: CallContext; channel: LinkChannel | undefined }> = []) {
  return {
    begins: 0,
    async begin() {
      this.begins += 1;
      return { prompt: PROMPT, message: "Open the link; this request continues once you approve." };
    },
    async awaitSignIn(call: CallContext) {
      seen.push({ call, channel: call.link });
      const next = outcomes.shift();
      if (!next) throw new Error("unexpected sign-in");
      return next;
    },
  };
}

function runtimeWith(outcomes: SignInOutcome[] = [], seen?: Array<{ call: CallContext; channel: LinkChannel | undefined }>) {
  const sent: unknown[] = [];
  const gate = gateWith(outcomes, seen);
  const runtime = {
    api: { request: async (spec: unknown) => void sent.push(spec) },
    account: {},
    gate,
  } as unknown as Runtime;
  return { runtime, sent, gate };
}

/** Set to make the redaction engine fail (its placeholder instead of the value) for the next results. */
const redaction = vi.hoisted(() => ({ fails: false }));
vi.mock("../../../src/core/log.js", async (importOriginal) => {
  const real = await importOriginal<typeof LogModule>();
  return { ...real, redactDeep: <T>(value: T): T => (redaction.fails ? ("[output withheld: redaction failed]" as T) : real.redactDeep(value)) };
});

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  vi.useRealTimers();
  redaction.fails = false;
});

interface ConnectOptions {
  era?: Era;
  elicitation?: { form?: object; url?: object };
  answer?: (params: ElicitRequest["params"]) => ElicitResult;
  confirm?: "destructive" | "never";
  logger?: Logger;
  ttlSeconds?: number;
}

/** Serves the tool as the server does (its tool host, a signed request state) and connects a client of `era`. */
async function connect(tool: ReturnType<typeof defineTool>, runtime: () => Promise<Runtime>, options: ConnectOptions = {}) {
  const era = options.era ?? "legacy";
  const codec = createRequestStateCodec<RoundState>({ key: randomBytes(32), ttlSeconds: options.ttlSeconds ?? 600 });
  const digestKey = randomBytes(32);
  const logger = options.logger ?? { debug() {}, info() {}, warn() {}, error() {} };
  const elicited: Array<ElicitRequest["params"]> = [];
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const handle = serveStdio(
    ({ era: served }) => {
      const server = new McpServer({ name: "define-test", version: "1.0.0" }, { requestState: { verify: codec.verify } });
      tool.register(server, toolHost({ server, era: served, codec, digestKey, runtime, logger, confirm: options.confirm ?? "destructive" }));
      return server;
    },
    { transport: serverSide },
  );
  const client = clientFor(era, options.elicitation ? { elicitation: options.elicitation as Record<string, never> } : {});
  if (options.elicitation) {
    client.setRequestHandler("elicitation/create", async (request) => {
      elicited.push(request.params);
      return (options.answer ?? defaultElicitAnswer)(request.params);
    });
  }
  await client.connect(clientSide);
  closers.push(async () => {
    await client.close();
    await handle.close();
  });
  expect(client.getProtocolEra()).toBe(era);
  return { client, elicited, digest: (args: unknown) => callDigest(digestKey, "greet", args), codec };
}

async function call(
  client: Awaited<ReturnType<typeof connect>>["client"],
  args: Record<string, unknown> = { name: "Ada" },
  onprogress?: (p: { progress: number; total?: number; message?: string }) => void,
): Promise<CallToolResult> {
  return (await client.callTool({ name: "greet", arguments: args }, onprogress ? { onprogress } : {})) as CallToolResult;
}

describe("defineTool", () => {
  it("describes itself: name, group, read-only from its annotations", () => {
    const tool = defineTool(spec(async () => ({ greeting: "hi" })));
    expect(tool).toMatchObject({ name: "greet", group: "jobs", readOnly: true });
    expect(defineTool(spec(async () => ({ greeting: "hi" }), { annotations: CREATES })).readOnly).toBe(false);
  });

  it("lists itself with the sign-in prompt as an alternative output, and a destructive tool with what a refusal leaves", () => {
    const listed = defineTool(spec(async () => ({ greeting: "hi" }))).listing();
    expect(listed).toMatchObject({ name: "greet", title: "Greet", description: "Says hello." });
    const output = listed.outputSchema as { properties: Record<string, { description?: string }> };
    expect(Object.keys(output.properties)).toEqual(["hello", "signIn"]);
    expect(output.properties.signIn?.description).toBe("Present instead of the result when the user must first approve a sign-in.");
    const destructive = defineTool(spec(async () => ({ greeting: "hi" }), { annotations: REMOVES, confirm: () => "Sure?" })).listing();
    expect(Object.keys((destructive.outputSchema as { properties: object }).properties)).toEqual(["hello", "signIn", "notConfirmed"]);
  });

  it("computes the same call digest for the same arguments in any key order, and another one for other arguments or keys", () => {
    const key = randomBytes(32);
    expect(callDigest(key, "t", { a: 1, b: { c: [1, 2], d: undefined } })).toBe(callDigest(key, "t", { b: { c: [1, 2] }, a: 1 }));
    expect(callDigest(key, "t", { a: 1 })).not.toBe(callDigest(key, "t", { a: 2 }));
    expect(callDigest(key, "t", { a: 1 })).not.toBe(callDigest(key, "u", { a: 1 }));
    expect(callDigest(key, "t", { a: 1 })).not.toBe(callDigest(randomBytes(32), "t", { a: 1 }));
    expect(callDigest(key, "t", { a: 1 })).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  describe.each(ERAS)("in the %s era", (era) => {
    it("lists the title, description, annotations and an output schema with the result key and the sign-in prompt", async () => {
      const { client } = await connect(defineTool(spec(async () => ({ greeting: "hi" }))), async () => runtimeWith().runtime, { era });
      const [tool] = (await client.listTools()).tools;
      expect(tool).toMatchObject({
        name: "greet",
        title: "Greet",
        description: "Says hello.",
        annotations: { title: "Greet", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      });
      expect(Object.keys(tool?.outputSchema?.properties ?? {})).toEqual(["hello", "signIn"]);
      expect(tool?.inputSchema.required).toEqual(["name"]);
    });

    it("answers with structured content under its key and a text of the summary then the compact JSON", async () => {
      const { client } = await connect(defineTool(spec(async (args) => ({ greeting: `hello ${args.name}` }))), async () => runtimeWith().runtime, { era });
      const result = await call(client);
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual({ hello: { greeting: "hello Ada" } });
      expect(result.content).toEqual([{ type: "text", text: 'Greeted Ada: hello Ada\n\n{"greeting":"hello Ada"}' }]);
    });

    it("redacts a registered secret from the text of a result and of an error", async () => {
      registerSecret("define-test-secret-123");
      const { client } = await connect(defineTool(spec(async () => ({ greeting: "define-test-secret-123" }))), async () => runtimeWith().runtime, { era });
      expect((await call(client)).content).toEqual([{ type: "text", text: 'Greeted Ada: [redacted]\n\n{"greeting":"[redacted]"}' }]);
      const failing = await connect(
        defineTool(spec(async () => Promise.reject(new ConfigError(["leaked define-test-secret-123"])))),
        async () => runtimeWith().runtime,
        { era },
      );
      expect(await call(failing.client)).toMatchObject({ content: [{ type: "text", text: expect.stringContaining("leaked [redacted]") }], isError: true });
    });

    it("answers the redaction engine's placeholder as an error, never the unredacted result, when redaction fails", async () => {
      const { client } = await connect(defineTool(spec(async () => ({ greeting: "maybe a secret" }))), async () => runtimeWith().runtime, { era });
      redaction.fails = true;
      const result = await call(client);
      expect(result).toMatchObject({ isError: true, content: [{ type: "text", text: "[output withheld: redaction failed]" }] });
      expect(JSON.stringify(result)).not.toContain("maybe a secret");
    });

    it("turns an expected failure into an error result with its message", async () => {
      const { client } = await connect(
        defineTool(spec(async () => Promise.reject(new AuthRequiredError("Cronicorn said no", false)))),
        async () => runtimeWith().runtime,
        {
          era,
        },
      );
      expect(await call(client)).toMatchObject({ content: [{ type: "text", text: "Cronicorn said no" }], isError: true });
      expect(errorResult("plain")).toEqual({ content: [{ type: "text", text: "plain" }], isError: true });
    });

    it("answers a bug with 'internal error' and no internals, and logs it once with its stack to stderr, redacted", async () => {
      registerSecret("bug-secret-abcdef");
      const lines: string[] = [];
      const logger: Logger = { debug() {}, info() {}, warn() {}, error: (m) => void lines.push(m) };
      const run: Run = async () => {
        const missing = undefined as unknown as { greeting: string };
        return { greeting: `bug-secret-abcdef ${missing.greeting}` };
      };
      const { client } = await connect(defineTool(spec(run)), async () => runtimeWith().runtime, { era, logger });
      const result = await call(client);
      expect(result).toMatchObject({ isError: true });
      const text = (result.content[0] as { text: string }).text;
      expect(text).toBe("internal error in greet — details on the server's stderr. This is a bug in cronicorn-mcp, not in your request.");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^internal error in greet \(a bug in cronicorn-mcp; please report it with this line\): TypeError: Cannot read properties of undefined/,
      );
      expect(lines[0]).toContain("define.test.ts");
      expect(lines[0]).not.toContain("bug-secret-abcdef");
    });

    it("reports a runtime that cannot load (bad configuration) as an error result", async () => {
      const tool = defineTool(spec(async () => ({ greeting: "never" })));
      const { client } = await connect(tool, () => Promise.reject(new ConfigError(["CRONICORN_TIMEOUT_MS: must be a number"])), { era });
      const result = await call(client);
      expect(result.isError).toBe(true);
      expect(result.content).toEqual([
        { type: "text", text: expect.stringContaining("cronicorn-mcp is misconfigured: CRONICORN_TIMEOUT_MS: must be a number") },
      ]);
    });

    it("answers a sign-in prompt (not an error) when the gate says the sign-in is pending", async () => {
      const seen: Array<{ call: CallContext; channel: LinkChannel | undefined }> = [];
      const { runtime } = runtimeWith([{ state: "pending", prompt: PROMPT, message: "Approve at the URL." }], seen);
      const { client } = await connect(defineTool(spec(async () => Promise.reject(new AuthRequiredError()))), async () => runtime, { era });
      const result = await call(client);
      expect(result).toMatchObject({ content: [{ type: "text", text: "Approve at the URL." }], structuredContent: { signIn: PROMPT } });
      expect(result.isError).toBeFalsy();
      expect(seen).toHaveLength(1);
      // No elicitation declared: nothing to push, nothing shown yet.
      expect(seen[0]?.channel).toEqual({});
      expect(pendingResult(PROMPT, "m")).toEqual({ content: [{ type: "text", text: "m" }], structuredContent: { signIn: PROMPT } });
    });

    it("runs the call again once the user signed in while it waited", async () => {
      let runs = 0;
      const run: Run = async () => {
        runs += 1;
        if (runs === 1) throw new AuthRequiredError();
        return { greeting: "after sign-in" };
      };
      const { client } = await connect(defineTool(spec(run)), async () => runtimeWith([{ state: "ready" }]).runtime, { era });
      const result = await call(client);
      expect(result.structuredContent).toEqual({ hello: { greeting: "after sign-in" } });
      expect(runs).toBe(2);
    });

    it("does not ask for a sign-in when signing in would not help, or for tools that run without one", async () => {
      const rejectedKey = await connect(
        defineTool(spec(async () => Promise.reject(new AuthRequiredError("The API key was rejected.", false)))),
        async () => runtimeWith().runtime,
        { era },
      );
      expect(await call(rejectedKey.client)).toMatchObject({ content: [{ type: "text", text: "The API key was rejected." }], isError: true });
      const noAuth = await connect(
        defineTool(spec(async () => Promise.reject(new AuthRequiredError("Not signed in.")), { needsAuth: false })),
        async () => runtimeWith().runtime,
        { era },
      );
      expect(await call(noAuth.client)).toMatchObject({ content: [{ type: "text", text: "Not signed in." }], isError: true });
    });

    it("turns SignInPendingError from a run into the prompt it carries", async () => {
      const { client } = await connect(
        defineTool(spec(async () => Promise.reject(new SignInPendingError(PROMPT, "Open the URL.")))),
        async () => runtimeWith().runtime,
        { era },
      );
      expect(await call(client)).toMatchObject({ content: [{ type: "text", text: "Open the URL." }], structuredContent: { signIn: PROMPT } });
      expect(new SignInPendingError(PROMPT, "x").name).toBe("SignInPendingError");
    });

    it("sends progress notifications only when the caller asked for them, and passes the caller's abort signal", async () => {
      let signal: AbortSignal | undefined;
      const run: Run = async (_args, context) => {
        signal = context.signal;
        await context.progress(1, 3, "one of three");
        return { greeting: "done" };
      };
      const { client } = await connect(defineTool(spec(run)), async () => runtimeWith().runtime, { era });
      const seen: Array<{ progress: number; total?: number; message?: string }> = [];
      await call(client, { name: "Ada" }, (p) => seen.push(p));
      expect(seen).toEqual([{ progress: 1, total: 3, message: "one of three" }]);
      expect(signal).toBeInstanceOf(AbortSignal);
      expect(signal?.aborted).toBe(false);
      const result = await call(client); // no progress token: progress() is a no-op, not a failure
      expect(result.structuredContent).toEqual({ hello: { greeting: "done" } });
    });

    it("sends the request with 'safe to repeat' taken from the tool's idempotentHint", async () => {
      const { runtime, sent } = runtimeWith();
      const run: Run = async (_args, _call, api) => {
        await api.request({ method: "POST", path: "/x" });
        return { greeting: "sent" };
      };
      await call((await connect(defineTool(spec(run, { annotations: REMOVES })), async () => runtime, { era })).client);
      await call((await connect(defineTool(spec(run, { annotations: CREATES, name: "greet" })), async () => runtime, { era })).client);
      expect(sent).toEqual([
        { method: "POST", path: "/x", idempotent: true },
        { method: "POST", path: "/x", idempotent: false },
      ]);
    });
  });

  describe.each(ERAS)("confirming a destructive tool, in the %s era", (era) => {
    const destructive = (run: Run) => defineTool(spec(run, { annotations: REMOVES, confirm: ({ name }) => `Really greet ${name}?` }));
    const sending: Run = async (_args, _call, api) => {
      await api.request({ method: "DELETE", path: "/greeting" });
      return { greeting: "gone" };
    };

    it("asks once with a yes/no form naming what will happen, then sends the request once", async () => {
      const { runtime, sent } = runtimeWith();
      const { client, elicited } = await connect(destructive(sending), async () => runtime, { era, elicitation: { form: {} } });
      const result = await call(client);
      expect(result.structuredContent).toEqual({ hello: { greeting: "gone" } });
      expect(elicited).toHaveLength(1);
      expect(elicited[0]).toMatchObject({
        mode: "form",
        message: "Really greet Ada?",
        requestedSchema: { type: "object", properties: { confirm: { type: "boolean" } } },
      });
      expect(sent).toHaveLength(1);
    });

    it.each([
      ["decline", { action: "decline" } as ElicitResult, "You did not confirm"],
      ["cancel", { action: "cancel" } as ElicitResult, "The confirmation was cancelled"],
      ["no", { action: "accept", content: { confirm: false } } as ElicitResult, "You did not confirm"],
    ])("sends nothing and says so when the user answers %s", async (answer, reply, words) => {
      const { runtime, sent } = runtimeWith();
      const { client } = await connect(destructive(sending), async () => runtime, { era, elicitation: { form: {} }, answer: () => reply });
      const result = await call(client);
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual({ notConfirmed: { answer } });
      expect((result.content[0] as { text: string }).text).toBe(`${words}: nothing was sent to Cronicorn, and greet did not run ("Really greet Ada?").`);
      expect(sent).toEqual([]);
    });

    it("runs without asking when the client declares no form elicitation, or CRONICORN_CONFIRM=never", async () => {
      const { runtime, sent } = runtimeWith();
      const urlOnly = await connect(destructive(sending), async () => runtime, { era, elicitation: { url: {} } });
      expect((await call(urlOnly.client)).structuredContent).toEqual({ hello: { greeting: "gone" } });
      expect(urlOnly.elicited).toEqual([]);
      const never = await connect(destructive(sending), async () => runtime, { era, elicitation: { form: {} }, confirm: "never" });
      expect((await call(never.client)).structuredContent).toEqual({ hello: { greeting: "gone" } });
      expect(never.elicited).toEqual([]);
      expect(sent).toHaveLength(2);
    });

    it("takes a bare elicitation capability as form elicitation", async () => {
      const { runtime } = runtimeWith();
      const { client, elicited } = await connect(destructive(sending), async () => runtime, { era, elicitation: {} });
      await call(client);
      expect(elicited).toHaveLength(1);
    });

    it("does not ask again when the sign-in a confirmed call needs comes next", async () => {
      let runs = 0;
      const run: Run = async (...args) => {
        runs += 1;
        if (runs === 1) throw new AuthRequiredError();
        return sending(...args);
      };
      const { runtime, sent } = runtimeWith([{ state: "ready" }]);
      const { client, elicited } = await connect(destructive(run), async () => runtime, { era, elicitation: { form: {}, url: {} } });
      expect((await call(client)).structuredContent).toEqual({ hello: { greeting: "gone" } });
      expect(elicited.filter((p) => p.mode === "form")).toHaveLength(1);
      expect(sent).toHaveLength(1);
    });
  });

  describe("signing in through a 2026-07-28 client that opens URLs", () => {
    it("returns an input_required round with the link, then, on the retry, waits for the approval and returns the real result", async () => {
      const seen: Array<{ call: CallContext; channel: LinkChannel | undefined }> = [];
      // Signed in only once the gate's wait (on the retry) has returned.
      const run: Run = async () => {
        if (seen.length === 0) throw new AuthRequiredError();
        return { greeting: "signed in" };
      };
      const { runtime, gate } = runtimeWith([{ state: "ready" }], seen);
      const { client, elicited } = await connect(defineTool(spec(run)), async () => runtime, { era: "modern", elicitation: { url: {} } });
      const result = await call(client);
      expect(result.structuredContent).toEqual({ hello: { greeting: "signed in" } });
      expect(elicited).toEqual([{ mode: "url", message: "Open the link; this request continues once you approve.", url: PROMPT.verificationUrl }]);
      expect(gate.begins).toBe(1);
      expect(seen.map((s) => s.channel)).toEqual([{ shown: true }]);
    });

    it("offers the link as a round to a sign-in tool that answers 'pending' itself, and hands its retry what the user did", async () => {
      const links: Array<LinkChannel | undefined> = [];
      const run: Run = async (_args, call) => {
        links.push(call.link);
        if (!call.link?.shown) throw new SignInPendingError(PROMPT, "Open it, then ask again.");
        return { greeting: "signed in" };
      };
      const { runtime, gate } = runtimeWith();
      const { client, elicited } = await connect(defineTool(spec(run, { needsAuth: false })), async () => runtime, { era: "modern", elicitation: { url: {} } });
      expect((await call(client)).structuredContent).toEqual({ hello: { greeting: "signed in" } });
      expect(links).toEqual([{}, { shown: true }]);
      expect(elicited.map((e) => e.mode)).toEqual(["url"]);
      expect(gate.begins).toBe(1);
    });

    it("says the link and code at once (no wait) when the user declined to open it", async () => {
      const seen: Array<{ call: CallContext; channel: LinkChannel | undefined }> = [];
      const { runtime } = runtimeWith([{ state: "pending", prompt: PROMPT, message: "Open it yourself, then ask again." }], seen);
      const { client } = await connect(defineTool(spec(async () => Promise.reject(new AuthRequiredError()))), async () => runtime, {
        era: "modern",
        elicitation: { url: {} },
        answer: () => ({ action: "decline" }),
      });
      expect(await call(client)).toMatchObject({
        content: [{ type: "text", text: "Open it yourself, then ask again." }],
        structuredContent: { signIn: PROMPT },
      });
      expect(seen.map((s) => s.channel)).toEqual([{ shown: false }]);
    });

    it("answers with the link as text at once for a client with form elicitation only", async () => {
      const seen: Array<{ call: CallContext; channel: LinkChannel | undefined }> = [];
      const { runtime, gate } = runtimeWith([{ state: "pending", prompt: PROMPT, message: "Open it, then ask again." }], seen);
      const { client, elicited } = await connect(defineTool(spec(async () => Promise.reject(new AuthRequiredError()))), async () => runtime, {
        era: "modern",
        elicitation: { form: {} },
      });
      expect(await call(client)).toMatchObject({ structuredContent: { signIn: PROMPT } });
      expect(elicited).toEqual([]);
      expect(gate.begins).toBe(0);
      expect(seen.map((s) => s.channel)).toEqual([{}]);
    });
  });

  describe("the state a round leaves for the next", () => {
    const rawRetry = async (client: Awaited<ReturnType<typeof connect>>["client"], requestState: string, args: Record<string, unknown> = { name: "Ada" }) =>
      client.request({ method: "tools/call", params: { name: "greet", arguments: args, requestState, inputResponses: {} } });

    it("refuses forged or expired state with the SDK's invalid-state error, before anything runs", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      const run = vi.fn(async () => ({ greeting: "ran" }));
      const { client, codec, digest } = await connect(defineTool(spec(run)), async () => runtimeWith().runtime, { era: "modern", ttlSeconds: 60 });
      await expect(rawRetry(client, "forged.state")).rejects.toThrow(/Invalid or expired requestState/);
      const minted = await codec.mint({ call: digest({ name: "Ada" }) });
      vi.setSystemTime(Date.now() + 61_000);
      await expect(rawRetry(client, minted)).rejects.toThrow(/Invalid or expired requestState/);
      expect(run).not.toHaveBeenCalled();
    });

    it("refuses state another process minted (another key)", async () => {
      const run = vi.fn(async () => ({ greeting: "ran" }));
      const { client } = await connect(defineTool(spec(run)), async () => runtimeWith().runtime, { era: "modern" });
      const elsewhere = createRequestStateCodec<RoundState>({ key: randomBytes(32) });
      await expect(rawRetry(client, await elsewhere.mint({ call: "x" }))).rejects.toThrow(/Invalid or expired requestState/);
      expect(run).not.toHaveBeenCalled();
    });

    it("refuses, with a clear error and nothing run, state this server minted for another call", async () => {
      const run = vi.fn(async () => ({ greeting: "ran" }));
      const { runtime, sent } = runtimeWith();
      const { client, codec, digest } = await connect(defineTool(spec(run, { confirm: () => "Sure?" })), async () => runtime, { era: "modern" });
      const forBob = await codec.mint({ call: digest({ name: "Bob" }), confirmed: true });
      const result = (await rawRetry(client, forBob, { name: "Ada" })) as CallToolResult;
      expect(result).toMatchObject({ isError: true, content: [{ type: "text", text: expect.stringContaining("carries request state from another call") }] });
      expect(run).not.toHaveBeenCalled();
      expect(sent).toEqual([]);
    });
  });
});
