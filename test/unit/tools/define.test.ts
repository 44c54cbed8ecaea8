/**
 * defineTool, in process: a real McpServer and SDK Client joined by the SDK's in-memory transport,
 * and a Runtime whose gate the test scripts. What the model sees for success, failure and sign-in.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError } from "../../../src/api/errors.js";
import { defineTool, errorResult, pendingResult, SignInPendingError } from "../../../src/tools/define.js";
import type { ToolSpec } from "../../../src/tools/define.js";
import type { Runtime } from "../../../src/tools/context.js";
import { registerSecret } from "../../../src/core/log.js";
import { AuthRequiredError } from "../../../src/auth/errors.js";
import type { CallContext, SignInOutcome, SignInPrompt } from "../../../src/auth/types.js";

const PROMPT: SignInPrompt = {
  verificationUrl: "http://127.0.0.1:1/device/approve",
  userCode: "ABCD1234",
  flow: "device",
  expiresAt: "2030-01-01T00:00:00.000Z",
};

type Run = (args: { name: string }, call: CallContext) => Promise<{ greeting: string }>;

function spec(run: Run, overrides: Partial<ToolSpec<z.ZodObject<{ name: z.ZodString }>, z.ZodObject<{ greeting: z.ZodString }>>> = {}) {
  return {
    name: "greet",
    title: "Greet",
    description: "Says hello.",
    group: "jobs" as const,
    input: z.object({ name: z.string() }),
    output: { key: "hello", schema: z.object({ greeting: z.string() }) },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    run: (args: { name: string }, _ctx: unknown, call: CallContext) => run(args, call),
    summary: (result: { greeting: string }, args: { name: string }) => `Greeted ${args.name}: ${result.greeting}`,
    ...overrides,
  };
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** Registers the tool on a real McpServer and connects a client; `outcomes` script the sign-in gate. */
async function connect(tool: ReturnType<typeof defineTool>, runtime: () => Promise<Runtime>) {
  const server = new McpServer({ name: "define-test", version: "1.0.0" });
  tool.register(server, runtime);
  const client = new Client({ name: "define-test-client", version: "1.0.0" });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  closers.push(async () => {
    await client.close();
    await server.close();
  });
  return client;
}

function runtimeWith(outcomes: SignInOutcome[], gateCalls: CallContext[] = []): () => Promise<Runtime> {
  const runtime = {
    api: {},
    account: {},
    gate: {
      awaitSignIn: async (call: CallContext) => {
        gateCalls.push(call);
        const next = outcomes.shift();
        if (!next) throw new Error("unexpected sign-in");
        return next;
      },
    },
  } as unknown as Runtime;
  return async () => runtime;
}

async function call(
  client: Client,
  args: Record<string, unknown> = { name: "Ada" },
  onprogress?: (p: { progress: number; total?: number; message?: string }) => void,
): Promise<CallToolResult> {
  return (await client.callTool({ name: "greet", arguments: args }, undefined, onprogress ? { onprogress } : {})) as CallToolResult;
}

describe("defineTool", () => {
  it("describes itself: name, group, read-only from its annotations", () => {
    const tool = defineTool(spec(async () => ({ greeting: "hi" })));
    expect(tool).toMatchObject({ name: "greet", group: "jobs", readOnly: true });
    expect(
      defineTool(
        spec(async () => ({ greeting: "hi" }), { annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true } }),
      ).readOnly,
    ).toBe(false);
  });

  it("lists the title, description, annotations and an output schema with the result key and the sign-in prompt", async () => {
    const client = await connect(defineTool(spec(async () => ({ greeting: "hi" }))), runtimeWith([]));
    const [tool] = (await client.listTools()).tools;
    expect(tool).toMatchObject({
      name: "greet",
      title: "Greet",
      description: "Says hello.",
      annotations: { title: "Greet", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    });
    expect(Object.keys(tool?.outputSchema?.properties ?? {})).toEqual(["hello", "signIn"]);
    expect(tool?.outputSchema?.required ?? []).toEqual([]);
    expect(tool?.inputSchema.required).toEqual(["name"]);
  });

  it("answers with structured content under its key and a text of the summary then the compact JSON", async () => {
    const client = await connect(defineTool(spec(async (args) => ({ greeting: `hello ${args.name}` }))), runtimeWith([]));
    const result = await call(client);
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ hello: { greeting: "hello Ada" } });
    expect(result.content).toEqual([{ type: "text", text: 'Greeted Ada: hello Ada\n\n{"greeting":"hello Ada"}' }]);
  });

  it("redacts a registered secret from the text of a result and of an error", async () => {
    registerSecret("define-test-secret-123");
    const client = await connect(defineTool(spec(async () => ({ greeting: "define-test-secret-123" }))), runtimeWith([]));
    expect((await call(client)).content).toEqual([{ type: "text", text: 'Greeted Ada: [redacted]\n\n{"greeting":"[redacted]"}' }]);
    const failing = await connect(defineTool(spec(async () => Promise.reject(new Error("leaked define-test-secret-123")))), runtimeWith([]));
    expect(await call(failing)).toMatchObject({ content: [{ type: "text", text: "leaked [redacted]" }], isError: true });
  });

  it("turns a failure into an error result with its message, and a non-Error into its string", async () => {
    const client = await connect(defineTool(spec(async () => Promise.reject(new Error("Cronicorn said no")))), runtimeWith([]));
    expect(await call(client)).toEqual({ content: [{ type: "text", text: "Cronicorn said no" }], isError: true });
    expect(errorResult("plain")).toEqual({ content: [{ type: "text", text: "plain" }], isError: true });
  });

  it("reports a runtime that cannot load (bad configuration) as an error result", async () => {
    const tool = defineTool(spec(async () => ({ greeting: "never" })));
    const client = await connect(tool, () => Promise.reject(new ConfigError(["CRONICORN_TIMEOUT_MS: must be a number"])));
    const result = await call(client);
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([{ type: "text", text: expect.stringContaining("cronicorn-mcp is misconfigured: CRONICORN_TIMEOUT_MS: must be a number") }]);
  });

  it("answers a sign-in prompt (not an error) when the gate says the sign-in is pending", async () => {
    const gateCalls: CallContext[] = [];
    const client = await connect(
      defineTool(spec(async () => Promise.reject(new AuthRequiredError()))),
      runtimeWith([{ state: "pending", prompt: PROMPT, message: "Approve at the URL." }], gateCalls),
    );
    const result = await call(client);
    expect(result).toEqual({ content: [{ type: "text", text: "Approve at the URL." }], structuredContent: { signIn: PROMPT } });
    expect(gateCalls).toHaveLength(1);
    expect(pendingResult(PROMPT, "m")).toEqual({ content: [{ type: "text", text: "m" }], structuredContent: { signIn: PROMPT } });
  });

  it("runs the call again once the user signed in while it waited", async () => {
    let runs = 0;
    const run: Run = async () => {
      runs += 1;
      if (runs === 1) throw new AuthRequiredError();
      return { greeting: "after sign-in" };
    };
    const client = await connect(defineTool(spec(run)), runtimeWith([{ state: "ready" }]));
    const result = await call(client);
    expect(result.structuredContent).toEqual({ hello: { greeting: "after sign-in" } });
    expect(runs).toBe(2);
  });

  it("does not ask for a sign-in when signing in would not help, or for tools that run without one", async () => {
    const rejectedKey = await connect(defineTool(spec(async () => Promise.reject(new AuthRequiredError("The API key was rejected.", false)))), runtimeWith([]));
    expect(await call(rejectedKey)).toEqual({ content: [{ type: "text", text: "The API key was rejected." }], isError: true });

    const noAuth = await connect(defineTool(spec(async () => Promise.reject(new AuthRequiredError("Not signed in.")), { needsAuth: false })), runtimeWith([]));
    expect(await call(noAuth)).toEqual({ content: [{ type: "text", text: "Not signed in." }], isError: true });
  });

  it("turns SignInPendingError from a run into the prompt it carries", async () => {
    const client = await connect(defineTool(spec(async () => Promise.reject(new SignInPendingError(PROMPT, "Open the URL.")))), runtimeWith([]));
    const result = await call(client);
    expect(result).toEqual({ content: [{ type: "text", text: "Open the URL." }], structuredContent: { signIn: PROMPT } });
    expect(new SignInPendingError(PROMPT, "x").name).toBe("SignInPendingError");
  });

  it("sends progress notifications only when the caller asked for them, and passes the caller's abort signal", async () => {
    let signal: AbortSignal | undefined;
    const run: Run = async (_args, context) => {
      signal = context.signal;
      await context.progress(1, 3, "one of three");
      return { greeting: "done" };
    };
    const client = await connect(defineTool(spec(run)), runtimeWith([]));
    const seen: Array<{ progress: number; total?: number; message?: string }> = [];
    await call(client, { name: "Ada" }, (p) => seen.push(p));
    expect(seen).toEqual([{ progress: 1, total: 3, message: "one of three" }]);
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(signal?.aborted).toBe(false);

    const errors: Error[] = [];
    client.onerror = (error) => void errors.push(error);
    const result = await call(client); // no progress token: progress() is a no-op, not a failure
    expect(result.structuredContent).toEqual({ hello: { greeting: "done" } });
    // Nothing reached the client: a progress notification without a token would be reported as unknown.
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toEqual([]);
  });

  it("lists itself with the sign-in prompt as an alternative output", () => {
    const listed = defineTool(spec(async () => ({ greeting: "hi" }))).listing();
    expect(listed).toMatchObject({ name: "greet", title: "Greet", description: "Says hello." });
    const output = listed.outputSchema as { properties: Record<string, { description?: string }> };
    expect(Object.keys(output.properties)).toEqual(["hello", "signIn"]);
    expect(output.properties.signIn?.description).toBe("Present instead of the result when the user must first approve a sign-in.");
  });
});
