/** What the auth layer offers the layers above it: token-free views of sign-in, status and sign-out. */

/** What the user must do to finish signing in (nothing here is a secret: it is shown to the user). */
export interface SignInPrompt {
  verificationUrl: string;
  /** Present for the device flow; the browser flow needs no code. */
  userCode?: string;
  flow: "device" | "pkce";
  /** ISO time after which the prompt is no longer valid. */
  expiresAt: string;
}

/** One tool call, as the sign-in gate sees it: how to report progress, when the caller gave up, and how its client shows links. */
export interface CallContext {
  signal: AbortSignal;
  progress(progress: number, total: number | undefined, message: string): Promise<void>;
  /** How this call's client can put the sign-in link before the user (none: only the result's text). */
  link?: LinkChannel;
}

export type SignInOutcome = { state: "ready" } | { state: "pending"; prompt: SignInPrompt; message: string };

/** The user's answer to an elicitation. */
export type ElicitationAnswer = "accept" | "decline" | "cancel";

/** How one call can put the sign-in link in front of the user, besides its result text. */
export interface LinkChannel {
  /** 2025-era clients that declared URL mode: push `url` as a URL elicitation; resolves with the answer, rejects when it failed. */
  elicitUrl?(elicitationId: string, url: string, message: string): Promise<ElicitationAnswer>;
  /** Tell such a client the URL elicitation is finished (`notifications/elicitation/complete`). */
  completeElicitation?(elicitationId: string): Promise<void>;
  /** The user has already seen the link (a 2026-era client accepted its URL round). */
  shown?: boolean;
}

/** A sign-in in progress, as a client that opens URLs shows it (no secret: the user reads it). */
export interface StartedSignIn {
  prompt: SignInPrompt;
  /** What to do, for a caller that waits for the approval. */
  message: string;
}

export interface SignInGate {
  /** Start a sign-in (or join the pending one) and say what the user should open. */
  begin(): Promise<StartedSignIn>;
  /** A tool needs a sign-in: start or join one, wait while the user can act on it (bounded, through `call.link`), and say how it went. */
  awaitSignIn(call: CallContext): Promise<SignInOutcome>;
}

/** Token-free views of the account for the auth tools. */
export interface AuthStatus {
  /** When `verified`, Cronicorn's own verdict on the credential; otherwise this server's best judgement. Never true for an expired sign-in. */
  signedIn: boolean;
  /** Whether Cronicorn was asked about the credential and answered (absent when there is no credential). */
  verified?: boolean;
  /** Why Cronicorn's verdict is missing when it could not be asked or gave an odd answer (network, server fault). */
  reason?: string;
  /** Why the user cannot be named although the credential works (an API key, a token of another authorization server). */
  userUnknownReason?: string;
  apiUrl: string;
  source: "api-key" | "keychain" | "file" | "none";
  store: string;
  flow?: "device" | "pkce" | "legacy" | "api-key";
  user?: { id?: string; email?: string; name?: string };
  expiresAt?: string;
  daysLeft?: number;
  hasRefreshToken?: boolean;
  pendingSignIn?: SignInPrompt;
  problem?: string;
}

export interface LogoutReport {
  revokedOnServer: boolean | "not-applicable";
  deletedLocal: string[];
  message: string;
}

export interface AccountService {
  status(): Promise<AuthStatus>;
  logout(): Promise<LogoutReport>;
  /** Start (or join) a sign-in and wait for it like any tool would; "ready" when signed in. */
  login(call: CallContext, force: boolean): Promise<SignInOutcome & { status?: AuthStatus }>;
}
