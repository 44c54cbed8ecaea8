/**
 * The server factory (src/mcp/server.ts) served by the SDK's stdio entry, in process, to a client of
 * either era: what it says about itself, which tools it lists, how a message reaches the user outside a
 * result (2025: logging notifications and pushed URL elicitations; 2026: log lines at the level the
 * request asks for), when the runtime is built, and what a broken configuration still answers.
 */
import type { LoggingMessageNotification } from "@modelcontextprotocol/client";
import { afterEach, describe, expect, it } from "vitest";
import pkg from "../../../package.json" with { type: "json" };
import { AuthRequiredError } from "../../../src/auth/errors.js";
import type { AccountService, CallContext, ElicitationAnswer, SignInOutcome, SignInPrompt } from "../../../src/auth/types.js";
import type { SignInUi } from "../../../src/auth/ui.js";
import { loadConfig } from "../../../src/config/config.js";
import { SERVER_INSTRUCTIONS } from "../../../src/mcp/instructions.js";
import { AUTH_STATUS_URI } from "../../../src/mcp/resources/auth-status.js";
import type { Runtime } from "../../../src/tools/context.js";
import { TOOLS } from "../../../src/tools/registry.js";
import { ERAS } from "../../helpers/mcp.js";
import { serveTools, summaryOf, textOf, type Served, type ServedOptions } from "../../helpers/tools-harness.js";

const PROMPT: SignInPrompt = {
  verificationUrl: "https://cronicorn.com/device/approve?user_code=ABCD",
  userCode: "ABCD",
  flow: "device",
  expiresAt: "2030-01-01T00:00:00.000Z",
};

const opened: Served[] = [];
afterEach(async () => {
  for (const served of opened.splice(0)) await served.close();
});
async function serve(options: ServedOptions = {}): Promise<Served> {
  const served = await serveTools(options);
  opened.push(served);
  return served;
}

/** A runtime whose API always needs a sign-in and whose gate does what the test says with the call and the UI. */
function signInRuntime(awaitSignIn: (call: CallContext, ui: SignInUi) => Promise<SignInOutcome>) {
  const state = { ui: undefined as SignInUi | undefined, loads: 0, logouts: 0 };
  const account = {
    status: async () => ({ signedIn: false, apiUrl: "https://cronicorn.com/api", source: "none", store: "file" }),
    logout: async () => {
      state.logouts += 1;
      return { revokedOnServer: "not-applicable", deletedLocal: [], message: "Signed out." };
    },
    login: async () => ({ state: "ready" }),
  } as unknown as AccountService;
  const loadRuntime = async (ui: SignInUi): Promise<Runtime> => {
    state.ui = ui;
    state.loads += 1;
    return {
      api: { request: () => Promise.reject(new AuthRequiredError()) },
      account,
      gate: { begin: async () => ({ prompt: PROMPT, message: "Open it." }), awaitSignIn: (call: CallContext) => awaitSignIn(call, ui) },
    } as unknown as Runtime;
  };
  return { state, loadRuntime };
}

const pending: SignInOutcome = { state: "pending", prompt: PROMPT, message: "Open the link, then ask again." };

/** Collects the logging notifications a client receives. */
function messages(served: Served): LoggingMessageNotification["params"][] {
  const seen: LoggingMessageNotification["params"][] = [];
  served.client.setNotificationHandler("notifications/message", (n) => void seen.push(n.params));
  return seen;
}

const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe.each(ERAS)("the server, %s era", (era) => {
  it("names itself, gives the instructions, and declares logging, tools, resources and prompts", async () => {
    const { client } = await serve({ era });
    expect(client.getServerVersion()).toMatchObject({ name: "cronicorn-mcp", title: "Cronicorn", version: pkg.version });
    expect(client.getInstructions()).toBe(SERVER_INSTRUCTIONS);
    expect(client.getServerCapabilities()).toMatchObject({ logging: {}, tools: {}, prompts: {}, resources: { subscribe: true } });
  });

  it("lists the tools of its configuration: the read-only ones and the chosen groups, the sign-in tools always", async () => {
    const all = await serve({ era });
    expect((await all.client.listTools()).tools.map((t) => t.name)).toEqual(TOOLS.map((t) => t.name));
    const readOnly = await serve({ era, env: { CRONICORN_READ_ONLY: "1", CRONICORN_TOOLS: "jobs" } });
    expect((await readOnly.client.listTools()).tools.map((t) => t.name)).toEqual(["get_job", "list_jobs", "auth_status"]);
    await expect(readOnly.client.callTool({ name: "create_job", arguments: { name: "x" } })).rejects.toThrow("Tool create_job not found");
  });

  it("builds the runtime on the first call that needs it, once, and again after it failed", async () => {
    let loads = 0;
    const served = await serve({
      era,
      loadRuntime: async () => {
        loads += 1;
        if (loads === 1) throw new Error("the keychain module failed to load");
        return { api: { request: async () => ({ jobs: [] }) }, account: {}, gate: {} } as unknown as Runtime;
      },
    });
    await served.client.listTools();
    expect(loads).toBe(0);
    expect(textOf(await served.call("list_jobs"))).toBe(
      "internal error in list_jobs — details on the server's stderr. This is a bug in cronicorn-mcp, not in your request.",
    );
    expect(summaryOf(await served.call("list_jobs"))).toBe("No jobs found.");
    expect(summaryOf(await served.call("list_jobs"))).toBe("No jobs found.");
    expect(loads).toBe(2);
  });

  it("with a broken configuration still answers: every tool and the status resource say what is wrong", async () => {
    const served = await serve({ era, config: loadConfig({ CRONICORN_API_URL: "ftp://nowhere" }) });
    const result = await served.call("list_jobs");
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("cronicorn-mcp is misconfigured: CRONICORN_API_URL: CRONICORN_API_URL must be a full URL");
    const [content] = (await served.client.readResource({ uri: AUTH_STATUS_URI })).contents as Array<{ text: string }>;
    expect(JSON.parse(content?.text ?? "")).toEqual({ signedIn: false, problem: expect.stringContaining("cronicorn-mcp is misconfigured: CRONICORN_API_URL") });
  });

  it("with a broken configuration still asks before a destructive tool, then says what is wrong", async () => {
    const served = await serve({ era, config: loadConfig({ CRONICORN_TIMEOUT_MS: "soon" }), capabilities: { elicitation: { form: {} } } });
    const result = await served.call("archive_job", { jobId: "j1" });
    expect(served.elicited.map((e) => e.message)).toEqual(["Archive job j1? Its endpoints stop running; their history is kept."]);
    expect(textOf(result)).toContain("CRONICORN_TIMEOUT_MS must be a number");
  });

  it("tells subscribers the status changed when the user signs out, or the sign-in reports a change", async () => {
    const { state, loadRuntime } = signInRuntime(async () => pending);
    const served = await serve({ era, loadRuntime });
    const updates: string[] = [];
    served.client.setNotificationHandler("notifications/resources/updated", (n) => void updates.push(n.params.uri));
    const subscription =
      era === "legacy"
        ? await served.client.subscribeResource({ uri: AUTH_STATUS_URI })
        : await served.client.listen({ resourceSubscriptions: [AUTH_STATUS_URI] });
    expect(summaryOf(await served.call("logout"))).toBe("Signed out.");
    await settle();
    expect(state.logouts).toBe(1);
    expect(updates).toEqual([AUTH_STATUS_URI]);
    if ("close" in subscription) await subscription.close();
  });
});

describe("messages outside a result, 2025 era", () => {
  it("a 2025-era client hears warnings and errors, not info or debug", async () => {
    const served = await serve({ era: "legacy" });
    const seen = messages(served);
    served.logger.debug("debug line");
    served.logger.info("info line");
    served.logger.warn("the keychain did not answer");
    served.logger.error("something broke");
    await settle();
    expect(seen).toEqual([
      { level: "warning", logger: "cronicorn-mcp", data: "the keychain did not answer" },
      { level: "error", logger: "cronicorn-mcp", data: "something broke" },
    ]);
  });

  it("a 2025-era client hears a sign-in notice while the call waits, and the server logs it", async () => {
    const { loadRuntime } = signInRuntime(async (_call, ui) => {
      ui.notify("Sign in to Cronicorn: open the link and confirm ABCD.");
      return pending;
    });
    const served = await serve({ era: "legacy", loadRuntime });
    const seen = messages(served);
    const result = await served.call("list_jobs");
    await settle();
    expect(result.structuredContent).toEqual({ signIn: PROMPT });
    expect(seen).toEqual([{ level: "notice", logger: "cronicorn-mcp", data: "Sign in to Cronicorn: open the link and confirm ABCD." }]);
    expect(served.logs).toContain("info: Sign in to Cronicorn: open the link and confirm ABCD.");
  });

  it("a 2025-era client that opens URLs is pushed the link as a URL elicitation, and told when it is done", async () => {
    const answers: ElicitationAnswer[] = [];
    const { loadRuntime } = signInRuntime(async (call) => {
      answers.push((await call.link?.elicitUrl?.("elicit-1", PROMPT.verificationUrl, "Approve the sign-in.")) as ElicitationAnswer);
      await call.link?.completeElicitation?.("elicit-1");
      return pending;
    });
    const served = await serve({ era: "legacy", loadRuntime, capabilities: { elicitation: { url: {} } }, onElicit: () => ({ action: "decline" }) });
    const completed: string[] = [];
    served.client.setNotificationHandler("notifications/elicitation/complete", (n) => void completed.push(n.params.elicitationId));
    await served.call("list_jobs");
    await settle();
    expect(served.elicited).toEqual([{ mode: "url", elicitationId: "elicit-1", url: PROMPT.verificationUrl, message: "Approve the sign-in." }]);
    expect(answers).toEqual(["decline"]);
    expect(completed).toEqual(["elicit-1"]);
  });

  it("a 2025-era client without URL mode gets no push channel", async () => {
    const links: unknown[] = [];
    const { loadRuntime } = signInRuntime(async (call) => {
      links.push(call.link);
      return pending;
    });
    const served = await serve({ era: "legacy", loadRuntime, capabilities: { elicitation: { form: {} } } });
    await served.call("list_jobs");
    expect(links).toEqual([{}]);
  });
});

describe("messages outside a result, 2026 era", () => {
  const withLevel = (served: Served, level?: string) =>
    served.client.callTool({ name: "list_jobs", arguments: {}, ...(level ? { _meta: { "io.modelcontextprotocol/logLevel": level } } : {}) });

  it("a request hears the log lines of its own call at the level its _meta asks for, and none without one", async () => {
    const served = await serve({ era: "modern", script: () => ({ body: { jobs: [] } }) });
    const seen = messages(served);
    await withLevel(served);
    await settle();
    expect(seen).toEqual([]);
    await withLevel(served, "debug");
    await settle();
    expect(seen).toEqual([{ level: "debug", logger: "cronicorn-mcp", data: expect.stringMatching(/^GET \/jobs → 200 in \d+ ms$/) }]);
    seen.length = 0;
    await withLevel(served, "warning");
    await settle();
    expect(seen).toEqual([]);
  });

  it("a sign-in notice reaches the call that waits for it, and nothing reaches it once it has ended", async () => {
    let background: Promise<void> | undefined;
    const { loadRuntime } = signInRuntime(async (_call, ui) => {
      ui.notify("Sign in to Cronicorn: open the link and confirm ABCD.");
      // The sign-in goes on after the call has answered, on the call's own async path.
      background = new Promise((resolve) =>
        setTimeout(() => {
          ui.notify("The sign-in completed.");
          resolve();
        }, 50),
      );
      return pending;
    });
    const served = await serve({ era: "modern", loadRuntime });
    const seen = messages(served);
    await withLevel(served, "info");
    await background;
    await settle();
    expect(seen).toEqual([{ level: "notice", logger: "cronicorn-mcp", data: "Sign in to Cronicorn: open the link and confirm ABCD." }]);
    expect(served.logs).toContain("info: The sign-in completed.");
  });

  it("a line logged outside any call reaches no 2026 client, whatever its level", async () => {
    const served = await serve({ era: "modern" });
    const seen = messages(served);
    await withLevel(served, "debug");
    await settle();
    seen.length = 0;
    served.logger.error("a background refresh failed");
    await settle();
    expect(seen).toEqual([]);
  });

  it("a 2026 request without URL mode answers the sign-in as text at once, pushing nothing", async () => {
    const links: unknown[] = [];
    const { loadRuntime } = signInRuntime(async (call) => {
      links.push(call.link);
      return pending;
    });
    const served = await serve({ era: "modern", loadRuntime, capabilities: { elicitation: { form: {} } } });
    expect(textOf(await served.call("list_jobs"))).toBe("Open the link, then ask again.");
    expect(links).toEqual([{}]);
    expect(served.elicited).toEqual([]);
  });
});
