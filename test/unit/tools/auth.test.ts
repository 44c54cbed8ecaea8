/**
 * The sign-in tools: the sentence `auth_status` (and `cronicorn-mcp status`) prints for every kind of
 * status, word for word; and login, auth_status and logout through the real server, with the account
 * service as the seam (what a sign-in returns is the auth layer's business, tested in test/unit/auth).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AccountService, AuthStatus, CallContext, SignInOutcome, SignInPrompt } from "../../../src/auth/types.js";
import type { Runtime } from "../../../src/tools/context.js";
import { describeStatus } from "../../../src/tools/auth.js";
import { sent, serveTools, summaryOf, TEST_API_KEY, textOf, type Served } from "../../helpers/tools-harness.js";

const API = "https://cronicorn.com/api";
const status = (more: Partial<AuthStatus>): AuthStatus => ({
  signedIn: true,
  apiUrl: API,
  source: "file",
  store: "file ~/.cronicorn/credentials.json",
  ...more,
});
const PROMPT: SignInPrompt = {
  verificationUrl: "https://cronicorn.com/device/approve",
  userCode: "WXYZ1234",
  flow: "device",
  expiresAt: "2030-01-01T00:30:00.000Z",
};

describe("describeStatus, signed out", () => {
  it("says where, and how to sign in, for the client or the terminal", () => {
    const out = status({ signedIn: false, source: "none" });
    expect(describeStatus(out)).toBe(`Not signed in to ${API}. Sign in with the \`login\` tool, or run "npx cronicorn-mcp login" in a terminal.`);
    expect(describeStatus(out, "terminal")).toBe(`Not signed in to ${API}. Sign in with \`cronicorn-mcp login\` (or \`npx cronicorn-mcp login\`).`);
  });

  it("says the problem and its reason, then the sign-in waiting for approval with its code", () => {
    const out = status({ signedIn: false, problem: "The saved sign-in has expired.", reason: "offline", pendingSignIn: PROMPT });
    expect(describeStatus(out)).toBe(
      `Not signed in to ${API}. The saved sign-in has expired. (offline) A sign-in is waiting for approval at ${PROMPT.verificationUrl} (code WXYZ1234). ` +
        'Sign in with the `login` tool, or run "npx cronicorn-mcp login" in a terminal.',
    );
    const { userCode: _code, ...browser } = PROMPT;
    expect(describeStatus(status({ signedIn: false, problem: "Gone.", pendingSignIn: { ...browser, flow: "pkce" } }))).toBe(
      `Not signed in to ${API}. Gone. A sign-in is waiting for approval at ${PROMPT.verificationUrl}. Sign in with the \`login\` tool, or run "npx cronicorn-mcp login" in a terminal.`,
    );
  });

  it("points a rejected API key to the key's setting, not to a sign-in", () => {
    const key = status({ signedIn: false, source: "api-key", problem: "Rejected." });
    expect(describeStatus(key)).toBe(`Not signed in to ${API}. Rejected. Check CRONICORN_API_KEY in this server's configuration.`);
    expect(describeStatus(key, "terminal")).toBe(`Not signed in to ${API}. Rejected. Check CRONICORN_API_KEY in your environment.`);
  });
});

describe("describeStatus, with an API key", () => {
  const key = (more: Partial<AuthStatus>) => status({ source: "api-key", flow: "api-key", ...more });
  const base = `Signed in to ${API}`;
  const used = "with the API key from CRONICORN_API_KEY (no sign-in or saved credential is used)";

  it("names the key's owner when Cronicorn does, else says why it cannot", () => {
    expect(describeStatus(key({ user: { email: "ada@example.com" }, verified: true }))).toBe(`${base} as ada@example.com ${used}.`);
    expect(describeStatus(key({ userUnknownReason: "API keys are anonymous", verified: true }))).toBe(`${base} ${used}; API keys are anonymous.`);
    expect(describeStatus(key({ user: { name: "Ada" }, userUnknownReason: "ignored" }))).toBe(`${base} as Ada ${used}.`);
    expect(describeStatus(key({}))).toBe(`${base} ${used}.`);
  });

  it("says when Cronicorn could not be asked, and why", () => {
    expect(describeStatus(key({ verified: false, reason: "connect ECONNREFUSED" }))).toBe(`${base} ${used}; not verified by Cronicorn (connect ECONNREFUSED).`);
    expect(describeStatus(key({ verified: false }))).toBe(`${base} ${used}; not verified by Cronicorn (it could not be asked).`);
  });
});

describe("describeStatus, with a saved sign-in", () => {
  const store = "file ~/.cronicorn/credentials.json";

  it("says a sliding session is extended while used, with the days left", () => {
    for (const flow of ["device", "legacy"] as const) {
      expect(
        describeStatus(status({ flow, user: { email: "ada@example.com" }, hasRefreshToken: false, expiresAt: "2030-01-31T00:00:00.000Z", daysLeft: 30 })),
      ).toBe(
        `Signed in to ${API} as ada@example.com via ${flow} (${store}); session valid until 2030-01-31T00:00:00.000Z (30 day(s) left), extended while it is used.`,
      );
    }
  });

  it("says a token refreshes, or needs a new sign-in, by whether it has a refresh token", () => {
    expect(describeStatus(status({ flow: "pkce", user: { name: "Ada" }, hasRefreshToken: true, expiresAt: "2030-01-31T00:00:00.000Z" }))).toBe(
      `Signed in to ${API} as Ada via pkce (${store}); token valid until 2030-01-31T00:00:00.000Z; refreshes automatically.`,
    );
    expect(describeStatus(status({ flow: "pkce", user: { id: "u1" }, hasRefreshToken: false }))).toBe(
      `Signed in to ${API} as user u1 via pkce (${store}); no refresh token (sign in again when it expires).`,
    );
    expect(describeStatus(status({ flow: "device", hasRefreshToken: true }))).toBe(
      `Signed in to ${API} as an unknown user via device (${store}); refreshes automatically.`,
    );
  });

  it("names the store when the flow is not known, and says why the user cannot be named, and an unverified verdict", () => {
    expect(describeStatus(status({ userUnknownReason: "another issuer", verified: false, reason: "timeout" }))).toBe(
      `Signed in to ${API} as a user Cronicorn does not name (another issuer) via file (${store}); not verified by Cronicorn (timeout).`,
    );
  });
});

/** An account service the test scripts, recording how the tools called it. */
function scriptedAccount(login: SignInOutcome & { status?: AuthStatus }, current: AuthStatus) {
  const forced: boolean[] = [];
  const account: AccountService = {
    status: async () => current,
    logout: async () => ({
      revokedOnServer: true,
      deletedLocal: ["file"],
      message: "Signed out: the session ended on Cronicorn and the saved credential was deleted.",
    }),
    login: async (_call: CallContext, force: boolean) => {
      forced.push(force);
      return login;
    },
  };
  const runtime = { api: {}, account, gate: {} } as unknown as Runtime;
  return { runtime, forced };
}

describe("the sign-in tools through the server", () => {
  let served: Served | undefined;
  afterEach(async () => {
    await served?.close();
    served = undefined;
  });

  it("login signs in without forcing unless asked, and answers the status it ends with", async () => {
    const now = status({ flow: "device", user: { email: "ada@example.com" } });
    const { runtime, forced } = scriptedAccount({ state: "ready", status: now }, status({ signedIn: false }));
    served = await serveTools({ loadRuntime: async () => runtime });
    const first = await served.call("login");
    await served.call("login", { force: true });
    expect(forced).toEqual([false, true]);
    expect(summaryOf(first)).toBe(describeStatus(now));
    expect(first.structuredContent).toEqual({ status: now });
  });

  it("login reads the status when the sign-in hands none back", async () => {
    const now = status({ flow: "pkce", user: { email: "bob@example.com" } });
    const { runtime } = scriptedAccount({ state: "ready" }, now);
    served = await serveTools({ loadRuntime: async () => runtime });
    expect(summaryOf(await served.call("login"))).toContain("as bob@example.com via pkce");
  });

  it("login answers a pending sign-in with its link and code, not an error", async () => {
    const { runtime } = scriptedAccount(
      { state: "pending", prompt: PROMPT, message: "Open the link and confirm the code WXYZ1234." },
      status({ signedIn: false }),
    );
    served = await serveTools({ loadRuntime: async () => runtime });
    const result = await served.call("login");
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe("Open the link and confirm the code WXYZ1234.");
    expect(result.structuredContent).toEqual({ signIn: PROMPT });
  });

  it("auth_status and logout answer the account's own words", async () => {
    const now = status({ flow: "device", user: { email: "ada@example.com" } });
    const { runtime } = scriptedAccount({ state: "ready" }, now);
    served = await serveTools({ loadRuntime: async () => runtime });
    expect(summaryOf(await served.call("auth_status"))).toBe(describeStatus(now));
    const out = await served.call("logout");
    expect(summaryOf(out)).toBe("Signed out: the session ended on Cronicorn and the saved credential was deleted.");
    expect(out.structuredContent).toMatchObject({ logout: { revokedOnServer: true, deletedLocal: ["file"] } });
  });

  it("auth_status with the real runtime says the API key is in use, as Cronicorn confirms it, and never shows the key", async () => {
    served = await serveTools({
      script: (request) => (request.path === "/auth/get-session" ? { body: null } : request.path === "/subscriptions/usage" ? { body: {} } : undefined),
    });
    const result = await served.call("auth_status");
    expect(summaryOf(result)).toBe(
      `Signed in to ${served.fake.apiUrl} with the API key from CRONICORN_API_KEY (no sign-in or saved credential is used); Cronicorn does not say who owns an API key (its get-session answers null for x-api-key).`,
    );
    expect(sent(served.fake).map((r) => r.path)).toEqual(["/auth/get-session", "/subscriptions/usage"]);
    expect(JSON.stringify(result)).not.toContain(TEST_API_KEY);
  });
});
