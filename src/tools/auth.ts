/** Sign-in, status and sign-out. These run without a credential and never show one. */
import * as z from "zod";
import { READS, REMOVES, UPDATES } from "./annotations.js";
import { SignInPendingError, defineTool, SignInPromptSchema } from "./define.js";
import type { AuthStatus } from "../auth/types.js";

const AuthStatusSchema = z.object({
  signedIn: z.boolean().describe("Cronicorn's verdict when verified; never true for an expired sign-in."),
  verified: z.boolean().optional().describe("Whether Cronicorn was asked about the credential and answered."),
  reason: z.string().optional().describe("Why Cronicorn's verdict is missing (unreachable, odd answer)."),
  userUnknownReason: z.string().optional().describe("Why the user is not named (e.g. an API key)."),
  apiUrl: z.string(),
  source: z.enum(["api-key", "keychain", "file", "none"]).describe("Where the credential in use comes from."),
  store: z.string().describe("Where sign-ins are saved."),
  flow: z.enum(["device", "pkce", "legacy", "api-key"]).optional(),
  user: z.object({ id: z.string().optional(), email: z.string().optional(), name: z.string().optional() }).optional(),
  expiresAt: z.string().optional(),
  daysLeft: z.number().optional(),
  hasRefreshToken: z.boolean().optional(),
  pendingSignIn: SignInPromptSchema.optional(),
  problem: z.string().optional(),
});

/** Where the text is read: an MCP client speaks of tools, a terminal of commands. */
export type Audience = "mcp" | "terminal";

const HOW_TO_SIGN_IN: Record<Audience, string> = {
  mcp: 'Sign in with the `login` tool, or run "npx cronicorn-mcp login" in a terminal.',
  terminal: "Sign in with `cronicorn-mcp login` (or `npx cronicorn-mcp login`).",
};
const HOW_TO_FIX_KEY: Record<Audience, string> = {
  mcp: "Check CRONICORN_API_KEY in this server's configuration.",
  terminal: "Check CRONICORN_API_KEY in your environment.",
};

export function describeStatus(s: AuthStatus, audience: Audience = "mcp"): string {
  if (!s.signedIn) {
    const pending = s.pendingSignIn
      ? ` A sign-in is waiting for approval at ${s.pendingSignIn.verificationUrl}${s.pendingSignIn.userCode ? ` (code ${s.pendingSignIn.userCode})` : ""}.`
      : "";
    const next = s.source === "api-key" ? HOW_TO_FIX_KEY[audience] : HOW_TO_SIGN_IN[audience];
    const why = s.problem ? ` ${s.problem}${s.reason ? ` (${s.reason})` : ""}` : "";
    return `Not signed in to ${s.apiUrl}.${why}${pending} ${next}`;
  }
  const unverified = s.verified === false ? `; not verified by Cronicorn (${s.reason ?? "it could not be asked"})` : "";
  if (s.source === "api-key") {
    const owner = s.user ? ` as ${nameOf(s)}` : "";
    const unnamed = !s.user && s.userUnknownReason ? `; ${s.userUnknownReason}` : "";
    return `Signed in to ${s.apiUrl}${owner} with the API key from CRONICORN_API_KEY (no sign-in or saved credential is used)${unnamed}${unverified}.`;
  }
  // better-auth sessions (device flow, the official server's record) have no refresh token: Cronicorn extends them while they are used.
  const slides = s.hasRefreshToken === false && (s.flow === "device" || s.flow === "legacy");
  const days = s.daysLeft !== undefined ? ` (${s.daysLeft} day(s) left)` : "";
  const until = s.expiresAt ? `; ${slides ? "session" : "token"} valid until ${s.expiresAt}${days}${slides ? ", extended while it is used" : ""}` : "";
  const refresh =
    s.hasRefreshToken === undefined || slides ? "" : s.hasRefreshToken ? "; refreshes automatically" : "; no refresh token (sign in again when it expires)";
  return `Signed in to ${s.apiUrl} as ${nameOf(s)} via ${s.flow ?? s.source} (${s.store})${until}${refresh}${unverified}.`;
}

/** The user as the status can name them, or why it cannot. */
function nameOf(s: AuthStatus): string {
  const named = s.user?.email ?? s.user?.name ?? (s.user?.id ? `user ${s.user.id}` : undefined);
  if (named) return named;
  return s.userUnknownReason ? `a user Cronicorn does not name (${s.userUnknownReason})` : "an unknown user";
}

export const authTools = [
  defineTool({
    name: "login",
    title: "Sign in",
    group: "auth",
    description: "Sign in (browser page, or a URL and code). Other tools sign in by themselves: call only to sign in or switch accounts (force).",
    input: z.object({ force: z.boolean().optional().describe("Sign in again, e.g. to switch accounts.") }),
    output: { key: "status", schema: AuthStatusSchema },
    annotations: { ...UPDATES, openWorldHint: true },
    needsAuth: false,
    run: async ({ force }, { account }, call) => {
      const outcome = await account.login(call, force ?? false);
      if (outcome.state === "pending") throw new SignInPendingError(outcome.prompt, outcome.message);
      return outcome.status ?? (await account.status());
    },
    summary: (s) => describeStatus(s),
  }),
  defineTool({
    name: "auth_status",
    title: "Sign-in status",
    group: "auth",
    description: "Signed in or not, as whom, where the credential is kept, expiry (never the token).",
    input: z.object({}),
    output: { key: "status", schema: AuthStatusSchema },
    annotations: READS,
    needsAuth: false,
    run: (_a, { account }) => account.status(),
    summary: (s) => describeStatus(s),
  }),
  defineTool({
    name: "logout",
    title: "Sign out",
    group: "auth",
    description: "Sign out: end the session on the server and delete the saved credential (CRONICORN_API_KEY is unaffected).",
    input: z.object({}),
    output: {
      key: "logout",
      schema: z.object({ revokedOnServer: z.union([z.boolean(), z.literal("not-applicable")]), deletedLocal: z.array(z.string()), message: z.string() }),
    },
    annotations: REMOVES,
    needsAuth: false,
    run: (_a, { account }) => account.logout(),
    summary: (r) => r.message,
  }),
];
